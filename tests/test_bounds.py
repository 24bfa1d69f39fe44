"""Bounded inputs: a spreadsheet that would eat the machine's memory is
refused from its zip directory before it is read; cells and rows have
documented caps (Excel's own); a person that a file describes has a name;
case dates are plausible for the disease the rules describe."""

from __future__ import annotations

import io
import json
import zipfile
import zlib

import pytest

from conftest import db_digest, db_exists, db_rows
from tracing import sheets



def persons_in(db_path) -> int:
    """Persons stored (a failed first command leaves no database at all)."""
    if not db_exists(db_path):
        return 0
    return db_rows(db_path, "SELECT count(*) AS n FROM persons")[0]["n"]


def _segment(data: bytes) -> bytes:
    """Raw deflate of ``data`` ending on a full flush: segments can be
    concatenated, so a gigabyte compresses without being held in memory."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


def _raw_member(zf: zipfile.ZipFile, name: str, parts: list[tuple[bytes, int]]) -> None:
    """Add ``name`` holding each ``(bytes, times)`` part repeated, written
    as pre-compressed deflate with its true size and CRC."""
    raw, size, crc = [], 0, 0
    for data, times in parts:
        seg = _segment(data)
        raw.append(seg * times)
        size += len(data) * times
        for _ in range(times):
            crc = zlib.crc32(data, crc)
    raw.append(b"\x03\x00")  # the final, empty block
    body = b"".join(raw)
    info = zipfile.ZipInfo(name, date_time=(2021, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    info.file_size, info.compress_size, info.CRC = size, len(body), crc
    info.header_offset = zf.fp.tell()
    zf.fp.write(info.FileHeader(False))
    zf.fp.write(body)
    zf.filelist.append(info)
    zf.NameToInfo[name] = info
    zf.start_dir = zf.fp.tell()
    zf._didModify = True


def workbook_with(tmp_path, *, cell_bytes: int = 0, rows: int = 0, dimension: str | None = None):
    """An .xlsx (id, name, note) whose note of BN1 is ``cell_bytes`` x's,
    or whose sheet holds ``rows`` more rows."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["id", "name", "note"])
    ws.append(["BN1", "Nguyễn Văn An", "PLACEHOLDER"])
    buf = io.BytesIO()
    wb.save(buf)
    path = tmp_path / "big.xlsx"
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = src.read(info)
            if b"PLACEHOLDER" in data and cell_bytes:
                head, tail = data.split(b"PLACEHOLDER")
                chunk = b"x" * min(cell_bytes, 1024 * 1024)
                _raw_member(out, info.filename, [(head, 1), (chunk, cell_bytes // len(chunk)), (tail, 1)])
            elif info.filename == "xl/worksheets/sheet1.xml" and rows:
                head, tail = data.split(b"</sheetData>")
                if dimension:
                    head = head.replace(b'<dimension ref="A1:C2" />', f'<dimension ref="{dimension}" />'.encode())
                row = b'<row><c t="inlineStr"><is><t>P</t></is></c><c t="inlineStr"><is><t>B</t></is></c></row>'
                _raw_member(out, info.filename, [(head, 1), (row * 1000, rows // 1000), (b"</sheetData>" + tail, 1)])
            else:
                out.writestr(info, data)
    return path


def test_a_small_file_with_a_gigabyte_cell_is_refused_before_it_is_read(tmp_path, run, db_path):
    path = workbook_with(tmp_path, cell_bytes=1500 * 1024 * 1024)
    assert path.stat().st_size < 2 * 1024 * 1024  # 1.5 MB on disk
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn An")
    before = db_digest(db_path)
    result = run("import", "persons", path, ok=False)
    assert result.exit_code == 1
    assert "big.xlsx: the workbook unpacks to 1,500 MB, more than the 1,024 MB this tool reads" in result.stderr
    assert db_digest(db_path) == before


def test_a_cell_over_excels_limit_is_refused(tmp_path, run, db_path):
    path = workbook_with(tmp_path, cell_bytes=20 * 1024 * 1024)  # 20 MB: under every size cap
    result = run("import", "persons", path, ok=False)
    assert result.exit_code == 1
    assert "a cell far over Excel's limit of 32,767 characters" in result.stderr
    assert persons_in(db_path) == 0


def test_a_sheet_declaring_more_rows_than_excel_is_refused(tmp_path, run):
    path = workbook_with(tmp_path, rows=2000, dimension="A1:C2000000")
    result = run("import", "persons", path, ok=False)
    assert result.exit_code == 1
    assert "declares 2,000,000 rows, more than Excel's 1,048,576" in result.stderr


def test_rows_beyond_the_cap_are_refused_while_reading(tmp_path, run, db_path, monkeypatch):
    # a sheet that does not declare its size is counted as it is read
    monkeypatch.setattr(sheets, "XLSX_MAX_ROWS", 1500)
    path = workbook_with(tmp_path, rows=2000)
    result = run("import", "persons", path, ok=False)
    assert result.exit_code == 1 and "more than Excel's 1,500 rows" in result.stderr
    assert persons_in(db_path) == 0


def test_a_long_cell_names_row_and_column(tmp_path, run):
    path = workbook_with(tmp_path, cell_bytes=40_000)  # under the prescan, over Excel's limit
    result = run("import", "persons", path, ok=False)
    assert "row 2, column 3: a cell of 40,000 characters, more than Excel's 32,767" in result.stderr


def test_csv_cells_are_bounded_with_a_clear_message(tmp_path, run):
    from tracing.tabular import FIELD_SIZE_LIMIT

    assert FIELD_SIZE_LIMIT <= 2 * 1024 * 1024
    (tmp_path / "p.csv").write_text(f'id,name,note\nBN1,An,"{"z" * (FIELD_SIZE_LIMIT + 1)}"\n', encoding="utf-8")
    result = run("import", "persons", tmp_path / "p.csv", ok=False)
    assert f"p.csv, line 2: a cell of more than {FIELD_SIZE_LIMIT:,} characters" in result.stderr


# ------------------------------------------------------------------ names

def test_import_persons_needs_a_name_for_a_new_person(tmp_path, run, db_path):
    run("person", "add", "--id", "OLD", "--name", "Trần Thị Bình")
    before = db_digest(db_path)
    (tmp_path / "p.csv").write_text("id,name,phone,ward\nA,Nguyễn Văn An,0912345678,Ngọc Lâm\n"
                                    "B,,0912345679,Ngọc Lâm\n", encoding="utf-8")
    result = run("import", "persons", tmp_path / "p.csv", ok=False)
    assert result.exit_code == 1 and "p.csv line 3, field name: a name is required" in result.stderr
    assert db_digest(db_path) == before
    # with --skip-invalid the row goes to the rejected file with that reason
    summary = json.loads(run("import", "persons", tmp_path / "p.csv", "--skip-invalid", "--format", "json").stdout)
    assert summary["rejected"] == 1
    assert "field name: a name is required" in (tmp_path / "p.csv.rejected.csv").read_text(encoding="utf-8-sig")


def test_a_known_person_or_a_bare_id_needs_no_name(tmp_path, run, run_json):
    run("person", "add", "--id", "OLD", "--name", "Trần Thị Bình")
    (tmp_path / "p.csv").write_text("id,name,ward\nOLD,,Ngọc Lâm\nD,,\n", encoding="utf-8")
    summary = run_json("import", "persons", tmp_path / "p.csv")
    assert summary["rejected"] == 0
    shown = run_json("person", "show", "OLD")
    assert (shown["name"], shown["ward"]) == ("Trần Thị Bình", "Ngọc Lâm")  # updated, name kept


def test_person_add_refuses_a_blank_name(run):
    result = run("person", "add", "--id", "A", "--name", "   ", ok=False)
    assert result.exit_code == 1 and "name: a name is required" in result.stderr


# ------------------------------------------------------------------ case dates

def test_a_confirmation_in_1900_is_refused_naming_the_rule(run, db_path):
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn An")
    from tracing.rules import Rules
    earliest = Rules.defaults().at("case.earliest_date", None)
    before = db_digest(db_path)
    result = run("case", "confirm", "A", "--date", "1900-01-02", ok=False)
    assert result.exit_code == 1
    assert f"--date: 1900-01-02 is before {earliest}, the earliest plausible case date" in result.stderr
    assert "case.earliest_date" in result.stderr
    result = run("case", "confirm", "A", "--date", "2019-12-05", "--onset", "2019-11-20", ok=False)
    assert "--onset: 2019-11-20 is before" in result.stderr
    assert db_digest(db_path) == before


def test_import_cases_refuses_implausible_dates_with_the_line(tmp_path, run):
    (tmp_path / "k.csv").write_text("id,confirmed\nA,2021-05-05\nB,01/01/1900\n", encoding="utf-8")
    result = run("import", "cases", tmp_path / "k.csv", ok=False)
    assert "k.csv line 3, field confirmed: 1900-01-01 is before" in result.stderr


def test_historical_line_lists_set_the_rule_and_import(tmp_path, run, run_json):
    # generic dates stay old-friendly: the plausible range is a rule of the disease
    run("rules", "set", "case.earliest_date", "1900-01-01", "--from", "2020-01-01")
    (tmp_path / "k.csv").write_text("id,confirmed\nH1,1900-03-02\n", encoding="utf-8")
    assert run_json("import", "cases", tmp_path / "k.csv")["written"]["cases"] == 1


def test_json_cells_and_files_are_bounded(tmp_path, run, monkeypatch):
    from tracing import tabular

    big = "z" * (tabular.FIELD_SIZE_LIMIT + 1)
    (tmp_path / "p.json").write_text(json.dumps([{"id": "A", "name": "An", "note": "ok"},
                                                 {"id": "B", "name": "Bình", "note": big}]), encoding="utf-8")
    result = run("import", "persons", tmp_path / "p.json", ok=False)
    assert result.exit_code == 1
    assert "column 'note': a cell of more than 2,097,152 characters" in result.stderr, result.stderr
    # JSON is parsed whole: a file over the cap is refused before it is read
    monkeypatch.setattr(tabular, "MAX_JSON_BYTES", 1024)
    (tmp_path / "q.json").write_text(json.dumps([{"id": f"P{i}", "name": "Nguyễn Văn An"} for i in range(100)]),
                                     encoding="utf-8")
    result = run("import", "persons", tmp_path / "q.json", ok=False)
    assert result.exit_code == 1 and "MB of JSON, more than the" in result.stderr
