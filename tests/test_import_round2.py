"""Issue 13, second tester round (critic13): labels kept as written, the tool's own
export imports back, a label is a known source, footer rows, cases dated by any date,
ids written as floats or with thousands separators, one id normalisation for every kind.
Each on a small file through the real CLI; expected values follow from the rules."""

from __future__ import annotations

import csv

from tests.test_import_linelists import rows, stored_values, write


# ------------------------------------------------------------------ labels as written (point 1)
def test_a_cell_is_cut_only_around_ids(tmp_path, run, run_json, db_path):
    names = ["Công ty TNHH Sản xuất và Thương mại Hải Nam", "Khu công nghiệp Quế Võ, Bắc Ninh",
             "Bar and Grill Buddha"]
    text = "Mã BN,Ngày dương tính,Nguồn lây\nBN0,19/05/2021,\n"
    text += "".join(f'BN{i},2{i}/05/2021,"{n}"\n' for i, n in enumerate(names, 1))
    # ids on both sides of a soft separator are cut there; the rest stays one label
    text += f'BN4,24/05/2021,"BN0 và {names[0]}"\nBN5,25/05/2021,"{names[2]}, BN1 và BN0; IMPORT"\n'
    s = run_json("import", "cases", write(tmp_path / "va.csv", text))
    labels = rows(db_path, "SELECT case_id, label FROM case_labels ORDER BY 1, 2")
    assert labels == sorted([("BN1", names[0]), ("BN2", names[1]), ("BN3", names[2]), ("BN4", names[0]),
                             ("BN5", "IMPORT"), ("BN5", names[2])])
    assert rows(db_path, "SELECT case_id, source FROM case_sources ORDER BY 1, 2") == [
        ("BN4", "BN0"), ("BN5", "BN0"), ("BN5", "BN1")]
    assert s["sources"]["labels"] == len(labels) and s["sources"]["links"] == 3
    assert run_json("status", "BN1")["case"]["labels"] == [names[0]]
    # the export writes the labels back as one cell each, and they import back as they were
    out = tmp_path / "out"
    run("export", "csv", out)
    with open(out / "cases.csv", encoding="utf-8-sig") as fh:
        cells = {r["id"]: r["source"] for r in csv.DictReader(fh)}
    assert cells["BN2"] == names[1] and cells["BN4"] == f"BN0;{names[0]}"
    again = tmp_path / "again.db"
    run("--db", again, "import", "cases", out / "cases.csv")
    assert rows(again, "SELECT case_id, label FROM case_labels ORDER BY 1, 2") == labels


# ------------------------------------------------------------------ the tool's own export imports back (point 9)
def test_export_with_field_like_extra_columns_imports_back(tmp_path, run, db_path):
    # extra columns whose headers also mean a field (Phường/xã: ward; Ngày lấy mẫu: confirmed), kept as
    # extras because --column picked the other header
    run("import", "cases", write(tmp_path / "w.csv",
                                 "Mã BN,Ngày lấy mẫu,Ngày dương tính,Phường,Phường/xã,SĐT,Điện thoại người nhà\n"
                                 "BN1,18/05/2021,20/05/2021,Bồ Đề,Gia Thụy,0912345678,0987654321\n"
                                 "BN2,19/05/2021,21/05/2021,Bồ Đề,,,\n"),
        "--column", "ward=Phường", "--column", "phone=SĐT", "--column", "confirmed=Ngày dương tính")
    first = stored_values(db_path)
    assert {r[0]: r for r in first["persons"]}["BN1"].count("Bồ Đề") == 1
    out, again = tmp_path / "out", tmp_path / "again.db"
    run("export", "csv", out)
    for kind in ("persons", "contacts", "cases"):
        run("--db", again, "import", kind, out / f"{kind}.csv")
    assert stored_values(again) == first
    out2 = tmp_path / "out2"
    run("--db", again, "export", "csv", out2)
    for name in ("persons.csv", "cases.csv", "contacts.csv"):
        assert (out2 / name).read_bytes() == (out / name).read_bytes()
    # an export edited by hand (no longer the file its manifest lists) is still laid out as the tool
    # wrote it: its later columns stay extras
    from tracing.exporter import MANIFEST
    (out / MANIFEST).unlink()
    third = tmp_path / "third.db"
    run("--db", third, "import", "cases", out / "cases.csv")
    extra = rows(third, "SELECT extra FROM cases WHERE person = 'BN1'")[0][0]
    assert rows(third, "SELECT ward FROM persons") == [(None,), (None,)]
    assert extra == rows(db_path, "SELECT extra FROM cases WHERE person = 'BN1'")[0][0]


# ------------------------------------------------------------------ a label is a known source (PA2)
def test_a_case_whose_source_is_a_label_has_a_known_source(tmp_path, run, run_json, monkeypatch):
    from tracing.sources import names_a_source

    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    cells = {"L1": "", "L2": "GB", "L3": "IMPORT", "L4": "F0 nhập cảnh", "L5": "L1", "L6": "Không rõ nguồn",
             "L7": "chưa xác định"}
    text = "id,confirmed,source\n" + "".join(f"{c},2021-06-0{i},{s}\n" for i, (c, s) in enumerate(cells.items(), 1))
    run("import", "cases", write(tmp_path / "k.csv", text))
    # PA2 (DOMAIN.md): no known source = no link and no label naming where the case was caught
    expected = {c for c, s in cells.items() if not s or (s not in cells and not names_a_source(s))}
    assert expected == {"L1", "L6", "L7"}
    flagged = {c for c in cells if "unknown_source" in run_json("status", c)["flags"]}
    assert flagged == expected
    report = run_json("report", "--from", "2021-06-01", "--to", "2021-06-30", "--format", "json")
    assert report["unknown_source"] == len(expected)
    out = tmp_path / "epi"
    run("export", "epicontacts", out)
    with open(out / "linelist.csv", encoding="utf-8") as fh:
        linelist = {r["id"]: r["unknown_source"] for r in csv.DictReader(fh)}
    assert {c for c, v in linelist.items() if v == "true"} == expected
    for cluster in run_json("clusters"):  # L1 <- L5
        shown = run_json("cluster", "show", cluster["id"])
        assert set(shown["unknown_source"]) == expected & set(shown["cases"]) == {"L1"}


# ------------------------------------------------------------------ footer rows are no records (points 6, 7)
FOOTERS = ["Tổng cộng: 3 ca,,", "Người lập biểu,,Giám đốc", "Ngày 22 tháng 5 năm 2021,,"]


def test_total_and_signature_rows_are_listed_not_imported(tmp_path, run, run_json, db_path):
    data = ["BN1,20/05/2021,Bồ Đề", "BN2,21/05/2021,Bồ Đề", "", "BN3,22/05/2021,Gia Thụy", ",,"]
    lines = ["Mã BN,Ngày dương tính,Phường", *data, *FOOTERS]
    s = run_json("import", "cases", write(tmp_path / "foot.csv", "\n".join(lines) + "\n"))
    records = [x for x in data if x.strip(",")]
    footer_lines = [i for i, x in enumerate(lines, 1) if x in FOOTERS]
    assert [f["line"] for f in s["footer_rows"]] == footer_lines
    assert s["footer_rows"][1]["text"] == "Người lập biểu | Giám đốc"
    assert s["written"]["cases"] == len(records) and s["undated_cases"] == 0
    assert rows(db_path, "SELECT id FROM persons ORDER BY id") == [(x.split(",")[0],) for x in records]
    # said to people too, with the line
    out = run("import", "cases", tmp_path / "foot.csv").output
    assert f"line {footer_lines[0]}: Tổng cộng: 3 ca" in out
    # every kind: a populations file's total is no area, a contacts file's total no person
    s = run_json("import", "populations", write(tmp_path / "pop.csv", "area,population\nBồ Đề,30000\n"
                                                                      "Gia Thụy,20000\nTổng cộng,50000\n"))
    assert s["written"]["populations"] == 2 and [f["line"] for f in s["footer_rows"]] == [4]
    s = run_json("import", "contacts", write(tmp_path / "c.csv", "from,to,date\nBN1,P1,2021-05-19\n"
                                                                 "Total,2,\n"))
    assert s["written"]["contacts"] == 1 and [f["line"] for f in s["footer_rows"]] == [3]
    assert rows(db_path, "SELECT count(*) FROM persons WHERE id = 'Total'") == [(0,)]


# ------------------------------------------------------------------ a case is dated by any of its dates (3, 7)
def test_a_case_with_only_an_onset_is_dated(tmp_path, run, run_json, monkeypatch):
    # 1861 measles: onsets only (month first), plus one case with no date at all
    onsets = {"M1": "1861-03-14", "M2": "1861-03-28", "M3": "1861-04-02"}
    text = "id,onset,confirmed,source\nM1,3/14/1861,,\nM2,3/28/1861,,M1\nM3,4/2/1861,,M2\nM4,,,\n"
    run("rules", "set", "case.earliest_date", "1800-01-01", "--from", "2020-01-01")
    s = run_json("import", "cases", write(tmp_path / "measles.csv", text))
    undated = {"M4"}  # the rule: undated = neither a confirmation nor an onset
    assert s["undated_cases"] == len(undated)
    monkeypatch.setenv("TRACING_TODAY", "1861-12-31")
    flagged = {c for c in [*onsets, "M4"] if "undated_case" in run_json("status", c)["flags"]}
    assert flagged == undated
    [cluster] = run_json("clusters")
    assert cluster["first"] == min(onsets.values()) and cluster["last"] == max(onsets.values())
    # over focus.over_days after the last case's day (its isolation defaults to it)
    import datetime as dt

    from tracing.rules import Rules
    days = int(Rules.defaults().at("focus.over_days", max(onsets.values())))
    over = (dt.date.fromisoformat(max(onsets.values())) + dt.timedelta(days=days)).isoformat()
    assert cluster["focus"] == "over" and cluster["focus_over_from"] == over
    report = run_json("report", "--from", "1861-03-01", "--to", "1861-03-31", "--format", "json")
    assert report["new_cases"] == sum(d <= "1861-03-31" for d in onsets.values())
    assert report["undated_cases"] == len(undated)
    checks = run_json("check")
    assert sorted(c["ids"][0] for c in checks if c["check"] == "undated_case") == sorted(undated)


# ------------------------------------------------------------------ ids written as floats / with separators (1)
def test_float_written_ids_and_thousands_separators_match_the_files_ids(tmp_path, run_json, db_path):
    import json

    from tracing.sources import id_key

    # pandas writes an int column with blanks as floats: 1000000001.0 (CSV text, JSON number)
    ids = ["1000000001", "1000000002", "1000000003"]
    csv_text = "patient_id,confirmed_date,infected_by\n" + f"{ids[0]},2020-01-23,\n" + \
        "".join(f"{i},2020-01-30,{ids[0]}.0\n" for i in ids[1:])
    records = [{"patient_id": int(ids[0]), "confirmed_date": "2020-01-23", "infected_by": None}] + \
        [{"patient_id": int(i), "confirmed_date": "2020-01-30", "infected_by": float(ids[0])} for i in ids[1:]]
    for name, text in (("kc.csv", csv_text), ("kr.json", json.dumps(records))):
        db = tmp_path / f"{name}.db"
        from cli.main import cli
        from click.testing import CliRunner
        out = CliRunner().invoke(cli, ["--db", str(db), "import", "cases", str(write(tmp_path / name, text)),
                                       "--column", "source=infected_by", "--format", "json"])
        assert out.exit_code == 0, out.output
        s = json.loads(out.stdout)
        assert s["sources"]["links"] == len(ids) - 1 and s["sources"]["labels"] == 0
        assert rows(db, "SELECT id FROM persons ORDER BY id") == [(i,) for i in ids]  # no '1000000001.0'
        assert rows(db, "SELECT DISTINCT source FROM case_sources") == [(ids[0],)]
    # a thousands separator (BN2.899 in bulletins, BN2,900): the file's id, never persons BN2 and BN900
    text = "Mã BN,Ngày dương tính,Nguồn lây\nBN2899,01/05/2021,\nBN2900,02/05/2021,BN2.899\n" \
           'BN2901,02/05/2021,"BN 2.899, BN2,900"\nBN101,02/05/2021,\nBN102,02/05/2021,"BN101,BN2899"\n'
    s = run_json("import", "cases", write(tmp_path / "dot.csv", text))
    written = {"BN2.899": "BN2899", "BN 2.899": "BN2899", "BN2,900": "BN2900"}
    assert all(id_key(k) == id_key(v) for k, v in written.items())
    assert rows(db_path, "SELECT case_id, source FROM case_sources ORDER BY 1, 2") == [
        ("BN102", "BN101"), ("BN102", "BN2899"), ("BN2900", "BN2899"), ("BN2901", "BN2899"), ("BN2901", "BN2900")]
    assert rows(db_path, "SELECT count(*) FROM persons") == [(5,)] and s["sources"]["labels"] == 0
    assert dict(map(tuple, s["sources"]["normalised_examples"])) == written  # reported


# ------------------------------------------------------------------ one id normalisation for every kind
def test_ids_of_every_import_kind_are_matched_like_source_ids(tmp_path, run, run_json, db_path, monkeypatch):
    from tracing.sources import id_key

    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")
    run("import", "cases", write(tmp_path / "c.csv", "id,confirmed,source\nBN1,20/05/2021,\nBN2,24/05/2021,BN1\n"
                                                     "BN3,24/05/2021,\n"))
    contacts = [("BN 1", "P1", "21/05/2021"), ("BN03", "P1", "22/05/2021"), ("#3", "P2", "22/05/2021"),
                ("bn1", "P3", "19/05/2021")]
    s = run_json("import", "contacts", write(tmp_path / "k.csv", "from,to,date\n" + "".join(
        ",".join(r) + "\n" for r in contacts)))
    cases = {"BN1", "BN2", "BN3"}
    # the rule: a written id is the stored case with its id_key (a bare #3 takes the one prefix, BN)
    meant = {w: next(c for c in cases if id_key(c) in (id_key(w), "BN" + id_key(w))) for w, _t, _d in contacts}
    assert dict(map(tuple, s["ids_normalised"]["examples"])) == meant
    assert s["written"]["persons"] == len({t for _w, t, _d in contacts})  # P1, P2, P3 only
    assert rows(db_path, "SELECT id FROM persons ORDER BY id") == [(i,) for i in sorted(cases | {"P1", "P2", "P3"})]
    for _w, to, _d in contacts:
        assert run_json("status", to)["level"] == "F1"
    # a persons file and a check-ins file: the same normalisation
    s = run_json("import", "persons", write(tmp_path / "p.csv", "id,name\nbn02,Nguyễn Văn Hai\n"))
    assert s["ids_normalised"]["examples"] == [["bn02", "BN2"]]
    assert rows(db_path, "SELECT name FROM persons WHERE id = 'BN2'") == [("Nguyễn Văn Hai",)]
    s = run_json("import", "checkins", write(tmp_path / "q.csv", "person,place,at\nBN 2,Chợ Long Biên,"
                                                                 "2021-05-20T08:00\n"))
    assert s["ids_normalised"]["examples"] == [["BN 2", "BN2"]]
    assert rows(db_path, "SELECT person FROM checkins") == [("BN2",)]


def test_a_label_kept_whole_gives_up_the_id_that_arrives_later(tmp_path, run_json, db_path):
    # K9 has not the shape of the file's ids (A…): the cell is one label, then K9 arrives (point 2)
    run_json("import", "cases", write(tmp_path / "a.csv", "id,confirmed,source\nA1,2021-05-01,K9 và gia đình\n"
                                                          'A2,2021-05-02,"Công ty X, Bắc Ninh"\n'))
    s = run_json("import", "cases", write(tmp_path / "k.csv", "id,confirmed\nK9,2021-04-30\n"))
    assert s["labels_linked"] == [["A1", "K9"]]
    assert rows(db_path, "SELECT case_id, source FROM case_sources") == [("A1", "K9")]
    assert rows(db_path, "SELECT case_id, label FROM case_labels ORDER BY 1") == [
        ("A1", "gia đình"), ("A2", "Công ty X, Bắc Ninh")]
