"""Findings of the independent test of issue 17 (PostgreSQL store), fixed by kind:

* "is there a database" asked of the store, not of the file system (`rules show`);
* `copy --merge` lists and refuses records that contradict the destination;
* one cap on text lengths for both stores;
* roles per database, an append-only audit log, clear permission and lock messages;
* passwords never shown nor put on a command line; percent-encoded database names;
* `doctor` counts the same tables on both stores; a new SQLite DEST of `copy` appears whole.

Store-neutral tests run on both stores (the ``backend`` parameter of ``db_path``);
the rest need a server.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from click.testing import CliRunner

from conftest import TODAY, db_digest, is_postgres

ROOT = Path(__file__).resolve().parents[1]
NO_PG = os.environ.get("TRACING_TEST_BACKENDS", "postgresql") == "sqlite"
needs_server = pytest.mark.skipif(NO_PG, reason="PostgreSQL runs left out by $TRACING_TEST_BACKENDS")


def tracing(db, *args, ok=True, env=None, lang=None):
    """The real command through CliRunner, today pinned; ``ok``: True exit 0, False exit 1 with no
    traceback, None unchecked; ``lang``: the --lang given (none: the test's language)."""
    from cli.main import cli
    argv = (["--lang", lang] if lang else []) + (["--db", str(db)] if db is not None else []) + [str(a) for a in args]
    result = CliRunner().invoke(cli, argv, catch_exceptions=False, env={"TRACING_TODAY": TODAY, **(env or {})})
    if ok is True:
        assert result.exit_code == 0, f"{args} -> {result.exit_code}\n{result.output}"
    elif ok is False:
        assert result.exit_code == 1, f"{args} -> {result.exit_code}\n{result.output}"
        assert "Traceback" not in result.output and "unexpected failure" not in result.output
    return result


def as_user(url: str, user: str, password: str | None = None) -> str:
    parts = urlsplit(url)
    login = f"{user}:{password}" if password else user
    return urlunsplit(parts._replace(netloc=f"{login}@{parts.hostname}:{parts.port}"))


def dbname(url: str) -> str:
    return urlsplit(url).path.strip("/")


@pytest.fixture
def other(backend, tmp_path, request):
    """A second empty database of the same store as ``db_path``."""
    if backend == "sqlite":
        return tmp_path / "other.db"
    server = request.getfixturevalue("pg_server")
    url = server.fresh()
    request.addfinalizer(lambda: server.drop(url))
    return url


# ---------------------------------------------------------------- is there a database (both stores)
def test_rules_show_reads_the_rules_of_the_database_on_either_store(db_path, tmp_path):
    from tracing.rules import Rules
    tracing(db_path, "rules", "set", "trace.max_depth", "3", "--from", "2021-05-01")
    shown = json.loads(tracing(db_path, "rules", "show", "--date", "2021-05-10", "--format", "json").stdout)
    depth = {r["key"]: r["value"] for r in shown}["trace.max_depth"]
    assert depth == 3
    out = tracing(db_path, "rules", "show", "--date", "2021-05-10")
    assert "No database" not in out.stderr
    # where there is no database: what a new one starts with, said so
    missing = (tmp_path / "none.db") if not is_postgres(db_path) else str(db_path).rsplit("/", 1)[0] + "/no_such_db_i17"
    builtin = json.loads(tracing(missing, "rules", "show", "--date", "2021-05-10", "--format", "json").stdout)
    expected = {r.key: r.value for r in Rules.defaults().in_force(__import__("datetime").date(2021, 5, 10))}
    assert {r["key"]: r["value"] for r in builtin} == expected


# ---------------------------------------------------------------- copy --merge (both stores)
def _district(db):
    tracing(db, "person", "add", "--id", "P2", "--name", "Trần Thị Bình")
    tracing(db, "person", "add", "--id", "P3", "--name", "Lê Văn Cường")
    tracing(db, "case", "confirm", "P2", "--date", "2021-05-07")


def test_merge_lists_and_refuses_records_that_contradict_the_destination(db_path, other):
    _district(db_path)
    ward = other
    tracing(ward, "person", "add", "--id", "P2", "--name", "Trần Thị Bình Khác", "--phone", "0988000111")
    tracing(ward, "case", "confirm", "P2", "--date", "2021-05-03")
    tracing(ward, "care", "set", "P2", "--tier", "3", "--from", "2021-05-04")
    tracing(ward, "rules", "set", "trace.max_depth", "4", "--from", "2021-05-02")
    before = db_digest(db_path)
    refused = tracing(None, "copy", ward, db_path, "--merge", ok=False)
    err = " ".join(refused.stderr.split())
    assert "nothing was copied" in err
    assert "persons id=P2: name 'Trần Thị Bình' there, 'Trần Thị Bình Khác' in the source" in err
    assert "rules key=trace.max_depth, effective=2021-05-02" in err
    assert db_digest(db_path) == before  # nothing written: no care episode glued to the district's P2
    # the explicit resolution: DEST's records stay; SOURCE's P2, and all that points to her, are left out
    tracing(ward, "person", "add", "--id", "W9", "--name", "Vũ Văn Chín")
    kept = tracing(None, "copy", ward, db_path, "--merge", "--keep-destination", "--format", "json")
    out = json.loads(kept.stdout)
    assert {(c["table"], tuple(c["key"].values())) for c in out["left_out"]} == \
        {("persons", ("P2",)), ("rules", ("trace.max_depth", "2021-05-02"))}
    assert out["left_out_with_them"] == {"cases": 1, "care": 1}
    assert out["counts"]["persons"] == 1  # W9
    assert "Left out (DEST's record kept): persons id=P2" in kept.stderr
    district_p2 = json.loads(tracing(db_path, "person", "show", "P2", "--format", "json").stdout)
    assert district_p2["name"] == "Trần Thị Bình"
    assert json.loads(tracing(db_path, "care", "list", "--date", "2021-05-05", "--format", "json").stdout) == []
    depth = {r["key"]: r["value"] for r in json.loads(
        tracing(db_path, "rules", "show", "--date", "2021-05-10", "--format", "json").stdout)}["trace.max_depth"]
    from tracing.rules import Rules
    import datetime as dt
    assert depth == {r.key: r.value for r in Rules.defaults().in_force(dt.date(2021, 5, 10))}["trace.max_depth"]


def test_merge_of_identical_records_and_new_ones_is_accepted(db_path, other, tmp_path):
    _district(db_path)
    ward = other
    tracing(None, "copy", db_path, ward, "--merge")  # the district's records, identical
    tracing(ward, "person", "add", "--id", "W7", "--name", "Phạm Thị Dung")
    tracing(ward, "contact", "add", "P2", "W7", "--date", "2021-05-06", "--setting", "household")
    out = json.loads(tracing(None, "copy", ward, db_path, "--merge", "--format", "json").stdout)
    assert out["counts"]["persons"] == 1 and out["counts"]["contacts"] == 1
    # W7 is a contact of the district's F0 P2: the levels were derived anew
    assert json.loads(tracing(db_path, "status", "W7", "--format", "json").stdout)["level"] == "F1"


# ---------------------------------------------------------------- text lengths (both stores)
def test_one_cap_on_text_lengths_on_both_stores(db_path):
    from tracing.values import ONE_LINE_MAX
    tracing(db_path, "person", "add", "--id", "A5", "--name", "An")
    tracing(db_path, "person", "add", "--id", "A6", "--name", "Bình")
    longest = "ệ" * ONE_LINE_MAX  # three bytes each in UTF-8: the worst case for an index
    tracing(db_path, "checkin", "add", "A5", longest, "--at", "2021-05-05 12:00")
    tracing(db_path, "contact", "add", "A5", "A6", "--date", "2021-05-06", "--place", longest)
    before = db_digest(db_path)
    for args in (("checkin", "add", "A5", longest + "x", "--at", "2021-05-05 13:00"),
                 ("contact", "add", "A5", "A6", "--date", "2021-05-07", "--place", longest + "x")):
        out = tracing(db_path, *args, ok=False)
        assert f"place: longer than {ONE_LINE_MAX} characters" in out.stderr
    assert db_digest(db_path) == before


# ---------------------------------------------------------------- doctor (both stores)
def test_doctor_counts_the_same_tables_on_both_stores(db_path):
    from tracing.store.maintenance import TABLES
    tracing(db_path, "person", "add", "--id", "A5", "--name", "An")
    report = json.loads(tracing(db_path, "doctor", "--format", "json").stdout)
    assert list(report["counts"]) == [t for t in TABLES]
    assert report["counts"]["persons"] == 1


# ---------------------------------------------------------------- passwords
def test_one_masking_hides_the_whole_password():
    from tracing.store.address import display
    for url in ("postgresql://ward7:p@ss:w/rd#1?@127.0.0.1:5432/r1",
                "postgresql://ward7:p%40ss%3Aw%2Frd%231%3F@127.0.0.1:5432/r1"):
        shown = display(url)
        assert shown == "postgresql://ward7:***@127.0.0.1:5432/r1"
    assert display("postgresql://ward7@127.0.0.1/r1") == "postgresql://ward7@127.0.0.1/r1"


def test_libpq_programs_get_the_password_in_their_environment():
    pytest.importorskip("psycopg")
    from tracing.store.postgres import libpq_call
    address, env = libpq_call("postgresql://pwuser:p%40ss%3Aw%2Frd@127.0.0.1:5432/r1")
    assert address == "postgresql://pwuser@127.0.0.1:5432/r1" and "p%40" not in address
    assert env["PGPASSWORD"] == "p@ss:w/rd"


# ---------------------------------------------------------------- a killed copy into a new file
def test_a_copy_killed_half_way_leaves_no_destination_file(tmp_path):
    src = tmp_path / "big.db"
    rows = "id,name\n" + "".join(f"B{i},Người {i}\n" for i in range(20000))
    (tmp_path / "p.csv").write_text(rows, encoding="utf-8")
    tracing(src, "import", "persons", tmp_path / "p.csv")
    dest = tmp_path / "out.db"
    env = {**os.environ, "TRACING_TODAY": TODAY, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "copy", str(src), str(dest)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(0.6)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    if dest.exists():  # it had finished: then it is whole
        assert json.loads(tracing(dest, "doctor", "--format", "json").stdout)["counts"]["persons"] == 20000
        return
    else:
        assert not list(tmp_path.glob("out.db*"))
    tracing(None, "copy", src, dest)  # a retry works
    assert json.loads(tracing(dest, "doctor", "--format", "json").stdout)["counts"]["persons"] == \
        json.loads(tracing(src, "doctor", "--format", "json").stdout)["counts"]["persons"]


# ---------------------------------------------------------------- server only
@pytest.fixture
def server(pg_server, request):
    made, users = [], []

    def fresh(init=True):
        url = pg_server.fresh()
        made.append(url)
        if init:
            tracing(url, "init")
        return url

    def user(name, *roles, password=None):
        users.append(name)
        pg_server.admin.execute(f'DROP USER IF EXISTS "{name}"')
        pw = f" PASSWORD '{password}'" if password else ""
        pg_server.admin.execute(f'CREATE USER "{name}"{pw}' + (
            " IN ROLE " + ", ".join(f'"{r}"' for r in roles) if roles else ""))
        return name

    fresh.user = user
    yield fresh
    for url in made:
        pg_server.drop(url)
    for name in users:
        pg_server.admin.execute(f'DROP OWNED BY "{name}"')
        pg_server.admin.execute(f'DROP USER "{name}"')


@needs_server
def test_roles_are_per_database_and_the_audit_log_is_append_only(server, pg_server):
    import psycopg
    r1, r2 = server(), server()
    tag = os.getpid()
    ward = server.user(f"ward_{tag}", f"tracing_team_{dbname(r1)}")
    boss = server.user(f"boss_{tag}", f"tracing_supervisor_{dbname(r1)}")
    tracing(as_user(r1, ward), "person", "add", "--id", "W1", "--name", "Phường 7")
    tracing(as_user(r1, ward), "case", "confirm", "W1", "--date", "2021-05-07")
    before = db_digest(r2)
    out = tracing(as_user(r2, ward), "person", "add", "--id", "INTRUDER", "--name", "x", ok=False)
    assert f"may not open" in out.stderr and f"tracing_team_{dbname(r2)}" in out.stderr
    assert db_digest(r2) == before
    for who, may in ((ward, {"INSERT", "SELECT"}), (boss, {"SELECT"})):
        with psycopg.connect(as_user(r1, who)) as c:
            rights = {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE")
                      if c.execute("SELECT has_table_privilege('audit', %s)", (p,)).fetchone()[0]}
            assert rights == may
            assert {p for p in ("SELECT", "INSERT", "UPDATE", "DELETE")
                    if c.execute("SELECT has_table_privilege('secrets', %s)", (p,)).fetchone()[0]} == {"SELECT"}
    with psycopg.connect(as_user(r1, ward), autocommit=True) as c:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("UPDATE audit SET actor = 'someone else'")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            c.execute("DELETE FROM audit")
    # a redacted map (it needs the key) is made by either
    for who in (ward, boss):
        out = tracing(as_user(r1, who), "render", "W1", "--redact", "-o", f"/tmp/i17-{who}-{tag}.html")
        assert "Phường 7" not in Path(f"/tmp/i17-{who}-{tag}.html").read_text()


@needs_server
def test_permission_failures_say_who_lacks_what(server, tmp_path):
    r1 = server()
    tag = os.getpid()
    ward = server.user(f"wardp_{tag}", f"tracing_team_{dbname(r1)}")
    boss = server.user(f"bossp_{tag}", f"tracing_supervisor_{dbname(r1)}")
    lost = server.user(f"lost_{tag}")
    tracing(as_user(r1, ward), "person", "add", "--id", "W1", "--name", "Phường 7")
    backup = tmp_path / "w.db"
    tracing(as_user(r1, ward), "backup", backup)
    before = db_digest(r1)
    out = tracing(as_user(r1, ward), "restore", backup, ok=False)
    assert f"the database user {ward} may not do this" in out.stderr and "run it as the owner" in out.stderr
    out = tracing(as_user(r1, boss), "person", "add", "--id", "X", "--name", "X", ok=False)
    assert f"the database user {boss} may only read" in out.stderr
    out = tracing(as_user(r1, lost), "status", "W1", ok=False)
    assert f"the database user {lost} may not open" in out.stderr
    assert db_digest(r1) == before


@needs_server
def test_databases_made_by_copy_or_a_first_write_work_for_their_roles(server, tmp_path):
    src = tmp_path / "c.db"
    tracing(src, "person", "add", "--id", "A1", "--name", "An")
    made_by_copy, made_by_write = server(init=False), server(init=False)
    tracing(None, "copy", src, made_by_copy)
    tracing(made_by_write, "person", "add", "--id", "A2", "--name", "Bình")
    tag = os.getpid()
    for url in (made_by_copy, made_by_write):
        ward = server.user(f"w_{dbname(url)}", f"tracing_team_{dbname(url)}")
        boss = server.user(f"b_{dbname(url)}", f"tracing_supervisor_{dbname(url)}")
        tracing(as_user(url, ward), "person", "add", "--id", f"W{tag}", "--name", "Phường 7")
        assert json.loads(tracing(as_user(url, boss), "status", f"W{tag}", "--format", "json").stdout)["id"]


@needs_server
def test_a_supervisors_backup_warns_that_it_is_not_sealed(server, tmp_path):
    r1 = server()
    tracing(r1, "person", "add", "--id", "A1", "--name", "An")
    boss = server.user(f"bossb_{os.getpid()}", f"tracing_supervisor_{dbname(r1)}")
    for name in ("s.db", "s.dump"):
        out = tracing(as_user(r1, boss), "backup", tmp_path / name)
        assert "not sealed" in out.stderr and "--force" in out.stderr
        assert json.loads(tracing(as_user(r1, boss), "backup", tmp_path / f"j-{name}", "--format", "json")
                          .stdout)["sealed"] is False
    out = tracing(r1, "backup", tmp_path / "o.db")
    assert "not sealed" not in out.stderr
    # the seal inside a logical copy names the database user
    from tracing.store import Store
    copy = Store.open(tmp_path / "s.db")
    try:
        seal = copy.audit_log()[0]  # newest first
        assert seal["command"] == "backup" and seal["actor"].split(" ")[0] == boss
    finally:
        copy.close()


@needs_server
def test_a_write_waiting_for_a_stalled_one_gives_up_with_a_clear_message(server, pg_server):
    import psycopg
    r1 = server()
    from tracing.store.postgres import WRITE_LOCK
    with psycopg.connect(r1) as holder:
        holder.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        started = time.monotonic()
        out = tracing(r1, "person", "add", "--id", "S1", "--name", "s", ok=False, env={"TRACING_LOCK_TIMEOUT": "2"})
        waited = time.monotonic() - started
        holder.rollback()
    assert 2 <= waited < 30
    assert "another team's write is holding the database" in out.stderr and "try again" in out.stderr
    assert f"user {urlsplit(r1).username}" in out.stderr
    tracing(r1, "person", "add", "--id", "S1", "--name", "s")


@needs_server
def test_percent_encoded_database_names_are_the_names_the_server_knows(pg_server, tmp_path):
    name = f"quận {os.getpid()}"
    from urllib.parse import quote
    url = pg_server.url_of(quote(name, safe=""))
    try:
        out = tracing(url, "person", "add", "--id", "A", "--name", "a")
        assert "Created database" in out.stderr
        names = {r[0] for r in pg_server.admin.execute("SELECT datname FROM pg_database")}
        assert name in names and quote(name, safe="") not in names
        out = tracing(url, "backup", tmp_path)
        assert (tmp_path / f"{name}-{TODAY}.db").exists()
    finally:
        pg_server.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@needs_server
def test_init_on_an_existing_empty_database_does_not_claim_to_create_it(server):
    url = server(init=False)
    out = tracing(url, "init")
    assert "Created database" not in out.stderr and "Set up the tracing tables" in out.stderr


@needs_server
def test_a_password_reaches_neither_the_output_nor_pg_dumps_command_line(server, tmp_path):
    r1 = server()
    tag = os.getpid()
    secret = "p@ss:w/rd#1?"
    from urllib.parse import quote
    user = server.user(f"pw_{tag}", f"tracing_team_{dbname(r1)}", password=secret)
    url = as_user(r1, user, quote(secret, safe=""))
    for name in ("b.db", "b.dump"):
        out = tracing(url, "backup", tmp_path / name)
        assert quote(secret, safe="") not in out.output and secret not in out.output
        assert f"{user}:***@" in out.stdout


# ---------------------------------------------------------------- generated ids, odd text, concurrent readers (both stores)
def test_dry_runs_and_refused_writes_leave_no_gap_in_generated_ids(db_path):
    from conftest import db_rows
    tracing(db_path, "person", "add", "--id", "A", "--name", "An")
    tracing(db_path, "person", "add", "--id", "B", "--name", "Bình")
    tracing(db_path, "contact", "add", "A", "B", "--date", "2021-05-06")
    for _ in range(2):
        tracing(db_path, "case", "confirm", "A", "--date", "2021-05-07", "--dry-run")
    tracing(db_path, "case", "confirm", "NO-SUCH", "--date", "2021-05-07", ok=False)
    tracing(db_path, "contact", "add", "A", "B", "--date", "2099-01-01", ok=False)
    tracing(db_path, "case", "confirm", "A", "--date", "2021-05-07")
    # SQLite gives max + 1 (a rolled-back id is given again): ids run 1, 2, 3 … on both stores
    for table in ("audit", "followups", "contacts"):
        ids = [r["id"] for r in db_rows(db_path, f"SELECT id FROM {table} ORDER BY id")]
        assert ids == list(range(1, len(ids) + 1)), table
    assert db_rows(db_path, "SELECT count(*) AS n FROM followups")[0]["n"] > 0


def test_a_lone_surrogate_in_a_json_file_is_refused_naming_the_line(db_path, tmp_path):
    f = tmp_path / "people.json"
    f.write_text('[{"id": "M1", "name": "Mai"},\n {"id": "M2", "name": "M\\ud800ay"}]', encoding="utf-8")
    out = tracing(db_path, "import", "persons", f, ok=False)
    assert "line 2: name holds \\ud800 alone" in out.stderr and "nothing was imported" in out.stderr
    from conftest import db_exists
    assert not db_exists(db_path)


def test_readers_at_once_record_a_cluster_merge_once(db_path):
    from conftest import db_rows
    for p in ("A", "B", "C", "D"):
        tracing(db_path, "person", "add", "--id", p, "--name", p)
    tracing(db_path, "contact", "add", "A", "B", "--date", "2021-05-02")
    tracing(db_path, "contact", "add", "C", "D", "--date", "2021-05-02")
    for p, day in (("A", "2021-05-01"), ("B", "2021-05-04"), ("C", "2021-05-01"), ("D", "2021-05-04")):
        tracing(db_path, "case", "confirm", p, "--date", day)
    assert len(json.loads(tracing(db_path, "clusters", "--format", "json").stdout)) == 2
    tracing(db_path, "contact", "add", "B", "C", "--date", "2021-05-03")  # the two clusters are one now
    env = {**os.environ, "TRACING_TODAY": TODAY, "PYTHONPATH": str(ROOT), "TRACING_DB": str(db_path)}
    procs = [subprocess.Popen([sys.executable, "-m", "cli.main", "clusters", "--format", "json"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    outs = [p.communicate() for p in procs]
    assert all(p.returncode == 0 for p in procs), outs
    merges = [r for r in db_rows(db_path, "SELECT detail FROM audit WHERE command = 'clusters'")
              if json.loads(r["detail"]).get("merged")]
    assert len(merges) == 1
