"""Issue 13, second round (findings of a tester who did not see the code):
each kind on a small file, imported through the real CLI, asserting what a user sees."""

from __future__ import annotations

import pytest

from tracing.tabular import match_header
from tracing.values import normalize_phone


def write(path, text):
    path.write_bytes(text.encode("utf-8"))
    return path


def rows(db_path, sql, params=()):
    from tracing.store import Store
    store = Store.open(str(db_path))
    try:
        return [tuple(r) for r in store.conn.execute(sql, params).fetchall()]
    finally:
        store.close()


# ------------------------------------------------------------------ Vietnamese headers
VN_HEADERS = {
    "confirmed": ["Ngày XN dương tính", "Ngày xét nghiệm dương tính", "Ngày phát hiện", "Ngày XN", "Ngày có KQ"],
    "onset": ["Ngày khởi phát triệu chứng"],
    "vaccinated": ["Tiêm vắc xin"],
    "workplace": ["Nơi làm việc"], "address": ["Địa chỉ"], "phone": ["SĐT", "Số điện thoại"],
    "national_id": ["CCCD"], "birth_year": ["Năm sinh"], "sex": ["Giới tính"], "unit": ["Tổ dân phố", "TDP"],
    "ward": ["Phường", "Xã"], "district": ["Quận", "Huyện"],
}


def _plain(text):
    import unicodedata
    text = text.replace("Đ", "D").replace("đ", "d")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


@pytest.mark.parametrize("field,header", [(f, h) for f, hs in VN_HEADERS.items() for h in hs])
def test_common_vietnamese_headers_with_and_without_diacritics(field, header):
    assert match_header(header, "cases") == field
    assert match_header(_plain(header), "cases") == field


def test_vietnamese_line_list_headers_import(tmp_path, run_json, db_path):
    f = write(tmp_path / "k.csv", "Mã BN,Ngày XN dương tính,Ngay khoi phat trieu chung,Tiêm vắc xin,SĐT\n"
                                  "BN1,2021-06-03,2021-06-01,2,0084912000333\n")
    s = run_json("import", "cases", f)
    assert s["mapping"]["confirmed"] == "Ngày XN dương tính" and s["mapping"]["vaccinated"] == "Tiêm vắc xin"
    assert s["extras"] == []
    person = run_json("person", "show", "BN1")
    assert person["phone"] == normalize_phone("+84 912 000 333")
    assert rows(db_path, "SELECT confirmed, onset FROM cases WHERE person = 'BN1'") == [("2021-06-03", "2021-06-01")]


# ------------------------------------------------------------------ phones
def test_00_is_the_international_prefix():
    assert normalize_phone("0084912000333") == normalize_phone("+84 912 000 333") == normalize_phone("0912000333")
    assert normalize_phone("0084 912 000 333") == normalize_phone("+84912000333")


# ------------------------------------------------------------------ minutes with a unit
def test_minutes_with_a_unit_import_from_json_lines(tmp_path, run, run_json, db_path):
    f = write(tmp_path / "c.jsonl", "".join(
        f'{{"from": "M1", "to": "M{i}", "date": "2021-06-01", "minutes": "{m}"}}\n'
        for i, m in enumerate(["30 phút", "30 phut", "30 min", "1 giờ", "1 giờ 30 phút", "45"], start=2)))
    s = run_json("import", "contacts", f)
    assert s["written"]["contacts"] == 6
    got = dict(rows(db_path, "SELECT b, minutes FROM contacts WHERE a = 'M1'"))
    assert got == {"M2": 30, "M3": 30, "M4": 30, "M5": 60, "M6": 90, "M7": 45}
    bad = write(tmp_path / "bad.jsonl", '{"from": "M1", "to": "M9", "minutes": "lâu"}\n')
    err = run("import", "contacts", bad, ok=False).output
    assert "line 1" in err and "'lâu' is not a duration" in err and "Traceback" not in err
    out = run_json("import", "contacts", bad, "--skip-invalid")
    assert out["rejected"] == 1


def test_a_json_lines_file_of_one_record(tmp_path, run_json, db_path):
    f = write(tmp_path / "one.jsonl", '{"from": "O1", "to": "O2", "date": "2021-06-01", "minutes": "30 phút"}\n')
    assert run_json("import", "contacts", f)["written"]["contacts"] == 1
    assert rows(db_path, "SELECT a, b, minutes FROM contacts") == [("O1", "O2", 30)]
