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


def test_demo_with_today_pinned_before_its_default_period(tmp_path):
    """The README tour pins TRACING_TODAY=2021-05-10; `tracing demo` then makes
    its six weeks end on that day instead of refusing its own data as 'in the
    future' (a real process, as a user runs it)."""
    import datetime as dt
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, TRACING_TODAY="2021-05-10", PYTHONPATH=str(root))
    env.pop("TRACING_DB", None)
    proc = subprocess.run([sys.executable, "-m", "cli.main", "demo", "--dir", str(tmp_path / "d"), "--people", "400"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "in the future" not in proc.stderr
    from tracing.demo import DEMO_WEEKS
    start = dt.date(2021, 5, 10) - dt.timedelta(days=7 * DEMO_WEEKS - 1)
    assert f"({start} to 2021-05-10)" in proc.stdout
    assert "3. PA2" in proc.stdout and (tmp_path / "d" / "report.md").exists()


def test_demo_declares_a_zone_puts_f0_in_home_care_and_releases_the_zone(tmp_path):
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "d"), "--people", "1500"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    db = str(tmp_path / "d" / "tracing.db")

    def run_json(*args):
        out = CliRunner().invoke(cli, ["--db", db, *args, "--format", "json"])
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)

    [zone] = run_json("zone", "list")
    assert zone["status"] == "released" and zone["released"] == zone["release_from"]
    assert f"Declared zone {zone['id']}" in result.output and f"Zone {zone['id']} released" in result.output
    home = run_json("care", "list", "--date", zone["start"])
    assert home and all(r["tier"] == 1 for r in home)
    report = (tmp_path / "d" / "report.md").read_text(encoding="utf-8")
    assert "Khoanh vùng" in report and "Ổ dịch" in report and "F0 theo tầng điều trị" in report
