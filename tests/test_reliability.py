"""Reliability: concurrent writers, crashes, backups under load, integrity
and schema checks on every open, read-only media and a full disk.

Every test runs real processes on real files (``python -m cli.main`` or a
Python process using the library the way the CLI does: one ``store.write``
per command). Sizes are parameters (``TRACING_STRESS_CONTACTS``, default
500 per writer; ``TRACING_CRASH_ROWS``, default 200,000) so the suite stays
fast on a 2-core CI runner.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import TODAY, db_digest, db_rows, is_postgres
from tracing.errors import Conflict, DatabaseError
from tracing.store import Store
from tracing.store.maintenance import backup_to
from tracing.store.schema import APPLICATION_ID, LATEST, MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
WRITERS = 4
CONTACTS_PER_WRITER = int(os.environ.get("TRACING_STRESS_CONTACTS", "500"))
CRASH_ROWS = int(os.environ.get("TRACING_CRASH_ROWS", "200000"))
PERSONS = 1000


def env() -> dict:
    e = dict(os.environ, TRACING_TODAY=TODAY, PYTHONPATH=str(ROOT), PYTHONDONTWRITEBYTECODE="1")
    e.pop("TRACING_DB", None)
    e.pop("TRACING_DEBUG", None)
    return e


def tracing_cmd(db, *args) -> list[str]:
    return [sys.executable, "-m", "cli.main", "--db", str(db), *map(str, args)]


def cli(db, *args, check=True) -> subprocess.CompletedProcess:
    proc = subprocess.run(tracing_cmd(db, *args), cwd=ROOT, env=env(), capture_output=True, text=True, timeout=120)
    if check:
        assert proc.returncode == 0, f"{args} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def python(code: str, *args, **kw) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], cwd=ROOT, env=env(), text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)


def add_persons(db, n: int) -> None:
    store = Store.open(db, create=True)
    try:
        with store.write("setup"):
            for i in range(n):
                store.insert_person({"id": f"P{i:04d}", "name": f"Người {i}"})
    finally:
        store.close()


def integrity(db) -> str:
    if is_postgres(db):
        return "ok"  # the server keeps its pages and constraints itself
    conn = sqlite3.connect(db)
    try:
        return "; ".join(r[0] for r in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def count(db, table: str) -> int:
    return db_rows(db, f"SELECT count(*) AS n FROM {table}")[0]["n"]


def all_levels(store) -> dict:
    return store.levels([r["person"] for r in store.query("SELECT person FROM levels")])


# ------------------------------------------------------------ concurrency
WRITER = """
import random, sys
from tracing import cases, encounters
from tracing.store import Store
db, w, n, npersons = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
rng = random.Random(w)
store = Store.open(db)
confirmed = 0
for i in range(n):
    a, b = rng.sample(range(npersons), 2)
    with store.write("contact add"):   # one transaction per command, as the CLI does
        r = encounters.add_contact(store, {
            "a": f"P{a:04d}", "b": f"P{b:04d}", "date": f"2021-06-{1 + rng.randrange(25):02d}",
            "setting": rng.choice(["household", "work", "venue", "social"]), "place": f"w{w}-{i}"})
    assert r["new"], r
    if i % max(1, n // 5) == n // 10:
        with store.write("case confirm"):
            cases.confirm(store, {"id": f"P{w * 100 + confirmed * 10:04d}", "confirmed": f"2021-06-{20 + w}"})
        confirmed += 1
print(confirmed)
"""


def test_concurrent_writers_all_land_and_levels_stay_derived(db_path):
    add_persons(db_path, PERSONS)
    store = Store.open(db_path)
    with store.write("setup"):
        for lane in range(WRITERS):
            for k in range(3):
                store.insert_person({"id": f"C{lane}-{k}", "name": "Nguyễn Văn An"})
    store.close()
    # the user path: real `tracing` processes at the same time as the library writers
    lanes = []
    for lane in range(WRITERS):
        a, b, c = (f"C{lane}-{k}" for k in range(3))
        lanes.append([("contact", "add", a, b, "--date", "2021-06-23", "--setting", "household"),
                      ("contact", "add", b, c, "--date", "2021-06-24", "--setting", "work"),
                      ("case", "confirm", a, "--date", "2021-06-24"),
                      ("status", c, "--format", "json")])
    cli_results: list[tuple] = []

    def run_lane(commands):
        for args in commands:
            proc = cli(db_path, *args, check=False)
            cli_results.append((args, proc))

    workers = [python(WRITER, db_path, w, CONTACTS_PER_WRITER, PERSONS) for w in range(WRITERS)]
    threads = [threading.Thread(target=run_lane, args=(lane,)) for lane in lanes]
    for t in threads:
        t.start()
    outputs = [p.communicate(timeout=300) for p in workers]
    for t in threads:
        t.join(timeout=300)

    for p, (out, err) in zip(workers, outputs):
        assert p.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err
    assert len(cli_results) == sum(len(lane) for lane in lanes)
    for args, proc in cli_results:
        assert proc.returncode == 0, f"{args}: {proc.stderr}"
        assert "locked" not in proc.stderr.lower() and "busy" not in proc.stderr.lower()
    for lane in range(WRITERS):
        assert json.loads(next(p.stdout for a, p in cli_results if a[1] == f"C{lane}-2"))["level"] == "F2"

    confirmed = sum(int(out) for out, _ in outputs)
    assert count(db_path, "contacts") == WRITERS * CONTACTS_PER_WRITER + 2 * WRITERS, "every write landed"
    assert count(db_path, "cases") == confirmed + WRITERS
    assert count(db_path, "persons") == PERSONS + 3 * WRITERS
    assert count(db_path, "audit") == 2 + WRITERS * CONTACTS_PER_WRITER + confirmed + 3 * WRITERS
    assert integrity(db_path) == "ok"

    # levels stored by local re-derivations under concurrency == a fresh district-wide derivation
    # (re-derived in a dry run: the same transaction, rolled back)
    from tracing.levels import rederive_all
    store = Store.open(db_path)
    stored = all_levels(store)
    with store.write("rederive all", dry_run=True):
        rederive_all(store)
        fresh = all_levels(store)
    assert all_levels(store) == stored
    store.close()
    assert len(stored) > WRITERS * 5, "the outbreak reached people"
    assert stored == fresh


# ------------------------------------------------------------ crashes
BIG_TRANSACTION = """
import sys
from tracing.store import Store
db, rows = sys.argv[1], int(sys.argv[2])
store = Store.open(db)
with store.write("bulk contacts"):
    for i in range(1000):
        store.insert_person({"id": f"K{i:04d}", "name": f"K {i}"})
    for i in range(rows):
        store.insert_contact({"a": f"K{i % 1000:04d}", "b": f"K{(i + 1 + i // 1000 % 999) % 1000:04d}",
                              "date": f"2021-06-{1 + i % 28:02d}", "place": f"r{i}"})
        if i == rows // 2:
            print("halfway", flush=True)
            sys.stdin.readline()   # wait here, mid-transaction, until killed
print("committed", flush=True)
"""


def _prepared_db(db_path) -> str:
    add_persons(db_path, 50)
    cli(db_path, "contact", "add", "P0001", "P0002", "--date", "2021-06-20")
    cli(db_path, "case", "confirm", "P0001", "--date", "2021-06-22")
    return db_digest(db_path)


def _assert_untouched(db_path, before):
    assert integrity(db_path) == "ok"
    assert db_digest(db_path) == before
    store = Store.open(db_path)  # opens as a tracing database
    assert store.integrity_problems() == []
    store.close()
    assert json.loads(cli(db_path, "status", "P0002", "--format", "json").stdout)["level"] == "F1"
    cli(db_path, "contact", "add", "P0002", "P0003", "--date", "2021-06-21")  # and takes writes again
@pytest.mark.sqlite_only("watches SQLite's WAL file to kill mid-write")
def test_sigkill_in_the_middle_of_a_big_transaction_leaves_the_database_as_before(db_path):
    before = _prepared_db(db_path)
    proc = subprocess.Popen([sys.executable, "-c", BIG_TRANSACTION, str(db_path), str(CRASH_ROWS)], cwd=ROOT,
                            env=env(), text=True, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    assert line.strip() == "halfway", proc.stderr.read()
    wal = Path(str(db_path) + "-wal")
    assert wal.exists() and wal.stat().st_size > 1_000_000, "uncommitted pages reached the WAL before the kill"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _assert_untouched(db_path, before)
@pytest.mark.sqlite_only("watches SQLite's WAL file to kill mid-write")
def test_sigkill_during_import_leaves_the_database_as_before(db_path, tmp_path):
    before = _prepared_db(db_path)
    src = tmp_path / "contacts.csv"
    with open(src, "w", encoding="utf-8", newline="") as f:
        f.write("from,to,date,setting,place\n")
        for i in range(CRASH_ROWS):
            f.write(f"X{i % 5000:05d},X{(i + 1 + i // 5000 % 4999) % 5000:05d},2021-06-{1 + i % 28:02d},work,r{i}\n")
    proc = subprocess.Popen(tracing_cmd(db_path, "import", "contacts", src), cwd=ROOT, env=env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wal = Path(str(db_path) + "-wal")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if wal.exists() and wal.stat().st_size > 2_000_000:
            break
        time.sleep(0.005)
    assert proc.poll() is None, f"the import ended before it could be killed: {proc.communicate()[1][-500:]}"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    _assert_untouched(db_path, before)


WRITE_LOOP = """
import sys, itertools
from tracing import encounters
from tracing.store import Store
store = Store.open(sys.argv[1])
for i in itertools.count():
    with store.write("contact add"):
        encounters.add_contact(store, {"a": f"P{i % 50:04d}", "b": f"P{(i * 3 + 1) % 50:04d}",
                                       "date": "2021-06-20", "place": f"loop {i}"})
    if i == 20:
        print("writing", flush=True)
"""
@pytest.mark.sqlite_only("SQLite's online backup of a file (PostgreSQL: test_postgres.py)")
def test_backup_while_another_process_writes(db_path, tmp_path):
    add_persons(db_path, 50)
    writer = python(WRITE_LOOP, db_path)
    try:
        assert writer.stdout.readline().strip() == "writing", writer.stderr.read()
        before = count(db_path, "contacts")
        copies = [tmp_path / f"backup-{k}.db" for k in range(2)]
        for c in copies:
            proc = cli(db_path, "backup", c)
            assert "locked" not in proc.stderr
        after = count(db_path, "contacts")
        assert writer.poll() is None, writer.stderr.read()
    finally:
        writer.kill()
        writer.wait()
    assert after > before, "the writer kept writing during the backups"
    sizes = []
    for c in copies:
        assert integrity(c) == "ok"
        store = Store.open(c)  # a tracing database this version opens
        assert store.schema_version() == LATEST and store.integrity_problems() == []
        n = store.counts()["contacts"]
        audits = store.query("SELECT count(*) AS n FROM audit WHERE command = 'contact add'")[0]["n"]
        store.close()
        assert n == audits, "a snapshot holds whole commands: each contact with its audit record"
        sizes.append(n)
    assert before <= sizes[0] <= sizes[1] <= after
    # and a plain copy of a backup brings it back
    shutil.copy(copies[0], tmp_path / "restored.db")
    assert db_digest(tmp_path / "restored.db") == db_digest(copies[0])
    cli(tmp_path / "restored.db", "status", "P0001")


# ------------------------------------------------------------ integrity on open
def build_version(path, version: int) -> None:
    """A database exactly as the code of schema ``version`` left it."""
    from tracing.rules import DEFAULT_RULES
    conn = sqlite3.connect(path)
    for n in range(version):
        for statement in MIGRATIONS[n]:
            statement(conn) if callable(statement) else conn.execute(statement)  # a step may be Python
        if n == 0:
            conn.executemany("INSERT INTO rules (key, effective, value, note, created_at) VALUES (?, ?, ?, ?, ?)",
                             [(k, e, json.dumps(v), note, "2021-01-01") for k, e, v, note in DEFAULT_RULES])
    if version >= 1:
        conn.execute("INSERT INTO persons (id, name, name_folded, created_at) "
                     "VALUES ('OLD1', 'Phạm Cũ', 'pham cu', '2021-01-01'), ('OLD2', 'Hai', 'hai', '2021-01-01')")
        conn.execute("INSERT INTO contacts (a, b, date, setting) VALUES ('OLD1', 'OLD2', '2021-06-10', 'household')")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.commit()
    conn.close()


def schema_of(path) -> set:
    conn = sqlite3.connect(path)
    try:
        return set(conn.execute("SELECT type, name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"))
    finally:
        conn.close()
@pytest.mark.sqlite_only("an empty SQLite file")
def test_an_empty_file_becomes_a_current_database(db_path):
    db_path.write_bytes(b"")
    store = Store.open(db_path)
    assert store.schema_version() == LATEST
    assert store.rules().at("trace.max_depth", TODAY) == 2
    store.close()


@pytest.mark.sqlite_only("builds SQLite files of older schemas")
@pytest.mark.parametrize("version", range(1, LATEST))
def test_every_older_schema_is_upgraded_keeping_the_data(db_path, tmp_path, version):
    build_version(db_path, version)
    result = cli(db_path, "case", "confirm", "OLD1", "--date", "2021-06-12", "--format", "json")
    assert {"id": "OLD2", "from": None, "to": "F1"} in json.loads(result.stdout)["changes"]
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST
    assert conn.execute("SELECT name FROM persons WHERE id = 'OLD1'").fetchone()[0] == "Phạm Cũ"
    conn.close()
    Store.open(tmp_path / "fresh.db", create=True).close()
    assert schema_of(db_path) == schema_of(tmp_path / "fresh.db"), "upgraded schema == fresh schema"
@pytest.mark.sqlite_only("builds a SQLite file of an older schema")
def test_a_previous_version_file_is_upgraded_by_a_reading_command(db_path):
    build_version(db_path, LATEST - 1)
    assert LATEST - 1 >= 1, "there is a previous schema version to upgrade from"
    cli(db_path, "person", "show", "OLD1")
    assert Store.open(db_path).schema_version() == LATEST


def _newer_copy(db_path):
    add_persons(db_path, 3)
    newer = db_path.parent / "newer.db"
    store = Store.open(db_path)
    backup_to(store, newer)
    store.close()
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    return newer
@pytest.mark.sqlite_only("sets SQLite's user_version")
def test_a_database_from_a_newer_version_is_refused(db_path):
    newer = _newer_copy(db_path)
    raw = newer.read_bytes()
    with pytest.raises(DatabaseError, match="newer version"):
        Store.open(newer)
    for args in (("status", "P0001"), ("person", "add", "--name", "X")):
        proc = cli(newer, *args, check=False)
        assert proc.returncode == 1 and proc.stderr.startswith("Error: ") and "newer version" in proc.stderr
        assert "Traceback" not in proc.stderr
    assert newer.read_bytes() == raw


@pytest.mark.parametrize("kind, words", [("foreign", "not a tracing database"),
                                         ("garbage", "damaged or not a tracing database"),
                                         ("text", "damaged or not a tracing database")])
def test_files_that_are_not_tracing_databases_are_refused(tmp_path, kind, words):
    path = tmp_path / "other.db"
    if kind == "foreign":
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO photos (name) VALUES ('hạ long.jpg')")
        conn.commit()
        conn.close()
    elif kind == "garbage":
        path.write_bytes(bytes(range(256)) * 64)
    else:
        path.write_text("id,name\nBN1,Nguyễn Văn An\n", encoding="utf-8")
    raw = path.read_bytes()
    with pytest.raises(DatabaseError, match=words):
        Store.open(path)
    for args in (("status", "BN1"), ("person", "add", "--name", "X"), ("doctor",)):
        proc = cli(path, *args, check=False)
        assert proc.returncode == 1 and "Error: " in proc.stderr and "Traceback" not in proc.stderr
    assert path.read_bytes() == raw, "a refused file is left exactly as it was"
    assert sorted(os.listdir(tmp_path)) == ["other.db"]


def test_foreign_keys_are_enforced_on_every_open(db_path):
    add_persons(db_path, 2)
    store = Store.open(db_path)
    if store.dialect == "sqlite":
        assert store.conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    before = db_digest(db_path)
    with pytest.raises(Conflict, match="nothing was written"):
        with store.write("contact add"):
            store.insert_contact({"a": "P0001", "b": "NOBODY"})
    store.close()
    assert db_digest(db_path) == before


# ------------------------------------------------------------ read-only media, full disk
@pytest.fixture
def small_disk(tmp_path):
    """A 1 MB filesystem of its own (tmpfs), unmounted afterwards."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root; this run is not root")
    proc = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0755", "tmpfs", str(mnt)],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {proc.stderr.strip()}")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def fill_disk(disk: Path, leave: int = 0) -> None:
    """Fill the small disk with a file ``filler``, then free ``leave`` bytes of it."""
    filler = disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError:
        pass
    finally:
        os.close(fd)
    if leave:
        os.truncate(filler, max(0, filler.stat().st_size - leave))


def _read_only(folder: Path) -> None:
    """Make ``folder`` unwritable for this process: remount read-only as
    root (root ignores permission bits), chmod otherwise."""
    if os.geteuid() == 0:
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)
    else:
        for f in folder.iterdir():
            f.chmod(0o444)
        folder.chmod(0o555)


def _seeded(db, persons=3):
    add_persons(db, persons)
    cli(db, "contact", "add", "P0001", "P0002", "--date", "2021-06-20")


@pytest.mark.parametrize("journal", ["wal", "delete"])
def test_a_read_only_database_refuses_writes_clearly(small_disk, tmp_path, journal):
    src = tmp_path / "src.db"
    _seeded(src)
    db = small_disk / "ro.db"
    store = Store.open(src)
    backup_to(store, db)  # a single-file copy
    store.close()
    if journal == "wal":
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.close()
    raw = db.read_bytes()
    _read_only(small_disk)
    for args in (("person", "add", "--name", "Mới"), ("case", "confirm", "P0001", "--date", "2021-06-22")):
        proc = cli(db, *args, check=False)
        assert proc.returncode == 1, proc.stdout
        assert proc.stderr.startswith("Error: ") and proc.stderr.count("\n") == 1, proc.stderr
        assert "Traceback" not in proc.stderr
    assert db.read_bytes() == raw


def test_a_read_only_wal_database_can_still_be_read_and_says_read_only(small_disk, tmp_path):
    _seeded(small_disk / "ro.db")
    _read_only(small_disk)
    proc = cli(small_disk / "ro.db", "status", "P0002", "--format", "json", check=False)
    write = cli(small_disk / "ro.db", "person", "add", "--name", "Mới", check=False)
    assert "read-only" in write.stderr, write.stderr
    assert proc.returncode == 0 and json.loads(proc.stdout)["level"] is None


def test_a_read_only_single_file_database_reads_and_says_read_only(small_disk, tmp_path):
    src = tmp_path / "src.db"
    _seeded(src)
    store = Store.open(src)
    backup_to(store, small_disk / "ro.db")
    store.close()
    _read_only(small_disk)
    proc = cli(small_disk / "ro.db", "person", "show", "P0001", "--format", "json")
    assert json.loads(proc.stdout)["id"] == "P0001"
    write = cli(small_disk / "ro.db", "person", "add", "--name", "Mới", check=False)
    assert write.returncode == 1 and "readonly" in write.stderr.replace("read-only", "readonly")
@pytest.mark.sqlite_only("a SQLite file on a full tmpfs")
def test_a_full_disk_fails_cleanly_and_writes_nothing(small_disk, db_path):
    from click.testing import CliRunner

    from cli.main import cli as group
    db = small_disk / "full.db"
    _seeded(db)
    fill_disk(small_disk, leave=64 * 1024)  # room to open, not to grow
    runner = CliRunner()
    failed = None
    for i in range(2000):
        before = db_digest(db)
        result = runner.invoke(group, ["--db", str(db), "person", "add", "--id", f"F{i}", "--name", "Nguyễn Thị Đầy",
                                       "--address", "Số " + "9" * 480])
        assert result.exception is None or isinstance(result.exception, SystemExit)
        if result.exit_code != 0:
            failed = result
            break
    assert failed is not None, "the disk never filled up"
    assert failed.exit_code == 1 and "Traceback" not in failed.output
    assert failed.stderr.startswith("Error: ") and "full" in failed.stderr, failed.stderr
    assert db_digest(db) == before, "the failed command wrote nothing"
    os.remove(small_disk / "filler")
    assert integrity(db) == "ok"
    runner.invoke(group, ["--db", str(db), "person", "add", "--id", "AFTER", "--name", "Sau"], catch_exceptions=False)
    assert count(db, "persons") == 3 + i + 1


FIRST_WRITER = """
import sys, time
from tracing.store import Store
db, at, i = sys.argv[1], float(sys.argv[2]), sys.argv[3]
while time.time() < at:   # everyone starts at the same instant
    pass
store = Store.open(db, create=True)
with store.write("person add"):
    store.insert_person({"id": f"P{i}", "name": f"Người {i}"})
store.close()
"""


@pytest.mark.parametrize("round_", range(int(os.environ.get("TRACING_FIRST_WRITE_ROUNDS", "12"))))
def test_eight_first_writes_to_a_missing_database_all_succeed(tmp_path, round_):
    """Eight processes making their first write to a missing database at once
    all succeed (one used to read the new file between another's migration
    statements and call it 'not a tracing database')."""
    db = tmp_path / "first.db"
    at = time.time() + 1.2
    procs = [python(FIRST_WRITER, db, at, i) for i in range(8)]
    results = [p.communicate(timeout=120) + (p.returncode,) for p in procs]
    failed = [err for _, err, rc in results if rc != 0]
    assert not failed, failed[0]
    assert count(db, "persons") == 8 and integrity(db) == "ok"


def test_a_wal_that_cannot_be_applied_is_refused_not_read_stale(small_disk, tmp_path):
    """A database copied with its -wal (committed rows not yet checkpointed)
    onto a read-only medium: reading it without the WAL would silently miss
    those rows, so every command refuses it and says why and what to do."""
    src = tmp_path / "src.db"
    _seeded(src)
    conn = sqlite3.connect(src)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    with conn:
        conn.execute("INSERT INTO persons (id, name, name_folded, created_at) VALUES ('LATE', 'Trễ', 'tre', '2021-06-30')")
    shutil.copyfile(src, small_disk / "ro.db")  # the pair as it is on disk while a team works
    shutil.copyfile(f"{src}-wal", small_disk / "ro.db-wal")
    conn.close()
    assert (small_disk / "ro.db-wal").stat().st_size > 0
    _read_only(small_disk)
    db = small_disk / "ro.db"
    for args in (("list", "--format", "json"), ("person", "find", "tre", "--format", "json"),
                 ("backup", tmp_path / "copy.db")):
        proc = cli(db, *args, check=False)
        assert proc.returncode == 1, f"{args} read the database without its WAL:\n{proc.stdout}"
        assert proc.stderr.startswith("Error: ") and "-wal" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "copy.db").exists()


RESTORE_WRITER = """
import sys
from tracing.store import Store
db, w, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
store = Store.open(db)
for i in range(n):
    pid = f"W{w}-{i:03d}"
    with store.write("person add"):   # one transaction per command, as the CLI does
        store.insert_person({"id": pid, "name": f"Người {pid}"})
    print(pid, flush=True)            # what the CLI prints once the write committed
"""


def test_restore_loses_no_confirmed_write(db_path, tmp_path):
    """Writers keep adding persons while `tracing restore --force` runs three
    times: every person whose add printed success is in the restored
    database or in a kept copy (the copy and the replacement are one
    transaction under the write lock)."""
    add_persons(db_path, 20)
    cli(db_path, "backup", tmp_path / "monday.db")
    writers = [python(RESTORE_WRITER, db_path, w, 150) for w in range(3)]
    restores = []
    for _ in range(3):
        time.sleep(0.4)
        restores.append(cli(db_path, "restore", tmp_path / "monday.db", "--force", "--format", "json", check=False))
    confirmed = []
    for p in writers:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        confirmed += out.split()
    for proc in restores:
        assert proc.returncode == 0, proc.stderr
    kept = [json.loads(proc.stdout)["kept"] for proc in restores]
    found = set()
    for path in [db_path, *kept]:
        found |= {r["id"] for r in db_rows(path, "SELECT id FROM persons")}
    lost = sorted(set(confirmed) - found)
    assert len(confirmed) == 450 and not lost, f"{len(lost)} confirmed writes vanished: {lost[:10]}"
    assert integrity(db_path) == "ok"


def test_a_write_into_a_database_removed_meanwhile_is_refused_not_lost(tmp_path):
    """Process A's failed first command removes the empty file it made while
    process B had just opened it: B's write must fail loudly, not commit into
    a file nobody will ever open again."""
    db = tmp_path / "new.db"
    a = Store.open(db, create=True)
    b = Store.open(db)
    assert a.created and not b.created, "only the process that made the file counts as its creator"
    assert a.discard_if_unused() and not db.exists()
    with pytest.raises(DatabaseError, match="removed or replaced"):
        with b.write("person add"):
            b.insert_person({"id": "P1", "name": "An"})
    b.close()
    assert not db.exists()
