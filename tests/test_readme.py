"""The README's tour is real: every `$ tracing ...` line in its console
blocks runs, in order, on a fresh database, and prints exactly what the README
shows. A change in behaviour that makes the README wrong fails here."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

README = Path(__file__).resolve().parent.parent / "README.md"


def tour_steps():
    text = README.read_text(encoding="utf-8")
    steps = []
    for block in re.findall(r"```console\n(.*?)```", text, flags=re.S):
        for chunk in re.split(r"(?m)^(?=\$ )", block):
            if chunk.startswith("$ "):
                command, _, output = chunk.partition("\n")
                steps.append((command[2:], output))
    return steps


def test_readme_has_the_two_setup_commands_first():
    lines = README.read_text(encoding="utf-8").splitlines()[:20]
    assert "pip install . && tracing demo" in lines
    assert 'pip install ".[test]" && python -m pytest' in lines


def test_readme_tour_output_is_what_the_tool_prints(tmp_path, monkeypatch):
    from cli.main import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("TRACING_DB", raising=False)
    monkeypatch.setenv("TRACING_TODAY", "2021-05-10")
    steps = tour_steps()
    assert len(steps) >= 10
    runner = CliRunner()
    for command, expected in steps:
        args = shlex.split(command)
        assert args[0] == "tracing"
        result = runner.invoke(cli, args[1:], catch_exceptions=False)
        assert result.exit_code == 0, f"{command}\n{result.output}"
        assert result.output == expected, f"README out of date for: {command}"


def test_readme_tour_walks_in_vietnamese(tmp_path, monkeypatch):
    """`tracing --lang vi` walks the whole tour: every step succeeds and no
    English word of the English output is left in the Vietnamese one (words
    of the command itself, ids, names and command hints excepted)."""
    import re as _re

    from cli.main import cli

    monkeypatch.delenv("TRACING_DB", raising=False)
    monkeypatch.setenv("TRACING_TODAY", "2021-05-10")
    runner = CliRunner()
    leftovers = {}
    for lang in ("en", "vi"):
        folder = tmp_path / lang
        folder.mkdir()
        monkeypatch.chdir(folder)
        for i, (command, _expected) in enumerate(tour_steps()):
            args = shlex.split(command)[1:]
            if "--lang" in args:  # the Vietnamese section of the README itself
                continue
            result = runner.invoke(cli, ["--lang", lang, *args], catch_exceptions=False)
            assert result.exit_code == 0, f"{lang}: {command}\n{result.output}"
            words = set(_re.findall(r"(?<!\w)[A-Za-z]{4,}(?!\w)", result.output))
            if lang == "en":
                leftovers[i] = words - set(_re.findall(r"(?<!\w)[A-Za-z]{4,}(?!\w)", command))
            else:
                left = sorted(w for w in leftovers[i] & words if w not in _NOT_ENGLISH)
                assert left == [], f"untranslated in `{command}`: {left}"


#: words that are the same in both languages: the program, database, commands in hints
_NOT_ENGLISH = {"tracing", "case", "link", "source", "duplicates", "person", "Dung"}
