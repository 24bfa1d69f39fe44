"""Upgrading a database of an older schema is said (session 7): a large
district takes a minute on its first command after an upgrade of tracing, and
a user must not think the tool hung. Said on stderr, once, before and after
(JSON on stdout stays JSON); a dry run says the upgrade is for that run only
and leaves the database at its schema (on PostgreSQL it runs on a copy in
memory, as a supervisor's dry run does). Both stores."""

from __future__ import annotations

import json
import re

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
    """A database of schema ``OLD`` holding person P0."""
    build_at(db, OLD, lambda conn: conn.execute(
        "INSERT INTO persons (id, name, name_folded, ward, created_at) "
        "VALUES ('P0', 'Cũ', 'cu', 'Ngọc Lâm', '2021-06-01 08:00:00')"))
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
    path.write_text("id,name,ward\nP0,Cũ,Bồ Đề\nP1,An,Ngọc Lâm\n", encoding="utf-8")
    return path


def test_a_dry_run_says_the_upgrade_is_for_that_run_only(db_path, run, tmp_path):
    _old(db_path)
    for _ in range(2):  # every dry run upgrades its copy again, and says so
        result = run("import", "persons", _persons_file(tmp_path), "--dry-run", "--format", "json")
        assert json.loads(result.stdout)["dry_run"] is True
        (line,) = [x for x in result.stderr.splitlines() if "schema" in x]  # said once, no other upgrade line
        assert line.startswith(f"Dry run: {display(str(db_path))} is at schema {OLD}, this tracing needs "
                               f"{LATEST}: it is upgraded for this run only")
        assert _version(db_path) == OLD
        dry = json.loads(result.stdout)
    assert _raw(db_path, "SELECT count(*) FROM persons") == 1
    # the dry run saw the database's records: it says what the real import then does
    done = json.loads(run("import", "persons", _persons_file(tmp_path), "--format", "json").stdout)
    for summary in (dry, done):
        summary.pop("dry_run"), summary.pop("seconds", None)
    assert dry == done
    assert _raw(db_path, "SELECT count(*) FROM persons") == 2
