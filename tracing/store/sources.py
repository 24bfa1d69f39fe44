"""SQL for :mod:`tracing.sources`: case labels that turn into infection links."""

from __future__ import annotations


def has_labels(store) -> bool:
    return store.conn.execute("SELECT 1 FROM case_labels LIMIT 1").fetchone() is not None


def all_labels(store) -> list[tuple[str, str]]:
    """``(case, label)`` of every case label."""
    return store.conn.execute("SELECT case_id, label FROM case_labels ORDER BY case_id, label").fetchall()


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
