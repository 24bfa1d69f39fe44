"""SQL for clusters (:mod:`tracing.clusters`): the links that join cases, the
case facts a cluster needs, and the stored cluster ids.

Links are read with joins that only touch traced persons (rows of ``levels``)
and driven from the ``levels``/``cases`` side, so a district of a million
contacts is read through the (person, date) indexes, never scanned whole.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def recorded_sources(store) -> list[tuple[str, str]]:
    """``(case, source)`` for every recorded source (``case_sources``)."""
    return store.conn.execute("SELECT case_id, source FROM case_sources").fetchall()


def derived_sources(store) -> Iterator[tuple[str, str, str | None]]:
    """``(person, source, date)``: every transmitter the level derivation found
    (the contact that made a person F1/F2… or exposed a case, inside the
    transmitter's window)."""
    return store.conn.execute("SELECT person, source, date FROM level_sources")


def case_contacts_with_traced(store) -> Iterator[tuple[str, str, str | None]]:
    """``(a, b, date)`` of contacts that touch a confirmed case and whose other
    end is traced (a case or an F1/F2… person)."""
    # CROSS JOIN fixes the order (cases, then their contacts by index, then
    # the other end): left to itself SQLite scans all contacts (0.4 s at 1M).
    return store.conn.execute(
        """SELECT c.a, c.b, c.date FROM cases k
             CROSS JOIN contacts c ON c.a = k.person CROSS JOIN levels o ON o.person = c.b
           UNION ALL
           SELECT c.a, c.b, c.date FROM cases k
             CROSS JOIN contacts c ON c.b = k.person CROSS JOIN levels o ON o.person = c.a""")


def f1_contacts(store) -> Iterator[tuple[str, str, str | None]]:
    """``(a, b, date)`` of contacts between two F1 persons."""
    return store.conn.execute(
        """SELECT c.a, c.b, c.date FROM levels l
             CROSS JOIN contacts c ON c.a = l.person CROSS JOIN levels o ON o.person = c.b
           WHERE l.level = 1 AND o.level = 1""")


_FACTS = ("id", "confirmed", "onset", "isolated", "unknown_source", "prior_level", "day", "district", "ward",
          "unit", "primary_source", "source_root")
_FACTS_SQL = """SELECT k.person AS id, k.confirmed, k.onset, k.isolated, k.unknown_source, k.prior_level,
                  COALESCE(k.confirmed, k.onset) AS day,
                  p.district, p.ward, p.unit, l.primary_source, s.chain_case AS source_root
           FROM cases k JOIN persons p ON p.id = k.person
           LEFT JOIN levels l ON l.person = k.person
           LEFT JOIN levels s ON s.person = l.primary_source"""


def case_facts(store, ids: Iterable[str] | None = None) -> list[dict]:
    """Every case (or the cases among ``ids``) with the fields clusters report: dates (``day``: the
    day the case is counted on, its confirmation, else its onset: levels.Case.day), place of residence,
    the derived primary source and that source's chain root; by id."""
    if ids is None:
        return store.query(_FACTS_SQL + " ORDER BY k.person")
    rows = store._in(_FACTS_SQL + " WHERE k.person IN ({ids})", ids)
    return sorted((dict(zip(_FACTS, r)) for r in rows), key=lambda r: r["id"])


# ------------------------------------------------- the links of some persons
# The same links as recorded_sources, derived_sources, case_contacts_with_traced and
# f1_contacts, only those touching ``ids`` (either end), through the indexes on both
# ends: a cluster is followed from its cases without reading the district.
def recorded_sources_touching(store, ids: Iterable[str]) -> list[tuple[str, str]]:
    """``(case, source)`` of the recorded sources of ``ids`` and of the cases ``ids`` are a source of."""
    ids = list(ids)
    return (store._in("SELECT case_id, source FROM case_sources WHERE case_id IN ({ids})", ids)
            + store._in("SELECT case_id, source FROM case_sources WHERE source IN ({ids})", ids))


def derived_sources_touching(store, ids: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """``(person, source, date)`` of the derived transmitters touching ``ids``."""
    ids = list(ids)
    return (store._in("SELECT person, source, date FROM level_sources WHERE person IN ({ids})", ids)
            + store._in("SELECT person, source, date FROM level_sources WHERE source IN ({ids})", ids))


_LINKING_CONTACTS = """SELECT c.a, c.b, c.date FROM contacts c
    LEFT JOIN cases ka ON ka.person = c.a LEFT JOIN levels la ON la.person = c.a
    LEFT JOIN cases kb ON kb.person = c.b LEFT JOIN levels lb ON lb.person = c.b
    WHERE c.{end} IN ({{ids}})
      AND ((ka.person IS NOT NULL AND lb.person IS NOT NULL) OR (kb.person IS NOT NULL AND la.person IS NOT NULL)
           OR (la.level = 1 AND lb.level = 1))"""


def contact_links_touching(store, ids: Iterable[str]) -> list[tuple[str, str, str | None]]:
    """``(a, b, date)`` of the contacts touching ``ids`` that link (as in
    :func:`case_contacts_with_traced` and :func:`f1_contacts`): one end a case and
    the other traced, or both ends F1."""
    ids = list(ids)
    return (store._in(_LINKING_CONTACTS.format(end="a"), ids)
            + store._in(_LINKING_CONTACTS.format(end="b"), ids))


# ------------------------------------------------------------- stored ids
def assignments(store) -> dict[str, str]:
    """``{case: cluster id}`` as last stored."""
    return dict(store.conn.execute("SELECT case_id, cluster FROM cluster_members"))


def members_of(store, cluster_id: str) -> list[str]:
    """The cases stored as members of ``cluster_id`` (none for an unknown or merged id)."""
    return [r[0] for r in store.conn.execute(
        "SELECT case_id FROM cluster_members WHERE cluster = ? ORDER BY case_id", (cluster_id,))]


def cluster_ids(store) -> dict[str, dict]:
    """Every id ever given: ``{id: {"n", "created", "merged_into", "merged_at"}}``."""
    return {r["id"]: r for r in store.query("SELECT * FROM cluster_ids")}


def next_number(store) -> int:
    return (store.conn.execute("SELECT max(n) FROM cluster_ids").fetchone()[0] or 0) + 1


def save_assignments(store, members: dict[str, str], new_ids: Iterable[tuple[str, int]],
                     merges: Iterable[tuple[str, str]], day: str) -> None:
    """Replace the stored membership by ``members`` ({case: id}); add
    ``new_ids`` ((id, n)) and mark ``merges`` ((old, into)) on ``day``."""
    c = store.conn
    c.executemany("INSERT INTO cluster_ids (id, n, created) VALUES (?, ?, ?)",
                  [(cid, n, day) for cid, n in new_ids])
    c.executemany("UPDATE cluster_ids SET merged_into = ?, merged_at = ? WHERE id = ?",
                  [(into, day, old) for old, into in merges])
    c.execute("DELETE FROM cluster_members")
    c.executemany("INSERT INTO cluster_members (case_id, cluster) VALUES (?, ?)", sorted(members.items()))


def record_for_reader(store, members: dict[str, str], new_ids, merges, day: str) -> bool:
    """:func:`save_assignments` for a user who may only read: on PostgreSQL
    through :meth:`~tracing.store.postgres.PgStore.record_clusters` (its
    own audit entry); a SQLite file on a read-only medium keeps nothing.
    Returns whether the ids were kept."""
    record = getattr(store, "record_clusters", None)
    if record is None:
        return False
    from . import _now
    return record(members, new_ids, merges, _now(), day)


# ------------------------------------------------------------- cluster show
def traced_by_root(store, roots: Iterable[str]) -> dict[int, int]:
    """``{level: persons}`` of non-case traced persons whose chain root is one of ``roots``."""
    out: dict[int, int] = {}
    for level, n in store._in(
            """SELECT l.level, count(*) FROM levels l WHERE l.chain_case IN ({ids}) AND l.level > 0
               GROUP BY l.level""", roots):
        out[level] = out.get(level, 0) + n
    return out


def contacts_of_cases(store, ids: Iterable[str]) -> list[tuple]:
    """``(case, other, date, setting, place)`` for every contact of ``ids``."""
    return [(r[0], r[1], r[2], r[3], r[6]) for r in store.contacts_of(ids)]


def case_source_pairs(store, ids: Iterable[str]) -> list[tuple[str, str]]:
    """``(case, source)`` of every recorded (``case_sources``) and derived
    (``level_sources``) source of ``ids``."""
    ids = list(ids)
    return sorted(set(store._in("SELECT case_id, source FROM case_sources WHERE case_id IN ({ids})", ids))
                  | set(store._in("SELECT person, source FROM level_sources WHERE person IN ({ids})", ids)))


def checkin_places(store, ids: Iterable[str]) -> list[str]:
    return sorted({r[0] for r in store._in(
        """SELECT DISTINCT p.name FROM checkins c JOIN places p ON p.id = c.place
           WHERE c.person IN ({ids})""", ids)})


def labels_of(store, ids: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for case_id, label in store._in(
            "SELECT case_id, label FROM case_labels WHERE case_id IN ({ids}) ORDER BY case_id, label", ids):
        out.setdefault(case_id, []).append(label)
    return out
