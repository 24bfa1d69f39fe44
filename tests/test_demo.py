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
    # the report is in the demo's language (English here: the tests' environment), its words from the catalog
    from tracing.management import LABELS
    words = LABELS["en"]
    assert words["zones"] in report and words["foci"] in report and words["care"] in report


def _english_only_words() -> set[str]:
    """Words of the catalog's English messages that no Vietnamese translation
    uses: one of them in Vietnamese output is an untranslated message."""
    import re

    from cli.catalog import read_catalog

    def words(text):
        text = re.sub(r"\{[^{}]*\}", " ", text)  # placeholders are data
        text = re.sub(r"(?m)^\s*tracing .*$", " ", text)  # examples in help texts
        # options, commands, rule keys and field names are the same in both languages
        text = re.sub(r"`[^`]*`|--[\w-]+|\$\w+|\b\w+[._]\w+(?:[._]\w+)*\b", " ", text)
        return {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}

    english, vietnamese = set(), set()
    for message in read_catalog("vi"):
        if not message.id or not message.string:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for text in ids:
            english |= words(text)
        for text in strings:
            vietnamese |= words(text)
    return english - vietnamese


def test_demo_in_vietnamese_has_no_english_sentence_and_vietnamese_numbers(tmp_path):
    """Issue 14 point 1: `tracing --lang vi demo` prints every line from a
    translated message or data; counts with a thousands dot, decimals with a
    comma, dates dd/mm/yyyy (the commands it suggests keep ISO dates)."""
    import re
    import sqlite3

    from tracing.values import fold

    result = CliRunner().invoke(cli, ["--lang", "vi", "demo", "--dir", str(tmp_path / "d"), "--people", "1500"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    db = sqlite3.connect(tmp_path / "d" / "tracing.db")
    data_words = set()
    for row in db.execute("SELECT name, ward, unit, address, workplace FROM persons"):
        for value in row:
            data_words |= set(re.findall(r"[a-z]{3,}", fold(value or "")))
    counts = {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("persons", "contacts", "checkins")}
    english = _english_only_words() - data_words - {"tracing"}
    assert {"index", "onset", "released", "maps", "with", "from"} <= english  # the check can see them
    suggested = False
    for line in result.output.splitlines():
        shown = re.sub(r"/\S+", " ", line)  # file paths
        if re.match(r"\s+(TRACING_TODAY=\S+ )?tracing --db ", line):
            suggested = True
            continue  # a command to type: data
        shown = re.sub(r"\btracing tree \S+|\b\w+[._]\w+\b", " ", shown)  # a command, a rule key
        found = {w for w in re.findall(r"[A-Za-z]{3,}", shown) if w.lower() in english}
        assert not found, f"English {sorted(found)} in: {line}"
        assert not re.search(r"\d{4}-\d{2}-\d{2}", shown), f"ISO date in: {line}"
        assert not re.search(r"\d,\d{3}\b", shown), f"English thousands in: {line}"
        assert not re.search(r"\d\.\d{1,2}\b(?!\.)", shown), f"English decimal in: {line}"
    assert suggested
    first = result.output.splitlines()[0]
    for n in counts.values():
        assert f"{n:,}".replace(",", ".") in first  # 1.500 người: Vietnamese thousands


def test_demo_plays_its_story_on_the_story_days_without_a_pinned_today(tmp_path):
    """Issue 15 finding 6: run as a user runs it (no TRACING_TODAY), the demo's statuses are those of its
    story's days, never of the real today: no date after the story's last day but the rule-computed
    'from' dates, foci active on the last day unless over by rule, and the output says so."""
    import datetime as dt
    import os
    import re
    import subprocess
    import sys
    from pathlib import Path

    from tracing.demo import DEMO_START, DEMO_WEEKS, period_start
    from tracing.rules import Rules

    root = Path(__file__).resolve().parents[1]
    env = dict(os.environ, PYTHONPATH=str(root), TRACING_LANG="en")
    env.pop("TRACING_TODAY", None)
    env.pop("TRACING_DB", None)
    proc = subprocess.run([sys.executable, "-m", "cli.main", "demo", "--dir", str(tmp_path / "d"), "--people", "400"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, encoding="utf-8", timeout=600)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    start = period_start(dt.date.today())
    end = start + dt.timedelta(days=7 * DEMO_WEEKS - 1)
    assert start == DEMO_START  # the real today is past the default period
    assert "as if today were that day" in out and f"story ends on {end}" in out
    over_days = Rules.defaults().at("focus.over_days", end.isoformat())
    horizon = end + dt.timedelta(days=over_days)  # the latest date a rule may put ahead ("over from")
    dates = [dt.date.fromisoformat(d) for d in re.findall(r"\b\d{4}-\d{2}-\d{2}\b", out)]
    assert dates and max(dates) <= horizon, max(dates)
    for line in out.splitlines():
        if "tests " in line and "quarantined until" in line:  # an F1's tests end with its quarantine
            until = re.search(r"quarantined until (\S+),", line).group(1)
            tests = re.findall(r"\d{4}-\d{2}-\d{2}", line.split("tests ", 1)[1])
            assert all(t <= until for t in tests), line
        m = re.search(r"focus (\w+) \(over from (\S+)\)", line)
        if m:
            assert m.group(1) == ("over" if m.group(2) <= end.isoformat() else "active"), line
    assert f"TRACING_TODAY={end} tracing --db" in out


def test_the_demo_restores_the_callers_today(tmp_path, monkeypatch):
    import os
    monkeypatch.setenv("TRACING_TODAY", "2026-01-05")
    result = CliRunner().invoke(cli, ["demo", "--dir", str(tmp_path / "d"), "--people", "300"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert os.environ["TRACING_TODAY"] == "2026-01-05"
