"""Issue 14 point 1: `--format json|csv` stays language-neutral. Every
command of the click tree that offers json or csv prints the same bytes
under --lang vi and --lang en (keys, labels, ISO dates), on the same
database (a copy per language: the writing commands change it)."""

from __future__ import annotations

import re
import shutil

import click
import pytest
from click.testing import CliRunner

from cli.main import cli

TODAY = "2021-06-30"

#: the arguments each command with --format json/csv is run with (the fixture's ids)
ARGS = {
    ("init",): [],
    ("person", "add"): ["--id", "E", "--name", "Lê Văn Em", "--ward", "Ngọc Lâm"],
    ("person", "duplicates"): [],
    ("person", "find"): ["An"],
    ("person", "merge"): ["C", "D"],
    ("person", "not-duplicate"): ["C", "D"],
    ("person", "show"): ["A"],
    ("contact", "add"): ["B", "D", "--date", "2021-06-25", "--setting", "household"],
    ("checkin", "add"): ["D", "QR1", "--at", "2021-06-25 10:00"],
    ("case", "confirm"): ["D", "--date", "2021-06-28", "--found-by", "community"],
    ("case", "link"): ["A", "--source", "C"],
    ("case", "recover"): ["A", "--date", "2021-06-29"],
    ("case", "unconfirm"): ["A"],
    ("zone", "cancel"): ["Z1"],
    ("zone", "declare"): ["TDP 5", "--from", "2021-06-21"],
    ("zone", "list"): [],
    ("zone", "release"): ["Z1", "--date", "2021-06-29", "--force"],
    ("care", "list"): [],
    ("care", "set"): ["A", "--tier", "1", "--from", "2021-06-20"],
    ("followup", "record"): ["B", "--date", "2021-06-29", "--result", "negative"],
    ("status",): ["B"],
    ("list",): [],
    ("tree",): ["A"],
    ("import",): ["persons", "{tmp}/p.csv"],
    ("export",): ["csv", "{tmp}/out"],
    ("clusters",): [],
    ("cluster", "show"): ["C1"],
    ("check",): [],
    ("report",): ["--from", "2021-06-17", "--to", "2021-06-30"],
    ("level",): ["--week-of", "2021-06-23"],
    ("rules", "set"): ["trace.max_depth", "3", "--from", "2021-06-01"],
    ("rules", "show"): [],
    ("backup",): ["{tmp}/b.db"],
    ("restore",): ["{tmp}/bk.db"],
    ("doctor",): [],
    ("copy",): ["{tmp}/base.db", "{tmp}/copy.db"],
}


def _formatted_commands():
    ctx = click.Context(cli)

    def walk(cmd, path):
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))
        else:
            for p in cmd.params:
                if p.name == "fmt":
                    for fmt in ("json", "csv"):
                        if fmt in p.type.choices:
                            yield path, fmt

    return list(walk(cli, ()))


def test_every_formatted_command_is_exercised():
    assert {path for path, _ in _formatted_commands()} == set(ARGS)


def _invoke(args, env):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    folder = tmp_path_factory.mktemp("neutral")
    db = str(folder / "base.db")
    env = {"TRACING_TODAY": TODAY, "TRACING_LANG": "en"}
    steps = [
        ["person", "add", "--id", "A", "--name", "Nguyễn Văn An", "--ward", "Ngọc Lâm", "--unit", "TDP 5",
         "--phone", "0912345678"],
        ["person", "add", "--id", "B", "--name", "Trần Thị Bình", "--ward", "Ngọc Lâm", "--unit", "TDP 5"],
        ["person", "add", "--id", "C", "--name", "Lê Văn Cường", "--ward", "Gia Thụy", "--phone", "0912345678"],
        ["person", "add", "--id", "D", "--name", "Lê Văn Cường", "--ward", "Gia Thụy"],
        ["contact", "add", "A", "B", "--date", "2021-06-18", "--setting", "household"],
        ["contact", "add", "B", "C", "--date", "2021-06-19", "--setting", "workplace"],
        ["case", "confirm", "A", "--date", "2021-06-20", "--unknown-source"],
        ["case", "confirm", "C", "--date", "2021-06-10"],
        ["case", "confirm", "B", "--date", "2021-06-22", "--source", "A"],
        ["zone", "declare", "TDP 5", "--from", "2021-06-20"],
    ]
    for step in steps:
        result = _invoke(["--db", db, *step], env)
        assert result.exit_code == 0, (step, result.output)
    assert _invoke(["--db", db, "backup", str(folder / "bk.db")], env).exit_code == 0
    (folder / "p.csv").write_text("id,name,ward\nP9,Phạm Văn Chín,Ngọc Lâm\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("path, fmt", _formatted_commands(), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_json_and_csv_are_the_same_bytes_in_both_languages(base, tmp_path, path, fmt):
    out = {}
    for lang in ("en", "vi"):
        folder = tmp_path / lang
        shutil.copytree(base, folder)
        args = [a.replace("{tmp}", str(folder)) for a in ARGS[path]]
        env = {"TRACING_TODAY": TODAY, "TRACING_LANG": "en"}
        result = _invoke(["--lang", lang, "--db", str(folder / "base.db"), *path, *args, "--format", fmt], env)
        # restore names the kept copy by the clock: not a language difference
        stdout = re.sub(r"before-restore-[0-9-]+", "before-restore-N", result.stdout.replace(str(folder), "{tmp}"))
        out[lang] = (result.exit_code, stdout)
    assert out["vi"] == out["en"]
    assert out["en"][1].strip(), (path, fmt, "printed nothing")
