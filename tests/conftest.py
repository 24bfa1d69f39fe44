"""Shared test fixtures: a real database and a CLI runner.

Every test that uses the database (``db_path``, ``run``, ``store`` …) runs
twice: on a SQLite file in a temp dir (``[sqlite]``) and on a fresh database
of a real PostgreSQL server (``[postgresql]``; ``db_path`` is then its
``postgresql://`` address). The server is ``$TRACING_TEST_PG`` (the address
of a database whose user may CREATE DATABASE, e.g. the one ``.ci/postgres
start`` prints), or else one this session starts itself with ``.ci/postgres``
when PostgreSQL is installed; without either the PostgreSQL runs are
skipped, saying why. ``TRACING_TEST_BACKENDS=sqlite`` (or ``postgresql``)
runs one store only. Tests about the SQLite file itself (WAL, file modes,
torn files) carry ``@pytest.mark.sqlite_only("why")``.

``run("person", "add", ...)`` invokes the real click command against that
database with today pinned (``TRACING_TODAY``), returning click's Result.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

TODAY = "2021-06-30"


@pytest.fixture(autouse=True)
def english(monkeypatch):
    """Tests read English output unless they choose Vietnamese (--lang vi or
    $TRACING_LANG), whatever the locale of the machine running them."""
    from tracing import i18n

    monkeypatch.setenv("TRACING_LANG", "en")
    i18n.set_language("en")


BACKENDS = ("sqlite", "postgresql")
ROOT = Path(__file__).resolve().parents[1]


def _wanted_backends() -> tuple[str, ...]:
    chosen = os.environ.get("TRACING_TEST_BACKENDS")
    return tuple(b for b in BACKENDS if b in chosen.split(",")) if chosen else BACKENDS


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only(reason): the test is about the SQLite file itself")


def pytest_collection_modifyitems(config, items):
    """Drop the PostgreSQL run of tests marked ``sqlite_only`` (and runs of a
    store left out by $TRACING_TEST_BACKENDS)."""
    wanted = _wanted_backends()
    keep, drop = [], []
    for item in items:
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("backend")
        if backend is not None and (backend not in wanted
                                    or (backend != "sqlite" and item.get_closest_marker("sqlite_only"))):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line per store at the end of the run (issue 17: CI shows the suite ran on both):
    how many store-touching tests passed, failed and were skipped on SQLite and on PostgreSQL."""
    counts: dict[str, dict[str, int]] = {b: {} for b in BACKENDS}
    for outcome in ("passed", "failed", "error", "skipped", "xfailed", "xpassed"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") != "call" and outcome not in ("error", "skipped"):
                continue
            for backend in BACKENDS:
                ids = report.nodeid.rpartition("[")[2].rstrip("]").split("-")
                if "[" in report.nodeid and backend in ids:
                    counts[backend][outcome] = counts[backend].get(outcome, 0) + 1
                    break
    terminalreporter.section("store-touching tests per store")
    for backend in BACKENDS:
        got = counts[backend]
        text = ", ".join(f"{n} {what}" for what, n in got.items()) or "none ran"
        terminalreporter.write_line(f"{backend}: {text}")


class PgServer:
    """A PostgreSQL server for the tests: hands out fresh empty databases."""

    def __init__(self, url: str, stop_dir: str | None = None):
        import psycopg
        self.url = url
        self.stop_dir = stop_dir
        self.admin = psycopg.connect(url, autocommit=True)
        self.prefix = f"t{os.getpid()}_"
        self.counter = itertools.count()

    def url_of(self, name: str) -> str:
        from urllib.parse import urlsplit, urlunsplit
        return urlunsplit(urlsplit(self.url)._replace(path="/" + name))

    def fresh(self) -> str:
        """A new empty database (its name unique to this run); returns its address."""
        name = f"{self.prefix}{next(self.counter)}"
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url_of(name)

    def drop(self, url: str) -> None:
        conn = _DIGEST_CONNECTIONS.pop(url, None)
        if conn is not None:
            conn.close()
        name = url.rsplit("/", 1)[1]
        self.admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        self.admin.close()
        if self.stop_dir:
            subprocess.run([str(ROOT / ".ci" / "postgres"), "stop", self.stop_dir], check=False)


@pytest.fixture(scope="module")
def chromium():
    """One headless chromium page (tests/browser.py) for a test module's browser tests."""
    import browser

    with browser.Page() as page:
        yield page


@pytest.fixture(scope="session")
def pg_server():
    """``$TRACING_TEST_PG``, or a throwaway server started with ``.ci/postgres``."""
    url = os.environ.get("TRACING_TEST_PG")
    stop_dir = None
    try:
        import psycopg  # noqa: F401
    except ImportError:
        pytest.skip("psycopg is not installed (pip install '.[test]')")
    if not url:
        try:
            out = subprocess.run([str(ROOT / ".ci" / "postgres"), "start"], capture_output=True, text=True,
                                 timeout=120)
        except (OSError, subprocess.TimeoutExpired) as e:
            pytest.skip(f"no PostgreSQL server: set $TRACING_TEST_PG or install PostgreSQL ({e})")
        if out.returncode != 0:
            pytest.skip("no PostgreSQL server: set $TRACING_TEST_PG or install PostgreSQL "
                        f"(.ci/postgres start: {out.stderr.strip()[-300:]})")
        env = dict(part.split("=", 1) for part in out.stdout.split()[1:])
        url, stop_dir = env["TRACING_TEST_PG"], env["PGSERVER_DIR"]
    server = PgServer(url, stop_dir)
    yield server
    server.close()


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The store under test: ``sqlite`` or ``postgresql``."""
    return request.param


@pytest.fixture
def db_path(backend, tmp_path, monkeypatch, request):
    """Where the test's database is: a SQLite file path (``Path``), or the
    ``postgresql://`` address (``str``) of a fresh empty database."""
    if backend == "sqlite":
        path = tmp_path / "tracing.db"
    else:
        server = request.getfixturevalue("pg_server")
        path = server.fresh()
        request.addfinalizer(lambda: server.drop(path))
    monkeypatch.setenv("TRACING_TODAY", TODAY)
    monkeypatch.setenv("TRACING_DB", str(path))
    return path


def is_postgres(target) -> bool:
    return str(target).startswith(("postgresql://", "postgres://"))


@pytest.fixture
def run(db_path):
    from cli.main import cli

    runner = CliRunner()

    def invoke(*args, input=None, ok=True):
        result = runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)
        if ok is True:
            assert result.exit_code == 0, f"{args} -> {result.exit_code}\n{result.output}"
        elif ok is False:
            assert result.exit_code != 0, f"{args} unexpectedly succeeded\n{result.output}"
        return result

    return invoke


@pytest.fixture
def run_json(run):
    def invoke(*args, **kw):
        result = run(*args, "--format", "json", **kw)
        return json.loads(result.stdout)
    return invoke


@pytest.fixture
def store(db_path):
    from tracing.store import Store
    s = Store.open(db_path, create=True)
    yield s
    s.close()


def db_exists(target) -> bool:
    """Is there a tracing database at ``target``? (A file; on PostgreSQL,
    the tables of one in the test's database.)"""
    if not is_postgres(target):
        return Path(target).exists()
    conn = _digest_connection(str(target))
    return conn is not None and conn.execute("SELECT to_regclass('tracing_meta')").fetchone()[0] is not None


_DIGEST_CONNECTIONS: dict = {}


def _digest_connection(url: str):
    """One autocommit connection per database for digests (a new connection
    per digest would cost more than the digest)."""
    conn = _DIGEST_CONNECTIONS.get(url)
    if conn is None or conn.closed:
        import psycopg
        try:
            conn = _DIGEST_CONNECTIONS[url] = psycopg.connect(url, autocommit=True)
        except psycopg.OperationalError:
            return None
    return conn


def db_digest(path) -> str:
    """The logical content of a database (every table, sorted; the audit
    entries `tracing backup` writes left out), for 'nothing was written'
    checks that do not depend on page layout; a SQLite file or a
    ``postgresql://`` address (a database not made yet: "")."""
    h = hashlib.sha256()
    if is_postgres(path):
        conn = _digest_connection(str(path))
        if conn is None:
            return ""
        tables = [r[0] for r in conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")]
    else:
        import sqlite3
        conn = sqlite3.connect(path)
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")]
    for name in tables:
        h.update(name.encode())
        # a backup's own audit entry (its seal, issue 11) is not a change of the data
        where = " WHERE command != 'backup'" if name == "audit" else ""
        for row in sorted(conn.execute(f'SELECT * FROM "{name}"{where}'), key=repr):
            h.update(repr(row).encode())
    if not is_postgres(path):
        conn.close()
    return h.hexdigest()


def db_rows(target, sql: str, params=()) -> list[dict]:
    """Rows of ``sql`` (written for SQLite, rewritten for PostgreSQL by the
    store's dialect) on the database at ``target``, read through a plain
    connection of its own, as a second program would."""
    from tracing.store import Store
    store = Store.open(str(target))
    try:
        return store.query(sql, params)
    finally:
        store.close()


def load_fixture(name: str):
    """Import ``fixtures/NAME.py`` (fixtures/ is data, not a package)."""
    import importlib.util
    from pathlib import Path
    path = Path(__file__).resolve().parents[1] / "fixtures" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sql_rows(path, sql: str, params=()) -> list[dict]:
    """Rows of a query on the test database at ``path`` (what a test checks
    was stored), as dicts; either store (see :func:`db_rows`)."""
    return db_rows(path, sql, params)


@pytest.fixture
def long_bien(db_path):
    """The Long Biên fixture outbreak (``fixtures/long_bien_2021_05.py``) written into the test database."""
    load_fixture("long_bien_2021_05").load(db_path)
    return db_path
