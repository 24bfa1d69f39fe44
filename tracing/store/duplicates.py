"""SQL for duplicate persons: candidate groups, not-duplicate marks, merging.

Used by :mod:`tracing.duplicates` (the rules) and the importer (warnings).
"""

from __future__ import annotations

import json

from ..contactmerge import Checkin, Contact
from . import PERSON_FIELDS
from .samefacts import insert_contact, merge_checkin

_IN = 500
MAX_GROUP = 30
"""Larger groups (a phone shared by a whole building) are not listed pair by pair."""


def groups(store) -> dict[str, list[list[dict]]]:
    """Groups of persons sharing a national id, a phone, or a folded name +
    birth year + ward; each person as ``{id, name, phone, national_id,
    birth_year, ward}``. Key: the reason kind."""
    cols = "id, name, phone, national_id, birth_year, ward, name_folded, district"
    out: dict[str, list[list[dict]]] = {}
    specs = {
        "national_id": ("national_id", "national_id IS NOT NULL AND national_id != ''"),
        "phone": ("phone", "phone IS NOT NULL AND phone != ''"),
        "name": ("name_folded, birth_year, lower(ward)",
                 "name_folded IS NOT NULL AND name_folded != '' AND birth_year IS NOT NULL AND ward IS NOT NULL"),
    }
    names = [c.strip() for c in cols.split(",")]
    for kind, (key, where) in specs.items():
        sql = f"""SELECT {cols} FROM persons WHERE {where} AND ({key}) IN (
                    SELECT {key} FROM persons WHERE {where} GROUP BY {key}
                    HAVING count(*) BETWEEN 2 AND {MAX_GROUP})
                  ORDER BY {key}, id"""
        current, last = [], object()
        found = []
        for row in store.conn.execute(sql):
            rec = dict(zip(names, row))
            k = (rec["national_id"],) if kind == "national_id" else (rec["phone"],) if kind == "phone" else \
                (rec["name_folded"], rec["birth_year"], (rec["ward"] or "").lower())
            if k != last:
                if len(current) > 1:
                    found.append(current)
                current, last = [], k
            current.append(rec)
        if len(current) > 1:
            found.append(current)
        if kind == "name":  # a ward is (district, ward): Phường 1 of Quận 3 is not Phường 1 of Quận 10
            found = _by_ward(store, found)
        for group in found:
            for rec in group:
                rec.pop("district", None)
        out[kind] = found
    return out


def _by_ward(store, found: list[list[dict]]) -> list[list[dict]]:
    """``found`` split by ward as areas are grouped (:class:`tracing.store.areas.WardGroups`:
    a ward named in several districts is one ward per district); each
    person's ``ward`` becomes that group's name."""
    from .areas import WardGroups
    wards = WardGroups.of(store)
    out = []
    for group in found:
        parts: dict[str, list[dict]] = {}
        for rec in group:
            rec["ward"] = wards.label(rec.get("district"), rec["ward"])
            parts.setdefault(rec["ward"], []).append(rec)
        out += [p for _, p in sorted(parts.items()) if len(p) > 1]
    return out


def not_duplicate_pairs(store) -> set[tuple[str, str]]:
    return {(a, b) for a, b in store.conn.execute("SELECT a, b FROM not_duplicates")}


def mark_not_duplicate(store, a: str, b: str) -> bool:
    a, b = sorted((a, b))
    return store.conn.execute("INSERT OR IGNORE INTO not_duplicates (a, b) VALUES (?, ?)", (a, b)).rowcount == 1


def persons_with(store, field: str, values: list[str]) -> list[tuple[str, str, str | None]]:
    """``(value, id, name)`` of persons whose ``field`` (phone or national_id) is in ``values``."""
    assert field in ("phone", "national_id")
    values = list(dict.fromkeys(v for v in values if v))
    out = []
    for i in range(0, len(values), _IN):
        chunk = values[i:i + _IN]
        out.extend(store.conn.execute(
            f"SELECT {field}, id, name FROM persons WHERE {field} IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk))
    return out


# ------------------------------------------------------------------ merging
def merge_rows(store, keep: str, other: str) -> dict:
    """Move everything of ``other`` onto ``keep`` and delete ``other``.

    Contacts that would become self-contacts are dropped; a contact or
    check-in of OTHER that KEEP has too (same other person, date, setting,
    place; same place and time) is merged into KEEP's by the rule of
    :mod:`tracing.contactmerge` (``contacts_merged``, ``checkins_merged``;
    ``merged_changes`` lists those whose merge changed a stored value:
    ``{"kind", "key", "fields": {field: (stored, merged)}}``); the other
    check-ins, case sources, the case, follow-ups are re-pointed.
    KEEP's blank fields are filled from OTHER. Stored levels of OTHER and
    level rows pointing at it are deleted (the caller re-derives).
    Returns counts and ``seeds`` (persons whose levels must be re-derived).
    """
    c = store.conn
    out = {"contacts_moved": 0, "contacts_dropped": 0, "contacts_merged": 0, "checkins_moved": 0,
           "checkins_merged": 0, "merged_changes": [],
           "case_sources_moved": 0, "followups_moved": 0, "care_moved": 0, "zones_moved": 0, "case": None,
           "fields_filled": []}
    seeds = {keep}
    # contacts
    rows = c.execute("""SELECT id, a, b, date, setting, place, minutes, masked, extra, recorded_on FROM contacts
                        WHERE a = ? OR b = ? ORDER BY id""", (other, other)).fetchall()
    c.execute("DELETE FROM contacts WHERE a = ? OR b = ?", (other, other))
    for _id, a, b, date, setting, place, minutes, masked, extra, recorded_on in rows:
        x = b if a == other else a
        seeds.add(x)
        if x == keep:
            out["contacts_dropped"] += 1
            continue
        contact = Contact.from_row(keep, x, date, setting, place, minutes, masked, extra, recorded_on)
        new, changed = insert_contact(store, contact, None)  # recorded_on kept as it was (None: earliest)
        out["contacts_moved" if new else "contacts_merged"] += 1
        if changed:
            out["merged_changes"].append({"kind": "contact", "key": list(contact.key[:3]), "fields": changed})
    # check-ins: moved, or merged into KEEP's check-in at the same place and time
    rows = c.execute("""SELECT person, place, at, until, extra, recorded_on FROM checkins k WHERE person = ?
                        AND EXISTS (SELECT 1 FROM checkins s WHERE s.person = ? AND s.place = k.place AND s.at = k.at)
                        ORDER BY id""", (other, keep)).fetchall()
    for r in rows:
        checkin = Checkin.from_row(keep, *r[1:])
        _id, changed = merge_checkin(store, checkin)
        out["checkins_merged"] += 1
        if changed:
            name = c.execute("SELECT name FROM places WHERE id = ?", (checkin.place,)).fetchone()[0]
            out["merged_changes"].append({"kind": "checkin", "key": list(checkin.key), "place": name,
                                          "fields": changed})
    c.execute("DELETE FROM checkins WHERE person = ? AND EXISTS (SELECT 1 FROM checkins s WHERE s.person = ? "
              "AND s.place = checkins.place AND s.at = checkins.at)", (other, keep))
    out["checkins_moved"] = c.execute("UPDATE checkins SET person = ? WHERE person = ?", (keep, other)).rowcount
    # follow-ups
    # a pending follow-up of the same kind and day as one of ``keep``'s is the
    # same visit (both were in one zone, say): cancelled, not doubled
    c.execute("""UPDATE followups SET status = 'cancelled', reason = ? WHERE person = ? AND status = 'pending'
                 AND EXISTS (SELECT 1 FROM followups k WHERE k.person = ? AND k.kind = followups.kind
                             AND k.due = followups.due AND k.status = 'pending')""",
              (_merged_reason(keep), other, keep))
    out["followups_moved"] = c.execute("UPDATE followups SET person = ? WHERE person = ?", (keep, other)).rowcount
    # cases
    keep_case = c.execute("SELECT * FROM cases WHERE person = ?", (keep,)).fetchone()
    other_case = c.execute("SELECT * FROM cases WHERE person = ?", (other,)).fetchone()
    case_cols = store.columns("cases")
    if other_case is not None:
        seeds.update(r[0] for r in c.execute("SELECT case_id FROM case_sources WHERE source = ?", (other,)))
        oc = dict(zip(case_cols, other_case))
        if keep_case is None:
            cols = [col for col in case_cols if col != "person"]
            c.execute(f"INSERT INTO cases (person, {','.join(cols)}) VALUES (?, {','.join('?' * len(cols))})",
                      [keep, *(oc[col] for col in cols)])
            out["case"] = "moved"
        else:
            kc = dict(zip(case_cols, keep_case))
            fill = {col: oc[col] for col in ("onset", "tier", "extra") if kc[col] is None and oc[col] is not None}
            if fill:
                c.execute(f"UPDATE cases SET {', '.join(f'{k} = ?' for k in fill)} WHERE person = ?",
                          [*fill.values(), keep])
            out["case"] = "kept"
        c.execute("INSERT OR IGNORE INTO case_sources (case_id, source) SELECT ?, source FROM case_sources "
                  "WHERE case_id = ? AND source != ?", (keep, other, keep))
        c.execute("INSERT OR IGNORE INTO case_labels (case_id, label) SELECT ?, label FROM case_labels "
                  "WHERE case_id = ?", (keep, other))
        # treatment history (tracing.care): moved, a row the kept case has that day wins
        out["care_moved"] = c.execute(
            """UPDATE care SET person = ? WHERE person = ? AND NOT EXISTS (
                   SELECT 1 FROM care k WHERE k.person = ? AND k.start = care.start AND k.event = care.event)""",
            (keep, other, keep)).rowcount
        c.execute("DELETE FROM cases WHERE person = ?", (other,))  # cascades its sources, labels, care left
    # zones declared for OTHER (tracing.zones)
    out["zones_moved"] = c.execute("UPDATE zones SET case_id = ? WHERE case_id = ?", (keep, other)).rowcount
    # case sources naming OTHER
    for (case_id,) in c.execute("SELECT case_id FROM case_sources WHERE source = ?", (other,)).fetchall():
        seeds.add(case_id)
        if case_id != keep:
            cur = c.execute("INSERT OR IGNORE INTO case_sources (case_id, source) VALUES (?, ?)", (case_id, keep))
            out["case_sources_moved"] += cur.rowcount
    c.execute("DELETE FROM case_sources WHERE source = ?", (other,))
    # derived levels
    seeds.update(r[0] for r in c.execute("SELECT person FROM level_sources WHERE source = ?", (other,)))
    c.execute("DELETE FROM level_sources WHERE source = ? OR person = ?", (other, other))
    seeds.update(r[0] for r in c.execute("SELECT person FROM levels WHERE primary_source = ? OR chain_case = ?",
                                         (other, other)))
    c.execute("DELETE FROM levels WHERE person = ?", (other,))
    # not-duplicate marks
    c.execute("DELETE FROM not_duplicates WHERE a = ? OR b = ?", (other, other))
    # fields
    cols = [f for f in PERSON_FIELDS if f != "id"]
    k = dict(zip(cols, c.execute(f"SELECT {','.join(cols)} FROM persons WHERE id = ?", (keep,)).fetchone()))
    o = dict(zip(cols, c.execute(f"SELECT {','.join(cols)} FROM persons WHERE id = ?", (other,)).fetchone()))
    fill = {}
    for col in cols:
        if col == "extra":
            if o["extra"]:
                merged = {**json.loads(o["extra"]), **(json.loads(k["extra"]) if k["extra"] else {})}
                if k["extra"] is None or merged != json.loads(k["extra"]):
                    fill["extra"] = merged
        elif k[col] in (None, "") and o[col] not in (None, ""):
            fill[col] = o[col]
    c.execute("DELETE FROM persons WHERE id = ?", (other,))
    store.update_person(keep, fill)
    out["fields_filled"] = sorted(fill)
    out["seeds"] = sorted(s for s in seeds if s != other)
    return out


def _merged_reason(keep: str) -> str:
    from ..followups import reason_code  # the codes of cancelled follow-ups live with them
    return reason_code("merged_into", keep)
