"""Issue 13, second round (findings of a tester who did not see the code):
each kind on a small file, imported through the real CLI, asserting what a user sees."""

from __future__ import annotations

import pytest

from tracing.tabular import match_header
from tracing.values import normalize_phone


from test_import_linelists import rows, write  # one copy of the file and query helpers


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


# ------------------------------------------------------------------ sources: normalised keys
def test_an_unknown_padded_or_signed_source_is_stored_as_written(tmp_path, run, run_json, db_path):
    f = write(tmp_path / "k.csv", "id,confirmed,source\nNB1,2021-06-01,\nNB2,2021-06-02,NB006\nNB3,2021-06-02,#88\n")
    s = run_json("import", "cases", f)
    # NB006 matches no row: stored as written; #88 in a file of NB… ids takes the prefix (reported as read)
    prefix = "NB"
    assert s["sources"]["unknown_source_ids"] == sorted(["NB006", prefix + "88"])
    assert s["sources"]["normalised"] == 0   # nothing matched: never said to have matched
    assert dict(map(tuple, s["sources"]["read_as_examples"])) == {"#88": prefix + "88"}
    # the real ids arriving later are the same persons: the links hold, no phantom NB006 / 88
    run("import", "cases", write(tmp_path / "later.csv", "id,confirmed\nNB6,2021-06-03\nNB88,2021-06-04\n"))
    assert sorted(rows(db_path, "SELECT case_id, source FROM case_sources")) == [("NB2", "NB6"), ("NB3", "NB88")]
    assert sorted(r[0] for r in rows(db_path, "SELECT id FROM persons")) == ["NB1", "NB2", "NB3", "NB6", "NB88"]


def test_an_exact_match_wins_over_a_normalised_one(tmp_path, run, run_json, db_path):
    f = write(tmp_path / "k.csv", "id,confirmed,source\n007,2021-06-01,\n7,2021-06-03,007\n")
    s = run_json("import", "cases", f)
    assert rows(db_path, "SELECT case_id, source FROM case_sources") == [("7", "007")]
    assert any("007, 7 (lines 2, 3)" in w for w in s["warnings"])
    # a normalised self-reference is still refused, naming the line
    g = write(tmp_path / "self.csv", "id,confirmed,source\nNB6,2021-06-01,NB006\n")
    err = run("import", "cases", g, ok=False).output
    assert "line 2" in err and "NB6 cannot be its own source ('NB006')" in err


def test_an_ambiguous_normalised_source_is_an_error_naming_the_candidates(tmp_path, run, run_json, db_path):
    f = write(tmp_path / "k.csv", "id,confirmed,source\nP2,2021-06-01,\np2,2021-06-02,\nQ1,2021-06-03,P02\n")
    err = run("import", "cases", f, ok=False).output
    assert "line 4" in err and "'P02' could be any of P2, p2" in err
    s = run_json("import", "cases", f, "--skip-invalid")
    assert s["rejected"] == 1 and "line 4" in s["rejections"][0]
    assert any("P2, p2 (lines 2, 3)" in w for w in s["warnings"])
    assert sorted(r[0] for r in rows(db_path, "SELECT id FROM persons")) == ["P2", "p2"]  # no phantom P02


# ------------------------------------------------------------------ check: undated cases
def test_check_reports_undated_cases(tmp_path, run, run_json, db_path):
    run("import", "cases", write(tmp_path / "k.csv", "id,confirmed\nU1,\nU2,2021-06-01\nU3,\n"))
    found = [(f["check"], f["ids"]) for f in run_json("check") if f["check"] == "undated_case"]
    undated = [r[0] for r in rows(db_path, "SELECT person FROM cases WHERE confirmed IS NULL ORDER BY person")]
    assert found == [("undated_case", [cid]) for cid in undated] and undated == ["U1", "U3"]
    assert "U1 has no date (no confirmation, no onset)" in run("check").output
