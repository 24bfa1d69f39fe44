"""Bulk writes for imports and benchmarks: batched ``executemany``, no per-row SELECT.

Each function takes the open store (inside ``store.write(...)``) and an
iterable of rows that are already validated (the shapes the cleaners in
:mod:`tracing.people`, :mod:`tracing.encounters` and :mod:`tracing.cases`
return). Rows are consumed in batches of :data:`BATCH`, so memory does not
grow with the input. Each returns the number of rows written (inserted or
changed); pass ``stats={}`` to get the detail (``inserted``, ``updated``,
``persons_created``, ``touched`` ids ...).

>>> import tempfile, os
>>> from tracing.store import Store
>>> store = Store.open(os.path.join(tempfile.mkdtemp(), "t.db"), create=True)
>>> with store.write("import"):
...     bulk_contacts(store, [{"a": "P1", "b": "P2", "date": "2021-05-01"},
...                           {"a": "P2", "b": "P1", "date": "2021-05-01"}])
1
>>> store.counts()["persons"]
2
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import operator
from typing import Iterable, Iterator

from ..i18n import _
from ..values import fold
from . import PERSON_FIELDS, _recorded_on
from .reports import CRITERIA_COLUMNS
from .samefacts import CONTACT_IDENTITY

BATCH = 5000
"""Rows per executemany batch."""
_IN = 500
"""Ids per ``IN (...)`` list."""

_PERSON_COLS = [f for f in PERSON_FIELDS if f != "id"]


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


def batches(rows: Iterable, size: int = BATCH) -> Iterator[list]:
    """Lists of at most ``size`` items from ``rows``.

    >>> [len(b) for b in batches(range(7), 3)]
    [3, 3, 1]
    """
    it = iter(rows)
    while True:
        chunk = list(itertools.islice(it, size))
        if not chunk:
            return
        yield chunk


def _json(value) -> str | None:
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True) if value else None
    return value or None


def _select_in(store, sql: str, ids: list) -> list[tuple]:
    out = []
    for i in range(0, len(ids), _IN):
        chunk = ids[i:i + _IN]
        out.extend(store.conn.execute(sql.format(ids=",".join("?" * len(chunk))), chunk))
    return out


def _track(stats: dict | None, key: str, n: int) -> None:
    if stats is not None:
        stats[key] = stats.get(key, 0) + n


def _touch(stats: dict | None, ids) -> None:
    if stats is not None and "touched" in stats:
        stats["touched"].update(ids)


def create_bare_persons(store, ids: Iterable[str], *, stats: dict | None = None) -> int:
    """Create persons (id only) for ``ids`` that do not exist yet; returns how many."""
    now = _now()
    cur = store.conn.executemany(
        "INSERT OR IGNORE INTO persons (id, name_folded, created_at) VALUES (?, '', ?)",
        [(i, now) for i in dict.fromkeys(ids)])
    n = max(cur.rowcount, 0)
    _track(stats, "persons_created", n)
    return n


def poorer_spelling(new: str, old: str) -> bool:
    """True when ``new`` is ``old`` written with fewer diacritics
    (``Nguyen Van An`` for ``Nguyễn Văn An``, ``NGUYEN VAN AN`` too): the same
    folded text with fewer non-ASCII letters. Importing it over ``old``
    keeps ``old`` (the richer spelling) and says so.

    >>> poorer_spelling("Nguyen Van An", "Nguyễn Văn An"), poorer_spelling("Nguyễn Văn Ân", "Nguyen Van An")
    (True, False)
    """
    if fold(new) != fold(old):
        return False
    return sum(not c.isascii() for c in new) < sum(not c.isascii() for c in old)


def _merged_person(old: dict, new: dict, kept: list | None = None) -> dict:
    """Fields of ``new`` that differ from ``old`` (blank values never erase;
    a name that is the stored one without its diacritics never replaces it:
    ``(id, stored, new)`` goes to ``kept``)."""
    changes = {}
    for key in _PERSON_COLS:
        if key == "extra":
            continue
        value = new.get(key)
        if key == "birth_year" and new.get("birth_year_estimated") and old.get(key) is not None:
            continue  # counted from a typed age (tracing.people.ESTIMATED): the stored year stays; check compares
        if value is not None and value != old.get(key):
            if key == "name" and old.get("name") and poorer_spelling(value, old["name"]):
                if kept is not None:
                    kept.append((old["id"], old["name"], value))
                continue
            changes[key] = value
    extra = new.get("extra")
    if extra:
        stored = json.loads(old["extra"]) if old.get("extra") else {}
        merged = {**stored, **extra}
        if merged != stored:
            changes["extra"] = merged
    return changes


def bulk_persons(store, rows: Iterable[dict], *, stats: dict | None = None) -> int:
    """Insert new persons, update existing ones whose values differ (blank
    values in ``rows`` never erase stored ones; ``extra`` dicts are merged).
    Returns inserted + updated. ``stats``: ``inserted``, ``updated``, ``unchanged``."""
    written = 0
    cols = ["id", *_PERSON_COLS, "name_folded", "created_at"]
    extra_at = 1 + _PERSON_COLS.index("extra") if "extra" in _PERSON_COLS else None
    for chunk in batches(rows):
        by_id: dict[str, dict] = {}
        for row in chunk:  # the same id twice in a batch: later values win
            if row["id"] in by_id:
                merged = dict(by_id[row["id"]])
                merged.update({k: v for k, v in row.items() if v is not None and k != "extra"})
                if row.get("extra"):
                    merged["extra"] = {**(merged.get("extra") or {}), **row["extra"]}
                by_id[row["id"]] = merged
            else:
                by_id[row["id"]] = row
        ids = list(by_id)
        areas = store.areas()
        for pid, row in by_id.items():
            if row.get("ward") or row.get("unit") or row.get("district") or row.get("workplace"):
                by_id[pid] = areas.spelled(row)
        names = ["id", *_PERSON_COLS]
        existing = {r[0]: dict(zip(names, r)) for r in _select_in(
            store, f"SELECT {','.join(names)} FROM persons WHERE id IN ({{ids}})", ids)}
        now = _now()
        new_rows, updates = [], []
        for pid, row in by_id.items():
            old = existing.get(pid)
            if old is None:
                values = [pid, *map(row.get, _PERSON_COLS), fold(row.get("name")), now]
                if extra_at is not None:
                    values[extra_at] = _json(values[extra_at]) if values[extra_at] else None
                new_rows.append(values)
            else:
                changes = _merged_person(old, row, None if stats is None else stats.get("names_kept"))
                if changes:
                    updates.append((pid, changes))
                    if stats is not None and "changes" in stats:
                        stats["changes"].extend(_field_changes(pid, old, changes))
                else:
                    _track(stats, "unchanged", 1)
        if new_rows:
            _insert_persons(store, cols, new_rows)
        for pid, changes in updates:
            store.update_person(pid, changes)
        _track(stats, "inserted", len(new_rows))
        _track(stats, "updated", len(updates))
        _touch(stats, [pid for pid, _ in updates])
        written += len(new_rows) + len(updates)
    return written


def _insert_persons(store, cols: list[str], rows: list[list]) -> None:
    """INSERT ``rows`` (values in the order of ``cols``) into persons in
    their order, leaving out the columns that are NULL in every row (no
    column of persons has another default: the same rows are stored).
    sqlite3 puts every None it binds through its adapter protocol, which cost
    ~0.1 s per 100,000 rows for the columns a persons file rarely has
    (recovered, quarantine start, extra)."""
    used = [i for i in range(len(cols)) if any(row[i] is not None for row in rows)]  # stops at a value
    names = [cols[i] for i in used]
    sql = f"INSERT INTO persons ({','.join(names)}) VALUES ({','.join('?' * len(names))})"
    store.conn.executemany(sql, rows if len(used) == len(cols) else map(operator.itemgetter(*used), rows))


def _field_changes(rid: str, old: dict, new: dict) -> list[tuple]:
    """``(id, field, old value, new value)`` for every stored value that
    ``new`` changes (an extra attribute is its own field, ``extra.KEY``;
    added values are changes from None)."""
    out = []
    for key, value in new.items():
        if key in ("name_folded", "created_at"):
            continue
        before = old.get(key)
        if key == "extra":
            a = json.loads(before) if isinstance(before, str) and before else (before or {})
            b = json.loads(value) if isinstance(value, str) and value else (value or {})
            out.extend((rid, f"extra.{k}", a.get(k), b.get(k)) for k in dict.fromkeys([*a, *b])
                       if a.get(k) != b.get(k))
        elif before != value:
            out.append((rid, key, before, value))
    return out


def merge_extras(old: dict | None, new: dict | None) -> dict:
    """Extra attributes of two rows of one record, keeping every distinct
    value: a key with two different values holds the list of them, in the
    order they came (``{"link_type": ["related", "cluster_link"]}``); values
    are kept as they were (no trimming, no case folding).

    >>> merge_extras({"link_type": "related"}, {"link_type": "cluster_link", "note": "x"})
    {'link_type': ['related', 'cluster_link'], 'note': 'x'}
    >>> merge_extras({"link_type": ["related", "cluster_link"]}, {"link_type": "related"})
    {'link_type': ['related', 'cluster_link']}
    """
    out = dict(old or {})
    for key, value in (new or {}).items():
        if key not in out or out[key] is None:
            out[key] = value
            continue
        have = out[key] if isinstance(out[key], list) else [out[key]]
        values = list(have)
        for v in (value if isinstance(value, list) else [value]):
            if v not in values:
                values.append(v)
        out[key] = values if len(values) > 1 else values[0]
    return out


_CONTACT_KEY = "a, b, ifnull(date, ''), ifnull(setting, ''), ifnull(place, '')"


def bulk_contacts(store, rows: Iterable[dict], *, create_persons: bool = True,
                  stats: dict | None = None) -> int:
    """Insert contacts (``a``, ``b``, ``date``, ``setting``, ``place``,
    ``minutes``, ``masked``, ``extra``, optional ``line``); a row of a contact
    already recorded (same natural key: both ends, date, setting, place), by
    an earlier row or before the import, is merged into the stored contact
    by the rule of :mod:`tracing.contactmerge` (longer minutes, unmasked over
    masked, blanks filled, extras united, earliest recorded_on: the same
    whatever the order of the rows). Ids that are not persons yet are
    created (unless ``create_persons`` is False: then they must exist).
    Returns contacts inserted. ``stats``: ``persons_created``; ``touched``
    (a set, if present) gets both ends of every new or changed contact;
    ``repeats``: rows of ``rows`` with the natural key of an earlier row, as
    ``(key, first line, line, how, fields)`` where ``how`` is ``identical``
    (same values as an earlier row: kept once) or ``merged`` (other values:
    merged); ``stored_differ``: rows whose contact was stored before the
    import and whose merge changed it, ``(key, line, "merged", fields)``;
    ``updated``: contacts stored before that a merge changed.

    Rows are staged in batches into a temporary table (on disk) and moved in
    one sorted ``INSERT ... SELECT``: the indexes grow in order, which is
    several times faster than random inserts, and memory stays flat. Repeated
    keys are looked for only when fewer rows were inserted than staged.
    """
    from ..errors import NotFound

    c = store.conn
    c.execute("DROP TABLE IF EXISTS temp.bulk_contacts")
    c.execute("CREATE TEMP TABLE bulk_contacts (seq INTEGER, a TEXT, b TEXT, date TEXT, setting TEXT, place TEXT, "
              "minutes INTEGER, masked INTEGER, extra TEXT, line INTEGER, recorded_on TEXT)")
    try:
        staged = 0
        for chunk in batches(rows):
            values = []
            for r in chunk:
                a, b = (r["a"], r["b"]) if r["a"] < r["b"] else (r["b"], r["a"])
                masked = r.get("masked")
                values.append((staged + len(values), a, b, r.get("date"), r.get("setting"), r.get("place"), r.get("minutes"),
                               None if masked is None else int(masked), _json(r.get("extra")), r.get("line"),
                               r.get("recorded_on")))
            c.executemany("INSERT INTO temp.bulk_contacts VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
            staged += len(values)
        if not staged:
            return 0
        ends = "(SELECT a AS id FROM temp.bulk_contacts UNION SELECT b FROM temp.bulk_contacts) AS ends"
        if create_persons:
            n = c.execute(f"INSERT OR IGNORE INTO persons (id, name_folded, created_at) "
                          f"SELECT id, '', ? FROM {ends}", (_now(),)).rowcount
            _track(stats, "persons_created", max(n, 0))
        else:
            missing = c.execute(f"SELECT id FROM {ends} WHERE id NOT IN (SELECT id FROM persons) "
                                "ORDER BY id LIMIT 1").fetchone()
            if missing:
                raise NotFound(_("no person with id {id}").format(id=missing[0]))
        before = c.execute("SELECT ifnull(max(id), 0) FROM contacts").fetchone()[0]
        written = max(c.execute(
            """INSERT OR IGNORE INTO contacts (a, b, date, setting, place, minutes, masked, extra, recorded_on)
               SELECT a, b, date, setting, place, minutes, masked, extra, coalesce(recorded_on, ?)
               FROM temp.bulk_contacts
               ORDER BY a, b, seq""", (_recorded_on(),)).rowcount, 0)
        if written < staged:
            stored = _merge_into_stored(store, before)
            repeats = _contact_repeats(store, before)
            if stats is not None:
                stats.setdefault("repeats", []).extend(repeats)
                stats.setdefault("stored_differ", []).extend(stored)
                _track(stats, "updated", len({key for key, *_x in stored}))
                if "touched" in stats:
                    stats["touched"].update(x for key, *_x in stored for x in key[:2])
        if written and stats is not None and "touched" in stats:
            touched = stats["touched"]
            cur = c.execute("SELECT a, b FROM contacts WHERE id > ?", (before,))
            while not getattr(touched, "overflow", False):
                part = cur.fetchmany(BATCH)
                if not part:
                    break
                touched.update([x for pair in part for x in pair])
            cur.close()
    finally:
        c.execute("DROP TABLE IF EXISTS temp.bulk_contacts")
    _track(stats, "inserted", written)
    return written


_STAGED_CONTACT = "t.a, t.b, t.date, t.setting, t.place, t.minutes, t.masked, t.extra, t.recorded_on"


def _staged_contact(row, today: str):
    """The :class:`~tracing.contactmerge.Contact` of a staged row (its
    first nine columns: :data:`_STAGED_CONTACT`; recorded today unless the
    row says when)."""
    from ..contactmerge import Contact
    return Contact.from_row(*row[:8], row[8] or today)


def _merge_into_stored(store, before: int) -> list[tuple]:
    """Merge the staged rows whose contact was stored before this import
    (id up to ``before``) into it (:mod:`tracing.contactmerge`), in file
    order. Returns ``(key, line, "merged", fields)`` of each row whose merge
    changed the stored contact."""
    from .samefacts import merge_contact
    today = _recorded_on()
    rows = store.conn.execute(f"""SELECT {_STAGED_CONTACT}, t.line FROM temp.bulk_contacts AS t
                         JOIN contacts AS c ON c.a = t.a AND c.b = t.b
                              AND ifnull(c.date, '') = ifnull(t.date, '') AND ifnull(c.setting, '') = ifnull(t.setting, '')
                              AND ifnull(c.place, '') = ifnull(t.place, '')
                         WHERE c.id <= ? ORDER BY t.seq""", (before,)).fetchall()
    out = []
    for r in rows:
        contact = _staged_contact(r, today)
        changed = merge_contact(store, contact)[1]
        if changed:
            out.append((contact.key, r[9], "merged", sorted(changed)))
    return out


def _contact_repeats(store, before: int) -> list[tuple]:
    """Staged rows sharing a natural key (see :func:`bulk_contacts`): each
    later row of a group is ``identical`` to an earlier one or ``merged``
    into the contact the first one stored (a contact stored before the
    import has had every row merged: :func:`_merge_into_stored`)."""
    from .samefacts import merge_contact
    today = _recorded_on()
    c = store.conn
    rows = c.execute(f"""SELECT * FROM (
            SELECT {_STAGED_CONTACT}, t.line,
                   count(*) OVER (PARTITION BY {_CONTACT_KEY}) AS n, t.seq,
                   ifnull(t.date, '') AS k3, ifnull(t.setting, '') AS k4, ifnull(t.place, '') AS k5
            FROM temp.bulk_contacts AS t) AS staged WHERE n > 1 ORDER BY a, b, k3, k4, k5, seq""").fetchall()
    out = []
    for key, group in itertools.groupby(rows, key=lambda r: (r[0], r[1], r[2] or "", r[3] or "", r[4] or "")):
        group = list(group)
        first = group[0]
        seen = [first[5:9]]
        new = c.execute(f"SELECT id FROM contacts WHERE {CONTACT_IDENTITY}", key).fetchone()[0] > before
        for r in group[1:]:
            if r[5:9] in seen:
                out.append((key, first[9], r[9], "identical", []))
                continue
            seen.append(r[5:9])
            contact = _staged_contact(r, today)
            changed = merge_contact(store, contact)[1] if new else {}
            out.append((key, first[9], r[9], "merged", sorted(changed)))
    return out


def place_ids(store, places: dict[str, tuple]) -> dict[str, int]:
    """Ids of places by name, creating the missing ones; ``places`` maps a
    name to its ``(unit, ward)``. A name typed another way (``quan a`` for
    ``Quán A``: same :func:`~tracing.values.fold`) is the place already
    known, or the first spelling of the batch: one venue, so stays there
    overlap (DOMAIN.md 'QR check-ins'); each respelling is kept in
    ``store.places_respelled`` for the import summary."""
    found, respelled = known_place_ids(store, places)
    store.places_respelled.update(respelled)
    missing = [n for n in places if n not in found]
    if missing:
        first: dict[str, str] = {}
        for n in missing:
            if first.setdefault(fold(n), n) != n:
                store.places_respelled[n] = first[fold(n)]
        new = list(first.values())
        store.conn.executemany("INSERT OR IGNORE INTO places (name, name_folded, unit, ward) VALUES (?, ?, ?, ?)",
                               [(n, fold(n), *places[n]) for n in new])
        ids = {name: pid for pid, name in _select_in(store, "SELECT id, name FROM places WHERE name IN ({ids})", new)}
        found.update(ids)
        found.update({n: ids[first[fold(n)]] for n in missing if n not in found})
    return found


def known_place_ids(store, names) -> tuple[dict[str, int], dict[str, str]]:
    """``({name: id}, {name: stored spelling})`` of the known places among
    ``names``: by the exact name, else by the folded name (``quan a`` is
    ``Quán A``); the second dict holds the names found only by folding.
    Creates nothing."""
    names = list(names)
    found = {name: pid for pid, name in _select_in(store, "SELECT id, name FROM places WHERE name IN ({ids})", names)}
    respelled: dict[str, str] = {}
    missing = [n for n in names if n not in found]
    if missing:
        known = known_places_by_fold(store, {fold(n) for n in missing})
        for n in missing:
            if fold(n) in known:
                found[n], respelled[n] = known[fold(n)]
    return found, respelled


def known_places_by_fold(store, folded) -> dict[str, tuple[int, str]]:
    """``{folded name: (id, name)}`` of the stored places whose folded name is
    in ``folded``; of several spellings stored, the first (lowest id)."""
    out: dict[str, tuple[int, str]] = {}
    for pid, name, f in sorted(_select_in(store, "SELECT id, name, name_folded FROM places WHERE name_folded IN ({ids})",
                                          sorted(folded))):
        out.setdefault(f, (pid, name))
    return out


def bulk_checkins(store, rows: Iterable[dict], *, create_persons: bool = True,
                  stats: dict | None = None) -> int:
    """Insert QR check-ins (``person``, ``place`` name, ``at``, ``until``, and
    the place's ``unit``/``ward``, ``recorded_on``, ``extra``: the file's
    other columns); places are created as needed. A check-in with the same
    (person, place, at) as one stored (before or by an earlier row) is
    merged into it by the rule of :mod:`tracing.contactmerge` (the widest
    stay, extras united, earliest recorded_on); ``stats``: ``updated``,
    check-ins stored before the import that a merge changed, ``touched``
    (a set, if present) gets their persons. Returns check-ins inserted."""
    from ..contactmerge import Checkin
    from .samefacts import merge_checkin
    written = 0
    cache: dict[str, int] = {}
    today_ = _recorded_on()  # rows without their own recorded_on: recorded today
    before = store.conn.execute("SELECT ifnull(max(id), 0) FROM checkins").fetchone()[0]
    updated: set[int] = set()
    for chunk in batches(rows):
        areas = store.areas()
        wanted = {r["place"]: (lambda a: (a.get("unit"), a.get("ward")))(areas.spell({"unit": r.get("unit"),
                                                                                      "ward": r.get("ward")}))
                  for r in chunk if r["place"] not in cache}
        if wanted:
            cache.update(place_ids(store, wanted))
        if create_persons:
            create_bare_persons(store, sorted({r["person"] for r in chunk}), stats=stats)
        records = [Checkin(r["person"], cache[r["place"]], r["at"], r.get("until"), r.get("extra") or None,
                           r.get("recorded_on") or today_) for r in chunk]
        before_chunk = store.conn.execute("SELECT ifnull(max(id), 0) FROM checkins").fetchone()[0]
        cur = store.conn.executemany(
            "INSERT OR IGNORE INTO checkins (person, place, at, until, recorded_on, extra) VALUES (?, ?, ?, ?, ?, ?)",
            [(k.person, k.place, k.at, k.until, k.recorded_on, k.stored()[2]) for k in records])
        n = max(cur.rowcount, 0)
        written += n
        if n < len(chunk):  # some were stored before (or by an earlier row): merged into it
            for k in _repeated_checkins(store, records, before_chunk):
                cid, changed = merge_checkin(store, k)
                if changed and cid <= before:
                    updated.add(cid)
                    if stats is not None and "touched" in stats:
                        stats["touched"].add(k.person)
    _track(stats, "inserted", written)
    _track(stats, "updated", len(updated))
    return written


def _repeated_checkins(store, records: list, before: int) -> list:
    """The check-ins of ``records`` that were not inserted: their (person,
    place, at) was stored before the chunk (id up to ``before``) or is an
    earlier record's of the chunk."""
    stored = {tuple(r) for r in _select_in(
        store, f"SELECT person, place, at FROM checkins WHERE id <= {int(before)} AND person IN ({{ids}})",
        sorted({k.person for k in records}))}
    seen: set = set()
    out = []
    for k in records:
        if k.key in stored or k.key in seen:
            out.append(k)
        seen.add(k.key)
    return out


_CASE_COLS = ("confirmed", "onset", "isolated", "unknown_source", "tier", "found_by", "isolated_given",
              "unknown_given")


def bulk_cases(store, rows: Iterable[dict], *, stats: dict | None = None) -> int:
    """Insert or update confirmed cases: ``person`` (id), ``confirmed``,
    ``onset``, ``isolated``, ``unknown_source``, optional ``tier``, ``extra``,
    ``isolated_given``/``unknown_given`` (1: the file gave it, 0: derived
    like `case confirm`'s; None keeps the stored flag),
    ``sources`` (person ids, must exist) and ``labels`` (non-person sources).
    Persons missing for a case are created bare. A new case gets its
    ``prior_level`` from the row when given (the importer gives the level the
    person was in quarantine for on the sample date, else None), else from
    the stored levels; sources and labels are added, and a row that names
    sources replaces those of a stored case it does not name (a corrected line
    list drops a source: :func:`_drop_unnamed_sources`; a blank cell keeps
    them). Returns cases inserted + changed; ``stats``: ``inserted``,
    ``updated``, ``sources``, ``labels`` written and ``changed_cases`` (set, if present)."""
    written = 0
    for chunk in batches(rows):
        by_id = {}
        for r in chunk:
            by_id[r["person"]] = r
        ids = list(by_id)
        create_bare_persons(store, ids, stats=stats)
        cols = ("person", *_CASE_COLS, "extra")
        existing = {r[0]: dict(zip(cols, r)) for r in _select_in(
            store, f"SELECT {','.join(cols)} FROM cases WHERE person IN ({{ids}})", ids)}
        prior = dict(_select_in(store, "SELECT person, level FROM levels WHERE person IN ({ids})",
                                [i for i in ids if i not in existing]))
        now = _now()
        inserts, updates, changed = [], [], []
        for cid, r in by_id.items():
            old = existing.get(cid)
            if old is None:
                inserts.append((cid, r["confirmed"], r.get("onset"), r["isolated"], int(r.get("unknown_source") or 0),
                                r.get("tier"), r["prior_level"] if "prior_level" in r else prior.get(cid),
                                _json(r.get("extra")), now, r.get("found_by"), r.get("isolated_given"),
                                r.get("unknown_given")))
                changed.append(cid)
                continue
            new = {c: (old[c] if r.get(c) is None and c in ("onset", "tier", "found_by", "isolated_given",
                                                             "unknown_given") else r.get(c))
                   for c in _CASE_COLS}
            new["unknown_source"] = int(new["unknown_source"] or 0)
            extra = old["extra"]
            if r.get("extra"):
                stored = json.loads(extra) if extra else {}
                extra = _json({**stored, **r["extra"]})
            new["extra"] = extra
            if any(new[c] != old[c] for c in (*_CASE_COLS, "extra")):
                updates.append((*(new[c] for c in (*_CASE_COLS, "extra")), cid))
                if stats is not None and "changes" in stats:
                    stats["changes"].extend(_field_changes(cid, old, new))
                if any(new[c] != old[c] for c in ("confirmed", "onset", "isolated")):
                    changed.append(cid)
        if inserts:
            store.conn.executemany(
                """INSERT INTO cases (person, confirmed, onset, isolated, unknown_source, tier, prior_level,
                   extra, created_at, found_by, isolated_given, unknown_given)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""", inserts)
        if updates:
            store.conn.executemany(
                f"UPDATE cases SET {', '.join(f'{c} = ?' for c in (*_CASE_COLS, 'extra'))} WHERE person = ?",
                updates)
        changed.extend(c for c in _drop_unnamed_sources(store, by_id, existing, stats) if c not in changed)
        links = [(cid, s) for cid, r in by_id.items() for s in r.get("sources") or () if s != cid]
        n_links = 0
        if links:
            n_links = max(store.conn.executemany(
                "INSERT OR IGNORE INTO case_sources (case_id, source) VALUES (?, ?)", links).rowcount, 0)
        labels = [(cid, x) for cid, r in by_id.items() for x in r.get("labels") or ()]
        n_labels = 0
        if labels:
            n_labels = max(store.conn.executemany(
                "INSERT OR IGNORE INTO case_labels (case_id, label) VALUES (?, ?)", labels).rowcount, 0)
        if n_links:
            linked = {cid for cid, _ in links}
            changed.extend(c for c in linked if c not in changed)  # a new source moves the case in the tree
        _track(stats, "inserted", len(inserts))
        _track(stats, "updated", len(updates))
        _track(stats, "sources", n_links)
        _track(stats, "labels", n_labels)
        if stats is not None and "changed_cases" in stats:
            stats["changed_cases"].update(changed)
        _touch(stats, changed)
        written += len(inserts) + len(updates)
    return written


def _drop_unnamed_sources(store, by_id: dict, existing: dict, stats: dict | None) -> list[str]:
    """For stored cases whose row names sources (ids or labels), delete the
    stored infection links and labels the row does not name (a corrected file
    says ``R2`` where the first said ``R1, R2``); each drop is a change
    (``sources``/``labels``: old and new, ``;``-joined) in ``stats["changes"]``.
    Returns the cases whose links changed (re-derived by the caller)."""
    given = {cid: (set(r.get("sources") or ()), set(r.get("labels") or ())) for cid, r in by_id.items()
             if cid in existing and (r.get("sources") or r.get("labels"))}
    if stats is not None and "sources_kept" in stats:
        # a blank cell says nothing: the stored sources stay, and the summary says so (nothing kept silently)
        blank = [cid for cid in by_id if cid in existing and cid not in given]
        if blank:
            kept: dict[str, list] = {}
            for table, col in (("case_sources", "source"), ("case_labels", "label")):
                for cid, value in _select_in(store, f"SELECT case_id, {col} FROM {table} WHERE case_id IN ({{ids}})",
                                             blank):
                    kept.setdefault(cid, []).append(value)
            stats["sources_kept"] += [(cid, ";".join(sorted(v))) for cid, v in sorted(kept.items())]
    if not given:
        return []
    out = []
    for table, col, i, field in (("case_sources", "source", 0, "sources"), ("case_labels", "label", 1, "labels")):
        stored: dict[str, list] = {}
        for cid, value in _select_in(store, f"SELECT case_id, {col} FROM {table} WHERE case_id IN ({{ids}})",
                                     list(given)):
            stored.setdefault(cid, []).append(value)
        for cid, values in sorted(stored.items()):
            gone = sorted(v for v in values if v not in given[cid][i])
            if not gone:
                continue
            store.conn.executemany(f"DELETE FROM {table} WHERE case_id = ? AND {col} = ?", [(cid, v) for v in gone])
            if stats is not None and "changes" in stats:
                kept = sorted(v for v in values if v not in gone)
                new = sorted(set(kept) | given[cid][i])
                stats["changes"].append((cid, field, ";".join(sorted(values)), ";".join(new) or None))
            if i == 0:
                out.append(cid)
    return out


def bulk_populations(store, rows: Iterable[dict], *, stats: dict | None = None,
                     kept: dict | None = None) -> int:
    """Insert or update populations (``kind``, ``area``, ``population`` and
    the optional ``vaccinated``, ``elderly_vaccinated``, ``capacity``,
    ``extra``: the file's other columns, merged like contacts' extras);
    returns the areas inserted or changed (population or a criteria figure),
    each counted once; ``stats`` gets ``inserted``, ``updated`` and
    ``unchanged`` (every area of the file in exactly one of them).

    A criteria column a row does not give (no such column in the file, or a
    blank cell) keeps the stored figure: ``kept`` (when given) collects
    ``{(kind, area): [column, ...]}`` for every area whose stored figures were
    kept that way, so the import can say so (principle 7)."""
    written = 0
    for chunk in batches(rows):
        areas = store.areas()
        canon = [(r["kind"], areas.population(r["kind"], r["area"])) for r in chunk]
        keyed = {key: r["population"] for key, r in zip(canon, chunk)}
        old, stored = {}, {}
        for kind in {k for k, _ in keyed}:
            areas = [a for k, a in keyed if k == kind]
            for i in range(0, len(areas), _IN):
                part = areas[i:i + _IN]
                for a, p, *crit in store.conn.execute(
                        f"SELECT area, population, {', '.join(CRITERIA_COLUMNS)} FROM populations "
                        f"WHERE kind = ? AND area IN ({','.join('?' * len(part))})", [kind, *part]):
                    old[(kind, a)] = p
                    stored[(kind, a)] = dict(zip(CRITERIA_COLUMNS, crit))
        todo = [(k, a, p) for (k, a), p in keyed.items() if old.get((k, a)) != p]
        store.conn.executemany(
            """INSERT INTO populations (kind, area, population) VALUES (?, ?, ?)
               ON CONFLICT(kind, area) DO UPDATE SET population = excluded.population""", todo)
        # each area is counted once: new (inserted), changed (its population or
        # a criteria figure: updated) or the same as stored (unchanged); every
        # changed value is listed (area, field, old, new, line): an update is never silent
        changed = {(k, a) for k, a, _ in todo if (k, a) in old}
        changes = stats.setdefault("changes", []) if stats is not None else []
        for (kind, area), r in zip(canon, chunk):
            if (kind, area) in changed and old[(kind, area)] != r["population"]:
                changes.append((area, "population", old[(kind, area)], r["population"], r.get("line")))
        for (kind, area), r in zip(canon, chunk):  # criteria columns of the level, when the file has them
            extras = {k: r[k] for k in CRITERIA_COLUMNS if k in r}
            if extras:
                before = stored.get((kind, area))
                if before is not None and any(before.get(k) != v for k, v in extras.items()):
                    changed.add((kind, area))
                    changes.extend((area, k, before.get(k), v, r.get("line")) for k, v in extras.items()
                                   if before.get(k) != v)
                store.conn.execute(
                    f"UPDATE populations SET {', '.join(f'{k} = ?' for k in extras)} WHERE kind = ? AND area = ?",
                    [*extras.values(), kind, area])
            if r.get("extra"):  # the file's other columns, every distinct value kept
                (before,) = store.conn.execute("SELECT extra FROM populations WHERE kind = ? AND area = ?",
                                               (kind, area)).fetchone()
                had = json.loads(before) if before else {}
                merged = merge_extras(had, r["extra"])
                if merged != had:
                    store.conn.execute("UPDATE populations SET extra = ? WHERE kind = ? AND area = ?",
                                       (_json(merged), kind, area))
                    if (kind, area) in old:
                        changed.add((kind, area))
                        changes.extend((area, *c[1:], r.get("line")) for c in _field_changes(area, {"extra": had},
                                                                                           {"extra": merged}))
            if kept is not None:
                held = [k for k in CRITERIA_COLUMNS
                        if k not in r and (stored.get((kind, area)) or {}).get(k) is not None]
                if held:
                    kept[(kind, area)] = held
        inserted = sum(1 for key in keyed if key not in old)
        _track(stats, "updated", len(changed))
        _track(stats, "inserted", inserted)
        _track(stats, "unchanged", len(keyed) - inserted - len(changed))
        written += inserted + len(changed)
    return written


def existing_ids(store, ids: Iterable[str]) -> set[str]:
    """The ids among ``ids`` that are persons."""
    ids = list(dict.fromkeys(ids))
    return {r[0] for r in _select_in(store, "SELECT id FROM persons WHERE id IN ({ids})", ids)}


def cases_of(store, ids: Iterable[str]) -> dict[str, dict]:
    """Stored cases by id (for partial re-imports)."""
    ids = list(dict.fromkeys(ids))
    cols = ("person", "confirmed", "onset", "isolated", "unknown_source", "isolated_given", "unknown_given")
    return {r[0]: dict(zip(cols, r)) for r in _select_in(
        store, f"SELECT {','.join(cols)} FROM cases WHERE person IN ({{ids}})", ids)}


#: The flags an import records for ``check`` (:func:`flag_merges`).
IMPORT_FLAGS = ("duplicate_id_merged",)


def flag_merges(store, merged: dict[str, list[int]], file: str) -> int:
    """Record that rows of ``file`` on ``merged[id]`` lines were merged into
    one person/case (``check`` reports them); returns flags added."""
    rows = [(pid, "duplicate_id_merged", f"{file} lines {', '.join(map(str, lines))}", _now())
            for pid, lines in sorted(merged.items())]
    if not rows:
        return 0
    return max(store.conn.executemany(
        "INSERT OR IGNORE INTO import_flags (person, flag, detail, created_at) VALUES (?, ?, ?, ?)", rows).rowcount, 0)


def add_import_flags(store, rows) -> int:
    """Store ``(person, flag, detail)`` rows read from a file (an export's
    ``import_flags`` column) for the persons that exist; returns flags added."""
    rows = [(pid, flag, detail, _now(), pid) for pid, flag, detail in rows]
    if not rows:
        return 0
    return max(store.conn.executemany(
        "INSERT OR IGNORE INTO import_flags (person, flag, detail, created_at) "
        "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM persons WHERE id = ?)", rows).rowcount, 0)
