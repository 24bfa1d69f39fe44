"""`tracing backup`, `tracing restore`, `tracing doctor`: what a user sees.

Real database files in tmp_path; damaged, foreign and newer files are made
the way they happen (bytes overwritten, another program's SQLite file, a
schema number from the future).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat

import pytest

from tests.conftest import TODAY, db_digest
from tracing.store import Store
from tracing.store.schema import APPLICATION_ID, LATEST, MIGRATIONS

# Every test here is about database FILES (SQLite's backup API, damaged
# pages, file modes, -wal files); backup, restore and doctor of a PostgreSQL
# database are tested in test_postgres.py.
pytestmark = pytest.mark.sqlite_only("about SQLite database files")


@pytest.fixture
def outbreak(run, db_path):
    """A small outbreak: BN1 infected P2 (household), P2 met P3 at work."""
    run("person", "add", "--id", "BN1", "--name", "Nguyễn Văn An")
    run("person", "add", "--id", "P2", "--name", "Trần Thị Bình")
    run("person", "add", "--id", "P3", "--name", "Lê Văn Cường")
    run("contact", "add", "BN1", "P2", "--date", "2021-06-20", "--setting", "household")
    run("contact", "add", "P2", "P3", "--date", "2021-06-21", "--setting", "work")
    run("case", "confirm", "BN1", "--date", "2021-06-22")
    return db_path


def levels_of(db_path) -> dict:
    s = Store.open(db_path)
    try:
        return {p: e["level"] for p, e in s.levels(["BN1", "P2", "P3"]).items()}
    finally:
        s.close()


def error_line(result) -> str:
    lines = [x for x in result.stderr.splitlines() if x.startswith("Error: ")]
    assert len(lines) == 1, result.output
    return lines[0]


def make_v1_file(path) -> None:
    """A database as schema version 1 left it, with a person and a contact."""
    conn = sqlite3.connect(path)
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("INSERT INTO persons (id, name, name_folded, created_at) VALUES ('OLD1', 'Cũ', 'cu', '2021-01-01')")
    conn.execute("INSERT INTO persons (id, name, name_folded, created_at) VALUES ('OLD2', 'Hai', 'hai', '2021-01-01')")
    conn.execute("INSERT INTO contacts (a, b, date) VALUES ('OLD1', 'OLD2', '2021-06-01')")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()


def but_the_restore_entry(path) -> str:
    """The digest of a restored database without the audit entry of its
    restore (the one thing a restore adds)."""
    import tempfile
    with tempfile.TemporaryDirectory() as folder:
        copy = os.path.join(folder, "copy.db")
        src, dst = sqlite3.connect(path), sqlite3.connect(copy)
        src.backup(dst)
        src.close()
        assert dst.execute("DELETE FROM audit WHERE id = (SELECT max(id) FROM audit) AND command = 'restore'").rowcount == 1
        dst.commit()
        dst.close()
        return db_digest(copy)


def damage(path) -> None:
    """Overwrite the middle pages of a (closed) database file with junk."""
    size = os.path.getsize(path)
    assert size >= 5 * 4096
    with open(path, "r+b") as f:
        f.seek(2 * 4096)
        f.write(b"\xa5" * (size - 3 * 4096))


# ---------------------------------------------------------------- backup
def test_backup_is_a_private_consistent_copy_that_restores(run, run_json, outbreak, tmp_path):
    before = db_digest(outbreak)
    copy = tmp_path / "copies" / "monday.db"
    copy.parent.mkdir()
    result = run_json("backup", copy)
    assert result["file"] == str(copy) and result["counts"]["persons"] == 3
    assert db_digest(outbreak) == before, "a backup writes nothing to the database"
    assert db_digest(copy) == before
    assert stat.S_IMODE(os.stat(copy).st_mode) == 0o600
    assert sorted(os.listdir(copy.parent)) == ["monday.db"], "one self-contained file, no -wal or leftovers"
    conn = sqlite3.connect(copy)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()

    # more work, then the restore brings the Monday state back
    run("case", "confirm", "P3", "--date", "2021-06-25")
    run("person", "add", "--id", "P4", "--name", "Phạm Thị Dung")
    after = db_digest(outbreak)
    assert after != before
    # a backup this database made (its sealed log is in the live log) needs no flag
    restored = run_json("restore", copy)
    assert restored["forced"] is False and restored["diverged"] is None
    assert but_the_restore_entry(outbreak) == before
    assert levels_of(outbreak) == {"BN1": 0, "P2": 1, "P3": 2}
    kept = restored["kept"]
    assert kept and os.path.dirname(kept) == str(outbreak.parent)
    assert db_digest(kept) == after, "the replaced database is kept"
    assert run("status", "P4", ok=False).exit_code == 1
    # the kept copy is sealed and known to the restore's entry: undoing the restore needs no flag
    back = run_json("restore", kept)
    assert back["forced"] is False and db_digest(outbreak) != before
    assert json.loads(run("person", "show", "P4", "--format", "json").stdout)["name"] == "Phạm Thị Dung"


def test_backup_into_a_folder_names_the_file_by_date(run, outbreak, tmp_path):
    folder = tmp_path / "usb"
    folder.mkdir()
    result = run("backup", folder)
    expected = folder / f"tracing-{TODAY}.db"
    assert expected.exists() and str(expected) in result.stdout
    assert db_digest(expected) == db_digest(outbreak)


def test_backup_refuses_to_overwrite_or_to_copy_onto_itself(run, outbreak, tmp_path):
    target = tmp_path / "b.db"
    target.write_bytes(b"precious")
    for args in (("backup", target), ("backup", outbreak), ("backup", tmp_path / "nowhere" / "b.db")):
        result = run(*args, ok=False)
        assert result.exit_code == 1 and error_line(result)
    assert target.read_bytes() == b"precious"
    run("backup", target, "--force")
    assert db_digest(target) == db_digest(outbreak)


def test_backup_without_a_database_says_how_to_make_one(run, db_path, tmp_path):
    result = run("backup", tmp_path / "b.db", ok=False)
    assert "no database" in error_line(result)
    assert not (tmp_path / "b.db").exists() and not db_path.exists()


def test_plain_file_copy_of_a_backup_works(run, outbreak, tmp_path):
    run("backup", tmp_path / "b.db")
    shutil.copy(tmp_path / "b.db", tmp_path / "copied.db")
    status = run("--db", tmp_path / "copied.db", "status", "P3", "--format", "json")
    assert json.loads(status.stdout)["level"] == "F2"


# ---------------------------------------------------------------- restore
def test_restore_into_a_missing_database_needs_no_force(run, outbreak, tmp_path):
    run("backup", tmp_path / "b.db")
    fresh = tmp_path / "fresh.db"
    run("--db", fresh, "restore", tmp_path / "b.db")
    assert but_the_restore_entry(fresh) == db_digest(outbreak)
    assert stat.S_IMODE(os.stat(fresh).st_mode) == 0o600


def _foreign_sqlite(path):
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    conn.commit()
    conn.close()


def _newer(path, source):
    shutil.copy(source, path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA user_version = 99")
    conn.close()


@pytest.mark.parametrize("kind, words", [
    ("garbage", "not a tracing database"),
    ("empty", "not a tracing database"),
    ("foreign", "not a tracing database"),
    ("newer", "newer version"),
    ("damaged", "damaged"),
    ("missing", "does not exist"),
    ("folder", "not a file"),
])
def test_restore_refuses_anything_but_a_sound_tracing_database(run, outbreak, tmp_path, kind, words):
    bad = tmp_path / f"{kind}.db"
    if kind == "garbage":
        bad.write_bytes(os.urandom(8192))
    elif kind == "empty":
        bad.write_bytes(b"")
    elif kind == "foreign":
        _foreign_sqlite(bad)
    elif kind == "newer":
        run("backup", tmp_path / "b.db")
        _newer(bad, tmp_path / "b.db")
    elif kind == "damaged":
        run("backup", bad)
        damage(bad)
    elif kind == "folder":
        bad.mkdir()
    before = db_digest(outbreak)
    result = run("restore", bad, "--force", ok=False)
    assert result.exit_code == 1
    assert words in error_line(result)
    assert db_digest(outbreak) == before
    assert not [f for f in os.listdir(outbreak.parent) if "before-restore" in f], "no copy kept when refused"


def test_restore_of_an_older_schema_upgrades_it(run, db_path, tmp_path):
    old = tmp_path / "old.db"
    make_v1_file(old)
    refused = run("restore", old, ok=False)  # not sealed by `tracing backup`: only with --force
    assert refused.exit_code == 1 and "--force" in error_line(refused)
    assert json.loads(run("restore", old, "--force", "--format", "json").stdout)["forced"] is True
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert conn.execute("SELECT count(*) FROM contacts").fetchone()[0] == 1
    conn.close()
    assert json.loads(run("person", "show", "OLD1", "--format", "json").stdout)["name"] == "Cũ"


def test_restore_replaces_a_garbage_database_with_force(run, outbreak, tmp_path):
    run("backup", tmp_path / "b.db")
    want = db_digest(outbreak)
    outbreak.write_bytes(b"this was overwritten by accident" * 100)
    for suffix in ("-wal", "-shm"):
        if os.path.exists(str(outbreak) + suffix):
            os.remove(str(outbreak) + suffix)
    assert run("status", "P2", ok=False).exit_code == 1
    run("restore", tmp_path / "b.db", "--force")
    assert but_the_restore_entry(outbreak) == want


# ---------------------------------------------------------------- doctor
def test_doctor_reports_a_sound_database(run, outbreak):
    before = db_digest(outbreak)
    report = json.loads(run("doctor", "--levels", "--format", "json").stdout)
    assert report["ok"] is True and report["problems"] == []
    assert report["schema"] == report["latest"] == LATEST
    assert report["counts"]["persons"] == 3 and report["counts"]["cases"] == 1
    assert "levels equal a fresh derivation" in report["notes"]
    assert db_digest(outbreak) == before
    table = run("doctor")
    assert "OK" in table.stdout and f"Schema {LATEST}" in table.stdout


def test_doctor_finds_stale_levels_and_rederive_repairs_them(run, outbreak):
    conn = sqlite3.connect(outbreak)
    conn.execute("DELETE FROM level_sources WHERE person = 'P3'")
    conn.execute("DELETE FROM levels WHERE person = 'P3'")
    conn.commit()
    conn.close()
    stale = run("doctor", "--levels", ok=False)
    assert stale.exit_code == 1 and "P3" in error_line(stale)
    run("doctor", "--rederive", "--levels")
    assert levels_of(outbreak) == {"BN1": 0, "P2": 1, "P3": 2}


def test_doctor_finds_broken_foreign_keys(run, outbreak):
    conn = sqlite3.connect(outbreak)
    conn.execute("PRAGMA foreign_keys = OFF")
    conn.execute("INSERT INTO contacts (a, b, date) VALUES ('BN1', 'ZZ-GHOST', '2021-06-01')")
    conn.commit()
    conn.close()
    result = run("doctor", "--format", "json", ok=False)
    report = json.loads(result.stdout)
    assert report["ok"] is False and any("foreign key" in p and "persons" in p for p in report["problems"])
    assert "problem" in error_line(result)


def test_doctor_finds_damage_without_a_traceback(run, outbreak, tmp_path):
    copy = tmp_path / "b.db"
    run("backup", copy)
    damage(copy)
    result = run("--db", copy, "doctor", ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "Problem:" in result.stdout and error_line(result)


@pytest.mark.parametrize("kind", ["garbage", "foreign", "newer"])
def test_doctor_names_what_is_wrong_and_changes_nothing(run, outbreak, tmp_path, kind):
    bad = tmp_path / "bad.db"
    if kind == "garbage":
        bad.write_bytes(b"\x00junk" * 3000)
    elif kind == "foreign":
        _foreign_sqlite(bad)
    else:
        run("backup", tmp_path / "b.db")
        _newer(bad, tmp_path / "b.db")
    raw = bad.read_bytes()
    result = run("--db", bad, "doctor", ok=False)
    assert result.exit_code == 1
    assert {"garbage": "not a SQLite", "foreign": "not a tracing database",
            "newer": "newer version"}[kind] in error_line(result)
    assert bad.read_bytes() == raw


def test_doctor_does_not_upgrade_an_old_file(run, tmp_path):
    old = tmp_path / "old.db"
    make_v1_file(old)
    raw = old.read_bytes()
    report = json.loads(run("--db", old, "doctor", "--format", "json").stdout)
    assert report["ok"] and report["schema"] == 1
    assert any("upgraded" in n for n in report["notes"]) == (LATEST > 1)
    assert old.read_bytes() == raw


# ---------------------------------------------------------------- restore: audit
def _audit(path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, at, actor, command, detail FROM audit ORDER BY id").fetchall()
    finally:
        conn.close()


def _head(entries) -> str:
    import hashlib
    h = hashlib.sha256()
    for row in entries:
        h.update(json.dumps(list(row), ensure_ascii=False).encode("utf-8") + b"\n")
    return h.hexdigest()


def test_a_restore_is_audited_who_when_from_and_previous_head(run, outbreak, tmp_path, monkeypatch):
    copy = tmp_path / "monday.db"
    run("backup", copy)
    run("person", "add", "--id", "P4", "--name", "Phạm Thị Dung")
    before = _audit(outbreak)
    monkeypatch.setenv("TRACING_USER", "giám sát Long Biên")
    run("restore", copy, "--force")
    entries = _audit(outbreak)
    assert entries[:-1] == _audit(copy), "the backup's log, then the restore"
    _, at, actor, command, detail = entries[-1]
    detail = json.loads(detail)
    assert (actor, command) == ("giám sát Long Biên", "restore") and at
    assert detail["from"] == str(copy) and detail["kept"] and os.path.exists(detail["kept"])
    assert detail["previous_head"] == {"id": before[-1][0], "entries": len(before), "digest": _head(before)}
    assert detail["forced"] is False and detail["diverged"] is None


@pytest.mark.parametrize("tamper", ["edited", "truncated", "another database", "all rows deleted",
                                    "last 3 rows deleted", "cut and sealed again"])
def test_a_backup_whose_audit_log_diverges_is_refused_unless_forced(run, outbreak, tmp_path, tamper):
    copy = tmp_path / "copy.db"
    run("backup", copy)
    conn = sqlite3.connect(copy)
    if tamper == "edited":      # someone changed data and rewrote the entry that recorded it
        conn.execute("UPDATE audit SET actor = 'nobody' WHERE id = 2")
    elif tamper == "truncated":  # ... or removed it
        conn.execute("DELETE FROM audit WHERE id <= 2")
    elif tamper == "all rows deleted":
        conn.execute("DELETE FROM audit")
    elif tamper == "last 3 rows deleted":
        conn.execute("DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY id DESC LIMIT 3)")
    elif tamper == "cut and sealed again":  # a forger who knows the seal: the live log has no such backup
        from tracing.store.maintenance import seal_backup
        conn.execute("DELETE FROM audit WHERE id IN (SELECT id FROM audit ORDER BY id DESC LIMIT 3)")
        seal_backup(conn, "0" * 32)
    else:
        conn.execute("UPDATE audit SET at = '2020-01-01 00:00:00', detail = '{}'")
    conn.commit()
    conn.close()
    run("person", "add", "--id", "P4", "--name", "Phạm Thị Dung")
    before = db_digest(outbreak)
    refused = run("restore", copy, ok=False)
    assert refused.exit_code == 1 and "audit log" in error_line(refused) and "--force" in error_line(refused)
    assert db_digest(outbreak) == before
    assert not [f for f in os.listdir(outbreak.parent) if "before-restore" in f]
    forced = run("restore", copy, "--force")
    assert "forced" in forced.output
    detail = json.loads(_audit(outbreak)[-1][4])
    assert detail["forced"] is True and detail["diverged"]["kind"] in ("unsealed", "unknown")
    assert json.loads(run("person", "show", "BN1", "--format", "json").stdout)["id"] == "BN1"
