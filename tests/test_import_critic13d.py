"""Issue 13 faults found by the tester critic13 in session 7 (F1 …): each one
reproduced with a small file through the CLI, on both stores; expected values
come from the rules of issue 13 point 1, written out here, not from a run."""

from __future__ import annotations

import json

import pytest
from openpyxl.utils.cell import range_boundaries

from tests.conftest import db_rows
from tests.test_import_critic13c import write, write_xlsx


# ------------------------------------------------------------------ F1: KCDC 10-digit ids
KCDC_HEADER = ["patient_id", "sex", "age", "province", "infection_case", "infected_by", "contact_number",
               "symptom_onset_date", "confirmed_date"]
KCDC_ROWS = [  # DS4C PatientInfo as published: 10-digit ids, infected_by often a patient of another province
    ["1000000001", "male", "50s", "Seoul", "overseas inflow", "", "75", "2020-01-22", "2020-01-23"],
    ["1000000002", "male", "30s", "Seoul", "overseas inflow", "", "31", "", "2020-01-30"],
    ["1000000003", "male", "50s", "Seoul", "contact with patient", "2002000001", "17", "", "2020-01-30"],
    ["1000000005", "female", "20s", "Seoul", "contact with patient", "1000000002", "2", "", "2020-01-31"],
    ["1000000011", "female", "50s", "Seoul", "contact with patient", "2002000001", "", "", "2020-02-05"],
    ["1000000012", "male", "20s", "Seoul", "contact with patient", "0912345678", "", "", "2020-02-06"],
    ["1000000013", "male", "20s", "Seoul", "contact with patient", "84912345678", "", "", "2020-02-06"],
    ["1000000014", "male", "20s", "Seoul", "contact with patient", "100000009", "", "", "2020-02-06"],
    ["1000000015", "male", "20s", "Seoul", "contact with patient", "6001000001", "", "", "2020-02-07"],
]


def _kcdc_expected(rows):
    """Issue 13 point 1, for a file whose ids are numbers of 10 digits: a source
    that is an id of the file is a link; a number of exactly 10 digits written
    without a leading zero (the file's own id shape) is a person who is not a
    case; anything else (a phone written 0…, or 84… with 11 digits, a number
    of other length) a label."""
    ids = {r[0] for r in rows}
    widths = {len(i) for i in ids}
    links, persons, labels = set(), set(), set()
    for r in rows:
        s = r[5]
        if not s:
            continue
        if s in ids:
            links.add((r[0], s))
        elif s.isdigit() and len(s) in widths and not s.startswith("0"):
            persons.add((r[0], s))
        else:
            labels.add((r[0], s))
    return links, persons, labels


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_kcdc_ten_digit_sources_matching_no_row_are_persons_not_labels(tmp_path, run, run_json, db_path, fmt):
    if fmt == "csv":
        f = write(tmp_path / "PatientInfo.csv", "".join(",".join(r) + "\n" for r in [KCDC_HEADER, *KCDC_ROWS]))
    else:  # a spreadsheet holds the ids as numbers
        f = write_xlsx(tmp_path / "PatientInfo.xlsx", [KCDC_HEADER] + [
            [int(c) if c.isdigit() and c[0] != "0" else c for c in r] for r in KCDC_ROWS])
    columns = ["--column", "id=patient_id", "--column", "source=infected_by", "--column", "confirmed=confirmed_date"]
    dry = run("import", "cases", f, *columns, "--dry-run").output
    s = run_json("import", "cases", f, *columns)
    links, persons, labels = _kcdc_expected(KCDC_ROWS)
    assert (f"+ {len(persons)} naming {len({p for _c, p in persons})} persons who are not cases") in dry
    assert {p for _c, p in persons} == {"2002000001", "6001000001"}  # the rule, spelled out
    stored = {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")}
    assert stored == links | persons
    assert {(r["case_id"], r["label"]) for r in db_rows(db_path, "SELECT case_id, label FROM case_labels")} == labels
    not_cases = {r["id"] for r in db_rows(db_path, "SELECT id FROM persons WHERE id NOT IN (SELECT person FROM cases)")}
    assert not_cases == {p for _c, p in persons}
    assert s["sources"]["links"] == len(links) and s["sources"]["labels"] == len(labels)
    assert s["sources"]["unknown_source_values"] == len(persons)
    assert s["sources"]["unknown_source_ids"] == sorted({p for _c, p in persons})
    # the two cases infected by 2002000001 are one cluster through that person, as contacts would make them
    sharing = sorted(c for c, p in persons if p == "2002000001")
    clusters = run_json("clusters")
    assert [sorted(c["cases"]) for c in clusters if set(sharing) & set(c["cases"])] == [sharing]
    st = run_json("status", "1000000011")
    assert st["sources"] == ["2002000001"]
    assert "2002000001" not in json.dumps(st["case"].get("labels", []))


def test_a_phone_is_no_id_in_a_file_of_nine_or_ten_digit_ids(tmp_path, run, db_path):
    """The phone guard holds at every width: a phone is written with a leading
    0 or with 84 in front (one digit more than the 10-digit national number)."""
    f = write(tmp_path / "k.csv", "id,confirmed,source\n100000001,2020-01-30,0912345678\n"
                                  "100000002,2020-01-30,84912345678\n100000003,2020-01-30,100000099\n")
    run("import", "cases", f)
    assert {r["label"] for r in db_rows(db_path, "SELECT label FROM case_labels")} == {"0912345678", "84912345678"}
    assert {r["source"] for r in db_rows(db_path, "SELECT source FROM case_sources")} == {"100000099"}


# ------------------------------------------------------------------ F6: "none" cells
#: what spreadsheets hold for "no source", written out from the issue and the finding
NONE_CELLS = ["0", "00", "-", "—", "không", "Không có", "nan", "nil", "unknown", "?"]  # NULL, N/A: blank cells


@pytest.mark.parametrize("ids", [["BN1", "BN2", "BN205"], ["1", "2", "205"]], ids=["prefixed", "numbers"])
def test_none_cells_are_no_source_and_no_person(tmp_path, run, run_json, db_path, ids):
    """A source `0`, `-`, `không`, `nan` … is no id (no person BN0 or 0 joining every such case into one
    cluster) and says the source is unknown: each such case is an unknown-source case in status and report."""
    rows = [f"{i},0{n + 1}/08/2020,\"{NONE_CELLS[n % len(NONE_CELLS)]}\"" for n, i in enumerate(ids)]
    rows += [f"X{n},05/08/2020,\"{v}\"" for n, v in enumerate(NONE_CELLS)]
    rows += ["Y1,06/08/2020,Chợ Long Biên", "Y2,07/08/2020,Y1"]  # a label naming a place, a link
    f = write(tmp_path / "k.csv", "id,confirmed,source\n" + "\n".join(rows) + "\n")
    out = run("import", "cases", f).output
    cases = [r.split(",")[0] for r in rows]
    no_source = [c for c, r in zip(cases, rows) if r.split(",", 2)[2].strip('"') in NONE_CELLS]
    assert len(no_source) == len(ids) + len(NONE_CELLS)
    # nothing but the cases is a person; only Y2 -> Y1 is a link; every value is kept as written
    assert sorted(r["id"] for r in db_rows(db_path, "SELECT id FROM persons")) == sorted(cases)
    assert [(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")] == [("Y2", "Y1")]
    labels = {(r["case_id"], r["label"]) for r in db_rows(db_path, "SELECT case_id, label FROM case_labels")}
    assert labels == {(c, r.split(",", 2)[2].strip('"')) for c, r in zip(cases, rows) if c != "Y2"}
    assert not [c for c in run_json("clusters") if set(c["cases"]) & set(no_source)]
    assert {c for c in cases if "unknown_source" in run_json("status", c)["flags"]} == set(no_source)
    report = run_json("report", "--from", "2020-08-01", "--to", "2020-08-31")
    assert report["unknown_source"] == len(no_source)
    assert (f"{len(no_source)} labels say the source is not known") in out


# ------------------------------------------------------------------ F7: merged cells
def _merged_workbook(path):
    """An office line list: a title merged across the columns, the ward typed once over the rows
    of one ward, the sample date once over the rows of one day (merged cells)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Ca bệnh"
    rows = [["DANH SÁCH CA BỆNH", None, None, None, None],
            ["Mã BN", "Họ tên", "Phường", "Ngày lấy mẫu", "Nguồn lây"],
            ["BN1", "An", "Bồ Đề", "01/08/2020", None],
            ["BN2", "Bình", None, "02/08/2020", "BN1"],
            ["BN3", "Cường", None, None, "BN1"],
            ["BN4", "Dũng", "Ngọc Lâm", "03/08/2020", None],
            ["BN5", "Em", None, None, "BN4"]]
    for r in rows:
        ws.append(r)
    merged = ["A1:E1", "C3:C5", "D4:D5", "C6:C7"]  # D6 is not merged over D7: BN5 has no date
    for ref in merged:
        ws.merge_cells(ref)
    wb.save(path)
    return rows, merged


def _filled(rows, merged):
    """Each row's cells as the sheet shows them: a merged range's top-left value in every row it
    covers, in its first column (a range one row high, the title, fills no row)."""
    shown = [list(r) for r in rows]
    for ref in merged:
        c0, r0, _c1, r1 = range_boundaries(ref)
        for r in range(r0 + 1, r1 + 1):
            shown[r - 1][c0 - 1] = rows[r0 - 1][c0 - 1]
    return shown


def test_merged_cells_are_read_into_every_row_they_cover_and_said(tmp_path, run, run_json, db_path):
    rows, merged = _merged_workbook(tmp_path / "m.xlsx")
    out = run("import", "cases", tmp_path / "m.xlsx").output
    shown = _filled(rows, merged)
    listed = {x["id"]: x for x in run_json("list")}
    for line, (pid, _name, ward, date, _src) in enumerate(shown[2:], start=3):
        assert listed[pid]["ward"] == ward, line
        d, m, y = date.split("/") if date else (None, None, None)
        assert run_json("status", pid)["case"]["confirmed"] == (f"{y}-{m}-{d}" if date else None)
    undated = {x["ids"][0] for x in run_json("check") if x["check"] == "undated_case"}
    assert undated == {r[0] for r in shown[2:] if r[3] is None} == {"BN5"}
    assert "3 merged cells read into every row they cover" in out
    assert "C3:C5 'Bồ Đề' (Phường): lines 4, 5" in out and "D4:D5 '02/08/2020' (Ngày lấy mẫu): lines 5" in out
    s = json.loads(run("import", "cases", tmp_path / "m.xlsx", "--format", "json").stdout)
    spans = [(ref, *range_boundaries(ref)) for ref in merged]
    assert s["merged_cells_filled"] == [
        {"range": ref, "column": shown[1][c - 1], "value": rows[r0 - 1][c - 1], "lines": list(range(r0 + 1, r1 + 1))}
        for ref, c, r0, _c1, r1 in spans if r1 > r0]


# ------------------------------------------------------------------ F2, F13: ids written in words
#: source phrases of Vietnamese line lists; DIRECT: the id written is the infector; else a contact of a
#: contact of it (an F2 of it, an F1 of its F1): no infection link, the label kept as written
PHRASES = {"Liên quan BN1550": True, "liên quan đến BN1550": True, "lây từ BN1550": True,
           "tiếp xúc gần BN1550": True, "vợ BN1550": True, "con của BN1550": True, "F1 BN1550": True,
           "BN số 1550": True, "Tiếp xúc với BN1550": True, "F1 của BN1550": True,
           "F2 của BN1550": False, "F1 của F1 BN1550": False, "F3 of BN1550": False}


def test_ids_written_in_words_are_links_unless_further_up_the_chain(tmp_path, run, run_json, db_path):
    rows = ["BN1550,01/08/2020,", "BN1549,01/08/2020,"]
    cases = {f"BN{1600 + n}": phrase for n, phrase in enumerate(PHRASES)}
    rows += [f'{cid},03/08/2020,"{phrase}"' for cid, phrase in cases.items()]
    rows += ['BN1700,03/08/2020,"Tiếp xúc gần với BN1550, BN1549"', 'BN1701,03/08/2020,"Liên quan đến BN1550 và 1549"',
             'BN1702,03/08/2020,"met BN1549 on 12/7, 50 tuổi"']
    out = run("import", "cases", write(tmp_path / "k.csv", "id,confirmed,source\n" + "\n".join(rows) + "\n")).output
    links = {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")}
    labels = {(r["case_id"], r["label"]) for r in db_rows(db_path, "SELECT case_id, label FROM case_labels")}
    assert links == ({(c, "BN1550") for c, p in cases.items() if PHRASES[p]}
                     | {("BN1700", "BN1550"), ("BN1700", "BN1549"), ("BN1701", "BN1550"), ("BN1701", "BN1549"),
                        ("BN1702", "BN1549")})  # 12/7 and 50 are no ids: no BN12, BN7, BN50
    assert labels == {(c, p) for c, p in cases.items() if not PHRASES[p]}
    for c, p in cases.items():  # the tree draws a direct case under BN1550 only
        assert run_json("status", c)["primary_source"] == ("BN1550" if PHRASES[p] else None)
    indirect = sum(1 for p in PHRASES.values() if not p)
    assert f"{indirect} labels name ids further up the chain" in out


def test_tianjin_line_list_links_every_case_id_written_in_its_source_cells(tmp_path, run, db_path):
    """The real Tianjin 2020 line list (fixtures of ../shared/datasets): every case id of the file
    written in a source cell ('wife of TJ95', "TJ50's family", 'sister of case 109') is a link, or
    kept in source_in_cycle when it would close a cycle."""
    import csv
    import re

    from tests.test_datasets import SGTJ
    path = SGTJ / "Tianjin135cases_revised.csv"
    if not path.exists():
        pytest.skip(f"{path} is not here")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    ids = {r["case_id"].strip() for r in rows}
    expected = set()
    for r in rows:
        cell = r["Infection_source"] or ""
        named = [t.replace(" ", "") for t in re.findall(r"TJ\s?\d+", cell)]
        named += ["TJ" + n for n in re.findall(r"\bcases?\s+(\d+)", cell, re.I)]
        expected |= {(r["case_id"].strip(), t) for t in named if t in ids and t != r["case_id"].strip()}
    s = json.loads(run("import", "cases", path, "--column", "source=Infection_source", "--format", "json").stdout)
    links = {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")}
    in_cycle = set()
    for r in db_rows(db_path, "SELECT person, extra FROM cases WHERE extra IS NOT NULL"):
        kept = json.loads(r["extra"]).get("source_in_cycle")
        if kept:
            in_cycle |= {(r["person"], t) for t in re.findall(r"TJ\d+", json.dumps(kept))}
    assert links | in_cycle == expected and not links & in_cycle
    assert s["sources"]["links"] == len(links) and s["sources"]["in_cycle"] == len(in_cycle)
    labels = [r["label"] for r in db_rows(db_path, "SELECT label FROM case_labels")]
    assert not [x for x in labels if re.search(r"TJ\s?\d", x)]


def test_a_label_naming_an_id_in_words_becomes_a_link_when_the_id_arrives(tmp_path, run, db_path):
    run("import", "cases", write(tmp_path / "a.csv", 'id,confirmed,source\nTJ1,2020-02-01,"Coworker of TJ43 and TJ53 '
                                 'at the mall"\nTJ2,2020-02-01,F2 của TJ43\nTJ3,2020-02-02,wife of TJ53\n'))
    assert not db_rows(db_path, "SELECT * FROM case_sources")
    run("import", "cases", write(tmp_path / "b.csv", "id,confirmed\nTJ43,2020-01-25\nTJ53,2020-01-26\n"))
    links = {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")}
    assert links == {("TJ1", "TJ43"), ("TJ1", "TJ53"), ("TJ3", "TJ53")}
    assert [(r["case_id"], r["label"]) for r in db_rows(db_path, "SELECT case_id, label FROM case_labels")] == [
        ("TJ2", "F2 của TJ43")]


# ------------------------------------------------------------------ F17: the database's id shapes
def test_an_unknown_source_shaped_like_the_database_ids_is_a_person(tmp_path, run, run_json, db_path):
    """A district numbers its own cases (KR-…); the sources cite national BN numbers imported before:
    a BN number of no row is an unknown-source person, as a KR one is (issue 13 point 1)."""
    import re

    run("import", "cases", write(tmp_path / "a.csv", "id,confirmed\nBN1,2021-05-01\n"))
    sources = {"KR-1": "BN 1", "KR-4": "BN2", "KR-5": "BN2", "KR-6": "KR-99", "KR-7": "BV108", "KR-8": "UK"}
    run("import", "cases", write(tmp_path / "b.csv", "id,confirmed,source\n" + "".join(
        f"{c},2021-05-04,{s}\n" for c, s in sources.items())))
    prefixes = {"BN", "KR"}  # of the stored ids and of the file's

    def kind(value):
        m = re.fullmatch(r"([A-Z]+)[- ]?(\d+)", value)
        if value.replace(" ", "") == "BN1":
            return "link"
        return "person" if m and m.group(1) in prefixes else "label"

    links = {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")}
    labels = {(r["case_id"], r["label"]) for r in db_rows(db_path, "SELECT case_id, label FROM case_labels")}
    assert links == {(c, "BN1" if kind(s) == "link" else s) for c, s in sources.items() if kind(s) != "label"}
    assert labels == {(c, s) for c, s in sources.items() if kind(s) == "label"}
    shared = sorted(c for c, s in sources.items() if s == "BN2")
    assert [sorted(c["cases"]) for c in run_json("clusters") if set(shared) & set(c["cases"])] == [shared]


# ------------------------------------------------------------------ F5: two undated cases
@pytest.mark.parametrize("date", ["2021-05-01", ""])
def test_two_undated_cases_in_contact_are_not_each_others_source(tmp_path, run, run_json, db_path, date):
    run("import", "cases", write(tmp_path / "c.csv", "id,confirmed\nU1,\nU2,\nD1,2021-05-03\nU3,\n"))
    run("import", "contacts", write(tmp_path / "t.csv", f"from,to,date\nU1,U2,{date}\nD1,U3,2021-05-02\n"))
    listed = {x["id"]: x for x in run_json("list")}
    # nothing orders U1 and U2: neither infected the other; U3 (undated) is judged conservatively
    # against the dated D1, whose infectious window holds the contact (2 days before its sample)
    assert listed["U1"]["primary_source"] is None and listed["U2"]["primary_source"] is None
    assert listed["U3"]["primary_source"] == "D1"
    for root in ("U1", "U2"):
        assert run_json("tree", root)["children"] == []
    # still one cluster: linked by a recorded contact (DOMAIN.md clusters)
    assert sorted(sorted(c["cases"]) for c in run_json("clusters")) == [["D1", "U3"], ["U1", "U2"]]


# ------------------------------------------------------------------ F11: the populations' district spelling
@pytest.mark.parametrize("populations_first", [True, False])
def test_level_shows_the_populations_spelling_of_the_district_too(tmp_path, run, run_json, db_path,
                                                                   populations_first):
    pop = write(tmp_path / "pop.csv", "Phường,Quận,Dân số\nPhường 1,Quận 3,20000\nPhường 1,Quận 10,15000\n")
    cases = write(tmp_path / "ca.csv", "id,confirmed,ward,district\nA3,2021-06-21,Phuong 1,Quan 10\n")
    for f in ((pop, cases) if populations_first else (cases, pop)):
        run("import", "populations" if f == pop else "cases", f)  # headers Phường/Quận/Dân số need no --column
    rows = {r["area"]: r for r in run_json("level", "--week-of", "2021-06-21")}
    # the areas as the populations file spells them, the case in its own (Quận 10's Phường 1)
    assert set(rows) == {"Phường 1, Quận 3", "Phường 1, Quận 10"}
    assert rows["Phường 1, Quận 10"]["new_cases"] == 1 and rows["Phường 1, Quận 3"]["new_cases"] == 0
    assert rows["Phường 1, Quận 10"]["population"] == 15000
    assert run_json("person", "show", "A3")["district"] == "Quận 10"


# ------------------------------------------------------------------ F16: sex written "Nam giới"/"Nữ giới"
def test_sex_written_nam_gioi_nu_gioi_is_m_f(tmp_path, run, run_json, db_path):
    typed = {"X1": "Nam giới", "X2": "Nữ giới", "X3": "nu gioi", "X4": "NAM GIỚI", "X5": "giới nữ"}
    out = run("import", "cases", write(tmp_path / "v.csv", "id,confirmed,sex\n" + "".join(
        f"{i},2021-05-05,{v}\n" for i, v in typed.items()))).output
    # the word is nam (male) or nữ (female), folded: Nữ giới is f
    from tracing.values import fold
    for pid, v in typed.items():
        shown = run_json("person", "show", pid)
        assert shown["sex"] == ("f" if "nu" in fold(v).split() else "m") and not shown["extra"]
    assert "sex_text" not in out
