"""SQL of the PA1/PA2 scenarios and of follow-ups.

Every query here is a lookup through an index, never a scan of the district:

* contacts of one person in a date range: ``contacts_a``/``contacts_b`` (person, date);
* check-ins of one person: ``checkins_person`` (person, at);
  who was at a place in a time range: ``checkins_place`` (place, at);
* residents of a unit: ``persons_ward_unit`` (ward, unit);
* follow-ups of persons: ``followups_person``; due on/before a day: ``followups_due`` (status, due).

``tests/test_scenarios.py`` checks the plans with ``EXPLAIN QUERY PLAN``
(:func:`plan_of`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable

from .areas import of_ward


def _now() -> str:
    return dt.datetime.now().replace(microsecond=0).isoformat(sep=" ")


# ---------------------------------------------------------------- queries (SQL text, for EXPLAIN too)
CONTACTS_IN_RANGE = """
    SELECT b AS other, date, setting, place, minutes, masked FROM contacts
     WHERE a = :p AND date BETWEEN :lo AND :hi
    UNION ALL
    SELECT a AS other, date, setting, place, minutes, masked FROM contacts
     WHERE b = :p AND date BETWEEN :lo AND :hi
    UNION ALL
    SELECT b AS other, date, setting, place, minutes, masked FROM contacts
     WHERE a = :p AND date IS NULL
    UNION ALL
    SELECT a AS other, date, setting, place, minutes, masked FROM contacts
     WHERE b = :p AND date IS NULL"""

CHECKINS_OF = """
    SELECT c.place, p.name AS place_name, c.at, c.until FROM checkins c
      JOIN places p ON p.id = c.place
     WHERE c.person = :p AND c.at BETWEEN :lo AND :hi
     ORDER BY c.at, p.name"""

UNIT_RESIDENTS = """
    SELECT id, address, workplace, district FROM persons WHERE ward IS :ward AND unit = :unit"""

CASES_IN_UNIT = """
    SELECT c.person, c.confirmed, c.onset, c.isolated, c.unknown_source, p.district
      FROM persons p CROSS JOIN cases c ON c.person = p.id
     WHERE p.ward IS :ward AND p.unit = :unit"""

CASES_AT_WORKPLACE = """
    SELECT c.person, c.confirmed, c.onset, c.isolated, c.unknown_source
      FROM cases c CROSS JOIN persons p ON p.id = c.person
     WHERE p.workplace = :workplace"""

FOLLOWUPS_DUE = """
    SELECT f.id, f.person, f.kind, f.due, f.detail, p.name, p.phone, p.address, p.unit, p.ward, p.district, l.level
      FROM followups f CROSS JOIN persons p ON p.id = f.person
      LEFT JOIN levels l ON l.person = f.person
     WHERE f.status = 'pending' AND f.due <= :day
       AND (CAST(:ward AS TEXT) IS NULL OR p.ward = :ward COLLATE NOCASE)
     ORDER BY f.due, p.ward, p.unit, f.person, f.kind, f.id"""


# ``+status``: look up by person (followups_person), not through every pending row
PENDING_OF = """SELECT id, person, kind, due, detail FROM followups WHERE person IN ({ids}) AND +status = 'pending'
                ORDER BY person, due, kind, id"""


def _rows(store, sql: str, params: dict) -> list[dict]:
    cur = store.conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, row)) for row in cur]


def plan_of(store, sql: str, params: dict) -> list[str]:
    """``EXPLAIN QUERY PLAN`` lines of ``sql`` (for checks that no table is scanned)."""
    return [row[-1] for row in store.conn.execute("EXPLAIN QUERY PLAN " + sql, params)]


def contacts_in_range(store, person: str, lo: str, hi: str) -> list[dict]:
    """Contacts of ``person`` dated in ``[lo, hi]`` and undated ones."""
    return _rows(store, CONTACTS_IN_RANGE, {"p": person, "lo": lo, "hi": hi})


def checkins_of(store, person: str, lo: str, hi: str) -> list[dict]:
    """Check-ins of ``person`` starting in ``[lo, hi]`` (date-time text)."""
    return _rows(store, CHECKINS_OF, {"p": person, "lo": lo, "hi": hi})


def unit_residents(store, district: str | None, ward: str, unit: str) -> list[dict]:
    """Persons of the unit ``unit`` of the ward ``ward`` of ``district`` (:func:`tracing.store.areas.of_ward`)."""
    return of_ward(store, district, ward, _rows(store, UNIT_RESIDENTS, {"ward": ward, "unit": unit}))


def cases_in_unit(store, district: str | None, ward: str, unit: str) -> list[dict]:
    """Cases of the unit ``unit`` of the ward ``ward`` of ``district``."""
    return of_ward(store, district, ward, _rows(store, CASES_IN_UNIT, {"ward": ward, "unit": unit}))


def cases_at_workplace(store, workplace: str) -> list[dict]:
    return _rows(store, CASES_AT_WORKPLACE, {"workplace": workplace})


# ---------------------------------------------------------------- follow-ups
def pending_followups(store, ids: Iterable[str]) -> dict[str, list[dict]]:
    """Pending follow-ups of ``ids``: ``{person: [{"id", "kind", "due", "detail"}]}``."""
    out: dict[str, list[dict]] = {}
    for fid, person, kind, due, detail in store._in(
            PENDING_OF, ids):
        out.setdefault(person, []).append({"id": fid, "kind": kind, "due": due, "detail": detail})
    return out


def finished_followups(store, ids: Iterable[str]) -> set[tuple[str, str, str]]:
    """``(person, kind, due)`` of follow-ups of ``ids`` already done or missed."""
    return {(p, k, d) for p, k, d in store._in(
        "SELECT person, kind, due FROM followups WHERE person IN ({ids}) AND +status IN ('done', 'missed')", ids)}


def cancel_followups(store, fids: Iterable[int], reason: str, cause: str | None = None) -> int:
    """Cancel the pending follow-ups ``fids`` with ``reason`` (a code of
    :data:`tracing.followups.CANCEL_REASONS`); ``cause``, the write that
    cancelled them, goes into their ``detail``."""
    fids = list(fids)
    now = _now()
    if cause is None:
        store.conn.executemany(
            "UPDATE followups SET status = 'cancelled', reason = ?, done_at = ? WHERE id = ? AND status = 'pending'",
            [(reason, now, f) for f in fids])
        return len(fids)
    rows = []
    for fid, detail in store._in("SELECT id, detail FROM followups WHERE id IN ({ids})", fids):
        had = json.loads(detail) if detail else {}
        rows.append((reason, now, json.dumps({**had, "cause": cause}, ensure_ascii=False, sort_keys=True), fid))
    store.conn.executemany("UPDATE followups SET status = 'cancelled', reason = ?, done_at = ?, detail = ? "
                           "WHERE id = ? AND status = 'pending'", rows)
    return len(fids)


def person_followups(store, person: str) -> list[dict]:
    """Every follow-up of ``person`` (``person show``), by due day:
    ``{"kind", "due", "status", "result", "reason", "done_at"}``."""
    return _rows(store, "SELECT kind, due, status, result, reason, done_at FROM followups WHERE person = ? "
                        "ORDER BY due, kind, id", (person,))


def insert_followups(store, rows: Iterable[dict]) -> int:
    """Insert pending follow-ups: ``{"person", "kind", "due", "detail": dict}``."""
    rows = list(rows)
    now = _now()
    store.conn.executemany(
        "INSERT INTO followups (person, kind, due, status, detail, created_at) VALUES (?, ?, ?, 'pending', ?, ?)",
        [(r["person"], r["kind"], r["due"], json.dumps(r.get("detail") or {}, ensure_ascii=False, sort_keys=True),
          now) for r in rows])
    return len(rows)


def followups_due(store, day: str, ward: str | None = None) -> list[dict]:
    """Pending follow-ups due on or before ``day`` (optionally in one ward)."""
    return _rows(store, FOLLOWUPS_DUE, {"day": day, "ward": store.stored_area("ward", ward)})


def person_followups(store, person: str, *, kind: str | None = None, status: str | None = None) -> list[dict]:
    clauses, params = ["person = ?"], [person]
    if kind:
        clauses.append("+kind = ?")
        params.append(kind)
    if status:
        clauses.append("+status = ?")
        params.append(status)
    return store.query(f"SELECT * FROM followups WHERE {' AND '.join(clauses)} ORDER BY due, id", params)


def finish_followup(store, fid: int, status: str, result: str | None, done_at: str) -> None:
    store.conn.execute("UPDATE followups SET status = ?, result = ?, done_at = ? WHERE id = ?",
                       (status, result, done_at, fid))


def insert_done_followup(store, person: str, kind: str, due: str, status: str, result: str | None,
                         reason: str) -> int:
    cur = store.conn.execute(
        """INSERT INTO followups (person, kind, due, status, result, reason, detail, created_at, done_at)
           VALUES (?, ?, ?, ?, ?, ?, '{}', ?, ?)""", (person, kind, due, status, result, reason, _now(), due))
    return cur.lastrowid
