"""The supervisor's figures as the notices print them (Long Biên, 13/12/2021:
"473 ca (chiếm tỷ lệ 60,4% so với tổng số ca cộng dồn từ đầu năm 2021),
trung bình 33,7 ca mắc/ngày ... gấp gần 30 lần"), the epidemic curve in the
HTML page and the XLSX chart, and dates as date cells shown dd/mm/yyyy.
Expected figures are computed here from the counts, never typed in."""

from __future__ import annotations

import csv
import datetime as dt
import json

import pytest

FROM, TO = dt.date(2021, 11, 29), dt.date(2021, 12, 12)   # the notice's two weeks
NEW, BASE = 473, 783                                       # new F0 in them; cumulative since 1/1/2021
EARLIER = (dt.date(2021, 8, 1), dt.date(2021, 8, 14))       # a quieter fortnight to compare with
EARLIER_CASES = 16
FOUND = {"entry": 3, "screening": 40}                      # recorded with found_by; the rest derived


@pytest.fixture
def notice_db(tmp_path, run, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-12-13")
    days = (TO - FROM).days + 1
    rows = []
    for i in range(NEW):  # spread over the fortnight, more at the end (a rising curve)
        day = FROM + dt.timedelta(days=min(days - 1, int(days * (i / NEW) ** 0.7)))
        rows.append((f"N{i}", day, ""))
    for i, (how, n) in enumerate(FOUND.items()):
        for k in range(n):
            rows[k + 100 * i] = (rows[k + 100 * i][0], rows[k + 100 * i][1], how)
    for i in range(EARLIER_CASES):
        rows.append((f"E{i}", EARLIER[0] + dt.timedelta(days=i % 14), ""))
    for i in range(BASE - NEW - EARLIER_CASES):
        rows.append((f"O{i}", dt.date(2021, 1, 5) + dt.timedelta(days=i % 200), ""))
    rows.append(("OLD", dt.date(2020, 12, 30), ""))  # before the base date: not in the cumulative total
    path = tmp_path / "cases.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "name", "confirmed", "ward", "found_by"])
        for pid, day, how in rows:
            w.writerow([pid, f"Người {pid}", day.strftime("%d/%m/%Y"), "Ngọc Lâm", how])
    run("import", "cases", path)
    return rows


def test_notice_figures_in_vietnamese(notice_db, run, run_json):
    days = (TO - FROM).days + 1
    args = ["report", "--from", FROM.isoformat(), "--to", TO.isoformat(),
            "--compare-from", EARLIER[0].isoformat(), "--compare-to", EARLIER[1].isoformat()]
    data = run_json(*args)
    assert data["new_cases"] == NEW and data["cumulative"] == BASE and data["cumulative_from"] == "2021-01-01"
    assert data["per_day"] == round(NEW / days, 1)
    assert data["share_of_cumulative"] == round(100 * NEW / BASE, 1)
    ratio = (NEW / days) / (EARLIER_CASES / 14)
    assert data["growth_ratio"] == round(ratio, 1)
    assert data["found"]["entry"] == FOUND["entry"] and data["found"]["screening"] == FOUND["screening"]
    assert sum(data["found"].values()) == NEW
    assert sum(d["new_cases"] for d in data["daily"]) == NEW

    md = run("--lang", "vi", *args).stdout
    per_day = f"{NEW / days:.1f}".replace(".", ",")          # 33,8
    share = f"{100 * NEW / BASE:.1f}".replace(".", ",") + " %"  # 60,4 %
    assert f"số ca F0 mắc mới là {NEW} ca" in md
    assert f"(chiếm tỷ lệ {share} so với tổng số ca cộng dồn từ đầu năm 2021)" in md
    assert f"trung bình {per_day} ca mắc/ngày" in md
    assert f"gấp {ratio:.1f}".replace(".", ",") + " lần so với giai đoạn 01/08/2021 – 14/08/2021" in md
    assert "Từ 29/11/2021 đến 12/12/2021" in md and "2021-11-29" not in md
    assert "| Nhập cảnh hoặc từ tỉnh khác về | 3 |" in md

    en = run("--lang", "en", *args).stdout
    assert f"{NEW / days:.1f} cases per day" in en and f"{100 * NEW / BASE:.1f}%" in en


def test_cumulative_from_moves_the_base(notice_db, run_json):
    data = run_json("report", "--from", FROM.isoformat(), "--to", TO.isoformat(), "--cumulative-from", "2020-01-01")
    assert data["cumulative"] == BASE + 1 and data["share_of_cumulative"] == round(100 * NEW / (BASE + 1), 1)


def test_html_page_has_the_curve_offline(notice_db, run, tmp_path):
    out = tmp_path / "bao-cao.html"
    run("--lang", "vi", "report", "--from", FROM.isoformat(), "--to", TO.isoformat(), "-o", out)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and 'lang="vi"' in page and "size:A4" in page
    assert "<svg" in page and "<polyline" in page and page.count("<rect") >= 14
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") and "https://" not in page
    assert "Đường cong dịch" in page and "Phát hiện trong khu cách ly" in page and "Trung bình 7 ngày" in page


def test_xlsx_has_a_native_chart_and_date_cells(notice_db, run, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "bao-cao.xlsx"
    run("--lang", "vi", "report", "--from", FROM.isoformat(), "--to", TO.isoformat(), "-o", out)
    wb = load_workbook(out)
    assert len(wb.chartsheets) == 1
    daily = wb.worksheets[1]
    first = daily.cell(2, 1)
    assert first.is_date and first.value.date() == FROM and first.number_format == "dd/mm/yyyy"
    assert sum(daily.cell(r, 2).value for r in range(2, daily.max_row + 1)) == NEW
    with open(out, "rb") as fh:
        import zipfile
        names = zipfile.ZipFile(fh).namelist()
    assert any(n.startswith("xl/charts/chart") for n in names)


def test_found_by_accepts_vietnamese_and_is_in_json(run, run_json):
    run("person", "add", "--id", "K1", "--name", "Khách")
    out = run_json("case", "confirm", "K1", "--date", "2021-06-20", "--found-by", "nhap canh")
    assert out["id"] == "K1"
    data = run_json("report", "--from", "2021-06-17", "--to", "2021-06-30")
    assert data["found"]["entry"] == 1
    bad = run("case", "confirm", "K1", "--date", "2021-06-20", "--found-by", "xyz", ok=False)
    assert "--found-by" in bad.output
