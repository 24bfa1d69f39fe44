"""Issue 14 points 1-2, the tester's findings on Vietnamese help and office
words: click's \\b (no rewrap) markers survive translation in every help
(the examples keep their lines); the map legend and care list use the
offices' words; the report by unit has one section per title."""

from __future__ import annotations

import re

import click
from click.testing import CliRunner

from cli.main import cli
from tracing import i18n


def _commands():
    ctx = click.Context(cli)

    def walk(cmd, path):
        yield path
        if isinstance(cmd, click.Group):
            for name in cmd.list_commands(ctx):
                yield from walk(cmd.get_command(ctx, name), (*path, name))

    return list(walk(cli, ()))


def test_every_translation_keeps_the_no_rewrap_markers():
    from cli.catalog import read_catalog

    lost = [m.id[:60] for m in read_catalog("vi")
            if isinstance(m.id, str) and m.string and m.id.count("\b") != m.string.count("\b")]
    assert lost == []


def test_every_help_keeps_its_example_lines_in_vietnamese():
    runner = CliRunner()
    for path in _commands():
        en = runner.invoke(cli, ["--lang", "en", *path, "--help"]).output
        vi = runner.invoke(cli, ["--lang", "vi", *path, "--help"]).output
        # an example's command (its comment is translated), each on a line of its own
        examples = [line.split("#")[0].strip() for line in en.splitlines() if re.match(r"\s+tracing ", line)]
        vi_lines = {line.split("#")[0].strip() for line in vi.splitlines()}
        assert [e for e in examples if e not in vi_lines] == [], path


def test_office_words(run, run_json, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-10")
    for pid in ("A", "B", "C"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}", "--ward", "Ngọc Lâm", "--unit", "TDP 1")
    run("contact", "add", "A", "B", "--date", "2022-02-01")
    run("case", "confirm", "A", "--date", "2022-02-02")
    run("care", "set", "A", "--tier", "1", "--from", "2022-02-02")
    care = run("--lang", "vi", "care", "list", "--date", "2022-02-08").stdout
    assert "Kết thúc điều trị từ ngày" in care and "gỡ" not in care
    assert "release_from" not in run("--lang", "vi", "care", "list", "--help").stdout
    html = tmp_path / "m.html"
    run("--lang", "vi", "render", "--all", "-o", html, ok=None)
    run("--lang", "vi", "render", "A", "-o", html)
    page = html.read_text(encoding="utf-8")
    assert "Không thuộc diện F" in page and "Không xếp F" not in page and "Mức F" not in page
    assert "Cấp độ F" not in run("--lang", "vi", "import", "--help").stdout
    md = run("--lang", "vi", "report", "--by", "unit", "--from", "2022-01-28", "--to", "2022-02-10").stdout
    titles = [line for line in md.splitlines() if line.startswith("## ")]
    assert len(titles) == len(set(titles)), titles
    i18n.set_language("en")
