"""Shared test fixtures: a real SQLite file in a temp dir and a CLI runner.

``run("person", "add", ...)`` invokes the real click command against that
file with today pinned (``TRACING_TODAY``), returning click's Result.
"""

from __future__ import annotations

import hashlib
import json

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


@pytest.fixture
def db_path(tmp_path, monkeypatch):
    path = tmp_path / "tracing.db"
    monkeypatch.setenv("TRACING_TODAY", TODAY)
    monkeypatch.setenv("TRACING_DB", str(path))
    return path


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


def db_digest(path) -> str:
    """The logical content of a database (every table, sorted; the audit
    entries `tracing backup` writes left out), for 'nothing was written'
    checks that do not depend on page layout."""
    import sqlite3
    conn = sqlite3.connect(path)
    h = hashlib.sha256()
    for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"):
        h.update(name.encode())
        # a backup's own audit entry (its seal, issue 11) is not a change of the data
        where = " WHERE command != 'backup'" if name == "audit" else ""
        for row in sorted(conn.execute(f'SELECT * FROM "{name}"{where}'), key=repr):
            h.update(repr(row).encode())
    conn.close()
    return h.hexdigest()


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
    """Rows of a query on the database file at ``path`` (what a test checks
    was stored), as dicts."""
    import sqlite3
    conn = sqlite3.connect(path)
    conn.row_factory = sqlite3.Row
    rows = [dict(r) for r in conn.execute(sql, params)]
    conn.close()
    return rows


@pytest.fixture
def long_bien(db_path):
    """The Long Biên fixture outbreak (``fixtures/long_bien_2021_05.py``) written into the test database."""
    load_fixture("long_bien_2021_05").load(db_path)
    return db_path
