"""Issue 13, second tester round, part B (critic13 findings as numbered in
/work/coord/s4: F13 sheets, F14 formulas, ...): each on a small file through
the real CLI; expected values follow from the rules."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.test_import_linelists import rows, write
from tracing.sheets import write_xlsx

CASES = ["Mã BN", "Họ tên", "Ngày dương tính", "Nguồn lây"]
QR = ["Mã người", "Địa điểm", "Giờ quét"]


# ------------------------------------------------------------------ F13: which sheet of a workbook
def test_the_sheet_whose_columns_fit_the_kind_is_read_and_the_others_named(tmp_path, run, run_json, db_path):
    x = tmp_path / "s.xlsx"
    qr = [["BN101", "Chợ Bình Đà", dt.datetime(2021, 5, 4, 7, 30)], ["P-204", "Chợ Bình Đà", dt.datetime(2021, 5, 4, 8)]]
    cases = [["BN101", "An", dt.date(2021, 5, 5), None], ["BN102", "Bình", dt.date(2021, 5, 7), "BN101"]]
    write_xlsx(x, [("Quét QR", QR, qr), ("Ca bệnh", CASES, cases), ("Trống", ["x"], [])])
    s = run_json("import", "cases", x)
    # the cases sheet names four case fields, the QR sheet one (id): the cases sheet is read
    assert s["sheet"] == "Ca bệnh" and s["sheets_not_read"] == ["Quét QR", "Trống"]  # a header alone is not blank
    assert rows(db_path, "SELECT person FROM cases ORDER BY 1") == [(r[0],) for r in cases]
    text = run("import", "checkins", x).output
    assert "Read sheet 'Quét QR' (its columns fit a checkins file); not read: 'Ca bệnh'" in text
    assert rows(db_path, "SELECT count(*) FROM checkins") == [(len(qr),)]


def test_two_sheets_fitting_alike_or_none_fitting_is_an_error_listing_the_sheets(tmp_path, run, db_path):
    x = tmp_path / "m.xlsx"
    write_xlsx(x, [("Tháng 5", CASES, [["BN1", "An", dt.date(2021, 5, 20), None]]),
                   ("Tháng 6", CASES, [["BN3", "Ba", dt.date(2021, 6, 2), "BN1"]])])
    r = run("import", "cases", x, ok=False)
    assert "sheets 'Tháng 5', 'Tháng 6' all fit a cases file; import each with --sheet NAME" in r.output
    run("import", "cases", x, "--sheet", "Tháng 6")
    assert rows(db_path, "SELECT person FROM cases") == [("BN3",)]   # the refused import wrote nothing
    r = run("import", "contacts", x, ok=False)
    assert "no sheet has the columns of a contacts file (sheets: 'Tháng 5', 'Tháng 6')" in r.output


# ------------------------------------------------------------------ F14: formulas without a saved value
def test_formula_cells_without_a_saved_value_are_named_with_line_and_column(tmp_path, run, run_json, db_path):
    from openpyxl import Workbook   # a script-written workbook: formulas, no cached values

    x = tmp_path / "fo.xlsx"
    wb = Workbook()
    ws = wb.active
    table = [["id", "confirmed", "source", "p"], ["BN1", "2021-05-20", None, "BN"],
             ["BN2", "2021-05-21", '=D2&"1"', "x"], ["BN3", "=B3", None, None]]
    for row in table:
        ws.append(row)
    wb.save(x)
    expected = [{"line": line, "column": column, "formula": value}
                for line, row in enumerate(table, start=1) for column, value in enumerate(row, start=1)
                if isinstance(value, str) and value.startswith("=")]
    s = run_json("import", "cases", x)
    assert s["formulas_without_value"] == expected
    assert s["undated_cases"] == 1 and s["sheets_not_read"] == []
    # a workbook without formulas says nothing of them
    y = tmp_path / "plain.xlsx"
    write_xlsx(y, [("Ca", table[0], [r for r in table[1:] if not any(str(v).startswith("=") for v in r)])])
    assert run_json("import", "cases", y)["formulas_without_value"] == []
    text = run("import", "cases", x).output
    assert "2 formula cells have no saved value and were read as blank" in text
    assert "line 3, column 3 (=D2&\"1\")" in text


# ------------------------------------------------------------------ F11: one extra name on person and case
def test_an_extra_column_on_both_the_person_and_the_case_shows_both_values(tmp_path, run, run_json):
    import csv

    person = {"Ghi chú": "note from persons", "Nghề": "GV"}
    case = {"Ghi chú": "note from cases", "Nghề": "GV"}
    head = ",".join(person)
    run("import", "persons", write(tmp_path / "p.csv", f"id,name,{head}\nQ1,Nguyễn A,{','.join(person.values())}\n"))
    run("import", "cases", write(tmp_path / "c.csv", f"id,confirmed,{head}\nQ1,2021-05-10,{','.join(case.values())}\n"))
    # same value once; different values both, the case's under "NAME (case)"
    expected = dict(person)
    for k, v in case.items():
        if person.get(k) != v:
            expected[f"{k} (case)"] = v
    text = run("person", "show", "Q1").output
    assert f"Extra attributes ({len(expected)}):" in text
    assert all(f"  {k}: {v}\n" in text for k, v in expected.items())
    run("export", "epicontacts", tmp_path / "ep")
    with open(tmp_path / "ep" / "linelist.csv", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert {k: row[k] for k in expected} == expected


# ------------------------------------------------------------------ F3: area names with prefixes and padding
# the populations file's areas, and how a case file types each (prefix with or without
# diacritics before a name, a zero-padded number): the spec, from which figures follow
OFFICIAL = {"Phường Phúc Đồng": ["phuong phuc dong", "Phuong Phuc Dong"], "Bồ Đề": ["Phuong Bo De", "phường bồ đề"],
            "Phường 1": ["Phường 01", "P.001"], "Phương Liệt": ["Phuong Liet"]}


@pytest.mark.parametrize("populations_first", [True, False])
def test_prefixed_and_zero_padded_area_names_are_one_area(tmp_path, run, run_json, db_path, monkeypatch,
                                                          populations_first):
    monkeypatch.setenv("TRACING_TODAY", "2021-05-30")
    pop = write(tmp_path / "pop.csv", "Khu vực,Dân số,Cấp\n" + "".join(f"{a},20000,ward\n" for a in OFFICIAL))
    typed = [(a, t) for a, ts in OFFICIAL.items() for t in ts]
    units = ["TDP 5", "TDP 05", "tdp 5"]   # one unit of Bồ Đề however padded
    body = "".join(f"V{n},24/05/2021,{t},{units[n % 3] if a == 'Bồ Đề' else ''}\n" for n, (a, t) in enumerate(typed))
    cases = write(tmp_path / "c.csv", "Mã BN,Ngày dương tính,Phường,Tổ dân phố\n" + body)
    for f in ((pop, "populations"), (cases, "cases")) if populations_first else ((cases, "cases"), (pop, "populations")):
        run("import", f[1], f[0])
    stored = dict(rows(db_path, "SELECT id, ward FROM persons"))
    assert stored == {f"V{n}": a for n, (a, _t) in enumerate(typed)}
    bo_de_units = {u for (u,) in rows(db_path, "SELECT DISTINCT unit FROM persons WHERE unit IS NOT NULL")}
    assert len(bo_de_units) == 1
    level = {r["area"]: r["new_cases"] for r in run_json("level", "--week-of", "2021-05-24")}
    assert level == {a: len(ts) for a, ts in OFFICIAL.items()}
    # a filter typed either way finds the ward
    for a, ts in OFFICIAL.items():
        for t in ts:
            assert {r["id"] for r in run_json("list", "--ward", t)} == {f"V{n}" for n, (b, _) in enumerate(typed)
                                                                      if b == a}


# ------------------------------------------------------------------ F12: a month-before onset from M/D/Y
def test_check_flags_an_onset_a_month_before_that_fits_once_day_and_month_swap(tmp_path, run_json, monkeypatch):
    from tracing.checks import LONG_GAP_DAYS, PLAUSIBLE_GAP_DAYS

    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    # true (month, day) pairs of a US export, only early-month days: read day first, as the default does
    pairs = {"U1": ((7, 2), (7, 1)), "U2": ((8, 5), (8, 4)), "U3": ((9, 10), (9, 9)),
             "K1": ((3, 20), (3, 15))}   # K1 unambiguous (day 20): proves nothing, onset 5 days before
    body = "".join(f"{i},{c[0]:02d}/{c[1]:02d}/2021,{o[0]:02d}/{o[1]:02d}/2021\n" for i, (c, o) in pairs.items()
                   if i != "K1")
    body += "K1,15/03/2021,10/03/2021\nK2,2021-03-25,2021-02-05\n"   # K2: a long gap that no swap explains
    run_json("import", "cases", write(tmp_path / "us.csv", "id,confirmed,onset\n" + body), "--date-order", "dmy")
    flagged = {f["ids"][0] for f in run_json("check") if f["check"] == "date_order"}

    def stored(m, d):   # read day first: dd/mm of the text "mm/dd"
        return dt.date(2021, d, m)

    def expected(i):
        if i not in ("U1", "U2", "U3"):
            return False
        (cm, cd), (om, od) = pairs[i]
        gap = (stored(cm, cd) - stored(om, od)).days
        true_gap = (dt.date(2021, cm, cd) - dt.date(2021, om, od)).days
        return gap > LONG_GAP_DAYS and 0 <= true_gap <= PLAUSIBLE_GAP_DAYS

    assert flagged == {i for i in list(pairs) + ["K2"] if expected(i)} == {"U1", "U2", "U3"}


# ------------------------------------------------------------------ F15: a corrected file drops a source
def test_a_corrected_line_list_replaces_the_sources_it_names_and_says_so(tmp_path, run_json, db_path):
    first = {"R3": ["R1", "R2"], "R4": ["R1", "IMPORT"], "R5": ["R1"]}
    fixed = {"R3": ["R2"], "R4": ["R2"], "R5": []}          # R5's cell left blank: keeps what it had
    head = "id,confirmed,source\nR1,2021-05-10,\nR2,2021-05-11,\n"

    def body(sources):
        return head + "".join(f'{c},2021-05-14,"{", ".join(s)}"\n' for c, s in sources.items())

    run_json("import", "cases", write(tmp_path / "v1.csv", body(first)))
    s = run_json("import", "cases", write(tmp_path / "v2.csv", body(fixed)))
    ids = {"R1", "R2"}
    want = {c: (fixed[c] or first[c]) for c in first}
    links = {c: sorted(x for x in v if x in ids) for c, v in want.items()}
    labels = {c: sorted(x for x in v if x not in ids) for c, v in want.items()}
    assert {c: sorted(s for cc, s in rows(db_path, "SELECT case_id, source FROM case_sources") if cc == c)
            for c in first} == links
    assert {c: sorted(lb for cc, lb in rows(db_path, "SELECT case_id, label FROM case_labels") if cc == c)
            for c in first} == labels
    said = {(c["id"], c["field"], c["old"], c["new"]) for c in s["changes"] if c["field"] in ("sources", "labels")}
    expected = set()
    for c in first:
        for field, ok in (("sources", lambda x: x in ids), ("labels", lambda x: x not in ids)):
            old, new = sorted(filter(ok, first[c])), sorted(filter(ok, want[c]))
            if set(old) - set(new):
                expected.add((c, field, ";".join(old), ";".join(new) or None))
    assert said == expected
    assert run_json("status", "R3")["sources"] == ["R2"]


# ------------------------------------------------------------------ F17: real columns named line and reason
def test_columns_named_line_and_reason_are_data_unless_the_file_is_a_rejected_file(tmp_path, run_json, db_path):
    table = [["line", "id", "confirmed", "reason"], ["Bus 03", "R1", "2021-05-20", "travel"],
             ["Bus 07", "R2", "2021-05-21", "contact"]]
    text = "".join(",".join(r) + "\n" for r in table)
    s = run_json("import", "cases", write(tmp_path / "rs2.csv", text))
    assert s["ignored_columns"] == [] and s["extras"] == ["line", "reason"]
    import json
    stored = {pid: json.loads(x) for pid, x in rows(db_path, "SELECT person, extra FROM cases")}
    assert stored == {r[1]: {"line": r[0], "reason": r[3]} for r in table[1:]}
    # the same header in a file named as --skip-invalid names its rejected files: bookkeeping, ignored
    s = run_json("import", "cases", write(tmp_path / "x.csv.rejected.csv", text.replace("R1", "R9").replace("R2", "R8")))
    assert s["ignored_columns"] == ["line", "reason"] and s["extras"] == []


# ------------------------------------------------------------------ F18: ids written with words or signs around
def test_an_id_with_a_bracket_a_full_stop_a_note_or_a_word_before_it_is_that_id(tmp_path, run_json, db_path):
    written = {"BN2": ("BN1.", "BN1"), "BN3": ("(BN1)", "BN1"), "BN4": ("bệnh nhân BN1", "BN1"),
               "BN5": ("BN 7 (vợ)", "BN7"), "BN6": ("patient 7", "BN7"), "BN8": ("UK", None),
               "BN9": ("(Công ty A)", None)}
    body = "BN1,20/05/2021,\nBN7,20/05/2021,\n" + "".join(f'{c},21/05/2021,"{w}"\n' for c, (w, _) in written.items())
    s = run_json("import", "cases", write(tmp_path / "pu.csv", "Mã BN,Ngày dương tính,Nguồn lây\n" + body))
    links = {(c, i) for c, (_w, i) in written.items() if i}
    labels = {(c, w) for c, (w, i) in written.items() if not i}
    assert set(rows(db_path, "SELECT case_id, source FROM case_sources")) == links
    assert set(rows(db_path, "SELECT case_id, label FROM case_labels")) == labels
    # said, with what was written
    assert s["sources"]["read_as"] == len(links)
    assert s["sources"]["unknown_source_persons"] == 0


def test_the_kcdc_header_infected_by_is_the_source(tmp_path, run_json, db_path):
    text = "patient_id,confirmed_date,infected_by\n1000000001,2020-01-23,\n1000000002,2020-01-30,1000000001\n"
    s = run_json("import", "cases", write(tmp_path / "kr.csv", text))
    assert s["mapping"]["source"] == "infected_by"
    assert rows(db_path, "SELECT case_id, source FROM case_sources") == [("1000000002", "1000000001")]


# issue 13 leftover 4: what people write around ids (a level, a field name with a colon, a slash between ids)
AROUND = {"F1 của {}": 1, "nguồn: {}": 1, "Nguồn lây:{}": 1, "tiếp xúc với {}": 1, "contact of {}": 1,
          "{}/{}": 2, "{} / {}": 2}


def test_ids_written_inside_a_level_a_field_name_or_joined_by_a_slash_are_those_ids(tmp_path, run_json, db_path):
    ids = ["BN7", "BN8", "BN31"]
    cells, links = {}, set()
    for n, (pattern, k) in enumerate(AROUND.items()):
        named = ids[:k] if k > 1 else [ids[n % len(ids)]]
        case = f"BN{100 + n}"
        cells[case] = pattern.format(*named)
        links |= {(case, i) for i in named}
    # labels: no id of the file inside (a real name with và/and, a slash between words, an unknown number)
    kept = {"BN200": "Công ty TNHH Sản xuất và Thương mại Hải Nam", "BN201": "Bar and Grill Buddha",
            "BN202": "Bar/Grill", "BN203": "F1 của chợ Bình Điền"}
    cells.update(kept)
    # an id of the file inside any text names it (critic13 F2: "every time"), beside a word too
    cells["BN204"] = "BN7/Bar"
    links.add(("BN204", "BN7"))
    body = "".join(f"{i},20/05/2021,\n" for i in ids) + "".join(
        f'{c},21/05/2021,"{w}"\n' for c, w in cells.items())
    s = run_json("import", "cases", write(tmp_path / "around.csv", "Mã BN,Ngày dương tính,Nguồn lây\n" + body))
    assert set(rows(db_path, "SELECT case_id, source FROM case_sources")) == links
    assert set(rows(db_path, "SELECT case_id, label FROM case_labels")) == set(kept.items())
    # said in the summary: each cell read so (the slash ones with every id), none made a person
    assert s["sources"]["read_as"] == len(AROUND) + 1
    assert s["sources"]["unknown_source_persons"] == 0
    assert s["sources"]["links"] == len(links)


def test_a_label_naming_an_id_inside_words_becomes_a_link_when_the_id_arrives(tmp_path, run, db_path):
    run("import", "cases", write(tmp_path / "b.csv", "id,confirmed,source\nBN2,2021-05-21,F1 của BN1\n"))
    assert rows(db_path, "SELECT case_id, label FROM case_labels") == [("BN2", "F1 của BN1")]
    run("import", "cases", write(tmp_path / "a.csv", "id,confirmed\nBN1,2021-05-20\n"))
    assert rows(db_path, "SELECT case_id, source FROM case_sources") == [("BN2", "BN1")]
    assert rows(db_path, "SELECT case_id, label FROM case_labels") == []

# issue 13 leftover 8: a blank source cell (or no source column) keeps sources recorded elsewhere
def test_a_blank_source_cell_keeps_sources_from_another_file_or_case_link(tmp_path, run, run_json, db_path):
    run("import", "cases", write(tmp_path / "a.csv", "id,confirmed,source\nR1,2021-05-10,\nR2,2021-05-11,\n"
                                                     "R3,2021-05-14,R1\n"))
    run("case", "link", "R3", "--source", "R2")   # found later, typed in
    kept = sorted(s for (s,) in rows(db_path, "SELECT source FROM case_sources WHERE case_id = 'R3'"))
    assert kept == ["R1", "R2"]
    for name, text in (("blank.csv", "id,confirmed,onset,source\nR3,2021-05-14,2021-05-12,\n"),
                       ("nosource.csv", "id,confirmed,onset\nR3,2021-05-14,2021-05-13\n")):
        s = run_json("import", "cases", write(tmp_path / name, text))
        assert sorted(s for (s,) in rows(db_path, "SELECT source FROM case_sources WHERE case_id = 'R3'")) == kept
        assert not [c for c in s["changes"] if c["field"] in ("sources", "labels")]
        # said when the file has a source column (a blank cell), not when it has none
        assert s.get("sources_kept", []) == ([{"line": 2, "id": "R3", "kept": ";".join(kept)}]
                                             if name == "blank.csv" else [])
    # a row naming sources is the user saying which: the others go, each drop listed
    s = run_json("import", "cases", write(tmp_path / "fix.csv", "id,confirmed,source\nR3,2021-05-14,R2\n"))
    assert rows(db_path, "SELECT source FROM case_sources WHERE case_id = 'R3'") == [("R2",)]
    assert [(c["field"], c["old"], c["new"]) for c in s["changes"] if c["field"] == "sources"] == [
        ("sources", ";".join(kept), "R2")]
