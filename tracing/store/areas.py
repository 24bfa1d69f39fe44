"""One spelling per area: ``Bồ Đề``, ``BỒ ĐỀ`` and ``Bo De`` are one ward.

Area names (``district``, ``ward``, ``unit`` and ``workplace`` of persons and
places, and the areas of ``populations``; an enterprise typed ``Công ty TNHH
Canon`` or ``cong ty tnhh canon`` is one workplace, as a ward is) are compared folded (:func:`tracing.values.fold`:
case, diacritics, ``đ``, spaces), and districts, wards and units also without
their administrative prefix (:data:`tracing.values.AREA_PREFIXES`: ``Phường
Bồ Đề``, ``P. Bồ Đề`` and ``Bồ Đề`` are one ward). A new spelling of a known area is stored in
the known spelling: the populations file's, else the first one seen. A
population whose area was first seen spelled otherwise renames the stored
spellings to its own. Every respelling is counted in ``renamed``
(``{typed: stored}``) so imports can report it: nothing changes silently.

The identity of a ward is (district, ward), not its name alone (issue 13,
critic13c F1): ``Phường 1`` of ``Quận 3`` and ``Phường 1`` of ``Quận 10`` are
two wards, and a spelling is never taken from a ward of another district. A
ward typed without a district takes the spelling of a same-named ward only
when exactly one district has it (else it is kept apart: ambiguous); a ward
typed with a district takes the spelling of a ward known without one (a
populations file without a district column). The administrative kind counts
when it is written on both sides: ``Xã Bồ Đề`` (a commune) is not ``Phường Bồ
Đề`` (a ward), even in one district; ``Bồ Đề`` matches either when only one is
known. Units belong to their ward (``TDP 5`` of two wards are two units).
Grouping (``level``, ``report``) keys wards the same way (:class:`WardGroups`).
"""

from __future__ import annotations

import json

from ..values import area_kind, fold, fold_area, fold_area_unprefixed

AREA_FIELDS = ("district", "ward", "unit", "workplace")


def area_key(field: str, value) -> str:
    """How an area name of ``field`` is compared: districts, wards and units
    without their administrative prefix (:func:`tracing.values.fold_area`:
    ``Phường Bồ Đề`` = ``P. Bồ Đề`` = ``bo de``), workplaces folded only
    (``Công ty`` is part of an enterprise's name)."""
    return fold(value) if field == "workplace" else fold_area(value)


def population_key(kind: str, area: str) -> tuple:
    """How the area of a population row is compared (a unit is ``UNIT, WARD``)."""
    if kind == "unit":
        unit, _, ward = area.partition(", ")
        return (area_key("unit", unit), fold_area(ward))
    if kind == "ward":  # "WARD, DISTRICT" (a populations file with a district column); a kind written counts
        ward, _, district = area.partition(", ")
        return (area_key("ward", ward), area_kind(ward) or "", fold_area(district))
    return (area_key(kind, area), "")


def spellings(store, field: str, typed: str) -> list[str]:
    """The stored spellings of the area ``typed`` names in persons' ``field``
    (``district``, ``ward``, ``unit`` or ``workplace``), compared as
    :func:`area_key` does: a filter such as ``list --ward "Bo De"`` finds the
    persons of ``Bồ Đề`` (grouping and filtering fold alike)."""
    if field not in AREA_FIELDS:
        raise ValueError(field)
    known: dict = {}
    if field == "ward":  # a ward is (district, ward): the typed name in each district
        pairs = ward_pairs(store)
        for d, v in pairs:
            area_spelling(known, "ward", v, district=d)
        return sorted({v for d, v in pairs if area_spelling(known, "ward", v, district=d)
                       == area_spelling(known, "ward", typed, district=d)})
    values = [v for (v,) in store.conn.execute(f"SELECT DISTINCT {field} FROM persons WHERE {field} IS NOT NULL")]
    for v in values:
        area_spelling(known, field, v)
    want = area_spelling(known, field, typed)
    return [v for v in values if area_spelling(known, field, v) == want]


def spelling_key(field: str, value: str, ward: str | None = None, district: str | None = None) -> tuple:
    """What makes two spellings one area of ``field``: its :func:`area_key`,
    and for a unit the folded ward it is in and that ward's district (unit
    names repeat across wards, ward names across districts)."""
    if field != "unit":
        return (field, area_key(field, value), "")
    return (field, area_key(field, value), fold_area(ward) + (f"\x1f{fold_area(district)}" if district else ""))


_WARDS, _WARDS_GUESSED = ("wards",), ("wards guessed",)


def _ward_slot(slots: dict | None, ctx: str, kind: str | None) -> str | None:
    """The spelling of the ward of district ``ctx`` (folded; "" unknown) and
    ``kind`` among ``slots`` (``{(district, kind): spelling}`` of one folded
    name), or None: another district's ward is never taken, a kind written
    on both sides must agree, and a ward without a district takes the one of
    exactly one district (several: ambiguous, kept apart)."""
    if not slots:
        return None
    ok = [(c, k, s) for (c, k), s in slots.items() if not (kind and k and k != kind)]

    def pick(cands):
        exact = [s for c, k, s in cands if k == (kind or "")]
        if exact:
            return exact[0]
        found = {s for c, k, s in cands}
        return found.pop() if len(found) == 1 else None

    same = [t for t in ok if t[0] == ctx]
    if same:
        return pick(same)
    if ctx:  # a ward known without a district (a populations file without one)
        return pick([t for t in ok if t[0] == ""])
    districts = {t[0] for t in ok}
    return pick(ok) if len(districts) == 1 else None


def ward_spelling(known: dict, value: str, district: str | None = None, *, register: bool = True) -> str | None:
    """The known spelling of the ward ``value`` of ``district`` (the rules of
    the module doc), registering it when new (with ``register=False``: None
    when unknown)."""
    names, guessed = known.setdefault(_WARDS, {}), known.setdefault(_WARDS_GUESSED, {})
    ctx = fold_area(district) if district else ""
    kind, key, bare = area_kind(value), fold_area(value), fold_area_unprefixed(value)
    bare_kind = area_kind(value, bare=True) if bare else None
    hit = (_ward_slot(names.get(key), ctx, kind) or (bare and _ward_slot(names.get(bare), ctx, bare_kind))
           or _ward_slot(guessed.get(key), ctx, kind))
    if not register:
        return hit
    if hit is None:
        hit = value
    names.setdefault(key, {}).setdefault((ctx, kind or ""), hit)
    if bare:  # a "phuong X" seen before "Phường X"
        guessed.setdefault(bare, {}).setdefault((ctx, bare_kind or ""), hit)
    return hit


def ward_ambiguous(known: dict, value: str) -> list[str]:
    """The folded districts of the wards named like ``value`` (a ward typed
    without a district matches none of them when there are several)."""
    slots = known.get(_WARDS, {}).get(fold_area(value)) or {}
    kind = area_kind(value)
    districts = sorted({c for (c, k) in slots if c and not (kind and k and k != kind)})
    return districts if len(districts) > 1 else []


def area_spelling(known: dict, field: str, value: str, ward: str | None = None, district: str | None = None) -> str:
    """The known spelling of the area ``value`` of ``field`` (in ``ward`` for
    a unit, in ``district`` for a ward: :func:`ward_spelling`), registering
    ``value`` when the area is new. Beside the
    :func:`spelling_key`, an administrative word typed without diacritics
    before a name (``phuong phuc dong``, ``Phuong Bo De``) matches the area
    without it when that one is known, and the other way round
    (:func:`tracing.values.fold_area_unprefixed`)."""
    if field == "ward":
        return ward_spelling(known, value, district)
    key = spelling_key(field, value, ward, district)
    hit = known.get(key)
    if hit is None and field == "unit" and district:  # a unit known without its district (populations' UNIT, WARD)
        hit = known.get(spelling_key(field, value, ward))
    if hit is not None:
        known[key] = hit
        return hit
    bare = fold_area_unprefixed(value) if field != "workplace" else None
    alt = (key[0], bare, key[2]) if bare else None
    hit = known.get(alt) if alt else None
    if hit is None:
        hit = known.get(("prefixed", *key))  # a "phuong X" seen before "Phường X"
    if hit is None:
        hit = value
    known[key] = hit
    if alt:
        known.setdefault(("prefixed", *alt), hit)
    return hit


def _first_seen(dialect: str) -> str:
    # first seen: SQLite's rowid is the order rows were written; a PostgreSQL
    # table has no such order, the creation time (then the id) stands for it
    # there (one import writes in one second: the same time, the smaller id wins)
    return "min(rowid)" if dialect == "sqlite" else "min(created_at), min(id)"


def known_spellings(conn, dialect: str) -> dict[tuple, str]:
    """``{spelling_key: stored spelling}`` of every stored area: the
    populations file's spelling, else the first one seen on a person."""
    known: dict[tuple, str] = {}
    first = _first_seen(dialect)
    for kind, area in conn.execute("SELECT kind, area FROM populations ORDER BY kind, area"):
        if kind == "unit":
            unit, _, ward = area.partition(", ")
            known.setdefault(spelling_key("unit", unit, ward or None), unit)
        elif kind == "ward":  # "WARD, DISTRICT" from a populations file with a district column
            ward, _, district = area.partition(", ")
            ward_spelling(known, ward, district or None)
            if district:  # its district in the populations' spelling too (critic13 F11: Quận 10, not Quan 10)
                known.setdefault(spelling_key("district", district), district)
        else:
            known.setdefault(spelling_key(kind, area), area)
    for field in ("district", "workplace"):
        for (value,) in conn.execute(f"SELECT {field} FROM persons WHERE {field} IS NOT NULL "
                                     f"GROUP BY {field} ORDER BY {first}"):
            area_spelling(known, field, value)
    for district, ward in conn.execute("SELECT district, ward FROM persons WHERE ward IS NOT NULL "
                                       f"GROUP BY district, ward ORDER BY {first}"):
        ward_spelling(known, ward, district)
    for district, ward, unit in conn.execute("SELECT district, ward, unit FROM persons WHERE unit IS NOT NULL "
                                             f"GROUP BY district, ward, unit ORDER BY {first}"):
        # a unit is in its ward as known (phuong phuc dong is Phường Phúc Đồng)
        area_spelling(known, "unit", unit, ward_spelling(known, ward, district) if ward else None, district)
    return known


def _respelled(known: dict, row: dict, fields=("district", "ward", "unit")) -> dict:
    """The areas of ``row`` that have another known spelling: ``{field: stored}``
    (new spellings become known, as :meth:`AreaNames.spell` does)."""
    out = {}
    ward = row.get("ward") and ward_spelling(known, row["ward"], row.get("district"))  # a unit is in its ward as known
    for field in fields:
        value = row.get(field)
        if value:
            stored = ward if field == "ward" else area_spelling(known, field, value, ward, row.get("district"))
            if stored != value:
                out[field] = stored
    return out


def merge_spellings(conn) -> dict:
    """Make every area stored under several spellings one area (the schema
    migration 10 -> 11, for databases written before areas were folded on
    the way in): persons' ``district``/``ward``/``unit``/``workplace``, the
    ``unit``/``ward`` of places and of zone units are respelled to the known
    spelling (:func:`known_spellings`: the populations file's, else the first
    seen), and populations rows of one area are merged into the first one
    (the others' figures are returned, never dropped silently).

    Returns ``{"respelled": {field: {typed: stored}}, "rows": {table: n},
    "populations_merged": [{"kind", "area", "into", "population", ...}]}``
    (empty dicts/lists when every area had one spelling), for the audit log.
    """
    dialect = getattr(conn, "dialect", "sqlite")
    from .reports import CRITERIA_COLUMNS

    merged_pop = []
    # the row written first keeps its spelling: SQLite's rowid; PostgreSQL
    # keeps no write order, a row's physical place (ctid) is the nearest to it
    order = "rowid" if dialect == "sqlite" else "ctid"
    cols = ("kind", "area", "population", *CRITERIA_COLUMNS, "extra")
    seen: dict[tuple, str] = {}
    for row in conn.execute(f"SELECT {', '.join(cols)} FROM populations ORDER BY {order}").fetchall():
        r = dict(zip(cols, row))
        key = (r["kind"], population_key(r["kind"], r["area"]))
        if key in seen:
            conn.execute("DELETE FROM populations WHERE kind = ? AND area = ?", (r["kind"], r["area"]))
            merged_pop.append({**{k: v for k, v in r.items() if v is not None}, "into": seen[key]})
        else:
            seen[key] = r["area"]
    known = known_spellings(conn, dialect)
    respelled: dict[str, dict[str, str]] = {}
    rows: dict[str, int] = {}

    def tally(table, row, new):
        for field, stored in new.items():
            respelled.setdefault(field, {})[row[field]] = stored
        rows[table] = rows.get(table, 0) + 1

    updates = []
    for pid, *values in conn.execute("SELECT id, district, ward, unit, workplace FROM persons").fetchall():
        row = dict(zip(AREA_FIELDS, values))
        new = _respelled(known, row, AREA_FIELDS)
        if new:
            tally("persons", row, new)
            updates.append((*[new.get(f, row[f]) for f in AREA_FIELDS], pid))
    conn.executemany("UPDATE persons SET district = ?, ward = ?, unit = ?, workplace = ? WHERE id = ?", updates)
    updates = []
    for place, unit, ward in conn.execute("SELECT id, unit, ward FROM places").fetchall():
        row = {"unit": unit, "ward": ward}
        new = _respelled(known, row, ("ward", "unit"))
        if new:
            tally("places", row, new)
            updates.append((new.get("unit", unit), new.get("ward", ward), place))
    conn.executemany("UPDATE places SET unit = ?, ward = ? WHERE id = ?", updates)
    for zone, name, unit, ward in conn.execute(
            "SELECT zone, name, unit, ward FROM zone_areas WHERE kind = 'unit' ORDER BY zone, name").fetchall():
        row = {"unit": unit, "ward": ward}
        new = _respelled(known, row, ("ward", "unit"))
        if not new:
            continue
        tally("zone_areas", row, new)
        unit, ward = new.get("unit", unit), new.get("ward", ward)
        label = f"{unit}, {ward}" if ward else unit
        conn.execute("DELETE FROM zone_areas WHERE zone = ? AND kind = 'unit' AND name = ?", (zone, name))
        if conn.execute("SELECT 1 FROM zone_areas WHERE zone = ? AND kind = 'unit' AND name = ?",
                        (zone, label)).fetchone() is None:  # the zone named it both ways: one unit
            conn.execute("INSERT INTO zone_areas (zone, kind, name, unit, ward) VALUES (?, 'unit', ?, ?, ?)",
                         (zone, label, unit, ward))
    if merged_pop:
        rows["populations"] = len(merged_pop)
    return {"respelled": {f: dict(sorted(v.items())) for f, v in sorted(respelled.items())},
            "rows": dict(sorted(rows.items())), "populations_merged": merged_pop}


def merge_places(conn) -> dict:
    """Make every venue stored under several spellings one place (the schema
    migration 11 -> 12, for databases written before places were matched
    folded: ``Quán A`` and ``quan a`` were two venues, so check-ins at one
    never overlapped check-ins at the other). The first place of a folded
    name (lowest id, as :func:`tracing.store.bulk.known_places_by_fold`
    picks) keeps its name and takes the others' check-ins and zone places; a
    check-in that would repeat one already there (same person, same time)
    is dropped and returned, never silently.

    Returns ``{"places": {typed: kept}, "checkins_dropped": [{...}]}``."""
    from ..values import fold

    first: dict[str, tuple[int, str]] = {}
    moved: dict[int, tuple[int, str]] = {}
    for pid, name, unit, ward in conn.execute("SELECT id, name, unit, ward FROM places ORDER BY id").fetchall():
        key = fold(name)
        if key in first:
            moved[pid] = first[key]
            keep = first[key][0]
            # the kept place takes a unit/ward it has not got
            conn.execute("UPDATE places SET unit = coalesce(unit, ?), ward = coalesce(ward, ?) WHERE id = ?",
                         (unit, ward, keep))
        else:
            first[key] = (pid, name)
    renamed, dropped = {}, []
    cols = ("id", "person", "place", "at", "until", "recorded_on", "extra")
    for old, (keep, kept_name) in sorted(moved.items()):
        (typed,) = conn.execute("SELECT name FROM places WHERE id = ?", (old,)).fetchone()
        renamed[typed] = kept_name
        for row in conn.execute(f"SELECT {', '.join(cols)} FROM checkins WHERE place = ? ORDER BY id",
                                (old,)).fetchall():
            r = dict(zip(cols, row))
            if conn.execute("SELECT 1 FROM checkins WHERE person = ? AND place = ? AND at = ?",
                            (r["person"], keep, r["at"])).fetchone():
                conn.execute("DELETE FROM checkins WHERE id = ?", (r["id"],))
                dropped.append({**{k: v for k, v in r.items() if v is not None and k != "id"}, "place": typed})
            else:
                conn.execute("UPDATE checkins SET place = ? WHERE id = ?", (keep, r["id"]))
        for zone, name in conn.execute("SELECT zone, name FROM zone_areas WHERE kind = 'place' AND place = ?",
                                       (old,)).fetchall():
            conn.execute("DELETE FROM zone_areas WHERE zone = ? AND kind = 'place' AND name = ?", (zone, name))
            if conn.execute("SELECT 1 FROM zone_areas WHERE zone = ? AND kind = 'place' AND name = ?",
                            (zone, kept_name)).fetchone() is None:
                conn.execute("INSERT INTO zone_areas (zone, kind, name, place) VALUES (?, 'place', ?, ?)",
                              (zone, kept_name, keep))
        conn.execute("DELETE FROM places WHERE id = ?", (old,))
    return {"places": dict(sorted(renamed.items())), "checkins_dropped": dropped}


def ward_pairs(store) -> list[tuple]:
    """The distinct ``(district, ward)`` of persons with a ward (one read that
    :func:`separate_spellings`, :func:`wards_in_several_districts` and
    :meth:`WardGroups.of` can share: ``check`` reads them once)."""
    # +ward: read the table in order; through persons_ward_unit SQLite looks up every row
    # (100,000 persons: 0.13 s CPU, scanned 0.02 s)
    return store.conn.execute("SELECT DISTINCT district, ward FROM persons WHERE +ward IS NOT NULL").fetchall()


def separate_spellings(store, pairs: list | None = None) -> list[dict]:
    """Areas still stored under several spellings (``check``: after an edit
    that bypassed the known spellings, or a database not yet merged):
    ``[{"field", "spellings": [...]}]``, each list sorted, ordered by field
    then spellings. Persons' areas and populations' areas are compared as
    :func:`spelling_key` does, places (field ``place``) by their folded name."""
    groups: dict[tuple, set] = {}
    c = store.conn
    # (field, spelling, ward of a unit / district of a ward, district of a unit's ward)
    seen: list[tuple[str, str, str | None, str | None]] = []
    for field in ("district", "workplace"):
        seen += [(field, value, None, None) for (value,) in
                 c.execute(f"SELECT DISTINCT {field} FROM persons WHERE {field} IS NOT NULL")]
    seen += [("ward", ward, district, None) for district, ward in (ward_pairs(store) if pairs is None else pairs)]
    seen += [("unit", unit, ward, district) for district, ward, unit in
             c.execute("SELECT DISTINCT district, ward, unit FROM persons WHERE unit IS NOT NULL")]
    for kind, area in c.execute("SELECT kind, area FROM populations"):
        name, _, within = area.partition(", ") if kind in ("unit", "ward") else (area, "", "")
        seen.append((kind, name, within or None, None))
    known: dict = {}  # the same matching as every write (area_spelling: 'phuong X' is 'Phường X' and 'X')
    # wards before units: a unit is in its ward as known (TDP 5 of 'phuong phuc dong' is in Phúc Đồng)
    for field, value, within, district in sorted(seen, key=lambda t: (t[0] == "unit", t[0], t[2] or "", t[1])):
        if field == "ward":  # a ward is (district, ward): same-named wards of two districts are two
            stored = ward_spelling(known, value, within)
            groups.setdefault(("ward", stored, fold_area(within) if within else ""), set()).add(value)
            continue
        if field == "unit" and within:
            within = ward_spelling(known, within, district)
        stored = area_spelling(known, field, value, within, district)
        groups.setdefault(spelling_key(field, stored, within, district), set()).add(value)
    from ..values import fold
    for (name,) in c.execute("SELECT name FROM places"):  # venues: one place per folded name (merge_places)
        groups.setdefault(("place", fold(name), ""), set()).add(name)
    return sorted(({"field": key[0], "spellings": sorted(values)} for key, values in groups.items()
                   if len(values) > 1), key=lambda g: (g["field"], g["spellings"]))


class AreaNames:
    """The spellings known to one transaction (loaded on first use)."""

    def __init__(self, store):
        self.store = store
        self.known: dict[tuple, str] | None = None
        self.renamed: dict[str, str] = {}
        self._memo: dict[tuple, str] = {}  # (field, typed, ward) -> stored: rows repeat their areas

    def _load(self) -> dict[tuple, str]:
        if self.known is None:
            self.known = known_spellings(self.store.conn, self.store.dialect)
        return self.known

    def spell(self, row: dict) -> dict:
        """``row`` with its ``district``/``ward``/``unit`` in the known spellings
        (new spellings become known). Changes ``row`` in place and returns it."""
        known = self._load()
        memo = self._memo
        for field in AREA_FIELDS:
            value = row.get(field)
            if not value:
                continue
            typed = (field, value, row.get("ward") if field == "unit" else None,
                     row.get("district") if field in ("ward", "unit") else None)
            stored = memo.get(typed)
            if stored is None:
                stored = memo[typed] = area_spelling(known, field, value, row.get("ward"), row.get("district"))
            if stored != value:
                self.renamed[value] = stored
                row[field] = stored
        return row

    def spelled(self, row: dict) -> dict:
        """``row`` itself when its areas are written in the known spellings
        (as most rows of an import are), else a copy of it respelled by
        :meth:`spell` (``row`` is left as it is)."""
        memo = self._memo
        ward = row.get("ward")
        district = row.get("district")
        for field in AREA_FIELDS:  # :meth:`spell`'s look-ups, without its copy and writes
            value = row.get(field)
            if value and memo.get((field, value, ward if field == "unit" else None,
                                   district if field in ("ward", "unit") else None)) != value:
                return self.spell(dict(row))  # a new or another spelling: spell decides
        return row

    def population(self, kind: str, area: str) -> str:
        """The area of a population row in the known spelling, renaming the
        persons' other spellings of it to the population's (a populations file
        names areas officially)."""
        known = self._load()
        if kind == "ward":
            return self._ward_population(area)
        unit, _, ward = area.partition(", ") if kind == "unit" else (area, "", "")
        key = spelling_key(kind, unit, ward or None)
        stored = known.get(key)
        if stored is None:  # persons typed it with a bare "phuong" before it (area_spelling)
            stored = known.get(("prefixed", *key))
        c = self.store.conn
        has_population = c.execute("SELECT area FROM populations WHERE kind = ?", (kind,)).fetchall()
        official = {population_key(kind, a): a for (a,) in has_population}
        mine = population_key(kind, area)
        if mine in official:
            if official[mine] != area:
                self.renamed[area] = official[mine]
            return official[mine]
        if stored is not None and stored != unit:
            # persons spelled it first: the population's spelling wins
            # folded in Python (the same fold() as everywhere; no SQL function,
            # which a PostgreSQL store cannot be given)
            others = c.execute(f"SELECT id, {kind} FROM persons WHERE {kind} IS NOT NULL AND {kind} != ?",
                               (unit,)).fetchall()
            c.executemany(f"UPDATE persons SET {kind} = ? WHERE id = ?",
                          [(unit, pid) for pid, value in others
                           if value == stored or area_key(kind, value) == area_key(kind, unit)])
            self.renamed[stored] = unit
        known[key] = unit
        self._memo.clear()
        return area

    def _ward_population(self, area: str) -> str:
        """:meth:`population` of a ward: ``WARD`` or ``WARD, DISTRICT``. The
        persons' other spellings of that ward (in that district; without a
        district, in the one district that has it) take the population's."""
        known = self._load()
        ward, _, district = area.partition(", ")
        c = self.store.conn
        official = {population_key("ward", a): a for (a,) in
                    c.execute("SELECT area FROM populations WHERE kind = 'ward'").fetchall()}
        mine = population_key("ward", area)
        if mine in official:
            if official[mine] != area:
                self.renamed[area] = official[mine]
            return official[mine]
        stored = ward_spelling(known, ward, district or None, register=False)
        ctx = fold_area(district) if district else ""
        kind = area_kind(ward)
        if stored is not None and stored != ward:
            others = c.execute("SELECT id, district, ward FROM persons WHERE ward = ?", (stored,)).fetchall()
            ids = [pid for pid, d, _w in others
                   if ward_spelling(known, stored, d, register=False) == stored
                   and (not ctx or fold_area(d) == ctx)]
            if ids:
                c.executemany("UPDATE persons SET ward = ? WHERE id = ?", [(ward, pid) for pid in ids])
                self.renamed[stored] = ward
                # the slots that held the persons' spelling now hold the population's
                for slots in (known[_WARDS].get(fold_area(stored)) or {},
                              known[_WARDS_GUESSED].get(fold_area(stored)) or {}):
                    for k, v in list(slots.items()):
                        if v == stored and (not ctx or k[0] == ctx):
                            slots[k] = ward
        known[_WARDS].setdefault(fold_area(ward), {})[(ctx, kind or "")] = ward
        if district:  # the persons' other spellings of its district take the population's (Quan 10 -> Quận 10)
            key = spelling_key("district", district)
            typed = known.get(key)
            if typed is not None and typed != district:
                others = c.execute("SELECT id, district FROM persons WHERE district IS NOT NULL AND district != ?",
                                   (district,)).fetchall()
                c.executemany("UPDATE persons SET district = ? WHERE id = ?",
                              [(district, pid) for pid, d in others if area_key("district", d) == key[1]])
                self.renamed[typed] = district
            known[key] = district
        self._memo.clear()
        return area


class WardGroups:
    """How rows are grouped by ward (and unit): a ward is (district, ward).

    Built from the stored ``(district, ward)`` pairs of persons (and the
    populations' ``WARD, DISTRICT``). A ward name found in one district is
    shown as stored (``Phường Bồ Đề``); a name found in several districts is
    shown with its district (``Phường 1, Quận 3`` and ``Phường 1, Quận 10``:
    two rows, never one). A row without a district joins the ward of that
    name when exactly one district has it, else it stays apart under the
    bare name (ambiguous). Names are compared folded (:func:`fold_area`), a
    kind written on both sides must agree (``Xã`` is not ``Phường``)."""

    def __init__(self, pairs):
        self._districts: dict[str, dict[str, str]] = {}  # folded ward -> {folded district: district}
        self._kinds: dict[tuple[str, str], set] = {}  # (folded ward, folded district) -> kinds written
        for district, ward in sorted(pairs, key=lambda p: (p[0] or "", p[1] or "")):
            if district and ward:
                key, ctx = fold_area(ward), fold_area(district)
                self._districts.setdefault(key, {}).setdefault(ctx, district)
                self._kinds.setdefault((key, ctx), set()).add(area_kind(ward) or "")

    @classmethod
    def of(cls, store, pairs: list | None = None) -> "WardGroups":
        """The groups of the wards of ``store`` (``pairs``: :func:`ward_pairs` when read already)."""
        if pairs is None:
            pairs = store.conn.execute(  # +ward: scanned, see ward_pairs
                "SELECT DISTINCT district, ward FROM persons WHERE +ward IS NOT NULL AND district IS NOT NULL").fetchall()
        pops = [tuple(reversed(a.partition(", ")[::2])) for (a,) in store.conn.execute(
            "SELECT area FROM populations WHERE kind = 'ward'")]
        return cls([*pairs, *[(d or None, w) for d, w in pops]])

    def shared(self) -> bool:
        """Whether any ward name is in several districts."""
        return any(len(d) > 1 for d in self._districts.values())

    def districts(self, ward: str) -> list[str]:
        """The districts (as stored) with a ward named ``ward`` of a compatible kind."""
        kind = area_kind(ward)
        key = fold_area(ward)
        return sorted(d for ctx, d in (self._districts.get(key) or {}).items()
                      if not kind or any(not k or k == kind for k in self._kinds[(key, ctx)]))

    def label(self, district: str | None, ward: str | None) -> str | None:
        """The group name of the ward ``ward`` of ``district``."""
        if not ward:
            return None
        if not district:
            found = self.districts(ward)
            if len(found) != 1:
                return ward  # no district, and none or several have the name: kept apart
            district = found[0]
        if len(self._districts.get(fold_area(ward)) or {}) > 1:
            return f"{ward}, {self._districts[fold_area(ward)].get(fold_area(district), district)}"
        return ward

    def unit_label(self, district: str | None, ward: str | None, unit: str | None) -> str | None:
        """The name of a unit: ``UNIT, WARD`` with the ward named by :meth:`label`
        (``TDP 5, Phường 1, Quận 3`` when that ward name is in several districts)."""
        if not unit:
            return None
        return f"{unit}, {self.label(district, ward)}" if ward else unit

    def of_ward(self, district: str | None, ward: str | None, rows) -> list:
        """The ``rows`` (with a ``district``; all of ward ``ward`` by name) that
        are of the ward ``ward`` of ``district``: those :meth:`label` names
        alike. Two districts' ``Phường 1`` are two wards; a row without a
        district is of the one district that has the name, else of neither."""
        want = self.label(district, ward)
        return [r for r in rows if self.label(r["district"], ward) == want]

    def same(self, ward: str | None, district: str | None, other: str | None) -> bool:
        """Whether the ward ``ward`` of ``district`` and of ``other`` is one ward (:meth:`of_ward`)."""
        return self.label(district, ward) == self.label(other, ward)

    def population_label(self, area: str) -> str:
        """The group name of a populations row's ward (``WARD`` or ``WARD, DISTRICT``)."""
        ward, _, district = area.partition(", ")
        return self.label(district or None, ward)


def ward_filter(store, typed: str):
    """A ``--ward`` filter as a test of ``(district, ward)``: the ward named
    ``typed`` (folded: ``bo de`` is ``Phường Bồ Đề``) in any district, or
    ``WARD, DISTRICT`` (as ``level`` and ``report`` name a ward whose name is
    in several districts) that district's ward only. The name matches as
    :func:`spellings` matches it (``phuong phuc dong`` is ``Phường Phúc
    Đồng``); ``match.names``: its stored spellings."""
    name, _, district = typed.partition(", ")
    if district and store.conn.execute("SELECT 1 FROM persons WHERE ward = ? LIMIT 1", (typed,)).fetchone():
        name, district = typed, ""  # a stored ward name with a comma in it
    names = spellings(store, "ward", store.stored_area("ward", name)) or [name]
    wards = WardGroups.of(store) if district else None

    def match(d: str | None, w: str | None) -> bool:
        return w in names and (wards is None or wards.same(w, d, district))
    match.names = names
    return match


def of_ward(store, district: str | None, ward: str | None, rows: list) -> list:
    """The ``rows`` (with a ``district``; all of the ward named ``ward``) that
    are of the ward ``ward`` of ``district`` (:meth:`WardGroups.of_ward`): the
    rows of two districts' ``Phường 1`` are two wards' rows. The district
    names are read only when the rows' districts are not all ``district``."""
    if all(r["district"] == district for r in rows):
        return rows
    return WardGroups.of(store).of_ward(district, ward, rows)


def ambiguous_wards(store, line_of: dict[str, int]) -> list[dict]:
    """Persons of an import (``line_of``: ``{id: line}``) with a ward but no
    district, whose ward name is in several districts: they are kept apart
    (counted in none of those wards, :class:`WardGroups`), and the import says
    so. ``[{"line", "id", "ward", "districts": [...]}]`` ordered by line."""
    if not line_of:
        return []
    wards = WardGroups.of(store)
    names = [n for (n,) in store.conn.execute(
        "SELECT DISTINCT ward FROM persons WHERE district IS NULL AND ward IS NOT NULL ORDER BY ward")]
    several = {n: found for n in names if len(found := wards.districts(n)) > 1}
    out = []
    for ward, found in several.items():
        for (pid,) in store.conn.execute(
                "SELECT id FROM persons WHERE district IS NULL AND ward = ? ORDER BY id", (ward,)):
            if pid in line_of:
                out.append({"line": line_of[pid], "id": pid, "ward": ward, "districts": found})
    return sorted(out, key=lambda r: (r["line"] or 0, r["id"]))


def wards_in_several_districts(store, pairs: list | None = None) -> list[dict]:
    """What an older version left keyed by a ward's name alone when that name
    is in several districts (issue 13 point 8: it merged ``Phường 1`` of
    ``Quận 3`` and of ``Quận 10``), for ``tracing check`` to name:

    * ``persons``: persons with the ward but no district (counted in none of
      those wards, :class:`WardGroups`);
    * ``population``: a populations row of the bare ward name (it applies to
      none of them);
    * ``zone``: a zoned unit of that ward without a district (an older zone
      whose residents were in several districts: the upgrade to schema 14 left
      its district empty rather than guess);
    * ``respelled``: a ward spelling stored for several districts into which
      an upgrade to schema 11 or 13 (its audit record) respelled other
      spellings (``typed``); versions before session 6 did so by name alone,
      so some persons' ward may have been typed otherwise (``Xa Bo De`` of Gia Lâm became Long
      Biên's ``Phường Bồ Đề``);
    * ``population_merged``: a population (``population`` of ``area``) that
      an older upgrade merged into that ward's (``ward``) by name alone.

    Each ``{"what", "ward", "ids", "districts": {district: [person ids]}}``
    (``ids``: the records to fix; ``districts``: which persons' records name
    which district, for that ward, or that unit of it), plus ``zone``,
    ``unit`` or ``population``. ``pairs``: :func:`ward_pairs` when read already."""
    c = store.conn
    pairs = ward_pairs(store) if pairs is None else pairs
    # what is keyed by a ward's name alone (usually nothing: then no more is read)
    bare = sorted({w for d, w in pairs if d is None})
    pops = [(a, n) for a, n in c.execute("SELECT area, population FROM populations WHERE kind = 'ward' ORDER BY area")
            if ", " not in a]
    zoned = c.execute("SELECT zone, name, ward, unit FROM zone_areas WHERE kind = 'unit' AND district IS NULL "
                      "AND ward IS NOT NULL ORDER BY zone, name").fetchall()
    respelled: dict[str, set] = {}  # what older upgrades merged by name alone (their audit records)
    merged_pops = []
    for (detail,) in c.execute("SELECT detail FROM audit WHERE command = 'upgrade' ORDER BY id"):
        record = json.loads(detail) if detail else {}
        if record.get("schema") not in (11, 13):  # the upgrades older versions ran (14 tells districts apart)
            continue
        merged = record.get("areas_merged") or {}
        for typed, stored in sorted(((merged.get("respelled") or {}).get("ward") or {}).items()):
            respelled.setdefault(stored, set()).add(typed)
        merged_pops += [p for p in merged.get("populations_merged") or [] if p.get("kind") == "ward"]
    if not (bare or pops or zoned or respelled or merged_pops):
        return []
    wards = WardGroups.of(store, pairs)
    if not wards.shared():
        return []  # no ward name in several districts: nothing can have been merged

    def several(ward):
        return len(wards.districts(ward)) > 1

    orphans: dict[str, list[str]] = {w: [] for w in bare if several(w)}
    for ward, pid in store._in("SELECT ward, id FROM persons WHERE district IS NULL AND ward IN ({ids}) "
                               "ORDER BY id", sorted(orphans)):
        orphans[ward].append(pid)
    pops = [(a, n) for a, n in pops if several(a)]
    zoned = [(z, name, ward, unit) for z, name, ward, unit in zoned if several(ward)]
    respelled = {w: typed for w, typed in respelled.items() if len({d for d, x in pairs if x == w and d}) > 1}
    merged_pops = [p for p in merged_pops if several(p["into"].partition(", ")[0])]
    if not (orphans or pops or zoned or respelled or merged_pops):
        return []
    names = {fold_area(w) for w in [*orphans, *(a for a, _n in pops), *(w for _z, _n, w, _u in zoned), *respelled,
                                    *(p["into"].partition(", ")[0] for p in merged_pops)]}
    spelled = [w for (w,) in c.execute("SELECT DISTINCT ward FROM persons WHERE district IS NOT NULL AND ward IS NOT NULL")
               if fold_area(w) in names]
    residents = store._in("SELECT district, ward, unit, id FROM persons WHERE district IS NOT NULL AND ward IN ({ids}) "
                          "ORDER BY district, id", spelled)

    def by_district(ward, unit=None):
        kind = area_kind(ward)
        out: dict[str, list[str]] = {}
        for district, w, u, pid in residents:
            if (fold_area(w) == fold_area(ward) and not (kind and area_kind(w) and area_kind(w) != kind)
                    and (unit is None or fold_area(u) == fold_area(unit))):
                out.setdefault(district, []).append(pid)
        return out

    found = [{"what": "persons", "ward": w, "ids": ids, "districts": by_district(w)} for w, ids in sorted(orphans.items())]
    found += [{"what": "population", "ward": a, "population": n, "ids": [a], "districts": by_district(a)}
              for a, n in pops]
    found += [{"what": "zone", "ward": w, "zone": z, "unit": name, "ids": [f"Z{z}"], "districts": by_district(w, u)}
              for z, name, w, u in zoned]
    found += [{"what": "respelled", "ward": w, "typed": sorted(typed), "ids": [w], "districts": by_district(w)}
              for w, typed in sorted(respelled.items())]
    found += [{"what": "population_merged", "ward": p["into"], "area": p["area"], "population": p.get("population"),
               "ids": [p["area"]], "districts": by_district(p["into"].partition(", ")[0])} for p in merged_pops]
    return found
