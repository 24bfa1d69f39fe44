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
"""

from __future__ import annotations

from ..values import fold, fold_area

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
    return (area_key(kind, area), "")


def spellings(store, field: str, typed: str) -> list[str]:
    """The stored spellings of the area ``typed`` names in persons' ``field``
    (``district``, ``ward``, ``unit`` or ``workplace``), compared as
    :func:`area_key` does: a filter such as ``list --ward "Bo De"`` finds the
    persons of ``Bồ Đề`` (grouping and filtering fold alike)."""
    if field not in AREA_FIELDS:
        raise ValueError(field)
    want = area_key(field, typed)
    return [v for (v,) in store.conn.execute(
        f"SELECT DISTINCT {field} FROM persons WHERE {field} IS NOT NULL") if area_key(field, v) == want]


class AreaNames:
    """The spellings known to one transaction (loaded on first use)."""

    def __init__(self, store):
        self.store = store
        self.known: dict[tuple, str] | None = None
        self.renamed: dict[str, str] = {}
        self._memo: dict[tuple, str] = {}  # (field, typed, ward) -> stored: rows repeat their areas

    def _key(self, field: str, value: str, ward: str | None = None) -> tuple:
        return (field, area_key(field, value), fold_area(ward) if field == "unit" else "")

    def _load(self) -> dict[tuple, str]:
        if self.known is None:
            known: dict[tuple, str] = {}
            c = self.store.conn
            # first seen: SQLite's rowid is the order rows were written; a
            # PostgreSQL table has no such order, the creation time (then the
            # id) stands for it there (one import writes in one second: the
            # same time, the smaller id wins)
            first = "min(rowid)" if self.store.dialect == "sqlite" else "min(created_at), min(id)"
            for kind, area in c.execute("SELECT kind, area FROM populations ORDER BY kind, area"):
                if kind == "unit":
                    unit, _, ward = area.partition(", ")
                    known.setdefault(self._key("unit", unit, ward or None), unit)
                else:
                    known.setdefault(self._key(kind, area), area)
            for field in ("district", "ward", "workplace"):
                for (value,) in c.execute(f"SELECT {field} FROM persons WHERE {field} IS NOT NULL "
                                          f"GROUP BY {field} ORDER BY {first}"):
                    known.setdefault(self._key(field, value), value)
            for ward, unit in c.execute("SELECT ward, unit FROM persons WHERE unit IS NOT NULL "
                                        f"GROUP BY ward, unit ORDER BY {first}"):
                known.setdefault(self._key("unit", unit, ward), unit)
            self.known = known
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
            typed = (field, value, row.get("ward") if field == "unit" else None)
            stored = memo.get(typed)
            if stored is None:
                stored = memo[typed] = known.setdefault(self._key(field, value, row.get("ward")), value)
            if stored != value:
                self.renamed[value] = stored
                row[field] = stored
        return row

    def population(self, kind: str, area: str) -> str:
        """The area of a population row in the known spelling, renaming the
        persons' other spellings of it to the population's (a populations file
        names areas officially)."""
        known = self._load()
        unit, _, ward = area.partition(", ") if kind == "unit" else (area, "", "")
        key = self._key(kind, unit, ward or None)
        stored = known.get(key)
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
                          [(unit, pid) for pid, value in others if area_key(kind, value) == area_key(kind, unit)])
            self.renamed[stored] = unit
        known[key] = unit
        self._memo.clear()
        return area
