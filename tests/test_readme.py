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
