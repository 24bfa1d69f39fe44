"""More findings of the independent test of issue 17 (critic17 F8, F9, F10, F11).

* F10: every exported file is ordered by a total key, so the same data
  exports the same bytes on both stores, whatever order the server keeps
  its rows in (PostgreSQL moves an updated row to the end of its table);
* F8: a dry run writes nothing, so a read-only user (supervisor) may run it;
* F9: `backup`, `restore` and `copy` help say what the commands do;
* F11: a lost connection is said as such, in every phase, never echoing a row.
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

from conftest import db_rows, is_postgres
from tests.test_reliability import small_disk  # noqa: F401  (a 1 MB tmpfs fixture)
from test_store_access import needs_server
from test_store_access import tracing as _tracing

ROOT = Path(__file__).resolve().parents[1]


def tracing(db, *args, ok=True, env=None, lang="en"):
    """test_store_access's runner, in English unless told (the messages checked here are English)."""
    return _tracing(db, *args, ok=ok, env=env, lang=lang)


def _shuffle_rows(db, table: str) -> None:
    """Rewrite every row of ``table`` with its own values, newest first: on
    PostgreSQL each update puts the row at the end of the table, so the
    table's physical order becomes the reverse of its ids (what months of
    updates do); SQLite keeps its rowid order. No value changes."""
    if not is_postgres(db):
        return
    import psycopg
    with psycopg.connect(str(db), autocommit=True) as conn:
        for (rid,) in conn.execute(f"SELECT id FROM {table} ORDER BY id DESC").fetchall():
            conn.execute(f"UPDATE {table} SET id = id WHERE id = %s", (rid,))


# ---------------------------------------------------------------- F10: exports ordered by a total key (both stores)
def test_export_csv_orders_every_file_by_a_total_key_whatever_the_row_order(db_path, tmp_path):
    tracing(db_path, "person", "add", "--id", "B.2", "--name", "Bình")
    tracing(db_path, "person", "add", "--id", "C.3", "--name", "Cường")
    tracing(db_path, "contact", "add", "B.2", "C.3", "--date", "2021-05-06", "--setting", "household")
    tracing(db_path, "contact", "add", "B.2", "C.3", "--date", "2021-05-06", "--setting", "work")
    # a confirmation withdrawn and made again: follow-ups of the same person, kind and due day twice
    tracing(db_path, "case", "confirm", "B.2", "--date", "2021-05-07")
    tracing(db_path, "case", "unconfirm", "B.2")
    tracing(db_path, "case", "confirm", "B.2", "--date", "2021-05-07")
    stored = db_rows(db_path, "SELECT id, person, kind, due, status FROM followups")
    keys = [(r["person"], r["due"], r["kind"]) for r in stored]
    assert len(keys) > len(set(keys))  # the case this test is about: ties on (person, due, kind)
    tracing(db_path, "export", "csv", tmp_path / "before")
    for table in ("followups", "contacts"):
        _shuffle_rows(db_path, table)
    tracing(db_path, "export", "csv", tmp_path / "after")
    for name in sorted(os.listdir(tmp_path / "before")):
        assert (tmp_path / "before" / name).read_bytes() == (tmp_path / "after" / name).read_bytes(), name
    with open(tmp_path / "after" / "followups.csv", encoding="utf-8-sig") as f:
        rows = [(r["person"], r["kind"], r["due"], r["status"]) for r in csv.DictReader(f)]
    by_key = sorted(stored, key=lambda r: (r["person"], r["due"], r["kind"], r["id"]))
    assert rows == [(r["person"], r["kind"], r["due"], r["status"]) for r in by_key]
    # person show: the two contacts with B.2 on one day, in one order
    shown = [tracing(db_path, "person", "show", "C.3", "--format", "json").stdout]
    _shuffle_rows(db_path, "contacts")
    shown.append(tracing(db_path, "person", "show", "C.3", "--format", "json").stdout)
    assert shown[0] == shown[1]
    tracing(db_path, "export", "epicontacts", tmp_path / "epi1")
    _shuffle_rows(db_path, "contacts")
    tracing(db_path, "export", "epicontacts", tmp_path / "epi2")
    for name in sorted(os.listdir(tmp_path / "epi1")):
        assert (tmp_path / "epi1" / name).read_bytes() == (tmp_path / "epi2" / name).read_bytes(), name


# ---------------------------------------------------------------- F8: a supervisor's dry run (server)
@pytest.fixture
def roles(pg_server, request):
    """A fresh initialised database and a team and a supervisor user of it."""
    from urllib.parse import urlsplit, urlunsplit
    url = pg_server.fresh()
    tracing(url, "init")
    name = urlsplit(url).path.strip("/")
    users = {"team": f"team_{name}", "supervisor": f"sup_{name}"}
    for kind, user in users.items():
        pg_server.admin.execute(f'CREATE USER "{user}" IN ROLE "tracing_{kind}_{name}"')

    def as_user(kind):
        parts = urlsplit(url)
        return urlunsplit(parts._replace(netloc=f"{users[kind]}@{parts.hostname}:{parts.port}"))

    yield url, as_user
    pg_server.drop(url)
    for user in users.values():
        pg_server.admin.execute(f'DROP OWNED BY "{user}"')
        pg_server.admin.execute(f'DROP USER "{user}"')


DRY_RUNS = [
    ("case", "confirm", "P3", "--date", "2021-05-08"),
    ("case", "unconfirm", "P2"),
    ("case", "link", "P2", "--source", "P4"),
    ("person", "merge", "P3", "P5"),
    ("import", "persons", ROOT / "fixtures" / "files" / "persons_utf16.csv"),
]


def _rehearsed(db) -> None:
    """What the dry runs of :data:`DRY_RUNS` work on: P2 (F0) with contacts P3 and P4 (F0), P5 like P3."""
    for pid, name in (("P2", "Trần Thị Bình"), ("P3", "Lê Văn Cường"), ("P4", "Phạm Dũng"), ("P5", "Lê V. Cường")):
        tracing(db, "person", "add", "--id", pid, "--name", name)
    tracing(db, "contact", "add", "P2", "P3", "--date", "2021-05-06")
    tracing(db, "contact", "add", "P2", "P4", "--date", "2021-05-02")
    tracing(db, "case", "confirm", "P2", "--date", "2021-05-07")
    tracing(db, "case", "confirm", "P4", "--date", "2021-05-04")


@needs_server
@pytest.mark.parametrize("command", DRY_RUNS, ids=lambda c: " ".join(map(str, c[:2])))
def test_a_supervisor_may_dry_run_every_write_and_sees_what_the_team_sees(roles, command):
    from conftest import db_digest
    url, as_user = roles
    team, supervisor = as_user("team"), as_user("supervisor")
    _rehearsed(team)
    before = db_digest(url)
    by_team = tracing(team, *command, "--dry-run")
    by_supervisor = tracing(supervisor, *command, "--dry-run")
    assert by_supervisor.stdout and (by_supervisor.stdout, by_supervisor.stderr) == (by_team.stdout, by_team.stderr)
    assert db_digest(url) == before
    # the write itself stays refused
    refused = tracing(supervisor, *command, ok=False)
    assert "may only read" in refused.stderr
    assert db_digest(url) == before


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("command", DRY_RUNS, ids=lambda c: " ".join(map(str, c[:2])))
def test_a_dry_run_on_a_read_only_medium_prints_what_it_prints_on_a_writable_one(small_disk, tmp_path, command,  # noqa: F811
                                                                                  journal):
    """The SQLite side of F8: the reader with no right to write holds the
    district's file on a read-only USB stick."""
    import shutil
    import sqlite3
    from tests.test_reliability import _read_only
    writable = tmp_path / "district.db"
    _rehearsed(writable)
    conn = sqlite3.connect(writable)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute(f"PRAGMA journal_mode = {journal}")
    conn.close()
    stick = small_disk / "district.db"
    shutil.copyfile(writable, stick)
    _read_only(small_disk)
    on_stick = tracing(stick, *command, "--dry-run")
    assert on_stick.stdout and on_stick.stdout == tracing(writable, *command, "--dry-run").stdout
    assert stick.read_bytes() == writable.read_bytes()


# ---------------------------------------------------------------- F9: help says what the commands do (server)
def _examples(command: str) -> list[list[str]]:
    """The examples of ``tracing COMMAND --help`` that name a server, as argument lists."""
    import shlex
    text = tracing(None, command, "--help").stdout
    lines = text.split("Examples:", 1)[1].split("Options:", 1)[0].splitlines()
    return [shlex.split(line.split("#", 1)[0])[1:] for line in lines if "postgresql://" in line]


def _as_written(args: list[str], as_user, tmp_path) -> list[str]:
    """An example with the test server's database for its address (its user
    kept: ``admin`` is the owner) and its files in ``tmp_path``."""
    import re
    out = []
    for a in args:
        m = re.match(r"postgresql://(\w+)@[^/]+/long_bien$", a)
        if m:
            a = as_user({"admin": "owner", "team": "team"}[m.group(1)])
        elif a.endswith((".db", ".dump")):
            a = str(tmp_path / Path(a).name)
        out.append(a)
    return out


@needs_server
def test_the_server_examples_of_backup_restore_and_copy_help_work_as_written(roles, tmp_path, monkeypatch):
    from conftest import db_digest
    url, team_or_supervisor = roles
    as_user = lambda kind: url if kind == "owner" else team_or_supervisor(kind)  # noqa: E731
    tracing(tmp_path / "long-bien.db", "person", "add", "--id", "A1", "--name", "An")
    tracing(tmp_path / "ward-7.db", "person", "add", "--id", "W7", "--name", "Phường 7")
    ran = []
    for command in ("copy", "backup", "restore"):
        for example in _examples(command):
            args = _as_written(example, as_user, tmp_path)
            tracing(None, *args)
            ran.append(example)
    assert len(ran) >= 5
    shown = json.loads(tracing(url, "person", "show", "W7", "--format", "json").stdout)
    assert shown["name"] == "Phường 7"
    tracing(None, "copy", as_user("supervisor"), tmp_path / "supervisor.db")
    everyone = "SELECT * FROM persons ORDER BY id"
    assert db_rows(tmp_path / "supervisor.db", everyone) == db_rows(url, everyone)
    # what the help says the owner's: a team user is refused, nothing written
    before = db_digest(url)
    team = as_user("team")
    tracing(tmp_path / "ward-8.db", "person", "add", "--id", "W8", "--name", "Phường 8")
    for args in (["--db", team, "restore", tmp_path / "long-bien.dump"],
                 ["copy", tmp_path / "ward-8.db", as_user("supervisor"), "--merge"]):
        assert "nothing was written" in tracing(None, *args, ok=False).stderr
    assert db_digest(url) == before
    # no pg_dump: a .dump backup is refused, as the help says, and no file appears
    assert "refused" in " ".join(tracing(None, "backup", "--help").stdout.split())
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    out = tracing(team, "backup", tmp_path / "night.dump", ok=False)
    assert "pg_dump" in out.stderr and not (tmp_path / "night.dump").exists()


# ---------------------------------------------------------------- F11: a lost connection, in every phase (server)
def _terminate(pg_server, store) -> None:
    """End ``store``'s session on the server, as a fast shutdown or an administrator does."""
    pg_server.admin.execute("SELECT pg_terminate_backend(%s)", (store.conn.raw.info.backend_pid,))


def _district_file(path: Path, n: int) -> None:
    from tracing.store import Store
    store = Store.open(str(path), create=True)
    with store.write("person add"):
        for i in range(n):
            store.insert_person({"id": f"P{i:05}", "name": f"Nguyễn Văn {i}", "phone": f"09{i:08}"})
    store.close()


@needs_server
@pytest.mark.parametrize("lang", ["en", "vi"])
def test_a_copy_out_of_a_server_that_loses_the_connection_says_so(lang, pg_server, tmp_path, monkeypatch):
    from tracing.store import copying
    url = pg_server.fresh()
    try:
        tracing(None, "copy", _file(tmp_path, 50), url)
        real = copying._rows

        def rows(store, table, cols):
            if store.dialect == "postgresql" and table == "persons":
                _terminate(pg_server, store)
            return real(store, table, cols)

        monkeypatch.setattr(copying, "_rows", rows)
        out = tracing(None, "copy", url, tmp_path / "out.db", ok=False, lang=lang)
        lost = {"en": "the connection to the server of", "vi": "mất kết nối tới máy chủ của"}[lang]
        assert lost in out.stderr and url.rsplit("/", 1)[1] in out.stderr
        assert not (tmp_path / "out.db").exists()
    finally:
        pg_server.drop(url)


def _file(tmp_path: Path, n: int) -> Path:
    path = tmp_path / f"district{n}.db"
    if not path.exists():
        _district_file(path, n)
    return path


class _TerminatingRows(list):
    """Rows of a COPY that end the destination's session before its last row (the
    server then ends the COPY quoting the row it was at, CONTEXT: COPY persons, line …)."""

    def __init__(self, rows, kill):
        super().__init__(rows)
        self.kill = kill

    def __iter__(self):
        import time
        for i, row in enumerate(super().__iter__()):
            if i == len(self) - 1:
                self.kill()
                time.sleep(0.05)
            yield row


@needs_server
def test_a_copy_into_a_new_server_database_cut_half_way_says_so_without_a_row_of_data(pg_server, tmp_path, monkeypatch):
    import uuid
    from tracing.store import copying
    source = _file(tmp_path, 20000)
    url = pg_server.url_of(f"{pg_server.prefix}cut_{uuid.uuid4().hex[:6]}")
    real = copying._insert

    def insert(dst, table, cols, rows, *, ignore):
        if table == "persons":
            rows = _TerminatingRows(rows, lambda: _terminate(pg_server, dst))
        return real(dst, table, cols, rows, ignore=ignore)

    monkeypatch.setattr(copying, "_insert", insert)
    try:
        out = tracing(None, "copy", source, url, ok=False)
        assert "the connection to the server of" in out.stderr and "nothing was written" in out.stderr
        assert "Nguyễn Văn" not in out.stderr and "COPY" not in out.stderr and "09000" not in out.stderr
        exists = pg_server.admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                         (url.rsplit("/", 1)[1],)).fetchone()
        assert not exists or "was created by this copy" in out.stderr
    finally:
        pg_server.drop(url)


@needs_server
def test_a_copy_into_a_database_left_without_roles_sets_them_up(pg_server, tmp_path):
    """What a server crash between making a new database's tables and its
    roles leaves: a tracing database without roles; the copy run again
    finishes it, as its message says."""
    from urllib.parse import urlsplit, urlunsplit
    from tracing.store import Store
    from tracing.store import postgres
    url = pg_server.fresh()
    name = url.rsplit("/", 1)[1]
    postgres.NO_ROLES.add(postgres.canonical(url))
    try:
        Store.open(url, create=True).close()  # the tables, no roles
    finally:
        postgres.NO_ROLES.discard(postgres.canonical(url))
    team = f"tracing_team_{name}"
    assert pg_server.admin.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (team,)).fetchone() is None
    user = f"w_{name}"
    try:
        tracing(None, "copy", _file(tmp_path, 5), url)
        pg_server.admin.execute(f'CREATE USER "{user}" IN ROLE "{team}"')
        parts = urlsplit(url)
        ward = urlunsplit(parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port}"))
        tracing(ward, "person", "add", "--id", "W1", "--name", "Phường 7")
    finally:
        pg_server.drop(url)
        pg_server.admin.execute(f'DROP OWNED BY "{user}"') if pg_server.admin.execute(
            "SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone() else None
        pg_server.admin.execute(f'DROP USER IF EXISTS "{user}"')
