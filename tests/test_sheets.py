"""Writing CSV and XLSX for people who open them in Excel; reading workbook rows."""

import csv
import datetime as dt
import hashlib
import os
import zipfile

import pytest
from openpyxl import load_workbook

from tracing.errors import TracingError
from tracing.sheets import neutralise, read_xlsx_rows, sheet_title, write_csv, write_xlsx
from tracing.tabular import open_table

DANGEROUS = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\t=1", "\r=1", "=HYPERLINK(\"http://x\",\"y\")"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_neutralise_formula_text(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("value", [-3, 2.5, "-3", "-1.5", "+84912345678", "1e5", "Nguyễn", "", None,
                                   dt.date(2021, 5, 7), "a=b", "'=already"])
def test_neutralise_leaves_numbers_and_plain_text(value):
    assert neutralise(value) == value


def test_write_csv_utf8_bom_neutralised_and_readable(tmp_path):
    path = tmp_path / "out.csv"
    rows = [
        ["BN1", "Nguyễn Văn Đức", dt.date(2021, 5, 7), -3, True, None],
        {"id": "BN2", "name": "=cmd|' /C calc'!A0", "date": dt.datetime(2021, 5, 7, 18, 30), "n": 2.0},
    ]
    count = write_csv(path, ["id", "name", "date", "n", "flag", "note"], rows)
    assert count == 2
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    with open(path, encoding="utf-8-sig", newline="") as fh:
        got = list(csv.reader(fh))
    assert got == [
        ["id", "name", "date", "n", "flag", "note"],
        ["BN1", "Nguyễn Văn Đức", "2021-05-07", "-3", "true", ""],
        ["BN2", "'=cmd|' /C calc'!A0", "2021-05-07 18:30", "2", "", ""],
    ]
    table = open_table(path, "persons")  # our own reader takes it back
    assert table.encoding == "utf-8-sig" and table.mapping["name"] == "name"


def test_write_csv_without_bom(tmp_path):
    write_csv(tmp_path / "o.csv", ["a"], [["ă"]], bom=False)
    assert (tmp_path / "o.csv").read_bytes() == "a\r\nă\r\n".encode()


def test_failed_write_leaves_no_file(tmp_path):
    def rows():
        yield ["ok"]
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_csv(tmp_path / "o.csv", ["a"], rows())
    assert os.listdir(tmp_path) == []
    with pytest.raises(TracingError, match="cannot write"):
        write_csv(tmp_path / "missing" / "o.csv", ["a"], [])


@pytest.mark.parametrize("name, expected", [
    ("Ca bệnh [tuần 1]", "Ca bệnh (tuần 1)"),
    ("a:b*c?d/e\\f", "a b c d-e-f"),
    ("'quoted'", "quoted"),
    ("Danh sách F1 phường Phương Liên quận Đống Đa", "Danh sách F1 phường Phương Liên"),
    ("History", "History 1"),
    ("", "Sheet"),
])
def test_sheet_title(name, expected):
    assert sheet_title(name) == expected
    assert len(sheet_title(name)) <= 31


def test_sheet_titles_are_unique():
    taken = []
    for _ in range(3):
        taken.append(sheet_title("Phường Phương Liên quận Đống Đa, Hà Nội", taken))
    assert len({t.lower() for t in taken}) == 3 and all(len(t) <= 31 for t in taken)
    assert taken[2].endswith("(3)")


def sample_sheets():
    return [
        ("Ca bệnh/tuần 19", ["Mã BN", "Họ tên", "Ngày dương tính", "Giờ", "Tuổi", "Ghi chú"], [
            ["BN1", "Nguyễn Văn Đức", dt.date(2021, 5, 7), dt.datetime(2021, 5, 7, 18, 30), 36, "=1+2"],
            ["BN2", "Trần Thị Hồng Nhung", dt.date(2021, 5, 8), None, -3, "một ghi chú dài " * 3],
        ]),
        ("F1", ["id"], [{"id": "BN3"}]),
    ]


def test_write_xlsx_is_a_real_workbook(tmp_path):
    path = tmp_path / "report.xlsx"
    titles = write_xlsx(path, sample_sheets())
    assert titles == ["Ca bệnh-tuần 19", "F1"]
    wb = load_workbook(path)
    assert wb.sheetnames == titles
    ws = wb["Ca bệnh-tuần 19"]
    assert ws.freeze_panes == "A2"
    assert all(cell.font.b for cell in ws[1]) and not ws["A2"].font.b
    assert ws["C2"].value == dt.datetime(2021, 5, 7) and ws["C2"].is_date
    assert ws["C2"].number_format == "yyyy-mm-dd"
    assert ws["D2"].value == dt.datetime(2021, 5, 7, 18, 30) and ws["D2"].is_date
    assert ws["E3"].value == -3 and ws["E3"].data_type == "n"
    # formula-looking text is text (never evaluated), shown as typed thanks to the quote prefix
    assert ws["F2"].value == "=1+2" and ws["F2"].data_type == "s" and ws["F2"].quotePrefix
    widths = {col: ws.column_dimensions[col].width for col in "ABF"}
    assert widths["F"] > widths["B"] > widths["A"]  # fitted to content
    assert wb["F1"]["A2"].value == "BN3"
    with zipfile.ZipFile(path) as z:
        sheet_xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_write_xlsx_same_input_same_bytes(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", sample_sheets())
    os.utime(tmp_path / "a.xlsx", (0, 0))
    write_xlsx(tmp_path / "b.xlsx", sample_sheets())
    digest = [hashlib.sha256((tmp_path / n).read_bytes()).hexdigest() for n in ("a.xlsx", "b.xlsx")]
    assert digest[0] == digest[1]
    props = load_workbook(tmp_path / "a.xlsx").properties
    assert props.created == props.modified == dt.datetime(2020, 1, 1)


def test_write_xlsx_strips_characters_xml_cannot_hold(tmp_path):
    write_xlsx(tmp_path / "c.xlsx", [("S", ["note"], [["a\x00b\x1bc"]])])
    assert load_workbook(tmp_path / "c.xlsx")["S"]["A2"].value == "abc"


def test_written_workbook_reads_back_through_tabular(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx(path, sample_sheets())
    table = open_table(path, "cases", sheet="ca benh-tuan 19")
    rows = list(table.rows())
    assert rows[0][1]["confirmed"] == dt.datetime(2021, 5, 7)
    assert rows[0][1]["extra"]["Ghi chú"] == "=1+2"


def test_read_xlsx_rows_numbers_rows_from_one(tmp_path):
    path = tmp_path / "r.xlsx"
    write_xlsx(path, [("A", ["h"], [["x"], [None], ["y"]]), ("B", ["k"], [])])
    reader = read_xlsx_rows(path)
    assert reader.sheet == "A" and reader.sheet_names == ["A", "B"]
    assert [(n, v) for n, v in reader] == [(1, ["h"]), (2, ["x"]), (3, []), (4, ["y"])]
    with pytest.raises(TracingError, match=r"no sheet 'C' \(sheets: 'A', 'B'\)"):
        read_xlsx_rows(path, "C")


def test_library_imports_stay_light():
    import subprocess
    import sys

    code = ("import sys, tracing.tabular, tracing.sheets; "
            "print(sorted(m for m in ('openpyxl', 'charset_normalizer') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    assert out.stdout.strip() == "[]"


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text())
def test_neutralised_text_never_starts_a_formula(text):
    out = neutralise(text)
    assert out == text or out == "'" + text
    if out.startswith(("=", "+", "-", "@", "\t", "\r")):
        float(out.replace(",", "."))  # only plain numbers pass unchanged
