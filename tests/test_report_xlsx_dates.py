"""Issue 14 point 3: every date in the XLSX report is a date cell shown
dd/mm/yyyy (vi), on every sheet; no ISO date is left as text (a period is
text with its dates written the language's way)."""

from __future__ import annotations

import datetime as dt
import re

import openpyxl

ISO = re.compile(r"\d{4}-\d{2}-\d{2}")


def test_every_date_is_a_date_cell(run, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    for pid in ("A", "B", "C"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}", "--ward", "Ngọc Lâm", "--unit", "TDP 1")
    run("contact", "add", "A", "B", "--date", "2021-12-01")
    run("case", "confirm", "A", "--date", "2021-12-02")
    run("case", "confirm", "C", "--date", "2021-12-05", "--unknown-source")
    run("zone", "declare", "TDP 1, Ngọc Lâm", "--from", "2021-12-02")
    run("care", "set", "A", "--tier", "1", "--from", "2021-12-02")
    path = tmp_path / "r.xlsx"
    run("--lang", "vi", "report", "--from", "2021-11-29", "--to", "2021-12-12", "-o", path)
    book = openpyxl.load_workbook(path)
    dates = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not ISO.search(cell.value), (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, (dt.date, dt.datetime)):
                    dates += 1
                    assert cell.number_format.startswith("dd/mm/yyyy"), (sheet.title, cell.coordinate)
    assert dates >= 14  # the days of the period at least
    summary = book.worksheets[0]
    assert summary["B2"].value == "29/11/2021 – 12/12/2021"
    assert any(c.value == "Tổng số ca cộng dồn từ 01/01/2021" or
               (isinstance(c.value, str) and "01/01/2021" in c.value) for c in summary["A"])
