"""PostgreSQL failures said as they are, and "nothing written" as on SQLite
(issue 17 point 1; critic17b F-B, F-C, F-D, F-E, F-F, F-H).

* a refused first command leaves nothing behind: no file on SQLite, no
  database (and no roles) on the server;
* a missing user (role) is not reported as a missing database, for reading
  and writing commands;
* a connection dropped mid-command (session terminated as by a fast
  shutdown, idle timeout) is a clear error, exit 1, nothing written;
* without pg_dump, `backup FILE.dump` is refused, nothing written;
* role names are plain identifiers: the README's unquoted commands work for a
  database named with capitals;
* Vietnamese messages give the cause in Vietnamese, the driver's English as a detail line.

Every test drives a real server (conftest's ``pg_server``); the connection
is dropped by the server itself (``pg_terminate_backend``, an
``idle_in_transaction_session_timeout``) at a chosen point of the command.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import time
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

import pytest
from click.testing import CliRunner

from conftest import TODAY, db_digest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.skipif(os.environ.get("TRACING_TEST_BACKENDS", "postgresql") == "sqlite",
                                reason="PostgreSQL runs left out by $TRACING_TEST_BACKENDS")
_names = itertools.count()


def invoke(db, *args, env=None, lang="en"):
    from cli.main import cli
    return CliRunner().invoke(cli, ["--lang", lang, "--db", str(db), *map(str, args)], catch_exceptions=False,
                              env={"TRACING_TODAY": TODAY, **(env or {})})


def _url(pg_server, name: str, user: str | None = None) -> str:
    parts = urlsplit(pg_server.url_of(quote(name, safe="")))
    if user:
        parts = parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port}")
    return urlunsplit(parts)


@pytest.fixture
def new_url(pg_server):
    """Addresses of databases that do not exist yet (dropped afterwards, with any role named after them)."""
    made = []

    def make(stem: str = "new") -> str:
        name = f"{pg_server.prefix}{stem}{next(_names)}"
        made.append(name)
        return _url(pg_server, name)

    yield make
    from tracing.store.postgres import role_names
    for name in made:
        pg_server.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        for role in role_names(name):
            pg_server.admin.execute(f'DROP ROLE IF EXISTS "{role}"')


@pytest.fixture
def pg(pg_server):
    """Fresh, empty databases made by the administrator (their addresses)."""
    made = []

    def fresh():
        made.append(pg_server.fresh())
        return made[-1]

    yield fresh
    for url in made:
        pg_server.drop(url)


def server_objects(pg_server, url: str) -> dict:
    """What the server holds under ``url``'s name: the database, its two roles."""
    from tracing.store.postgres import _dbname, role_names
    name = _dbname(url)
    dbs = [r[0] for r in pg_server.admin.execute("SELECT datname FROM pg_database WHERE datname = %s", (name,))]
    roles = [r[0] for r in pg_server.admin.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)",
                                                    (list(role_names(name)),))]
    return {"databases": dbs, "roles": sorted(roles)}


NOTHING = {"databases": [], "roles": []}


# ------------------------------------------------------------ F-E: a refused first command
def _attacks(tmp_path: Path) -> dict[str, tuple]:
    """First commands that are refused (the file or value at fault named), with their arguments."""
    (tmp_path / "nul.csv").write_bytes(b"id,name\nN1,An\x00h\n")
    (tmp_path / "huge.csv").write_text("id,name\nH1," + "A" * 2_000_000 + "\n", encoding="utf-8")
    (tmp_path / "sur.json").write_text('[{"id": "S1", "name": "Bad \\ud800 x"}, {"id": "S2", "name": "ok"}]',
                                       encoding="utf-8")
    return {"bad id": ("person", "add", "--id", "bad id!!", "--name", "X"),
            "NUL byte": ("import", "persons", tmp_path / "nul.csv"),
            "2 MB name": ("import", "persons", tmp_path / "huge.csv"),
            "lone surrogate": ("import", "persons", tmp_path / "sur.json"),
            "unknown person": ("case", "confirm", "NOBODY", "--date", "2021-06-20")}


ATTACKS = ("bad id", "NUL byte", "2 MB name", "lone surrogate", "unknown person")


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_refused_first_command_leaves_no_database_on_either_store(attack, tmp_path, pg_server, new_url):
    args = _attacks(tmp_path)[attack]
    sqlite_file = tmp_path / "first.db"
    on_file = invoke(sqlite_file, *args)
    url = new_url()
    on_server = invoke(url, *args)
    assert on_file.exit_code == on_server.exit_code == 1, (on_file.output, on_server.output)
    assert "Traceback" not in on_server.output and "unexpected failure" not in on_server.output
    assert on_server.stderr.replace(url, "DB") == on_file.stderr.replace(str(sqlite_file), "DB")
    assert not sqlite_file.exists()
    assert server_objects(pg_server, url) == NOTHING
    # the same command made right creates the database (and says so) on both
    ok = ("person", "add", "--id", "A1", "--name", "An")
    assert invoke(sqlite_file, *ok).exit_code == 0 and sqlite_file.exists()
    made = invoke(url, *ok)
    assert made.exit_code == 0 and f"Created database {url}" in made.stderr
    assert server_objects(pg_server, url)["databases"] == [urlsplit(url).path.strip("/")]


def test_a_failed_copy_into_a_new_server_database_leaves_nothing(tmp_path, pg_server, new_url):
    """A source row PostgreSQL cannot hold (a NUL byte SQLite kept) stops the copy: no database is left."""
    import sqlite3
    source = tmp_path / "s.db"
    assert invoke(source, "person", "add", "--id", "A", "--name", "An").exit_code == 0
    with sqlite3.connect(source) as c:
        c.execute("UPDATE persons SET address = ? WHERE id = 'A'", ("x\x00y",))
    url = new_url()
    result = invoke("unused.db", "copy", source, url)
    assert result.exit_code == 1 and "NUL" in result.stderr and "nothing was written" in result.stderr
    assert server_objects(pg_server, url) == NOTHING


def test_a_refused_restore_into_a_new_server_database_leaves_nothing(tmp_path, pg_server, new_url):
    """A backup that is not one of this database (here: a plain tracing
    file, unsealed) is refused: the new database made to receive it goes again."""
    plain = tmp_path / "plain.db"
    assert invoke(plain, "person", "add", "--id", "A", "--name", "An").exit_code == 0
    url = new_url()
    refused = invoke(url, "restore", plain)
    assert refused.exit_code == 1 and "audit log" in refused.stderr
    assert server_objects(pg_server, url) == NOTHING
    assert invoke(url, "restore", plain, "--force").exit_code == 0
    assert server_objects(pg_server, url)["databases"]


def test_an_existing_empty_database_is_kept_when_a_first_command_fails(pg, pg_server):
    """A database the administrator made (not this process) stays; only the tracing tables go."""
    url = pg()
    assert invoke(url, "person", "add", "--id", "bad id!!", "--name", "X").exit_code == 1
    name = urlsplit(url).path.strip("/")
    assert server_objects(pg_server, url)["databases"] == [name]
    assert db_digest(url) == db_digest_of_empty()


def db_digest_of_empty() -> str:
    import hashlib
    return hashlib.sha256().hexdigest()


# ------------------------------------------------------------ F-B: a missing role
def test_a_missing_user_is_said_for_reading_and_writing_commands(pg, pg_server):
    url = pg()
    assert invoke(url, "person", "add", "--id", "A", "--name", "An").exit_code == 0
    before = db_digest(url)
    stranger = urlunsplit(urlsplit(url)._replace(netloc=f"nobody_{os.getpid()}@{urlsplit(url).netloc.split('@')[1]}"))
    for args in (("status", "A"), ("list",), ("person", "add", "--id", "B", "--name", "Bình"), ("init",)):
        result = invoke(stranger, *args)
        assert result.exit_code == 1, (args, result.output)
        assert f"the server has no user (role) nobody_{os.getpid()}" in result.stderr, (args, result.stderr)
        assert "no database at" not in result.stderr and "cannot create the database" not in result.stderr
        assert f'role "nobody_{os.getpid()}" does not exist' in result.stderr  # the driver's words as detail
    assert db_digest(url) == before


def test_a_missing_database_is_still_no_database_for_a_reading_command(pg_server, new_url):
    url = new_url()
    result = invoke(url, "status", "A")
    assert result.exit_code == 1 and f"no database at {url}" in result.stderr
    assert server_objects(pg_server, url) == NOTHING


def test_a_refused_connection_says_so_in_english_and_vietnamese(pg_server):
    import socket
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://postgres@127.0.0.1:{port}/x"
    en = invoke(url, "status", "X")
    vi = invoke(url, "status", "X", lang="vi")
    assert en.exit_code == vi.exit_code == 1
    assert "the server refused the connection" in en.stderr
    first_line = vi.stderr.splitlines()[0]
    assert "Connection refused" not in first_line and "refused" not in first_line, first_line
    from tracing import i18n
    i18n.set_language("vi")
    try:
        from tracing.store.server_errors import cause
        expected = cause("Connection refused").text
    finally:
        i18n.set_language("en")
    assert expected in first_line and expected != "the server refused the connection: no PostgreSQL server is " \
                                                  "running at that host and port"
    assert "Connection refused" in vi.stderr.splitlines()[1]  # the driver's words kept as a detail line


@pytest.mark.parametrize("text", [
    'connection to server at "10.0.0.5", port 5432 failed: FATAL:  database "long_bien" does not exist',
    'connection to server at "10.0.0.5", port 5432 failed: FATAL:  role "ward7" does not exist',
    'connection to server at "10.0.0.5", port 5432 failed: FATAL:  password authentication failed for user "ward7"',
    'connection to server at "10.0.0.5", port 5432 failed: fe_sendauth: no password supplied',
    'connection to server at "10.0.0.5", port 5432 failed: Connection refused Is the server running on that host '
    'and accepting TCP/IP connections?',
    "failed to resolve host 'db.example': [Errno -2] Name or service not known",
    'connection to server at "10.0.0.5", port 5432 failed: timeout expired',
    "consuming input failed: server closed the connection unexpectedly This probably means the server terminated "
    "abnormally before or while processing the request.",
    "terminating connection due to administrator command",
    "terminating connection due to idle-in-transaction timeout",
    'connection to server at "10.0.0.5", port 5432 failed: FATAL:  the database system is shutting down',
    'connection to server at "10.0.0.5", port 5432 failed: FATAL:  database "long_bien" is not currently accepting '
    'connections',
    'connection to server at "10.0.0.5", port 5432 failed: FATAL:  sorry, too many clients already',
])
def test_the_common_libpq_causes_are_said_in_vietnamese(text):
    """libpq's and the server's usual words (those a ward user meets) have a
    cause of their own, translated: the Vietnamese text differs from the
    English one and contains none of libpq's words."""
    from tracing import i18n
    from tracing.store.server_errors import cause
    found_en = cause(text)
    assert found_en is not None, text
    i18n.set_language("vi")
    try:
        found_vi = cause(text)
    finally:
        i18n.set_language("en")
    assert found_vi.kind == found_en.kind and found_vi.text != found_en.text
    english_words = set(re.findall(r"[a-z]{4,}", text.lower())) - {"ward", "long", "bien", "example", "postgresql"}
    shown = re.sub(r"postgresql://\S+|~/\.pgpass|pg_hba\.conf", "", found_vi.text.lower())
    assert not english_words & set(re.findall(r"[a-z]{4,}", shown)), found_vi.text


# ------------------------------------------------------------ F-F: the connection drops mid-command
def _drop_during(monkeypatch, how: str, pg_server):
    """Make the server end the command's session when the command's
    statements are done and its audit entry is next (every write passes there,
    inside its transaction)."""
    from tracing.store.postgres import PgStore
    original = PgStore._actor

    def _actor(self):
        if how == "terminated":  # what a fast shutdown or an administrator does to the session
            pg_server.admin.execute("SELECT pg_terminate_backend(%s)", (self.conn.raw.info.backend_pid,))
        else:  # idle in the transaction beyond the server's timeout
            time.sleep(1.0)
        return original(self)

    monkeypatch.setattr(PgStore, "_actor", _actor)


def _with_idle_timeout(url: str) -> str:
    return url + "?options=" + quote("-c idle_in_transaction_session_timeout=200")


LOST = "was lost (server restarted or shut down, or network down); nothing was written; run the command again"


@pytest.mark.parametrize("how", ["terminated", "idle timeout"])
def test_a_connection_dropped_mid_command_is_a_clear_error_and_nothing_is_written(how, pg, pg_server, monkeypatch,
                                                                                tmp_path):
    url = pg()
    assert invoke(url, "person", "add", "--id", "A", "--name", "An").exit_code == 0
    before = db_digest(url)
    target = _with_idle_timeout(url) if how == "idle timeout" else url
    _drop_during(monkeypatch, how, pg_server)
    (tmp_path / "p.csv").write_text("id,name\nB,Bình\nC,Chi\n", encoding="utf-8")
    for args in (("person", "add", "--id", "B", "--name", "Bình"), ("import", "persons", tmp_path / "p.csv")):
        result = invoke(target, *args)
        assert result.exit_code == 1, (args, result.output)
        assert f"the connection to the server of {target} {LOST}" in result.stderr, result.stderr
        assert "unexpected failure" not in result.output and "Traceback" not in result.output
        assert db_digest(url) == before


def test_a_connection_dropped_in_a_first_command_leaves_no_database(pg_server, new_url, monkeypatch):
    _drop_during(monkeypatch, "terminated", pg_server)
    url = new_url()
    result = invoke(url, "person", "add", "--id", "B", "--name", "Bình")
    assert result.exit_code == 1 and LOST in result.stderr
    assert server_objects(pg_server, url) == NOTHING


# ------------------------------------------------------------ F-C: .dump without pg_dump
def test_a_dump_backup_without_pg_dump_is_refused_and_nothing_is_written(pg, tmp_path):
    url = pg()
    assert invoke(url, "person", "add", "--id", "A", "--name", "An").exit_code == 0
    before = db_digest(url)
    bare = tmp_path / "bin"  # a PATH without pg_dump
    bare.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    result = invoke(url, "backup", out / "y.dump", env={"PATH": str(bare)})
    assert result.exit_code == 1
    assert "pg_dump, which is not installed" in result.stderr and ".db" in result.stderr
    assert "nothing was written" in result.stderr
    assert list(out.iterdir()) == [] and db_digest(url) == before
    ok = invoke(url, "backup", out / "y.db", env={"PATH": str(bare)})
    assert ok.exit_code == 0 and (out / "y.db").read_bytes()[:15] == b"SQLite format 3"


# ------------------------------------------------------------ F-D: the README's role commands, mixed case
def _readme_role_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return re.findall(r'psql [^\n]*-c "(CREATE USER [^"]*)"', text)


@pytest.mark.parametrize("stem", ["LongBien", "Q1", "Long Biên"])
def test_the_readme_role_commands_work_for_a_database_named_with_capitals(stem, pg_server, new_url):
    url = new_url(stem)
    name = urlsplit(url).path.strip("/")
    from urllib.parse import unquote
    name = unquote(name)
    init = invoke(url, "init", "--format", "json")
    assert init.exit_code == 0, init.output
    roles = json.loads(init.stdout)["roles"]
    from tracing.store.postgres import role_names
    team, boss = role_names(name)
    assert set(roles) == {team, boss}
    for role in roles:  # plain identifiers: PostgreSQL's folding of an unquoted name leaves them as they are
        assert re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", role), role
    text = invoke(url, "init")
    assert f"Role {team}: read and write" in text.stdout and f"Role {boss}: read only" in text.stdout
    lines = _readme_role_lines()
    assert lines, "the README shows how to make a login user"
    user = f"ward_{os.getpid()}_{next(_names)}"
    # the README's line, as a user would type it, with this database's role printed by init
    readme = re.sub(r"CREATE USER \w+", f"CREATE USER {user}", lines[0]).replace("'…'", "'pw'")
    readme = re.sub(r"tracing_team_\w+", team, readme)
    assert "\"" not in readme
    pg_server.admin.execute(readme)
    try:
        ward = _url(pg_server, name, user=user)
        added = invoke(ward, "person", "add", "--id", "A", "--name", "An")
        assert added.exit_code == 0, added.output
        assert invoke(ward, "status", "A").exit_code == 0
    finally:
        pg_server.admin.execute(f"DROP OWNED BY {user}")
        pg_server.admin.execute(f"DROP USER {user}")


# ------------------------------------------------------------ a dry run on a database not there yet
def test_a_dry_run_on_a_missing_database_checks_against_an_empty_one_on_both_stores(tmp_path, pg_server, new_url):
    """As on a missing file: the dry run's report, exit 0, nothing created (was 'no database at …' on a server)."""
    (tmp_path / "p.csv").write_text("id,name\nB,Bình\nC,Chi\n", encoding="utf-8")
    sqlite_file = tmp_path / "none.db"
    url = new_url()
    on_file = invoke(sqlite_file, "import", "persons", tmp_path / "p.csv", "--dry-run")
    on_server = invoke(url, "import", "persons", tmp_path / "p.csv", "--dry-run")
    assert on_file.exit_code == on_server.exit_code == 0, (on_file.output, on_server.output)
    assert on_server.stdout == on_file.stdout
    assert on_server.stderr.replace(url, "DB") == on_file.stderr.replace(str(sqlite_file), "DB")
    assert "creates nothing" in on_server.stderr
    assert not sqlite_file.exists() and server_objects(pg_server, url) == NOTHING
