"""SQL for :mod:`tracing.sources`: case labels that turn into infection links."""

from __future__ import annotations


def has_labels(store) -> bool:
    return store.conn.execute("SELECT 1 FROM case_labels LIMIT 1").fetchone() is not None


def all_labels(store) -> list[tuple[str, str]]:
    """``(case, label)`` of every case label."""
    return store.conn.execute("SELECT case_id, label FROM case_labels ORDER BY case_id, label").fetchall()


def labels_of(store, ids=None) -> dict[str, list[str]]:
    """``{case: [label]}`` of the cases ``ids`` (every case when None)."""
    out: dict[str, list[str]] = {}
    if ids is None:
        if not has_labels(store):
            return out
        rows = store.conn.execute("SELECT case_id, label FROM case_labels ORDER BY case_id, label")
    else:  # no first look whether there are labels: one statement at most (none for no ids)
        rows = store._in("SELECT case_id, label FROM case_labels WHERE case_id IN ({ids}) ORDER BY case_id, label",
                         ids)
    for case_id, label in rows:
        out.setdefault(case_id, []).append(label)
    return out


def labels_to_links(store, rows) -> None:
    """``rows`` of ``(case, source id, label)``: add the link, drop the label."""
    c = store.conn
    c.executemany("INSERT OR IGNORE INTO case_sources (case_id, source) VALUES (?, ?)",
                  [(case, source) for case, source, _label in rows])
    c.executemany("DELETE FROM case_labels WHERE case_id = ? AND label = ?",
                  [(case, label) for case, _source, label in rows])


def person_ids(store):
    """Every person id, in no particular order (streamed)."""
    cur = store.conn.execute("SELECT id FROM persons")
    for (pid,) in cur:
        yield pid


_BARE = """FROM case_sources s JOIN persons p ON p.id = s.source
           WHERE COALESCE(p.name, '') = '' AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.person = s.source)
             AND NOT EXISTS (SELECT 1 FROM contacts k WHERE k.a = s.source OR k.b = s.source)
             AND NOT EXISTS (SELECT 1 FROM checkins k WHERE k.person = s.source)"""


def bare_source_persons(store) -> list[str]:
    """Persons named as a case's source who are nothing else: no case, no
    name, no contact, no check-in (unknown-source persons of an import)."""
    return [r[0] for r in store.conn.execute(f"SELECT DISTINCT s.source {_BARE} ORDER BY s.source")]


def has_bare_source_persons(store) -> bool:
    return store.conn.execute(f"SELECT 1 {_BARE} LIMIT 1").fetchone() is not None


def cases_named(store, source: str) -> list[str]:
    """The cases whose infection links name ``source``."""
    return [r[0] for r in store.conn.execute(
        "SELECT case_id FROM case_sources WHERE source = ? ORDER BY case_id", (source,))]
