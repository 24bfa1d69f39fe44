"""The demo builds a realistic outbreak and walks PA1 and PA2."""

import json

from cli.main import cli
from click.testing import CliRunner


def test_demo_walks_through_pa1_and_pa2(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "d"), "--people", "1500"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = result.output
    for words in ("1. Index case confirmed", "2. PA1", "3. PA2", "Sơ đồ cây", "Clusters:", "report.xlsx"):
        assert words in out
    assert (tmp_path / "d" / "report.md").read_text(encoding="utf-8").strip()
    assert (tmp_path / "d" / "report.xlsx").stat().st_size > 0
    db = str(tmp_path / "d" / "tracing.db")
    listed = CliRunner().invoke(cli, ["--db", db, "list", "--level", "F1", "--format", "json"])
    assert json.loads(listed.stdout), "the demo traced F1s"
    cases = CliRunner().invoke(cli, ["--db", db, "list", "--level", "F0", "--format", "json"])
    assert len(json.loads(cases.stdout)) >= 3
