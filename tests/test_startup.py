"""What a command imports (issue 17 point 6: the interactive commands are
whole processes, and start-up is most of their time). A command imports the
modules it uses, not more, on either store: a SQLite command never loads the
PostgreSQL module nor psycopg; a PostgreSQL one loads them and nothing else
of ours beyond what the same command loads on SQLite; neither loads what only
writing or help needs (subprocess for a file's watchdog, secrets and
hashlib for temporary names and keys, getpass for the audit log's user).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import is_postgres

ROOT = Path(__file__).resolve().parents[1]

#: run `tracing ARGS` in this process, then print which modules it imported
PROBE = """
import atexit, runpy, sys
atexit.register(lambda: print("MODULES " + " ".join(sorted(sys.modules)), file=sys.stderr))
sys.argv = ["tracing", *sys.argv[1:]]
runpy.run_module("cli.main", run_name="__main__")
"""

#: the interactive and district-wide commands of issue 17 point 6; the dry
#: runs are write transactions rolled back (their audit entry names the user)
READS = [("status", "P2"), ("tree", "BN1"), ("clusters",), ("report",),
         ("case", "confirm", "P6", "--date", "2021-05-20", "--dry-run"),
         ("case", "confirm", "P6", "--date", "2021-05-20", "--unknown-source", "--dry-run")]

#: imported only by what writes a file or a key, or shows help
NOT_ON_A_READ = {"subprocess", "secrets", "hashlib", "hmac", "getpass"}
POSTGRES_ONLY = {"tracing.store.postgres", "tracing.store.dialect", "tracing.store.server_errors"}


def modules_of(db, *args) -> set[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, "--db", str(db), *args, "--format", "json"],
                          capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    line = [x for x in done.stderr.splitlines() if x.startswith("MODULES ")][-1]
    return set(line.split()[1:])


def ours(modules: set[str]) -> set[str]:
    return {m for m in modules if m.split(".")[0] in ("tracing", "cli")}


@pytest.mark.parametrize("args", READS, ids=lambda a: " ".join(a[:2]) + (" PA2" if "--unknown-source" in a else ""))
def test_a_reading_command_imports_only_what_it_uses(long_bien, args):
    loaded = modules_of(long_bien, *args)
    unused = NOT_ON_A_READ - ({"getpass"} if "--dry-run" in args else set())
    if is_postgres(long_bien):
        assert "psycopg" in loaded and POSTGRES_ONLY <= loaded
        # psycopg brings its own (asyncio, ctypes.util -> subprocess ...): only ours are checked
        assert not {"secrets", "getpass"} & unused & loaded
    else:
        assert not {m for m in loaded if m.split(".")[0] in ("psycopg", "psycopg_binary", "asyncio")}
        assert not POSTGRES_ONLY & loaded
        assert not unused & loaded


def test_a_postgresql_command_loads_no_more_of_ours_than_on_sqlite(backend, long_bien, tmp_path):
    """The same command on the two stores: our modules differ only by the PostgreSQL ones."""
    if not is_postgres(long_bien):
        pytest.skip("compares a PostgreSQL run with a SQLite one")
    from conftest import load_fixture
    lite = tmp_path / "lite.db"
    load_fixture("long_bien_2021_05").load(lite)
    for args in READS:
        assert ours(modules_of(long_bien, *args)) == ours(modules_of(lite, *args)) | POSTGRES_ONLY, args


def tracing_process(db, *args):
    """`tracing ARGS` as a user runs it: its own process, through ``cli.main.main``."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "cli.main", "--db", str(db), *map(str, args)],
                          capture_output=True, text=True, env=env, cwd=ROOT)


def test_a_command_process_ends_with_its_work_done(db_path, run):
    """The process entry point leaves the interpreter's last garbage
    collection out (``_skip_the_last_collection``): the work must be done
    before it. Writes are committed and the store closed (no SQLite -wal or
    -shm left behind), the output is whole and the same as the same command
    run in-process, and an error still exits 1 with nothing written."""
    for args in (("person", "add", "--id", "P1", "--name", "An"), ("person", "add", "--id", "P2", "--name", "Bình"),
                 ("contact", "add", "P1", "P2", "--date", "2021-05-20"),
                 ("case", "confirm", "P1", "--date", "2021-05-21")):
        done = tracing_process(db_path, *args)
        assert done.returncode == 0, done.stderr
    if not is_postgres(db_path):
        assert [p.name for p in Path(db_path).parent.iterdir() if p.name.startswith(Path(db_path).name)] \
            == [Path(db_path).name]
    for args in (("status", "P2", "--format", "json"), ("tree", "P1"), ("report", "--format", "json")):
        done = tracing_process(db_path, *args)
        assert done.returncode == 0 and done.stdout == run(*args).stdout
    from conftest import db_digest
    before = db_digest(db_path)
    refused = tracing_process(db_path, "contact", "add", "P1", "P9", "--date", "2021-05-20")
    assert refused.returncode == 1 and refused.stderr.startswith("Error:") and "Traceback" not in refused.stderr
    assert db_digest(db_path) == before


#: heavy libraries a render of one cluster has no use for (numpy came with igraph.Graph's constructor)
NOT_ON_A_RENDER = {"numpy", "networkx", "openpyxl", "pyvis", "psycopg", "scipy", "pandas"}


@pytest.mark.parametrize("out", ["map.html", "map.svg"])
def test_rendering_one_cluster_loads_no_heavy_library_it_does_not_use(long_bien, tmp_path, out):
    """`render --cluster C` (issue 13 point 11: a whole process <= 1 s) lays
    its tree out and loads no numpy, networkx, openpyxl …"""
    tracing_process(long_bien, "case", "confirm", "P2", "--date", "2021-05-10")
    cid = json.loads(tracing_process(long_bien, "clusters", "--format", "json").stdout)[0]["id"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", PROBE, "--db", str(long_bien), "render", "--cluster", cid,
                           "-o", str(tmp_path / out)], capture_output=True, text=True, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    loaded = set([x for x in done.stderr.splitlines() if x.startswith("MODULES ")][-1].split()[1:])
    assert (tmp_path / out).exists()
    heavy = {m for m in loaded if m.split(".")[0] in NOT_ON_A_RENDER}
    assert heavy <= ({m for m in heavy if m.startswith("psycopg")} if is_postgres(long_bien) else set())
