"""SQL for the HTML maps (:mod:`tracing.maps`).

A whole set of persons travels as ONE JSON parameter read with
``json_each``, so the data of a map is a handful of queries whatever its
size (no per-node queries, no IN-list batches). Every lookup goes through an
index: ``levels(chain_case)``, ``level_sources(source)`` and its primary key,
``contacts(a, date)``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

_NODE_COLUMNS = """p.id, p.name, p.phone, p.national_id, p.address, p.district, p.ward, p.unit, p.birth_year,
                   p.birth_date, p.age, p.age_date,
                   l.level, l.primary_source, l.exposure, l.chain_case,
                   k.confirmed, k.onset, k.unknown_source, k.person IS NOT NULL AS is_case"""


def _ids(ids: Iterable[str]) -> str:
    return json.dumps(sorted(set(ids)), ensure_ascii=False)


def nodes_of_cases(store, cases: Iterable[str]) -> list[dict]:
    """The cases ``cases`` and every traced person whose chain root is one
    of them, with their person, level and case fields."""
    return store.query(
        f"""WITH seed(id) AS (SELECT value FROM json_each(?)),
                 ids(id) AS (SELECT id FROM seed
                             UNION SELECT l.person FROM levels l WHERE l.chain_case IN (SELECT id FROM seed))
            SELECT {_NODE_COLUMNS}
            FROM ids JOIN persons p ON p.id = ids.id
            LEFT JOIN levels l ON l.person = p.id
            LEFT JOIN cases k ON k.person = p.id
            ORDER BY p.id""", (_ids(cases),))


def nodes(store, ids: Iterable[str]) -> list[dict]:
    """Person, level and case fields of ``ids`` (unknown ids are left out)."""
    return store.query(
        f"""SELECT {_NODE_COLUMNS}
            FROM json_each(?) j JOIN persons p ON p.id = j.value
            LEFT JOIN levels l ON l.person = p.id
            LEFT JOIN cases k ON k.person = p.id
            ORDER BY p.id""", (_ids(ids),))


def children(store, ids: Iterable[str]) -> list[str]:
    """Persons whose primary source is one of ``ids``."""
    return [r[0] for r in store.conn.execute(
        """SELECT s.person FROM json_each(?) j
           JOIN level_sources s ON s.source = j.value
           JOIN levels l ON l.person = s.person AND l.primary_source = s.source
           ORDER BY s.person""", (_ids(ids),))]


def primary_source(store, person: str) -> tuple[bool, str | None]:
    """``(traced, primary source)`` of one person."""
    row = store.conn.execute("SELECT primary_source FROM levels WHERE person = ?", (person,)).fetchone()
    return (row is not None, row[0] if row else None)


def primary_chain(store, person: str) -> list[str]:
    """``person``, its primary source, that one's primary source… up to the
    top (a recursive query; a cycle in bad data stops where it repeats)."""
    rows = store.conn.execute(
        """WITH RECURSIVE up(id, depth) AS (
               SELECT CAST(? AS TEXT), 0
               UNION SELECT l.primary_source, up.depth + 1 FROM up JOIN levels l ON l.person = up.id
               WHERE l.primary_source IS NOT NULL AND up.depth < 1000)
           SELECT id FROM up ORDER BY depth""", (person,)).fetchall()
    out: list[str] = []
    for (pid,) in rows:
        if pid in out:
            break
        out.append(pid)
    return out


def sources(store, ids: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """``(person, source, date)`` of every derived source (``level_sources``)
    and recorded source (``case_sources``, date None) of ``ids``."""
    return store.conn.execute(
        """WITH ids(id) AS (SELECT value FROM json_each(?))
           SELECT s.person, s.source, s.date FROM ids JOIN level_sources s ON s.person = ids.id
           UNION
           SELECT c.case_id, c.source, NULL FROM ids JOIN case_sources c ON c.case_id = ids.id
           ORDER BY 1, 2""", (_ids(ids),)).fetchall()


def contacts_among(store, ids: Iterable[str]) -> list[tuple[str, str, str | None, str | None]]:
    """``(a, b, date, setting)`` of the contacts whose both ends are in
    ``ids`` (a < b), earliest first; the contacts table is read through its
    ``(a, date)`` index for the members only."""
    return store.conn.execute(
        """WITH ids(id) AS (SELECT value FROM json_each(?))
           SELECT c.a, c.b, c.date, c.setting FROM ids JOIN contacts c ON c.a = ids.id
           WHERE +c.b IN (SELECT id FROM ids) -- "+": look up by a, then test b (not a probe per pair)
           ORDER BY c.a, c.b, c.date IS NULL, c.date, c.setting""", (_ids(ids),)).fetchall()
