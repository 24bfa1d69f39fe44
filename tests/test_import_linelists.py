"""Issue 13: real line lists in, nothing silently lost. One small file per point,
imported through the real CLI; every value ends up stored or reported with its line."""

from __future__ import annotations

import csv
import json

from tests.conftest import db_digest, is_postgres
from tracing.sources import group_entries, id_key, source_segments, split_sources


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def rows(db_path, sql, params=()):
    """Rows as tuples, on either store (through the store's dialect)."""
    from tracing.store import Store
    store = Store.open(str(db_path))
    try:
        return [tuple(r) for r in store.conn.execute(sql, params).fetchall()]
    finally:
        store.close()


def stored_values(path, tables=("persons", "cases", "case_sources", "case_labels", "contacts")):
    """Every stored column of ``tables`` but the creation times (they differ by
    design), rows sorted, on either store: what an export/import round trip keeps."""
    from tracing.store import Store
    store = Store.open(str(path))
    try:
        cols = {t: [c for c in store.columns(t) if c != "created_at"] for t in tables}
    finally:
        store.close()
    return {t: sorted(rows(path, f"SELECT {', '.join(cols[t])} FROM {t}"), key=repr) for t in tables}


# ------------------------------------------------------------------ point 1
def test_source_cells_as_people_write_them(tmp_path, run_json, db_path):
    f = write(tmp_path / "k.csv",
              "id,confirmed,source\n"
              "NB1,2021-06-01,UK\n"
              "NB6,2021-06-02,NB1\n"
              'NB456,2021-06-03,"NB 1, NB006 và #6"\n'
              "NB7,2021-06-04,NB 99\n"
              "NB8,2021-06-05,NB099; IMPORT; K9\n"
              'NB9,2021-06-05,"NB 456\nUK and community"\n')
    s = run_json("import", "cases", f)
    src = s["sources"]
    links = set(rows(db_path, "SELECT case_id, source FROM case_sources"))
    # NB 99 / NB099 match no row: one person who is not a case, stored as first written (trimmed)
    unknown = "NB 99"
    assert links == {("NB6", "NB1"), ("NB456", "NB1"), ("NB456", "NB6"), ("NB7", unknown), ("NB8", unknown),
                     ("NB9", "NB456")}
    # each source value in one category (critic13c F7): links to ids of the file, values naming an unknown person
    to_unknown = {pair for pair in links if pair[1] == unknown}
    assert src["links"] == len(links - to_unknown) and src["unknown_source_values"] == len(to_unknown)
    assert s["written"]["case_sources"] == len(links)
    # joining NB7 and NB8 in one cluster; K9 has not the shape of the file's NB ids: a label
    assert src["unknown_source_persons"] == 1 and src["unknown_source_ids"] == [unknown]
    assert rows(db_path, "SELECT count(*) FROM cases WHERE person = ?", (unknown,)) == [(0,)]
    labels = rows(db_path, "SELECT label, count(*) FROM case_labels GROUP BY label ORDER BY label")
    # 'UK and community' names no id on either side of 'and': one label as written (a name may hold 'and')
    assert labels == [("IMPORT", 1), ("K9", 1), ("UK", 1), ("UK and community", 1)]
    assert src["labels"] == sum(n for _l, n in labels) and dict(map(tuple, src["top_labels"])) == dict(labels)
    # normalisation is reported: only the entries that matched an id; NB099 is read as the person NB 99
    assert src["normalised"] == 4 and ["NB 1", "NB1"] in src["normalised_examples"]
    assert src["read_as"] == 1 and src["read_as_examples"] == [["NB099", unknown]]
    clusters = run_json("clusters")
    assert {tuple(sorted(c["cases"])) for c in clusters} == {("NB1", "NB456", "NB6", "NB9"), ("NB7", "NB8")}


def test_split_and_key_rules():
    assert split_sources("BN1, BN2 và BN3") == ["BN1", "BN2", "BN3"]
    assert split_sources("Grand Hyatt and Life Church") == ["Grand Hyatt", "Life Church"]
    assert split_sources("Grand Hyatt") == ["Grand Hyatt"]   # 'and' only as a word
    ids = {"BN1", "BN2", "BN3"}.__contains__
    # soft separators (, và and &) cut only around ids; ; and a line break always cut
    assert group_entries("BN1, BN2 và BN3", ids) == [("BN1", True), ("BN2", True), ("BN3", True)]
    assert group_entries("Grand Hyatt and Life Church", ids) == [("Grand Hyatt and Life Church", False)]
    assert source_segments("Grand Hyatt; Life Church\nBN1") == ["Grand Hyatt", "Life Church", "BN1"]
    assert id_key("NB 456") == id_key("nb456") == id_key("NB-456") == id_key("NB00456")


# ------------------------------------------------------------------ point 2
def test_a_label_becomes_a_link_when_its_id_arrives(tmp_path, run_json, run, db_path):
    run("import", "cases", write(tmp_path / "b.csv", "id,confirmed,source\nB,2021-06-05,A\nC,2021-06-06,D\n"))
    assert rows(db_path, "SELECT case_id, label FROM case_labels ORDER BY 1") == [("B", "A"), ("C", "D")]
    s = run_json("import", "cases", write(tmp_path / "a.csv", "id,confirmed\nA,2021-06-01\n"))
    assert s["labels_linked"] == [["B", "A"]]
    assert run_json("status", "B")["primary_source"] == "A"
    out = run_json("person", "add", "--id", "D", "--name", "Dung")
    assert out["warnings"] == ["case C gave D as its source before D was recorded, so it was kept as text; "
                               "it is now an infection link from D to C"]
    assert rows(db_path, "SELECT case_id, source FROM case_sources ORDER BY 1") == [("B", "A"), ("C", "D")]
    assert rows(db_path, "SELECT count(*) FROM case_labels") == [(0,)]
    run("import", "cases", write(tmp_path / "e.csv", "id,confirmed,source\nE,2021-06-07,G\n"))
    vi = run("--lang", "vi", "person", "add", "--id", "G", "--name", "Giang").stderr
    assert "ca E đã ghi nguồn lây là G trước khi G được nhập" in vi and "liên kết lây nhiễm từ G sang E" in vi


# ------------------------------------------------------------------ point 3
def test_month_first_column_is_proven_by_its_values(tmp_path, run_json, db_path):
    f = write(tmp_path / "k.csv", "id,confirmed\nA,2/3/2021\nB,1/23/2021\nC,4/5/2021\n")
    s = run_json("import", "cases", f)
    got = dict(rows(db_path, "SELECT person, confirmed FROM cases"))
    assert got == {"A": "2021-02-03", "B": "2021-01-23", "C": "2021-04-05"}
    assert s["date_order"]["confirmed"].startswith("mdy") and "line 3" in s["date_order"]["confirmed"]


def test_date_order_option_and_conflicts(tmp_path, run, run_json, db_path):
    both = write(tmp_path / "both.csv", "id,confirmed\nA,23/01/2021\nB,1/23/2021\n")
    r = run("import", "cases", both, ok=False)
    assert "line 2: 23/01/2021" in r.stderr and "line 3: 1/23/2021" in r.stderr and "--date-order" in r.stderr
    mixed = write(tmp_path / "mixed.csv", "id,confirmed,onset\nA,01/23/2021,02/03/2021\n")
    r = run("import", "cases", mixed, ok=False)
    assert "onset" in r.stderr and "line 2" in r.stderr and "month first" in r.stderr
    s = run_json("import", "cases", mixed, "--date-order", "mdy")
    assert dict(rows(db_path, "SELECT confirmed, onset FROM cases")) == {"2021-01-23": "2021-02-03"}
    assert s["date_order"]["onset"] == "mdy (--date-order)"
    # given order: a value in the other order is an invalid date with its reason
    r = run("import", "cases", write(tmp_path / "d.csv", "id,confirmed\nZ,1/23/2021\n"), "--date-order", "dmy",
            ok=False)
    assert "line 2, field confirmed" in r.stderr and "there is no month 23" in r.stderr
    ambiguous = run_json("import", "cases", write(tmp_path / "amb.csv", "id,confirmed\nQ,02/03/2021\n"))
    assert ambiguous["date_order"]["confirmed"].startswith("dmy: day first (default")


def test_old_dates_import_and_invalid_dates_say_why(tmp_path, run, run_json, db_path):
    s = run_json("import", "contacts", write(tmp_path / "c.csv", "from,to,date\nH1,H2,03/11/1861\n"))
    assert s["written"]["contacts"] == 1
    assert rows(db_path, "SELECT date FROM contacts") == [("1861-11-03",)]
    r = run("import", "contacts", write(tmp_path / "bad.csv", "from,to,date\nH1,H3,29/02/1861\n"), ok=False)
    assert "line 2, field date: '29/02/1861' is not a valid date: February 1861 has 28 days" in r.stderr


# ------------------------------------------------------------------ point 4
def test_duplicate_ids_in_one_file(tmp_path, run, run_json, db_path):
    text = "id,confirmed,onset\nA,2021-06-01,\nA,2021-06-01,\nB,2021-06-02,\nB,2021-06-02,2021-05-30\n"
    s = run_json("import", "cases", write(tmp_path / "k.csv", text))
    assert s["duplicates"]["identical"] == 1 and s["duplicates"]["merged"] == 1
    assert ["A", 2, 3, "identical"] in s["duplicates"]["lines"] and ["B", 4, 5, "merge"] in s["duplicates"]["lines"]
    assert dict(rows(db_path, "SELECT person, onset FROM cases")) == {"A": None, "B": "2021-05-30"}
    conflict = write(tmp_path / "x.csv", "id,confirmed\nC,2021-06-01\nD,2021-06-01\nC,2021-06-03\n")
    before = db_digest(db_path)
    r = run("import", "cases", conflict, ok=False)
    assert "line 4, field confirmed: C is also on line 2 with another confirmed" in r.stderr
    assert db_digest(db_path) == before
    s = run_json("import", "cases", conflict, "--skip-invalid")
    assert s["rejected"] == 1 and dict(rows(db_path, "SELECT person, confirmed FROM cases WHERE person = 'C'")) == \
        {"C": "2021-06-01"}
    with open(s["rejected_file"], encoding="utf-8-sig") as fh:
        assert [r["line"] for r in csv.DictReader(fh)] == ["4"]


# ------------------------------------------------------------------ point 5
def test_skip_invalid_never_aborts_on_a_rejected_source(tmp_path, run_json, db_path):
    f = write(tmp_path / "k.csv",
              "id,confirmed,source\n"
              "S1,2021-06-01,S1\n"           # a self-link: rejected
              "S2,31/02/2021,\n"             # a bad date: rejected
              "S3,2021-06-03,S1\n"           # names a rejected row
              "S4,2021-06-04,S2 và S3\n"
              ",2021-06-04,S3\n")            # no id: rejected
    s = run_json("import", "cases", f, "--skip-invalid")
    assert s["rejected"] == 3 and s["written"]["cases"] == 2
    assert set(rows(db_path, "SELECT case_id, source FROM case_sources")) == {("S3", "S1"), ("S4", "S2"),
                                                                               ("S4", "S3")}
    assert s["sources"]["unknown_source_persons"] == 2     # S1 and S2 are persons, not cases
    if not is_postgres(db_path):  # PostgreSQL checks every foreign key itself, always
        assert rows(db_path, "PRAGMA foreign_key_check") == []


# ------------------------------------------------------------------ point 6
def test_files_as_they_come(tmp_path, run_json, db_path):
    f = write(tmp_path / "k.csv",
              "DANH SÁCH CA BỆNH PHƯỜNG BỒ ĐỀ,,,,,,\n"
              "Cập nhật 05/06/2021,,,,,,\n"
              "Mã BN,Ngày xét nghiệm,Giới tính,Tuổi,,Tiêm chủng,symptom_onset_date\n"
              "Bukit Merah Market,2021-06-01,nữ,50s,ghi chú,yes (2 doses),2021-05-30\n"
              "B 2,2021-06-02,Nam,20 to 29,,2,\n")
    s = run_json("import", "cases", f)
    assert s["header_line"] == 3 and [t["line"] for t in s["title_rows"]] == [1, 2]
    assert s["mapping"]["onset"] == "symptom_onset_date" and "column 5" in s["extras"]
    assert s["kept_as_attributes"] == {"age": 2, "vaccinated": 1}
    person = run_json("person", "show", "Bukit Merah Market")
    assert person["sex"] == "f"
    extra = json.loads(rows(db_path, "SELECT extra FROM cases WHERE person = 'Bukit Merah Market'")[0][0])
    assert extra == {"age_text": "50s", "column 5": "ghi chú", "vaccinated_text": "yes (2 doses)"}
    again = run_json("import", "cases", f, "--header-row", "3")
    assert again["written"]["cases"] == 0 and again["header_line"] == 3


def test_json_and_json_lines(tmp_path, run, run_json, db_path):
    records = [{"id": "J1", "positiveDate": "2021-06-01", "gender": "male", "source": ["UK"]},
               {"id": "J2", "positiveDate": "2021-06-03", "gender": "female", "source": ["J1", "VN"]}]
    a = write(tmp_path / "k.json", json.dumps({"modified": "x", "data": records}, indent=1))
    s = run_json("import", "cases", a)
    assert s["written"]["cases"] == 2 and s["sources"]["links"] == 1 and s["title_rows"] == [
        {"line": 1, "outside_records": "data", "text": "modified=x"}]
    lines = write(tmp_path / "c.jsonl", '{"from": "J1", "to": "J3", "Ngày": "02/06/2021", '
                                        '"Bối cảnh": "hộ gia đình"}\n\n{"from": "J3", "to": "J4", "oops": 1}\n')
    s = run_json("import", "contacts", lines)
    assert s["written"]["contacts"] == 2 and s["extras"] == ["oops"]
    assert rows(db_path, "SELECT setting FROM contacts WHERE a = 'J1'") == [("household",)]
    bad = write(tmp_path / "bad.json", '[{"id": "J5", "confirmed": "2021-06-01"},\n 3]')
    assert "bad.json, line 2: a record must be a JSON object, not int" in run("import", "cases", bad, ok=False).stderr


def test_vietnamese_values_and_headers(tmp_path, run_json, db_path):
    f = write(tmp_path / "c.csv", "Từ,Đến,Ngày,Bối cảnh\nV1,V2,01/06/2021,Nơi làm việc\nV1,V3,01/06/2021,truong hoc\n"
                                  "V2,V3,02/06/2021,HỘ GIA ĐÌNH\n")
    s = run_json("import", "contacts", f)
    assert s["mapping"]["from"] == "Từ" and s["mapping"]["to"] == "Đến"
    assert sorted(r[0] for r in rows(db_path, "SELECT setting FROM contacts")) == ["household", "school", "work"]
    g = write(tmp_path / "k.csv", "id,confirmed,onset_of_symptom,Giới tính\nV1,2021-06-03,2021-06-01,Nữ\n")
    assert run_json("import", "cases", g)["mapping"]["onset"] == "onset_of_symptom"


# ------------------------------------------------------------------ point 8
def test_area_names_are_one_area_however_typed(tmp_path, run, run_json, db_path):
    f = write(tmp_path / "k.csv", "id,confirmed,ward,unit\nA1,2021-06-20,BỒ ĐỀ,TDP 5\nA2,2021-06-21,Bo De,tdp 5\n"
                                  "A3,2021-06-22,Bồ Đề,TDP 5\n")
    s = run_json("import", "cases", f)
    assert s["areas_respelled"] == {"Bo De": "BỒ ĐỀ", "tdp 5": "TDP 5", "Bồ Đề": "BỒ ĐỀ"}
    assert rows(db_path, "SELECT DISTINCT ward, unit FROM persons WHERE ward IS NOT NULL") == [("BỒ ĐỀ", "TDP 5")]
    p = write(tmp_path / "pop.csv", "area,population,level\nBồ Đề,20000,ward\n")
    s = run_json("import", "populations", p)
    assert s["areas_respelled"] == {"BỒ ĐỀ": "Bồ Đề"}        # the populations file's spelling wins
    assert rows(db_path, "SELECT DISTINCT ward FROM persons WHERE ward IS NOT NULL") == [("Bồ Đề",)]
    run("person", "add", "--id", "A4", "--name", "Bốn", "--ward", "BO DE")
    assert rows(db_path, "SELECT ward FROM persons WHERE id = 'A4'") == [("Bồ Đề",)]
    level = run_json("level", "--week-of", "2021-06-21")
    week = [d for d in ("2021-06-20", "2021-06-21", "2021-06-22") if "2021-06-21" <= d <= "2021-06-27"]
    assert [(r["area"], r["new_cases"]) for r in level] == [("Bồ Đề", len(week))]
    report = run_json("report", "--from", "2021-06-20", "--to", "2021-06-26", "--format", "json")
    text = json.dumps(report, ensure_ascii=False)
    assert "Bồ Đề" in text and "BỒ ĐỀ" not in text and "Bo De" not in text


# ------------------------------------------------------------------ point 9
def test_export_csv_then_import_gives_the_same_data(tmp_path, run, run_json, db_path, monkeypatch):
    run("import", "cases", write(tmp_path / "k.csv",
                                 "id,confirmed,onset,source,ward,nghề,Tuổi\n"
                                 "-T1,2021-06-01,,=cmd|' /C calc'!A0,Bồ Đề,@bác sĩ,50s\n"
                                 "T2,2021-06-03,2021-06-02,-T1 và UK,Bồ Đề,+nông dân,41\n"))
    run("import", "contacts", write(tmp_path / "c.csv", "from,to,date,setting\n-T1,X1,2021-05-31,household\n"))
    out = tmp_path / "out"
    run("export", "csv", "-o", out) if "-o" in run("export", "--help").stdout else run("export", "csv", out)
    first = stored_values(db_path)
    monkeypatch.setenv("TRACING_DB", str(tmp_path / "again.db"))
    for kind in ("persons", "cases", "contacts"):
        run("import", kind, out / f"{kind}.csv")
    again = stored_values(tmp_path / "again.db")
    assert again == first
    assert ("-T1",) in [(r[0],) for r in again["persons"]]


def test_epicontacts_keeps_extra_columns_and_dates_links_by_exposure(tmp_path, run, run_json):
    run("import", "cases", write(tmp_path / "k.csv", "id,confirmed,onset,source,nghề\nE1,2021-06-01,,,thợ may\n"
                                                     "E2,2021-06-06,2021-06-05,E1,\n"))
    run("import", "contacts", write(tmp_path / "c.csv", "from,to,date\nE1,E2,2021-05-31\n"))
    out = tmp_path / "epi"
    run("export", "epicontacts", "-o", out) if "-o" in run("export", "--help").stdout else \
        run("export", "epicontacts", out)
    with open(out / "linelist.csv", encoding="utf-8") as fh:
        linelist = {r["id"]: r for r in csv.DictReader(fh)}
    assert linelist["E1"]["nghề"] == "thợ may"
    with open(out / "contacts.csv", encoding="utf-8") as fh:
        links = [r for r in csv.DictReader(fh) if r["type"] == "infection"]
    exposure = run_json("status", "E2")["exposure"]
    assert [(r["from"], r["to"], r["date"]) for r in links] == [("E1", "E2", exposure)] and exposure == "2021-05-31"


# ------------------------------------------------------------------ point 7
def test_a_case_needs_only_its_id(tmp_path, run, run_json, db_path):
    f = write(tmp_path / "k.csv", "id,confirmed,source\nU1,,\nU2,2021-06-10,U1\n")
    s = run_json("import", "cases", f)
    assert s["written"]["cases"] == 2 and s["undated_cases"] == 1
    run("import", "contacts", write(tmp_path / "c.csv", "from,to,date\nU1,F1,2021-01-02\nU1,F2,\n"))
    status = run_json("status", "U1")
    assert status["level"] == "F0" and "undated_case" in status["flags"] and status["case"]["confirmed"] is None
    # contacts of an undated case are judged conservatively: whatever their date, they count
    assert run_json("status", "F1")["level"] == "F1" and run_json("status", "F2")["level"] == "F1"
    clusters = run_json("clusters")
    assert [sorted(c["cases"]) for c in clusters] == [["U1", "U2"]]
    report = run_json("report", "--from", "2021-06-01", "--to", "2021-06-14", "--format", "json")
    assert report["undated_cases"] == 1 and report["new_cases"] == 1
    run("render", "--cluster", clusters[0]["id"], "-o", tmp_path / "m.html")
    run("check")


# ------------------------------------------------------------------ the messy sample
def test_messy_sample_imports_through_the_cli(run_json, db_path):
    """fixtures/linelist_messy: only --column, --date-order and --header-row are needed."""
    from pathlib import Path

    folder = Path(__file__).resolve().parents[1] / "fixtures" / "linelist_messy"
    with open(folder / "ca-benh.csv", encoding="utf-8", newline="") as fh:
        lines = list(csv.reader(fh))
    header = lines[3]
    data = [r for r in lines[4:] if any(r)]
    s = run_json("import", "cases", folder / "ca-benh.csv", "--date-order", "mdy", "--header-row", "4")
    ids = {r[0] for r in data}
    assert s["written"]["cases"] == len(ids) and s["duplicates"]["identical"] == len(data) - len(ids)
    assert [t["line"] for t in s["title_rows"]] == [1, 2] and s["header_line"] == 4
    assert s["extras"] == [f"column {header.index('') + 1}"]
    # every M/D/Y date as the file says
    import datetime as dt

    def mdy(text):
        m, d, y = map(int, text.split("/"))
        return dt.date(y, m, d).isoformat()

    stored = dict(rows(db_path, "SELECT person, confirmed FROM cases"))
    assert stored == {r[0]: (mdy(r[1]) if r[1] else None) for r in data}
    assert s["undated_cases"] == sum(1 for i in ids if stored[i] is None)
    # sources: links, the unknown-source person NB 99 (NB099 on the next row: the same, as first written), labels
    assert s["sources"]["unknown_source_ids"] == ["NB 99"]
    assert s["sources"]["read_as_examples"] == [["NB099", "NB 99"]]
    assert sorted(label for label, _n in s["sources"]["top_labels"]) == ["BV Đức Giang", "F0 nhập cảnh", "IMPORT"]
    assert ("NB006", "NB 456") in set(rows(db_path, "SELECT case_id, source FROM case_sources"))
    assert ("NB7", "NB006") in set(rows(db_path, "SELECT case_id, source FROM case_sources"))   # '#6'
    # wards typed three ways are one
    assert {w for (w,) in rows(db_path, "SELECT DISTINCT ward FROM persons WHERE ward IS NOT NULL")} == \
        {"Bồ Đề", "Ngọc Lâm", "Gia Thụy"}
    # 50s, 20 to 29; yes (2 doses) (no count), 2 mũi and chưa tiêm (read as 2 and 0, the text kept as written)
    assert s["kept_as_attributes"] == {"age": 2, "vaccinated": 3}
    assert rows(db_path, "SELECT vaccinated FROM persons WHERE id = 'NB12'") == [(0,)]
    # the same file without --header-row and --date-order: found and proven
    again = run_json("import", "cases", folder / "ca-benh.csv")
    assert again["written"]["cases"] == 0 and again["header_line"] == 4
    assert again["date_order"]["Ngày lấy mẫu"].startswith("mdy")
    c = run_json("import", "contacts", folder / "tiep-xuc.json", "--date-order", "mdy")
    with open(folder / "tiep-xuc.json", encoding="utf-8") as fh:
        records = json.load(fh)["ban_ghi"]
    assert c["written"]["contacts"] == len(records)
    assert rows(db_path, "SELECT date, setting, minutes, masked FROM contacts WHERE b = 'P-101'") == \
        [("2021-05-17", "household", 600, 0)]
    clusters = run_json("clusters")
    assert ["NB10", "NB9"] in [sorted(x["cases"]) for x in clusters]


def test_the_vietnamese_json_imports_like_its_csv(tmp_path, run, monkeypatch):
    """patients.json (the original) and cases.csv (its flattened copy) give the same cases, links and labels."""
    import os
    from pathlib import Path

    folder = Path("/work/shared/datasets/vn-trongthanh-2020")
    if not folder.exists():
        import pytest
        pytest.skip("shared datasets not present")
    got = {}
    for name in ("cases.csv", "patients.json"):
        db = tmp_path / f"{name}.db"
        monkeypatch.setenv("TRACING_DB", str(db))
        run("import", "cases", folder / name, "--id-prefix", "BN", "--na", "-1")
        got[name] = (rows(db, "SELECT person, confirmed FROM cases ORDER BY 1"),
                     rows(db, "SELECT case_id, source FROM case_sources ORDER BY 1, 2"),
                     rows(db, "SELECT case_id, label FROM case_labels ORDER BY 1, 2"),
                     rows(db, "SELECT id, sex, birth_year FROM persons ORDER BY 1"))
        assert os.path.exists(db)
    assert got["cases.csv"] == got["patients.json"]
