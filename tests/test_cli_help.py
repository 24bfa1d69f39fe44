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
