"""Upgrading a database of an older schema is said (session 7): a large
district takes a minute on its first command after an upgrade of tracing, and
a user must not think the tool hung. Said on stderr, once, before and after
(JSON on stdout stays JSON); a dry run says the upgrade is for that run only
and leaves the database at its schema. Both stores."""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import is_postgres
from tests.test_areas_upgrade import _connect, build_at
from tracing.store.address import display
from tracing.store.schema import LATEST

OLD = 13  # the schema before this session's zones by district and typed ages


def _raw(db, sql: str):
    """The first value of ``sql`` read by a plain connection (opening the store would upgrade it)."""
    conn = _connect(str(db))
    try:
        return conn.execute(sql).fetchone()[0]
    finally:
        conn.close()


def _version(db) -> int:
    if is_postgres(db):
        return int(_raw(db, "SELECT value FROM tracing_meta WHERE key = 'user_version'"))
    return _raw(db, "PRAGMA user_version")


def _old(db) -> None:
    build_at(db, OLD, lambda conn: None)
    assert _version(db) == OLD


def test_an_upgrade_is_said_once_before_and_after(db_path, run):
    _old(db_path)
    result = run("list", "--format", "json")
    json.loads(result.stdout)  # stdout is the JSON alone
    path = display(str(db_path))
    lines = result.stderr.splitlines()
    assert lines[0] == (f"Upgrading {path} from schema {OLD} to {LATEST} (once; a large district can take a "
                        "minute)…")
    assert re.fullmatch(rf"Upgraded {re.escape(path)} to schema {LATEST} in \d+\.\d s\.", lines[1]), lines
    assert len(lines) == 2, lines
    assert _version(db_path) == LATEST
    assert run("list").stderr == ""  # upgraded once: the next command says nothing


def test_the_upgrade_speaks_vietnamese(db_path, run):
    _old(db_path)
    lines = run("--lang", "vi", "list").stderr.splitlines()
    assert lines[0].startswith(f"Đang nâng cấp {display(str(db_path))} từ lược đồ {OLD} lên {LATEST}")
    assert re.fullmatch(rf"Đã nâng cấp .* lên lược đồ {LATEST} trong \d+,\d giây\.", lines[1]), lines


def test_a_new_database_is_made_without_an_upgrade_notice(db_path, run):
    assert "pgrad" not in run("person", "add", "--id", "P1", "--name", "An").stderr


def _persons_file(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,name,ward\nP1,An,Ngọc Lâm\n", encoding="utf-8")
    return path


def test_a_dry_run_says_the_upgrade_is_for_that_run_only(db_path, run, tmp_path):
    if is_postgres(db_path):
        pytest.skip("on PostgreSQL a dry run by a user who may write upgrades the server's schema (said as any "
                    "upgrade); see the next test")
    _old(db_path)
    for _ in range(2):  # every dry run upgrades its copy again, and says so
        result = run("import", "persons", _persons_file(tmp_path), "--dry-run", "--format", "json")
        assert json.loads(result.stdout)["dry_run"] is True
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"Dry run: {db_path} is at schema {OLD}, this tracing needs {LATEST}: it is upgraded "
                               "for this run only")
        assert _version(db_path) == OLD
    assert _raw(db_path, "SELECT count(*) FROM persons") == 0


def test_a_dry_run_on_postgresql_says_its_upgrade(db_path, run, tmp_path):
    if not is_postgres(db_path):
        pytest.skip("PostgreSQL")
    _old(db_path)
    result = run("import", "persons", _persons_file(tmp_path), "--dry-run", "--format", "json")
    assert json.loads(result.stdout)["dry_run"] is True
    lines = result.stderr.splitlines()
    assert lines[0].startswith(f"Upgrading {display(db_path)} from schema {OLD} to {LATEST}")
    assert lines[1].startswith(f"Upgraded {display(db_path)} to schema {LATEST} in ")
    assert _version(db_path) == LATEST  # the server's schema was upgraded for good (said as such)
    assert _raw(db_path, "SELECT count(*) FROM persons") == 0
