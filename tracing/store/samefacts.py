"""A contact or check-in stored again: the stored record becomes the merge
of both (the rule: :mod:`tracing.contactmerge`), on every path that can
meet one (`contact add`, `checkin add`, imports, `copy --merge`, `person
merge`), on both stores.

Each function returns the fields the merge changed, ``{field: (stored,
merged)}`` (empty: the stored record already said it all), for the caller
to report.
"""

from __future__ import annotations

import dataclasses

from ..contactmerge import Checkin, Contact, changed_fields, merge_checkins, merge_contacts

CONTACT_IDENTITY = "a = ? AND b = ? AND ifnull(date, '') = ? AND ifnull(setting, '') = ? AND ifnull(place, '') = ?"
"""The identity of a stored contact (index ``contacts_natural``), for :attr:`Contact.key`."""


def insert_contact(store, contact: Contact, recorded_on: str) -> tuple[bool, dict]:
    """Store ``contact`` (``recorded_on`` when it has none): ``(True, {})``
    when new, else ``(False, changed)`` after merging it into the stored one."""
    if contact.recorded_on is None:
        contact = dataclasses.replace(contact, recorded_on=recorded_on)
    a, b = sorted((contact.a, contact.b))
    cur = store.conn.execute(
        """INSERT OR IGNORE INTO contacts (a, b, date, setting, place, minutes, masked, extra, recorded_on)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        (a, b, contact.date, contact.setting, contact.place, *contact.stored()))
    if cur.rowcount == 1:
        return True, {}
    return False, merge_contact(store, contact)[1]


def merge_contact(store, contact: Contact) -> tuple[int, dict]:
    """Merge ``contact`` into the stored contact of the same identity (which
    must exist); returns its id and the fields changed."""
    row = store.conn.execute(f"""SELECT id, a, b, date, setting, place, minutes, masked, extra, recorded_on
                                 FROM contacts WHERE {CONTACT_IDENTITY}""", contact.key).fetchone()
    stored = Contact.from_row(*row[1:])
    merged = merge_contacts(stored, contact)
    changed = changed_fields(stored, merged)
    if changed:
        store.conn.execute("UPDATE contacts SET minutes = ?, masked = ?, extra = ?, recorded_on = ? WHERE id = ?",
                           (*merged.stored(), row[0]))
    return row[0], changed


def insert_checkin(store, checkin: Checkin, recorded_on: str) -> tuple[bool, dict]:
    """Store ``checkin`` (``place``: the place's id): ``(True, {})`` when
    new, else ``(False, changed)`` after merging it into the stored one."""
    if checkin.recorded_on is None:
        checkin = dataclasses.replace(checkin, recorded_on=recorded_on)
    at, until, extra, recorded = checkin.stored()
    cur = store.conn.execute(
        "INSERT OR IGNORE INTO checkins (person, place, at, until, recorded_on, extra) VALUES (?, ?, ?, ?, ?, ?)",
        (checkin.person, checkin.place, at, until, recorded, extra))
    if cur.rowcount == 1:
        return True, {}
    return False, merge_checkin(store, checkin)[1]


def merge_checkin(store, checkin: Checkin) -> tuple[int, dict]:
    """Merge ``checkin`` into the stored check-in of the same person, place
    (id) and time (which must exist); returns its id and the fields changed."""
    row = store.conn.execute("""SELECT id, person, place, at, until, extra, recorded_on FROM checkins
                                WHERE person = ? AND place = ? AND at = ?""", checkin.key).fetchone()
    stored = Checkin.from_row(*row[1:])
    merged = merge_checkins(stored, checkin)
    changed = changed_fields(stored, merged)
    if changed:
        store.conn.execute("UPDATE checkins SET until = ?, extra = ?, recorded_on = ? WHERE id = ?",
                           (*merged.stored()[1:], row[0]))
    return row[0], changed
