"""The command line explains itself: every command's --help has an example,
and every command that prints a result takes --format (CLI.md)."""

import click
import pytest
from click.testing import CliRunner

from cli.main import cli


def leaves(cmd=cli, path=()):
    if isinstance(cmd, click.Group):
        ctx = click.Context(cmd)
        for name in cmd.list_commands(ctx):
            yield from leaves(cmd.get_command(ctx, name), (*path, name))
    else:
        yield path, cmd


CONTRACT = ["init", "person add", "person find", "person show", "contact add", "checkin add", "case confirm",
            "case unconfirm", "case link", "followup", "followup record", "status", "list", "tree", "import",
            "export", "person duplicates", "person merge", "clusters", "cluster show", "check", "render", "report",
            "level", "rules show", "rules set", "backup", "demo"]


def test_every_contract_command_exists():
    names = {" ".join(p) for p, _ in leaves()}
    names |= {" ".join(p[:-1]) for p, _ in leaves() if len(p) > 1}
    assert [c for c in CONTRACT if c not in names] == []


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in leaves()])
def test_help_has_an_example_and_results_have_formats(path):
    result = CliRunner().invoke(cli, [*path.split(), "--help"])
    assert result.exit_code == 0 and "Example" in result.output
    if path != "demo":
        assert "--format" in result.output


def test_top_level_help_has_examples():
    result = CliRunner().invoke(cli, ["--help"])
    assert "Examples:" in result.output and "tracing case confirm" in result.output


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_backup_and_restore_help_say_what_they_do_on_postgresql(command):
    """Issue 17: the help of `backup`/`restore` covers a PostgreSQL database
    (pg_dump for a .dump FILE, else a logical SQLite copy; pg_restore for a
    .dump), in English and in Vietnamese (translated, not the English text)."""
    english = CliRunner().invoke(cli, [command, "--help"])
    vietnamese = CliRunner().invoke(cli, ["--lang", "vi", command, "--help"])
    assert english.exit_code == vietnamese.exit_code == 0
    for word in ("PostgreSQL", "postgresql://", "pg_dump", ".dump", "pg_restore", "SQLite"):
        assert word in english.output and word in vietnamese.output
    assert ("logical copy" if command == "backup" else "one transaction") in " ".join(english.output.split())
    assert "On a PostgreSQL database" in english.output and "On a PostgreSQL database" not in vietnamese.output
    assert "Trên một cơ sở dữ liệu PostgreSQL" in vietnamese.output
