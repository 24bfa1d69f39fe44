"""The supervisor's report: figures, formats, languages, neutralised cells."""

from __future__ import annotations

import csv
import json

import pytest

from tracing import report


@pytest.fixture
def outbreak(run, monkeypatch):
    # previous period (06-03..06-16): 2 cases; this period (06-17..06-30): 4 cases
    for pid, ward, unit in [("A", "Ngọc Lâm", "TDP 1"), ("B", "Ngọc Lâm", "TDP 2"), ("C", "Bồ Đề", "TDP 1"),
                            ("D", "Ngọc Lâm", "TDP 1"), ("E", "=cmd|' /C calc'!A0", "TDP 3"), ("F", "Bồ Đề", "TDP 1"),
                            ("G", "Ngọc Lâm", "TDP 1"), ("H", "Bồ Đề", "TDP 9")]:
        run("person", "add", "--id", pid, "--name", f"Người {pid}", "--ward", ward, "--unit", unit)
    run("case", "confirm", "A", "--date", "2021-06-05")
    run("case", "confirm", "B", "--date", "2021-06-10", "--unknown-source")
    # C's contacts are recorded the day C is confirmed (D and G traced then: issue 12)
    monkeypatch.setenv("TRACING_TODAY", "2021-06-20")
    run("contact", "add", "C", "D", "--date", "2021-06-18", "--setting", "household")
    run("contact", "add", "C", "G", "--date", "2021-06-18", "--setting", "household")
    run("contact", "add", "G", "H", "--date", "2021-06-19")
    run("case", "confirm", "C", "--date", "2021-06-20")
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    run("case", "confirm", "D", "--date", "2021-06-22")           # already an F1: found in quarantine
    run("case", "confirm", "E", "--date", "2021-06-22", "--source", "A")  # linked: community
    run("case", "confirm", "F", "--date", "2021-06-29", "--unknown-source")


def test_report_figures(outbreak, run_json):
    r = run_json("report", "--lang", "en")
    assert (r["from"], r["to"], r["days"]) == ("2021-06-17", "2021-06-30", 14)
    assert (r["new_cases"], r["cumulative"], r["previous"]["new_cases"]) == (4, 6, 2)
    assert r["per_day"] == round(4 / 14, 1) and r["share_of_cumulative"] == round(100 * 4 / 6, 1)
    assert r["change_pct"] == 100.0
    assert sum(d["new_cases"] for d in r["daily"]) == 4 and len(r["daily"]) == 14
    # how found (one each, summing to the new F0): D in quarantine, C, E, F in the community;
    # unknown source is its own figure: C (no source, not in quarantine) and F (recorded so)
    assert r["found"] == {"quarantine": 1, "community": 3, "screening": 0, "entry": 0}
    assert sum(r["found"].values()) == r["new_cases"] and r["unknown_source"] == 2
    areas = {a["area"]: a["new_cases"] for a in r["areas"]}
    assert areas["Bồ Đề"] == 2 and areas["Ngọc Lâm"] == 1
    assert {u["unit"]: u["new_cases"] for u in r["units"]}["TDP 1, Bồ Đề"] == 2
    traced = {t["level"]: t for t in r["traced"]}
    assert traced["F1"]["persons"] == 1 and traced["F2"]["persons"] == 1  # G (F1 of C), H (F2)
    assert traced["F1"]["in_quarantine"] == 1


def test_quarantine_ending_from_followups_else_the_plan(outbreak, run_json, store):
    r = run_json("report", "--from", "2021-06-20", "--to", "2021-07-05")
    pending = store.query("SELECT due, count(*) AS n FROM followups WHERE kind = 'quarantine_end' "
                          "AND status = 'pending' AND due BETWEEN '2021-07-06' AND '2021-07-12' GROUP BY due")
    if r["quarantine_ending_from"] == "followups":
        assert {q["date"]: q["persons"] for q in r["quarantine_ending"]} == {p["due"]: p["n"] for p in pending}
    with store.write("drop follow-ups"):  # a database without follow-ups: the plan decides
        store.conn.execute("DELETE FROM followups")
    r = report.build(store, "2021-06-20", "2021-07-05", "ward", "en")
    # G quarantined from C's confirmation (2021-06-20); plan of 2021-05-05: F1 21 days -> 2021-07-11
    assert r["quarantine_ending_from"] == "plan"
    assert {q["date"]: q["persons"] for q in r["quarantine_ending"]} == {"2021-07-11": 1}
    # H, F2 from the same day, 14 days at home -> 2021-07-04, in the 7 days after 2021-06-30
    assert report.build(store, None, "2021-06-30", "ward", "en")["quarantine_ending"] == [
        {"date": "2021-07-04", "persons": 1}]


def test_formats_and_languages(outbreak, run, tmp_path):
    md = run("--lang", "vi", "report").stdout
    assert md.startswith("# Báo cáo") and "| Số ca F0 mới | 4 |" in md
    assert "New F0" in run("report", "--lang", "en").stdout
    out = tmp_path / "r.csv"
    run("report", "-o", out, "--lang", "en")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["Section", "Item", "Measure", "Value"]
    cells = [c for r in rows for c in r]
    assert "'=cmd|' /C calc'!A0" in cells and "=cmd|' /C calc'!A0" not in cells
    x = tmp_path / "r.xlsx"
    run("report", "-o", x, "--format", "xlsx")
    from openpyxl import load_workbook
    wb = load_workbook(x)
    # 6 of tracing + zones, foci, F0 by tier (tracing.management) + the epidemic curve's chart sheet
    assert len(wb.sheetnames) == 10 and len(wb.chartsheets) == 1
    values = [c.value for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    assert "=cmd|' /C calc'!A0" in values  # stored as text (quote prefix), never a formula
    assert all(not (ws.cell(1, 1).data_type == "f") for ws in wb.worksheets)
    bad = run("report", "--format", "xlsx", ok=False)
    assert "-o" in bad.output
    j = tmp_path / "r.json"
    run("report", "-o", j)
    assert json.loads(j.read_text(encoding="utf-8"))["new_cases"] == 4
    stdout_csv = run("report", "--format", "csv", "--lang", "en").stdout
    assert stdout_csv.splitlines()[0] == "Section,Item,Measure,Value"


def test_build_is_deterministic_and_checks_its_arguments(outbreak, store):
    a = report.build(store, "2021-06-01", "2021-06-30", "unit", "en")
    assert a == report.build(store, "2021-06-01", "2021-06-30", "unit", "en")
    from tracing.errors import InvalidValue
    with pytest.raises(InvalidValue, match="--from"):
        report.build(store, "2021-07-01", "2021-06-30", "ward", "en")


def _one_error(result) -> str:
    """The single ``Error:`` line of a failed command (exit 1)."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_far_future_dates_are_one_clear_error(outbreak, run, run_json, db_path, monkeypatch):
    from tests.conftest import TODAY, db_digest
    before = db_digest(db_path)
    assert "--from" in _one_error(run("report", "--from", "31/12/9999", ok=False))
    assert "--to" in _one_error(run("report", "--from", "31/12/9999", "--to", "31/12/9999", ok=False))
    assert "--to" in _one_error(run("report", "--to", "9999-12-31", "--format", "json", ok=False))
    # a forecast up to a year ahead is still a report (quarantines ending after it)
    ahead = run_json("report", "--to", str(int(TODAY[:4]) + 1) + TODAY[4:])
    assert ahead["days"] == 14 and ahead["new_cases"] == 0
    # today itself at the end of the calendar: the days after the period do not exist
    monkeypatch.setenv("TRACING_TODAY", "9999-12-31")
    assert "--from/--to" in _one_error(run("report", ok=False))
    assert db_digest(db_path) == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "md"])
def test_a_link_is_replaced_and_a_pipe_written_through(outbreak, run, tmp_path, fmt):
    import os
    import threading
    real = tmp_path / f"real.{fmt}"
    real.write_text("old")
    link = tmp_path / f"link.{fmt}"
    link.symlink_to(real)
    run("report", "-o", link, "--format", fmt, "--lang", "en")
    assert not link.is_symlink() and link.stat().st_size > 100   # the link became the report
    assert real.read_text() == "old"                            # the file it pointed to is untouched
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    run("report", "-o", fifo, "--format", fmt, "--lang", "en")
    reader.join(timeout=30)
    assert fifo.is_fifo() and got and got[0] == link.read_bytes()  # like /dev/null or /dev/stdout
