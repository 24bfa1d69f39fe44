"""Issue 13: a ``--dry-run`` writes nothing, not even a file. Every import
kind and every other command with ``--dry-run``, on a missing database, an
up-to-date one and one of an older schema: the folder holds the same files
with the same bytes afterwards (no database made, no ``-wal``/``-shm`` left,
no schema upgrade), and the dry run reports what the real command does
(its summary is computed by running the real command on a copy)."""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import sqlite3

import pytest
from click.testing import CliRunner

from tests.test_maintenance import make_v1_file

pytestmark = pytest.mark.sqlite_only("the database file and its -wal/-shm")

FILES = {
    "persons": ("p.csv", "id,name,ward\nP1,An,Ngọc Lâm\nP2,Bình,Bồ Đề\nOLD1,Cũ,Ngọc Lâm\n"),
    "cases": ("c.csv", "id,confirmed,source\nP1,2021-06-03,OLD1\nP3,2021-06-05,P1\n"),
    "contacts": ("k.csv", "from,to,date\nP1,P2,2021-06-02\nP2,P4,2021-06-03\n"),
    "checkins": ("q.csv", "person,place,at\nP1,Chợ Long Biên,2021-06-01 08:00\nP5,Chợ Long Biên,2021-06-01 08:10\n"),
    "populations": ("pop.csv", "Địa bàn,Dân số,Cấp\nNgọc Lâm,23400,Phường\n"),
}


def cli(db, *args):
    from cli.main import cli as tracing
    result = CliRunner().invoke(tracing, ["--db", str(db), *map(str, args)], catch_exceptions=False)
    return result


def folder_state(folder) -> dict:
    """Every file of the folder: name -> (bytes digest, mtime)."""
    import hashlib
    out = {}
    for name in sorted(os.listdir(folder)):
        p = os.path.join(folder, name)
        with open(p, "rb") as fh:
            out[name] = (hashlib.sha256(fh.read()).hexdigest(), os.stat(p).st_mtime_ns)
    return out


def seeded(path) -> None:
    """An up-to-date database holding OLD1 and OLD2, cleanly closed."""
    assert cli(path, "person", "add", "--id", "OLD1", "--name", "Cũ").exit_code == 0
    assert cli(path, "person", "add", "--id", "OLD2", "--name", "Hai").exit_code == 0
    assert cli(path, "contact", "add", "OLD1", "OLD2", "--date", "2021-06-01").exit_code == 0


def commands(data) -> list[tuple]:
    """Every command that takes ``--dry-run`` (checked against the CLI below)."""
    out = [("import", kind, data / name) for kind, (name, _text) in FILES.items()]
    out += [("case", "confirm", "OLD1", "--date", "2021-06-04"), ("case", "unconfirm", "OLD1"),
            ("case", "link", "OLD2", "--source", "OLD1"), ("person", "merge", "OLD1", "OLD2")]
    return out


def test_the_list_covers_every_dry_run_option():
    from cli.main import cli as tracing
    import click
    found = set()

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(None):
                walk(cmd.get_command(None, name), path + (name,))
        elif any("--dry-run" in p.opts for p in cmd.params):
            found.add(path)
    walk(tracing, ())
    listed = {c[:2] if c[0] != "import" else ("import",) for c in commands(pathlib.Path("."))}
    assert found == listed
    # every import kind
    from tracing.values import VOCABULARY
    assert {c[1] for c in commands(pathlib.Path(".")) if c[0] == "import"} == set(VOCABULARY["import_kind"])


@pytest.fixture
def data(tmp_path):
    folder = tmp_path / "files"
    folder.mkdir()
    for name, text in FILES.values():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("start", ["missing", "current", "older"])
def test_a_dry_run_leaves_the_folder_as_it_was(tmp_path, data, start):
    for args in commands(data):
        work, real = tmp_path / "work", tmp_path / "real"
        for d in (work, real):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir()
        db = work / "tracing.db"
        if start == "current":
            seeded(db)
        elif start == "older":
            make_v1_file(db)
        if start != "missing":
            shutil.copy(db, real / "tracing.db")
        before = folder_state(work)
        if args[:2] == ("case", "unconfirm") and start != "missing":  # a case to unconfirm
            for d in (work, real):
                assert cli(d / "tracing.db", "case", "confirm", "OLD1", "--date", "2021-06-04").exit_code == 0
            before = folder_state(work)
        dry = cli(db, *args, "--dry-run", "--format", "json")
        assert folder_state(work) == before, (start, args)
        # the dry run says what the real command does on the same data
        done = cli(real / "tracing.db", *args, "--format", "json")
        assert dry.exit_code == done.exit_code, (start, args, dry.output, done.output)
        if done.exit_code == 0:
            d, r = json.loads(dry.stdout), json.loads(done.stdout)
            assert d.pop("dry_run") is True and r.pop("dry_run") is False
            if args[0] == "import":
                d.pop("seconds", None), r.pop("seconds", None)
            assert d == r, (start, args)
        if start == "missing":
            assert "No database at" in dry.stderr and "creates nothing" in dry.stderr
        if start == "older" and args[:2] != ("case", "unconfirm"):  # (its case was confirmed first: upgraded)
            conn = sqlite3.connect(db)
            assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
            conn.close()
