"""Reading import files: encodings, delimiters, workbooks, header mapping, errors."""

import codecs
import datetime as dt
import os
import shutil
import sys
import tracemalloc
import unicodedata
from pathlib import Path

import pytest

from tracing.i18n import fmt_int

from tracing.errors import TracingError
from tracing.tabular import FIELDS, FIELD_SIZE_LIMIT, MAX_COLUMNS, header_key, match_header, open_table

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "fixtures" / "files"
DATASETS = ROOT.parent / "shared" / "datasets"
if not DATASETS.exists():
    DATASETS = Path("/work/shared/datasets")

sys.path.insert(0, str(SAMPLES))
from make_samples import cp1258  # noqa: E402

HEADER = "Mã,Họ và tên,SĐT,Phường/Xã\n"
ROW = "BN1,Nguyễn Văn Đức,0912345678,Ô Chợ Dừa\n"


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
    return path


def read_all(path, kind="persons", **kw):
    table = open_table(path, kind, **kw)
    return table, list(table.rows())


# -- encodings ---------------------------------------------------------------

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16"])
def test_unicode_encodings_are_detected(tmp_path, encoding):
    path = write(tmp_path, "p.csv", (HEADER + ROW).encode(encoding))
    table, rows = read_all(path)
    assert table.headers == ["Mã", "Họ và tên", "SĐT", "Phường/Xã"]
    assert rows == [(2, {"id": "BN1", "name": "Nguyễn Văn Đức", "phone": "0912345678",
                         "ward": "Ô Chợ Dừa", "extra": {}})]


def test_cp1258_with_combining_tones_is_detected_and_normalised(tmp_path):
    data = cp1258(HEADER + ROW)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    assert "\u0303" in data.decode("cp1258")  # the tone really is a combining mark in the file
    table, rows = read_all(write(tmp_path, "p.csv", data))
    assert table.encoding == "cp1258"
    name = rows[0][1]["name"]
    assert name == "Nguyễn Văn Đức" and unicodedata.is_normalized("NFC", name)
    assert table.mapping["ward"] == "Phường/Xã"


def test_cp1252_fallback_for_western_text(tmp_path):
    data = "id,name,address\nX1,João Conceição,São Paulo\n".encode("cp1252")
    table, rows = read_all(write(tmp_path, "p.csv", data))
    assert table.encoding in ("cp1252", "windows-1252")
    assert rows[0][1]["address"] == "São Paulo"


def test_given_encoding_is_used(tmp_path):
    data = "id,name\nX1,Ðorðe\n".encode("latin-1")
    table, rows = read_all(write(tmp_path, "p.csv", data), encoding="latin-1")
    assert rows[0][1]["name"] == "Ðorðe"
    with pytest.raises(TracingError, match="unknown encoding 'klingon'"):
        open_table(tmp_path / "p.csv", "persons", encoding="klingon")


def test_decoding_error_past_the_sample_names_the_line(tmp_path):
    body = "".join(f"BN{i},Nguyễn Văn {i}\n" for i in range(6000))  # > 64 KB of clean UTF-8
    data = ("id,name\n" + body).encode("utf-8") + b"BN9,Tr\xe2\xccn\n"
    path = write(tmp_path, "p.csv", data)
    table = open_table(path, "persons")
    assert table.encoding == "utf-8"
    with pytest.raises(TracingError, match=r"p\.csv, line 6002: cannot be read as utf-8.*--encoding"):
        list(table.rows())


def test_every_cell_is_nfc(tmp_path):
    decomposed = unicodedata.normalize("NFD", HEADER + ROW)
    table, rows = read_all(write(tmp_path, "p.csv", decomposed))
    assert table.mapping["name"] == "Họ và tên"
    assert rows[0][1]["ward"] == "Ô Chợ Dừa"


# -- delimiters and shapes ---------------------------------------------------

@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiter_is_sniffed(tmp_path, delimiter):
    text = f"id{delimiter}name{delimiter}address\nBN1{delimiter}An{delimiter}\"Số 5, ngõ 3; Hà Nội\"\n"
    table, rows = read_all(write(tmp_path, "p.csv", text))
    assert table.delimiter == delimiter
    assert rows[0][1]["address"] == "Số 5, ngõ 3; Hà Nội"


def test_excel_sep_line(tmp_path):
    table, rows = read_all(write(tmp_path, "p.csv", "sep=;\nid;name\nBN1;An\n"))
    assert table.header_line == 2
    assert rows == [(3, {"id": "BN1", "name": "An", "extra": {}})]


def test_line_numbers_count_physical_lines_blank_rows_skipped(tmp_path):
    text = 'id,name,note\nBN1,An,"dòng 1\ndòng 2"\n\n,,\nBN2,Bình,\n'
    _, rows = read_all(write(tmp_path, "p.csv", text))
    assert [(line, row["id"]) for line, row in rows] == [(2, "BN1"), (6, "BN2")]
    assert rows[0][1]["extra"]["note"] == "dòng 1\ndòng 2"


def test_short_rows_are_padded_and_blank_surplus_cells_allowed(tmp_path):
    _, rows = read_all(write(tmp_path, "p.csv", "id,name,phone\nBN1,An\nBN2,Bình,,,\n"))
    assert rows[0][1] == {"id": "BN1", "name": "An", "phone": "", "extra": {}}
    assert rows[1][1]["name"] == "Bình"


def test_row_with_more_cells_than_headers_names_file_and_line(tmp_path):
    path = write(tmp_path, "p.csv", "id,name\nBN1,An\nBN2,Bình,0912345678\n")
    table = open_table(path, "persons")
    with pytest.raises(TracingError, match=r"p\.csv, line 3: 3 cells but the header has 2 columns"):
        list(table.rows())


def test_table_reports_size_and_position_for_progress(tmp_path):
    path = write(tmp_path, "p.csv", "id,name\n" + "".join(f"BN{i},An\n" for i in range(50000)))
    table = open_table(path, "persons")
    assert table.size_unit == "bytes" and table.size_hint == os.path.getsize(path) == len(table)
    seen = []
    for i, _ in enumerate(table.rows()):
        if i % 10000 == 0:
            seen.append(table.position)
    assert seen == sorted(seen) and seen[0] < seen[-1] <= table.size_hint
    assert table.position == table.size_hint


# -- header mapping ----------------------------------------------------------

@pytest.mark.parametrize("header, kind, field", [
    ("Họ tên", "persons", "name"), ("HỌ VÀ TÊN", "persons", "name"), ("Tên", "persons", "name"),
    ("Số điện thoại", "persons", "phone"), ("SĐT", "persons", "phone"), ("sdt", "persons", "phone"),
    ("Điện thoại", "persons", "phone"), ("mobile", "persons", "phone"),
    ("CCCD", "persons", "national_id"), ("CMND", "persons", "national_id"),
    ("Số CCCD", "persons", "national_id"), ("Căn cước", "persons", "national_id"),
    ("Ngày sinh", "persons", "birth_date"), ("dob", "persons", "birth_date"),
    ("Năm sinh", "persons", "birth_year"), ("Tuổi", "persons", "age"), ("Tuổi (năm)", "persons", "age"),
    ("Giới tính", "persons", "sex"), ("gender ", "persons", "sex"), ("Địa chỉ", "persons", "address"),
    ("Phường", "persons", "ward"), ("Xã", "persons", "ward"), ("Phường / Xã", "persons", "ward"),
    ("Tổ dân phố", "persons", "unit"), ("TDP", "persons", "unit"), ("Khu dân cư", "persons", "unit"),
    ("Thôn", "persons", "unit"), ("Quận", "persons", "district"), ("Huyện", "persons", "district"),
    ("Nơi làm việc", "persons", "workplace"), ("full name", "persons", "name"),
    ("national_id", "persons", "national_id"), ("Birth-Year", "persons", "birth_year"),
    ("Mã BN", "cases", "id"), ("Mã", "cases", "id"), ("CaseID", "cases", "id"),
    ("Ngày xét nghiệm", "cases", "confirmed"), ("Ngày lấy mẫu", "cases", "confirmed"),
    ("Ngày dương tính", "cases", "confirmed"), ("Ngày xác định", "cases", "confirmed"),
    ("positiveDate", "cases", "confirmed"), ("positive date", "cases", "confirmed"),
    ("Ngày khởi phát", "cases", "onset"), ("Nguồn lây", "cases", "source"), ("Nguồn", "cases", "source"),
    ("Họ tên", "cases", "name"),
    ("Ngày tiếp xúc", "contacts", "date"), ("infector", "contacts", "from"),
    ("infectee", "contacts", "to"), ("Địa điểm", "contacts", "place"), ("Số phút", "contacts", "minutes"),
    ("Thời gian", "checkins", "at"), ("Giờ quét", "checkins", "at"), ("Địa điểm", "checkins", "place"),
    ("Dân số", "populations", "population"), ("Khu vực", "populations", "area"),
])
def test_header_aliases(header, kind, field):
    assert match_header(header, kind) == field


def test_ambiguous_or_foreign_headers_match_nothing():
    assert match_header("Thời gian", "contacts") is None  # time of day or duration: not guessed
    assert match_header("Ghi chú", "persons") is None
    assert match_header("Case", "cases") is None  # Singapore's "Case 3, 37M, Wuhan" label


def test_no_alias_means_two_fields_in_one_kind():
    for kind, specs in FIELDS.items():
        seen = {}
        for spec in specs:
            for alias in spec.aliases:
                assert seen.setdefault(header_key(alias), spec.name) == spec.name, (kind, alias)


def test_extras_and_their_values(tmp_path):
    table, rows = read_all(write(tmp_path, "p.csv", "Mã,Họ tên,Ghi chú,Nhóm máu\nBN1,An,F1 của BN5,O\n"))
    assert table.mapping == {"id": "Mã", "name": "Họ tên"}
    assert table.extras == ["Ghi chú", "Nhóm máu"]
    assert rows[0][1]["extra"] == {"Ghi chú": "F1 của BN5", "Nhóm máu": "O"}


def test_columns_override_maps_a_header(tmp_path):
    path = write(tmp_path, "c.csv", "CaseNo,posDate,Họ tên\n7,2021-05-07,An\n")
    table, rows = read_all(path, "cases", columns={"id": "CaseNo", "confirmed": "posdate"})
    assert table.mapping == {"id": "CaseNo", "confirmed": "posDate", "name": "Họ tên"}
    assert rows[0][1]["confirmed"] == "2021-05-07"


def test_columns_override_beats_an_automatic_match(tmp_path):
    path = write(tmp_path, "c.csv", "id,BN,name\n1,BN1,An\n")
    table, rows = read_all(path, "persons", columns={"id": "BN"})
    assert table.mapping["id"] == "BN" and table.extras == ["id"]
    assert rows[0][1]["id"] == "BN1" and rows[0][1]["extra"] == {"id": "1"}


def test_columns_blank_leaves_a_field_out(tmp_path):
    path = write(tmp_path, "c.csv", "case_id,Infection_source\nTJ1,Wuhan\n")
    table, rows = read_all(path, "cases", columns={"source": ""})
    assert "source" not in table.mapping and table.extras == ["Infection_source"]
    with pytest.raises(TracingError, match="id is required"):
        open_table(path, "cases", columns={"id": ""})


def test_columns_override_with_missing_header_lists_headers(tmp_path):
    path = write(tmp_path, "c.csv", "CaseNo,posDate\n7,2021-05-07\n")
    with pytest.raises(TracingError, match=r"c\.csv, line 1: no header 'positiveDate' for confirmed "
                                           r"\(headers: 'CaseNo', 'posDate'\)"):
        open_table(path, "cases", columns={"id": "CaseNo", "confirmed": "positiveDate"})
    with pytest.raises(TracingError, match="unknown field 'positive' for cases"):
        open_table(path, "cases", columns={"positive": "posDate"})


def test_two_headers_for_one_field_names_both(tmp_path):
    path = write(tmp_path, "p.csv", "id,SĐT,Điện thoại\nBN1,0912345678,0912345678\n")
    with pytest.raises(TracingError, match=r"p\.csv, line 1: headers 'SĐT' \(column 2\) and 'Điện thoại' "
                                           r"\(column 3\) both mean phone"):
        open_table(path, "persons")
    table = open_table(path, "persons", columns={"phone": "SĐT"})
    assert table.extras == ["Điện thoại"]


def test_missing_required_field_names_field_and_headers(tmp_path):
    path = write(tmp_path, "c.csv", "from,date\nBN1,2021-05-07\n")
    with pytest.raises(TracingError, match=r"c\.csv: no column for required field 'to' \(contacts\); "
                                           r"headers found: 'from', 'date'"):
        open_table(path, "contacts")


def test_file_without_header_row(tmp_path):
    path = write(tmp_path, "p.csv", "BN1,Nguyễn Văn An,0912345678\nBN2,Lê Bình,0983111222\n")
    with pytest.raises(TracingError, match=r"p\.csv, line 1 is not a header row"):
        open_table(path, "persons")


def test_blank_and_duplicate_extra_headers_get_names(tmp_path):
    table, rows = read_all(write(tmp_path, "p.csv", "id,,note,note,,\nBN1,x,a,b,,\n"))
    assert table.extras == ["column 2", "note", "note (2)"]
    assert rows[0][1]["extra"] == {"column 2": "x", "note": "a", "note (2)": "b"}


def test_unknown_kind():
    with pytest.raises(TracingError, match="unknown import kind 'people'"):
        open_table("x.csv", "people")


# -- broken files ------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"\n\n  \r\n", codecs.BOM_UTF8, codecs.BOM_UTF16_LE])
def test_empty_files(tmp_path, data):
    with pytest.raises(TracingError, match=r"e\.csv: the file is empty"):
        open_table(write(tmp_path, "e.csv", data), "persons")


def test_binary_file(tmp_path):
    data = bytes(range(256)) * 40
    with pytest.raises(TracingError, match=r"b\.csv, line 1: binary data"):
        open_table(write(tmp_path, "b.csv", data), "persons")


def test_old_xls_and_missing_file(tmp_path):
    with pytest.raises(TracingError, match=r"old Excel \.xls"):
        open_table(write(tmp_path, "o.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600)), "persons")
    with pytest.raises(TracingError, match=r"nope\.csv: no such file"):
        open_table(tmp_path / "nope.csv", "persons")


def test_broken_zip_is_an_error(tmp_path):
    path = write(tmp_path, "w.xlsx", b"PK\x03\x04" + b"garbage" * 100)
    with pytest.raises(TracingError, match=r"w\.xlsx: not a readable \.xlsx workbook"):
        open_table(path, "persons")


def test_one_megabyte_field_is_read(tmp_path):
    note = "ghi chú " * (1024 * 1024 // 8)
    _, rows = read_all(write(tmp_path, "p.csv", f'id,note\nBN1,"{note}"\nBN2,ngắn\n'))
    assert rows[0][1]["extra"]["note"] == note and rows[1][1]["id"] == "BN2"


def test_field_beyond_the_limit_names_the_line(tmp_path):
    huge = "x" * (FIELD_SIZE_LIMIT + 10)
    path = write(tmp_path, "p.csv", f'id,note\nBN1,ok\nBN2,"{huge}"\n')
    table = open_table(path, "persons")
    with pytest.raises(TracingError, match=r"p\.csv, line 3: a cell of more than [\d,]+ characters"):
        list(table.rows())


def test_line_without_end_is_an_error_not_a_memory_blowup(tmp_path):
    path = write(tmp_path, "p.csv", "id,note\n" + "y" * (FIELD_SIZE_LIMIT + 2 * 1024 * 1024))
    table = open_table(path, "persons")
    with pytest.raises(TracingError, match=r"p\.csv, line 2: "):
        list(table.rows())


def test_ten_thousand_columns(tmp_path):
    header = ",".join(["id"] + [f"c{i}" for i in range(9999)])
    cells = fmt_int(10000)  # a count for people: "10,000" (vi "10.000")
    with pytest.raises(TracingError, match=rf"w\.csv, line 1: {cells} cells, more than {MAX_COLUMNS} columns"):
        open_table(write(tmp_path, "w.csv", header + "\n"), "persons")
    row = ",".join(["BN1"] + ["x"] * 9999)
    table = open_table(write(tmp_path, "r.csv", "id,name\n" + row + "\n"), "persons")
    with pytest.raises(TracingError, match=rf"r\.csv, line 2: {cells} cells"):
        list(table.rows())


def test_unterminated_quote_and_nul_are_errors(tmp_path):
    path = write(tmp_path, "q.csv", 'id,name\nBN1,"An\n')
    with pytest.raises(TracingError, match=r"q\.csv, line 2: not valid CSV"):
        list(open_table(path, "persons").rows())
    body = "".join(f"BN{i},An\n" for i in range(10000))  # past the 64 KB sniffed at the start
    path = write(tmp_path, "n.csv", "id,name\n" + body + "BN9,A\x00n\n")
    with pytest.raises(TracingError, match=r"n\.csv, line 10002: not valid CSV \(line contains NUL"):
        list(open_table(path, "persons").rows())


# -- XLSX --------------------------------------------------------------------

def make_workbook(path, sheets):
    from openpyxl import Workbook  # tests build real workbooks the way Excel users do

    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_first_sheet_dates_stay_dates(tmp_path):
    path = make_workbook(tmp_path / "ca.xlsx", [
        ("Ca bệnh", [["Mã BN", "Họ tên", "Ngày dương tính", "Tuổi"],
                     ["BN1", "Nguyễn Văn Đức", dt.datetime(2021, 5, 7), 36],
                     [None, None, None, None],
                     ["BN2", unicodedata.normalize("NFD", "Lê Thị Hà"), 44323, None]]),
        ("Khác", [["x"]]),
    ])
    table, rows = read_all(path, "cases")
    assert table.format == "xlsx" and table.sheet == "Ca bệnh" and table.sheet_names == ["Ca bệnh", "Khác"]
    assert table.size_unit == "rows" and table.size_hint == 4
    assert rows == [
        (2, {"id": "BN1", "name": "Nguyễn Văn Đức", "confirmed": dt.datetime(2021, 5, 7), "age": 36,
             "extra": {}}),
        (4, {"id": "BN2", "name": "Lê Thị Hà", "confirmed": 44323, "age": None, "extra": {}}),
    ]


def test_xlsx_named_sheet_and_missing_sheet(tmp_path):
    path = make_workbook(tmp_path / "b.xlsx", [("Tóm tắt", [["ghi chú"]]),
                                               ("Tiếp xúc", [["infector", "infectee"], ["BN1", "BN2"]])])
    _, rows = read_all(path, "contacts", sheet="tiep xuc")
    assert rows == [(2, {"from": "BN1", "to": "BN2", "extra": {}})]
    with pytest.raises(TracingError, match=r"b\.xlsx: no sheet 'Contacts' \(sheets: 'Tóm tắt', 'Tiếp xúc'\)"):
        open_table(path, "contacts", sheet="Contacts")


def test_xlsx_header_below_title_rows_and_a_value_under_no_header(tmp_path):
    """A value in a column whose header cell is blank is an unnamed extra column (issue 13, point 6)."""
    path = make_workbook(tmp_path / "t.xlsx", [("S", [
        [None], ["Mã", "Tên"], ["BN1", "An"], ["BN2", "Bình", "lạc cột"]])])
    table = open_table(path, "persons")
    assert table.header_line == 2
    rows = list(table.rows())
    assert rows[1][1]["extra"] == {"column 3": "lạc cột"} and table.extras == ["column 3"]


def test_empty_sheet(tmp_path):
    path = make_workbook(tmp_path / "e.xlsx", [("Trống", [])])
    with pytest.raises(TracingError, match=r"e\.xlsx: sheet 'Trống' is empty"):
        open_table(path, "persons")


def test_sheet_option_on_csv_is_an_error(tmp_path):
    with pytest.raises(TracingError, match="--sheet only applies to .xlsx"):
        open_table(write(tmp_path, "p.csv", HEADER + ROW), "persons", sheet="x")


# -- memory ------------------------------------------------------------------

def test_reading_200000_rows_keeps_memory_flat(tmp_path):
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write("Mã,Họ và tên,SĐT,Phường,Ghi chú\n")
        for i in range(200_000):
            fh.write(f"BN{i},Nguyễn Văn {i},09{i:08d},Ô Chợ Dừa,tiếp xúc gần với BN{i - 1}\n")
    size = os.path.getsize(path)
    tracemalloc.start()
    try:
        table = open_table(path, "persons")
        count = 0
        for _line, row in table.rows():
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == 200_000 and row["id"] == "BN199999"
    assert size > 10 * 1024 * 1024
    assert peak < size / 20  # a streaming reader holds a few buffers, not the file


# -- real files ----------------------------------------------------------------

def test_sample_files_read(tmp_path):
    # only the sample files: a user's Python writes fixtures/files/__pycache__ next to them
    for entry in SAMPLES.iterdir():
        if entry.is_file() and entry.suffix in (".csv", ".tsv", ".xlsx"):
            shutil.copy(entry, tmp_path / entry.name)
    persons = open_table(tmp_path / "persons_cp1258.csv", "persons")
    assert persons.encoding == "cp1258" and persons.delimiter == ";"
    rows = list(persons.rows())
    assert [r["name"] for _, r in rows][:2] == ["Nguyễn Văn Đức", "Trần Thị Hồng Nhung"]
    assert open_table(tmp_path / "persons_utf16.csv", "persons").mapping == {
        k: v for k, v in persons.mapping.items()}
    cases = open_table(tmp_path / "cases_utf8_bom.csv", "cases")
    assert cases.headers[0] == "Mã BN" and cases.extras == ["Ghi chú"]
    contacts = list(open_table(tmp_path / "contacts_utf8.tsv", "contacts").rows())
    assert contacts[0][1]["masked"] == "không" and len(contacts) == 3
    checkins = list(open_table(tmp_path / "tracing_samples.xlsx", "checkins").rows())
    assert checkins[0][1]["at"] == dt.datetime(2021, 5, 4, 7, 30)
    pops = list(open_table(tmp_path / "tracing_samples.xlsx", "populations", sheet="Dân số").rows())
    assert [r["population"] for _, r in pops] == [34000, 16500, 1200, 371600]


def test_samples_are_reproducible(tmp_path):
    from make_samples import build

    made = build(str(tmp_path))
    for name in made:
        assert (tmp_path / name).read_bytes() == (SAMPLES / name).read_bytes(), name


DATASET_CASES = [
    # (file, kind, columns, expected rows, fields that must be mapped)
    ("vn-trongthanh-2020/cases.csv", "cases", None, 288, {"id", "confirmed", "sex", "age", "source"}),
    ("vn-trongthanh-2020/edges.csv", "contacts", None, 85, {"from", "to"}),
    ("sg-tj-tindale-2020/COVID-19_Singapore_data_revised.csv", "cases", None, 93,
     {"id", "confirmed", "onset", "isolated", "quarantine_start", "age", "sex"}),
    ("sg-tj-tindale-2020/Tianjin135cases_revised.csv", "cases", {"source": ""}, 135,
     {"id", "confirmed", "onset", "age", "sex"}),
    ("sg-tj-tindale-2020/tianjin_edges_parsed.csv", "contacts", {"from": "linked_case", "to": "case"}, 95,
     {"from", "to"}),
    ("sg-tj-tindale-2020/singapore_links_parsed.csv", "contacts", {"from": "case", "to": "linked_case"}, 146,
     {"from", "to"}),
]


@pytest.mark.skipif(not DATASETS.exists(), reason="shared datasets not present")
@pytest.mark.parametrize("name, kind, columns, count, fields", DATASET_CASES)
def test_shared_datasets_read(name, kind, columns, count, fields):
    table, rows = read_all(DATASETS / name, kind, columns=columns)
    assert len(rows) == count
    assert fields <= set(table.mapping)
    assert all(row.keys() == rows[0][1].keys() for _, row in rows)
