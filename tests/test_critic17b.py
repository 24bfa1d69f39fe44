"""Findings of the second independent test of issue 17 (PostgreSQL store,
/work/coord/s7/critic17_findings.md), fixed by kind and tested through the CLI:

* F1: a password in any form libpq accepts (``user:PW@``, ``?password=``,
  ``&password=``, an unencoded ``@``) is never printed, never stored (audit
  log, backups, copies) and never put on a libpq program's command line;
* F5: the server's own databases (``postgres``, ``template0``, ``template1``)
  are refused for writing, naming the database, nothing changed.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from conftest import db_rows, sql_rows
from test_store_access import as_user, dbname, needs_server, server, tracing  # noqa: F401 - server: a fixture

SECRET = "TOP@SECRET17"


def _password_forms(url: str, user: str) -> list[str]:
    """The same user and password written in every form libpq accepts."""
    plain = as_user(url, user)
    return [plain + "?password=TOP%40SECRET17",
            plain + "?sslmode=disable&password=TOP%40SECRET17&connect_timeout=10",
            as_user(url, user, "TOP%40SECRET17"),
            as_user(url, user, SECRET)]  # unencoded '@': libpq would take 'SECRET17@host' for the host


def _no_secret(text: str) -> None:
    for piece in (SECRET, "TOP%40SECRET17", "SECRET17", "TOP@"):
        assert piece not in text, text


# ---------------------------------------------------------------- F1 passwords (unit: every form)
def test_every_form_of_password_is_masked_by_the_one_display():
    from tracing.store.address import display
    base = "postgresql://ward7@127.0.0.1:5432/r1"
    for url in _password_forms(base, "ward7"):
        _no_secret(display(url))
    assert display(base + "?password=x&sslmode=disable") == base + "?password=***&sslmode=disable"


def test_libpq_programs_get_a_query_password_in_their_environment():
    pytest.importorskip("psycopg")
    from tracing.store.postgres import libpq_call
    for url in _password_forms("postgresql://ward7@127.0.0.1:5432/r1", "ward7"):
        address, env = libpq_call(url)
        _no_secret(address)
        assert env["PGPASSWORD"] == SECRET and address.startswith("postgresql://ward7@127.0.0.1:5432/r1")


@needs_server
def test_a_password_in_any_form_is_neither_printed_nor_stored_nor_on_a_command_line(server, tmp_path):
    r1 = server()
    user = server.user(f"pq_{os.getpid()}", f"tracing_team_{dbname(r1)}")
    stub = tmp_path / "bin"
    stub.mkdir()
    argv_log = tmp_path / "argv.log"
    (stub / "pg_dump").write_text(f'#!/bin/sh\necho "$@" >> {argv_log}\nexec /usr/bin/env PATH="{os.environ["PATH"]}" '
                                  'pg_dump "$@"\n')
    (stub / "pg_dump").chmod(stat.S_IRWXU)
    path = f"{stub}:{os.environ['PATH']}"
    for n, url in enumerate(_password_forms(r1, user)):
        shown = []
        shown.append(tracing(url, "person", "add", "--id", f"A{n}", "--name", f"Người {n}").output)
        shown.append(tracing(url, "backup", tmp_path / f"b{n}.db").output)
        shown.append(tracing(url, "backup", tmp_path / f"b{n}.dump", env={"PATH": path}).output)
        shown.append(tracing(None, "copy", url, tmp_path / f"c{n}.db").output)
        for text in shown:
            _no_secret(text)
            assert user in text or "A" in text
        for name in (f"b{n}.db", f"c{n}.db"):
            _no_secret(str(sql_rows(tmp_path / name, "SELECT * FROM audit")))
            assert b"SECRET17" not in (tmp_path / name).read_bytes()
        assert b"SECRET17" not in (tmp_path / f"b{n}.dump").read_bytes()
    _no_secret(argv_log.read_text())
    assert argv_log.read_text().count(user) == 4
    _no_secret(str(db_rows(r1, "SELECT * FROM audit")))
    # a refused connection's message too (wrong database: the driver's text is shown)
    for url in _password_forms(r1.rsplit("/", 1)[0] + "/no_such_db_17", user):
        out = tracing(url, "status", "A0", ok=False)
        _no_secret(out.output)
        assert "no_such_db_17" in out.output


# ---------------------------------------------------------------- F5 the server's own databases
@needs_server
@pytest.mark.parametrize("system", ["postgres", "template1"])
def test_the_servers_own_databases_are_refused_for_writing(pg_server, tmp_path, system):
    import psycopg
    url = pg_server.url_of(system)

    def acl_and_tables():
        with psycopg.connect(url, autocommit=True) as c:
            return (c.execute("SELECT datacl FROM pg_database WHERE datname = %s", (system,)).fetchone(),
                    c.execute("SELECT count(*) FROM information_schema.tables "
                              "WHERE table_schema = 'public'").fetchone())

    before = acl_and_tables()
    src = tmp_path / "w.db"
    tracing(src, "person", "add", "--id", "S1", "--name", "Nguyễn Bí Mật", "--phone", "0912345678")
    for args in (("person", "add", "--id", "S1", "--name", "x"), ("init",)):
        out = tracing(url, *args, ok=False)
        assert f"{system} is the PostgreSQL server's own database" in out.stderr
        assert "nothing was written" in out.stderr
    out = tracing(None, "copy", src, url, ok=False)
    assert f"{system} is the PostgreSQL server's own database" in out.stderr
    out = tracing(url, "restore", tracing(src, "backup", tmp_path / "b.db") and tmp_path / "b.db", ok=False)
    assert f"{system} is the PostgreSQL server's own database" in out.stderr
    assert acl_and_tables() == before


# ---------------------------------------------------------------- F4 a failed .dump backup
@needs_server
def test_a_failed_dump_backup_says_so_in_the_live_log_and_restores_nothing(server, tmp_path):
    import json
    r1 = server()
    tracing(r1, "person", "add", "--id", "A1", "--name", "An")
    stub = tmp_path / "bin"
    stub.mkdir()
    (stub / "pg_dump").write_text('#!/bin/sh\necho "pg_dump: error: aborting because of server version mismatch" >&2\n'
                                  'exit 1\n')
    (stub / "pg_dump").chmod(stat.S_IRWXU)
    before = db_rows(r1, "SELECT id FROM audit ORDER BY id")
    out = tracing(r1, "backup", tmp_path / "v.dump", ok=False, env={"PATH": f"{stub}:{os.environ['PATH']}"})
    assert "server version mismatch" in out.stderr and "was not written" in out.stderr
    assert not list(tmp_path.glob("v.dump*"))
    new = db_rows(r1, f"SELECT command, detail FROM audit WHERE id > {before[-1]['id']} ORDER BY id")
    assert [r["command"] for r in new] == ["backup", "backup failed"]
    sealed, failed = (json.loads(r["detail"]) for r in new)
    assert failed["backup"] == sealed["backup"] and failed["file"] == str(tmp_path / "v.dump")
    assert "server version mismatch" in failed["error"]
    tracing(r1, "check")  # the log stays readable
    tracing(r1, "backup", tmp_path / "w.dump")  # a later backup works and restores
    tracing(r1, "restore", tmp_path / "w.dump")


# ---------------------------------------------------------------- F3 a refused restore writes nothing
@needs_server
def test_a_refused_restore_writes_nothing_and_no_restore_modifies_the_backup(server, tmp_path):
    import hashlib
    r1 = server()
    tag = os.getpid()
    team = as_user(r1, server.user(f"rt_{tag}", f"tracing_team_{dbname(r1)}"))
    boss = as_user(r1, server.user(f"rs_{tag}", f"tracing_supervisor_{dbname(r1)}"))
    tracing(team, "person", "add", "--id", "BN1", "--name", "Trần Văn Một", "--phone", "0912000111")
    folder = tmp_path / "usb"
    folder.mkdir()
    tracing(team, "backup", folder / "y.db")
    digest = hashlib.sha256((folder / "y.db").read_bytes()).hexdigest()
    for who, words in ((boss, "may only read"), (team, "the database owner's work")):
        out = tracing(who, "restore", folder / "y.db", ok=False)
        assert words in out.stderr and "nothing was written" in out.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["y.db"]
        assert hashlib.sha256((folder / "y.db").read_bytes()).hexdigest() == digest
    out = tracing(r1, "restore", folder / "y.db")  # the owner's restore: a kept copy, the backup as it was
    assert len(list(folder.glob("*.before-restore-*.db"))) == 1
    assert hashlib.sha256((folder / "y.db").read_bytes()).hexdigest() == digest



# ---------------------------------------------------------------- F6 ids a supervisor was shown stay
def _cluster_of(db, case: str) -> str:
    import json
    shown = json.loads(tracing(db, "clusters", "--format", "json").stdout)
    return next(c["id"] for c in shown if case in c["cases"])


def test_a_cluster_id_once_shown_to_any_reader_stays_that_clusters_id(db_path, request):
    """Team writes, a reader lists clusters, an earlier cluster appears later:
    the id the reader saw stays (on PostgreSQL the reader is a supervisor)."""
    import json
    if str(db_path).startswith("postgresql"):
        server = request.getfixturevalue("server")
        tracing(db_path, "init")
        team = as_user(db_path, server.user(f"ct_{os.getpid()}", f"tracing_team_{dbname(db_path)}"))
        boss = as_user(db_path, server.user(f"cs_{os.getpid()}", f"tracing_supervisor_{dbname(db_path)}"))
    else:
        team = boss = db_path
    for x in ("X1", "X2", "Y1", "Y2", "Z1", "Z2"):
        tracing(team, "person", "add", "--id", x, "--name", x)
    for a, b, day in (("X1", "X2", "01"), ("Y1", "Y2", "10"), ("Z1", "Z2", "05")):
        tracing(team, "contact", "add", a, b, "--date", f"2021-05-{day}")
    for x, day in (("X1", "02"), ("X2", "04")):
        tracing(team, "case", "confirm", x, "--date", f"2021-05-{day}")
    assert _cluster_of(team, "X1") == "C1"
    for x, day in (("Y1", "11"), ("Y2", "13")):
        tracing(team, "case", "confirm", x, "--date", f"2021-05-{day}")
    reported = _cluster_of(boss, "Y1")  # what the supervisor copies into the report to the city
    assert reported == "C2"
    for x, day in (("Z1", "06"), ("Z2", "08")):
        tracing(team, "case", "confirm", x, "--date", f"2021-05-{day}")
    assert _cluster_of(boss, "Y1") == _cluster_of(team, "Y1") == reported
    assert _cluster_of(boss, "Z1") == "C3"
    entries = db_rows(db_path, "SELECT actor, command, detail FROM audit WHERE command = 'clusters' ORDER BY id")
    assert [json.loads(e["detail"]) for e in entries] == [{"merged": [], "new": [c]} for c in ("C1", "C2", "C3")]
    if team != boss:  # the supervisor's entry names the supervisor, as the server knows them
        assert entries[1]["actor"].startswith(f"cs_{os.getpid()}")
        out = tracing(boss, "person", "add", "--id", "Q", "--name", "Q", ok=False)
        assert "may only read" in out.stderr


# ---------------------------------------------------------------- F2 copy --merge: cluster ids and audit logs
def test_merge_keeps_the_source_cluster_ids_when_free_lists_every_renaming_and_every_audit_entry(
        db_path, tmp_path, monkeypatch):
    import json
    monkeypatch.setenv("TRACING_TODAY", "2021-05-20")
    wards = {}
    for d, days in (("wa", ("05", "07")), ("wb", ("02", "06"))):
        ward = wards[d] = tmp_path / f"{d}.db"
        for i in (1, 2, 3):
            tracing(ward, "person", "add", "--id", f"{d}{i}", "--name", f"Người {d} {i}", "--ward", f"Phường {d}")
        tracing(ward, "contact", "add", f"{d}1", f"{d}2", "--date", "2021-05-03")
        tracing(ward, "contact", "add", f"{d}2", f"{d}3", "--date", "2021-05-04")
        for i, day in zip((1, 2), days):
            tracing(ward, "case", "confirm", f"{d}{i}", "--date", f"2021-05-{day}")
        assert _cluster_of(ward, f"{d}1") == "C1"  # each ward reported its cluster upward as C1
    tracing(db_path, "init")
    logs = {d: db_rows(w, "SELECT at, actor, command, detail FROM audit ORDER BY id") for d, w in wards.items()}
    first = json.loads(tracing(None, "copy", wards["wa"], db_path, "--merge", "--format", "json").stdout)
    assert first["clusters_renamed"] == []
    out = tracing(None, "copy", wards["wb"], db_path, "--merge", "--format", "json")
    assert json.loads(out.stdout)["clusters_renamed"] == [{"from": "C1", "to": "C2", "cases": ["wb1", "wb2"]}]
    assert f"Cluster C1 of {wards['wb']} is C2 in" in out.stderr
    assert _cluster_of(db_path, "wa1") == "C1" and _cluster_of(db_path, "wb1") == "C2"
    # every entry of both wards' logs is there, in order, after the destination's own
    merged = [tuple(r.values()) for r in db_rows(db_path, "SELECT at, actor, command, detail FROM audit ORDER BY id")]
    for d in ("wa", "wb"):
        entries = [tuple(r.values()) for r in logs[d]]
        at = merged.index(entries[0])
        assert merged[at:at + len(entries)] == entries
    # a copy of the destination worked on elsewhere and merged back: the shared entries are not doubled
    laptop = tmp_path / "laptop.db"
    tracing(None, "copy", db_path, laptop)
    tracing(laptop, "person", "add", "--id", "L1", "--name", "Laptop")
    before = len(merged)
    tracing(None, "copy", laptop, db_path, "--merge")
    after = db_rows(db_path, "SELECT command FROM audit ORDER BY id")
    # the laptop's own entries (its copy, the person add) and this merge's entry
    assert [r["command"] for r in after[before:]] == ["copy", "person add", "copy"]
    # the same ward merged again: nothing twice, only this merge's entry
    tracing(None, "copy", wards["wb"], db_path, "--merge")
    assert len(db_rows(db_path, "SELECT id FROM audit")) == len(after) + 1


# ---------------------------------------------------------------- F7 a backup whose records were edited
def test_a_backup_whose_records_were_edited_needs_force(db_path, tmp_path):
    import sqlite3
    tracing(db_path, "person", "add", "--id", "BN1", "--name", "Trần Văn Một", "--phone", "0912000111")
    tracing(db_path, "person", "add", "--id", "BN2", "--name", "Lê Thị Hai")
    tracing(db_path, "case", "confirm", "BN1", "--date", "2021-05-07")
    tracing(db_path, "backup", tmp_path / "t.db")
    tracing(db_path, "restore", tmp_path / "t.db")  # whole: no flag needed
    tracing(db_path, "backup", tmp_path / "e.db")
    conn = sqlite3.connect(tmp_path / "e.db")
    conn.execute("UPDATE persons SET name = 'ĐÃ SỬA', phone = '0999999999' WHERE id = 'BN1'")
    conn.commit()
    conn.close()
    out = tracing(db_path, "restore", tmp_path / "e.db", ok=False)
    assert "its records differ from those sealed when it was made" in out.stderr and "--force" in out.stderr
    assert "ĐÃ SỬA" not in tracing(db_path, "person", "show", "BN1").stdout
    tracing(db_path, "restore", tmp_path / "e.db", "--force")  # the owner may, recorded as forced
    assert "ĐÃ SỬA" in tracing(db_path, "person", "show", "BN1").stdout
    forced = db_rows(db_path, "SELECT detail FROM audit WHERE command = 'restore' ORDER BY id")[-1]["detail"]
    assert '"forced": true' in forced and '"kind": "data"' in forced


@needs_server
def test_a_dump_whose_connection_was_cut_says_so_in_the_live_log(server, tmp_path):
    """The connection of `tracing backup` is cut while pg_dump runs (a stub
    that ends every other session of the database, then fails)."""
    r1 = server()
    tracing(r1, "person", "add", "--id", "A1", "--name", "An")
    stub = tmp_path / "bin"
    stub.mkdir()
    name = dbname(r1)
    (stub / "pg_dump").write_text(
        '#!/bin/sh\nfor a in "$@"; do url="$a"; done\n'
        f'psql -qXtA "$url" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = \'{name}\' '
        'AND pid <> pg_backend_pid()" >/dev/null\necho "pg_dump: error: connection to server lost" >&2\nexit 1\n')
    (stub / "pg_dump").chmod(stat.S_IRWXU)
    out = tracing(r1, "backup", tmp_path / "v.dump", ok=False, env={"PATH": f"{stub}:{os.environ['PATH']}"})
    assert "was not written" in out.stderr
    commands = [r["command"] for r in db_rows(r1, "SELECT command FROM audit ORDER BY id")]
    assert commands[-2:] == ["backup", "backup failed"]
