"""The store: one file, transactions, migrations, privacy."""

import os
import sqlite3
import stat

import pytest

from tracing.errors import Conflict, DatabaseError
from tracing.store import Store
from tracing.store.schema import LATEST


def test_new_file_is_private_wal_with_foreign_keys_and_current_schema(tmp_path):
    path = tmp_path / "t.db"
    store = Store.open(path, create=True)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store.schema_version() == LATEST
    assert store.integrity_problems() == []


def test_a_failed_command_writes_nothing_and_a_dry_run_neither(db_path):
    store = Store.open(db_path, create=True)
    with pytest.raises(Conflict):
        with store.write("two persons"):
            store.insert_person({"id": "A", "name": "An"})
            store.insert_person({"id": "A", "name": "An again"})
    assert store.get_person("A") is None
    with store.write("dry", dry_run=True):
        store.insert_person({"id": "B", "name": "Bình"})
    assert store.get_person("B") is None
    assert [r["command"] for r in store.audit_log()] == []


def test_every_write_is_audited_with_who(db_path, monkeypatch):
    """SQLite: $TRACING_USER (or the login). PostgreSQL: the database user
    the server authenticated, then the name the team gave."""
    monkeypatch.setenv("TRACING_USER", "to-truy-vet-3")
    store = Store.open(db_path, create=True)
    with store.write("person add"):
        store.insert_person({"id": "A", "name": "An"})
        store.note(person="A")
    entry = store.audit_log()[0]
    from urllib.parse import urlsplit
    who = f"{urlsplit(db_path).username} (to-truy-vet-3)" if isinstance(db_path, str) else "to-truy-vet-3"
    assert (entry["actor"], entry["command"]) == (who, "person add")
    assert '"person": "A"' in entry["detail"]


def test_missing_file_newer_schema_and_foreign_files_are_refused(tmp_path):
    with pytest.raises(DatabaseError, match="no database"):
        Store.open(tmp_path / "missing.db")
    path = tmp_path / "t.db"
    Store.open(path, create=True).close()
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(DatabaseError, match="newer version"):
        Store.open(path)
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE x (a)")
    conn.close()
    with pytest.raises(DatabaseError, match="not a tracing database"):
        Store.open(other)


def test_contacts_are_undirected_and_recorded_once(db_path):
    store = Store.open(db_path, create=True)
    with store.write("c"):
        for p in ("A", "B"):
            store.insert_person({"id": p})
        assert store.insert_contact({"a": "B", "b": "A", "date": "2021-05-01"}) == (True, {})
        assert store.insert_contact({"a": "A", "b": "B", "date": "2021-05-01"}) == (False, {})
    assert sorted(e[:2] for e in store.contacts_of(["A", "B"])) == [("A", "B"), ("B", "A")]


def test_contact_lookups_use_the_indexes(tmp_path):
    store = Store.open(tmp_path / "t.db", create=True)
    plan = store.conn.execute("EXPLAIN QUERY PLAN SELECT a, b FROM contacts WHERE a IN (?) UNION ALL "
                              "SELECT b, a FROM contacts WHERE b IN (?)", ("A", "A")).fetchall()
    details = " ".join(row[-1] for row in plan)
    assert details.count("SEARCH contacts USING") == 2 and "SCAN" not in details
