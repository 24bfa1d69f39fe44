"""SQL of outbreak management: declared zones (:mod:`tracing.zones`), F0
treatment tiers (:mod:`tracing.care`) and the vaccination/capacity columns of
populations (:mod:`tracing.epilevel`).

Lookups go through indexes: zone areas by ``(ward, unit)`` and ``place``,
residents by ``persons_ward_unit``, check-ins by ``checkins_place``, care
history by ``care_person``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from ..values import fold
from .areas import of_ward


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


def _rows(store, sql: str, params=()) -> list[dict]:
    return store.query(sql, params)


# ---------------------------------------------------------------- units and places
def units_named(store, unit: str, ward: str | None, district: str | None = None) -> list[dict]:
    """Distinct ``(unit, ward, district)`` of persons with this unit (and ward,
    district when given), matched folded (:func:`tracing.values.fold_area`:
    capitals, diacritics, ``đ``, spaces, administrative prefixes, number words),
    as persons' areas are (:mod:`tracing.store.areas`): ``tổ 12, định công`` is
    ``Tổ 12, Định Công``."""
    from ..values import fold_area

    want = [fold_area(unit), None if ward is None else fold_area(ward), None if district is None else fold_area(district)]
    rows = _rows(store, "SELECT DISTINCT unit, ward, district FROM persons WHERE unit IS NOT NULL "
                        "ORDER BY ward, unit, district")
    return [r for r in rows if fold_area(r["unit"]) == want[0]
            and (want[1] is None or fold_area(r["ward"]) == want[1])
            and (want[2] is None or fold_area(r["district"]) == want[2])]


def place_named(store, name: str) -> dict | None:
    """The check-in place named ``name``, matched folded like areas (first by id)."""
    want = fold(name)
    rows = [r for r in _rows(store, "SELECT id, name, unit, ward FROM places ORDER BY id") if fold(r["name"]) == want]
    return rows[0] if rows else None


def residents(store, district: str | None, ward: str | None, unit: str) -> list[str]:
    """Persons of the unit ``unit`` of the ward ``ward`` of ``district`` (a ward
    is (district, ward): :func:`tracing.store.areas.of_ward`)."""
    rows = _rows(store, "SELECT id, district FROM persons WHERE ward IS ? AND unit = ? ORDER BY id", (ward, unit))
    return [r["id"] for r in of_ward(store, district, ward, rows)]


def visitors(store, place: int, lo: str, hi: str) -> list[str]:
    """Persons checked in at ``place`` between ``lo`` and ``hi`` (date-time text)."""
    return [r[0] for r in store.conn.execute(
        "SELECT DISTINCT person FROM checkins WHERE place = ? AND at BETWEEN ? AND ? ORDER BY person",
        (place, lo, hi))]


def checked_in(store, person: str, place: int, lo: str, hi: str) -> bool:
    """Whether ``person`` checked in at ``place`` between ``lo`` and ``hi`` (date-time text)."""
    return store.conn.execute("SELECT 1 FROM checkins WHERE person = ? AND place = ? AND at BETWEEN ? AND ? LIMIT 1",
                              (person, place, lo, hi)).fetchone() is not None


# ---------------------------------------------------------------- zones
def insert_zone(store, kind: str, start: str, case_id: str | None, window: tuple[str, str],
                areas: list[dict]) -> int:
    cur = store.conn.execute(
        """INSERT INTO zones (kind, start, case_id, window_from, window_to, created_at)
           VALUES (?, ?, ?, ?, ?, ?)""", (kind, start, case_id, window[0], window[1], _now()))
    n = cur.lastrowid
    store.conn.executemany(
        "INSERT OR IGNORE INTO zone_areas (zone, kind, name, unit, ward, district, place) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [(n, a["kind"], a["name"], a.get("unit"), a.get("ward"), a.get("district"), a.get("place")) for a in areas])
    return n


def zones(store, numbers: Iterable[int] | None = None) -> list[dict]:
    """Zones with ``areas`` (list of dicts), ordered by number."""
    if numbers is None:
        rows = _rows(store, "SELECT * FROM zones ORDER BY n")
    else:
        rows = []
        for chunk in store._batches(numbers):
            rows += _rows(store, f"SELECT * FROM zones WHERE n IN ({','.join('?' * len(chunk))}) ORDER BY n", chunk)
    by_n = {r["n"]: {**r, "areas": []} for r in rows}
    for row in store._in("SELECT zone, kind, name, unit, ward, district, place FROM zone_areas WHERE zone IN ({ids}) "
                         "ORDER BY zone, kind DESC, name", list(by_n)):
        zone, kind, name, unit, ward, district, place = row
        by_n[zone]["areas"].append({"kind": kind, "name": name, "unit": unit, "ward": ward, "district": district,
                                    "place": place})
    return [by_n[n] for n in sorted(by_n)]


def active_zone_units(store) -> dict[tuple[str | None, str], list[dict]]:
    """``{(ward, unit): [{"n", "start", "district"}]}`` of the units of zones
    not released (by name: the ``district`` tells two districts' apart)."""
    out: dict[tuple[str | None, str], list[dict]] = {}
    for ward, unit, district, n, start in store.conn.execute(
            """SELECT a.ward, a.unit, a.district, z.n, z.start FROM zones z CROSS JOIN zone_areas a ON a.zone = z.n
               WHERE z.released IS NULL AND z.cancelled IS NULL AND a.kind = 'unit' ORDER BY z.n, a.name"""):
        out.setdefault((ward, unit), []).append({"n": n, "start": start, "district": district})
    return out


def active_zone_places(store) -> dict[int, list[dict]]:
    """``{place id: [{"n", "start", "window_from", "window_to"}]}`` of the places of zones not released."""
    out: dict[int, list[dict]] = {}
    for place, n, start, lo, hi in store.conn.execute(
            """SELECT a.place, z.n, z.start, z.window_from, z.window_to FROM zones z CROSS JOIN zone_areas a
               ON a.zone = z.n WHERE z.released IS NULL AND z.cancelled IS NULL AND a.kind = 'place' AND a.place IS NOT NULL ORDER BY z.n"""):
        out.setdefault(place, []).append({"n": n, "start": start, "window_from": lo, "window_to": hi})
    return out


def release_zone(store, n: int, day: str, forced: bool, note: str | None) -> None:
    store.conn.execute("UPDATE zones SET released = ?, forced = ?, release_note = ? WHERE n = ?",
                       (day, int(forced), note, n))


def cancel_zone(store, n: int, day: str, note: str) -> None:
    store.conn.execute("UPDATE zones SET cancelled = ?, release_note = ? WHERE n = ?", (day, note, n))


def cases_in_units(store, units: Iterable[tuple[str | None, str | None, str]]) -> list[dict]:
    """Cases living in any of ``(district, ward, unit)`` (a ward is (district,
    ward): :func:`tracing.store.areas.of_ward`): ``{"id",
    "confirmed", "isolated", "prior_level", "found_by", "unit", "ward", "district"}``."""
    out = []
    for district, ward, unit in units:
        out += of_ward(store, district, ward, _rows(
            store, """SELECT c.person AS id, c.confirmed, c.isolated, c.prior_level, c.found_by, p.unit, p.ward,
                             p.district
                      FROM persons p CROSS JOIN cases c ON c.person = p.id
                      WHERE p.ward IS ? AND p.unit = ?""", (ward, unit)))
    return out


def cases_at_places(store, places: Iterable[int], lo: str) -> list[dict]:
    """Cases checked in at any of ``places`` from ``lo`` (date-time text) on."""
    out = []
    for place in places:
        out += _rows(store, """SELECT DISTINCT c.person AS id, c.confirmed, c.isolated, c.prior_level, c.found_by, k.at
                               FROM checkins k CROSS JOIN cases c ON c.person = k.person
                               WHERE k.place = ? AND k.at >= ?""", (place, lo))
    return out


def cancel_zone_tests(store, n: int, reason: str, after: str | None = None) -> int:
    """Cancel the pending mass-testing follow-ups of zone ``n`` (due after
    ``after``; None: all of them, also those missed before)."""
    cur = store.conn.execute(
        """UPDATE followups SET status = 'cancelled', reason = ?, done_at = ?
           WHERE kind = 'zone_test' AND status = 'pending' AND json_extract(detail, '$.zone') = ?
             AND (? IS NULL OR due > ?)""", (reason, _now(), n, after, after))
    return cur.rowcount


def zone_test_followups(store, persons: list[str], zone: int, dues: list[str], why: str) -> int:
    """Pending ``zone_test`` follow-ups for ``persons`` on each of ``dues``
    (a person already due, or tested, a zone test that day, for any zone, is not doubled)."""
    have = set()
    for person, due in store._in(
            "SELECT person, due FROM followups WHERE person IN ({ids}) AND +kind = 'zone_test' "
            "AND +status != 'cancelled'", persons):
        have.add((person, due))
    now = _now()
    rows = [(p, "zone_test", d, json.dumps({"zone": zone, "why": why}, ensure_ascii=False, sort_keys=True), now)
            for p in persons for d in dues if (p, d) not in have]
    store.conn.executemany(
        "INSERT INTO followups (person, kind, due, status, detail, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
        rows)
    return len(rows)


# ---------------------------------------------------------------- F0 care
def insert_care(store, person: str, start: str, event: str, tier: int | None, place: str | None) -> None:
    store.conn.execute(
        """INSERT INTO care (person, start, event, tier, place, created_at) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT(person, start, event) DO UPDATE SET tier = excluded.tier, place = excluded.place""",
        (person, start, event, tier, place, _now()))


def care_history(store, ids: Iterable[str] | None = None) -> dict[str, list[dict]]:
    """``{case: [{"start", "event", "tier", "place"}]}`` in date order."""
    sql = "SELECT person, start, event, tier, place FROM care"
    if ids is None:
        rows = store.conn.execute(sql + " ORDER BY person, start, event DESC, id").fetchall()
    else:
        rows = store._in(sql + " WHERE person IN ({ids}) ORDER BY person, start, event DESC, id", ids)
    out: dict[str, list[dict]] = {}
    for person, start, event, tier, place in rows:
        out.setdefault(person, []).append({"start": start, "event": event, "tier": tier, "place": place})
    return out


def cases_for_care(store, ids: Iterable[str] | None = None) -> list[dict]:
    """Cases with the person fields a care list shows."""
    sql = """SELECT c.person AS id, c.confirmed, c.onset, c.isolated, p.name, p.phone, p.ward, p.unit, p.address
             FROM cases c JOIN persons p ON p.id = c.person"""
    if ids is None:
        return _rows(store, sql + " ORDER BY c.person")
    out = []
    for chunk in store._batches(ids):
        out += _rows(store, sql + f" WHERE c.person IN ({','.join('?' * len(chunk))}) ORDER BY c.person", chunk)
    return out


def last_negative_tests(store, ids: Iterable[str]) -> dict[str, list[str]]:
    """Dates of negative test results recorded for ``ids`` (``followup record``)."""
    out: dict[str, list[str]] = {}
    for person, day in store._in(
            "SELECT person, done_at FROM followups WHERE person IN ({ids}) AND +result = 'negative' "
            "ORDER BY person, done_at", ids):
        out.setdefault(person, []).append((day or "")[:10])
    return out
