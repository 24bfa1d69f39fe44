"""Issue 13, the tester critic13's last findings (F16 items, F14), taken by
h13last: each through the CLI on a small file made for it, on both stores;
expected values come from the rules and the file, not from a run."""

from __future__ import annotations

import datetime as dt

from tests.test_import_critic13c import write
from tracing.rules import Rules

# ------------------------------------------------------------------ F16 (a): an 1861 line list
# Hagelloch measles, 1861 (onset dates and sources as in the published line list's shape)
HAGELLOCH = {"184": ("1861-10-30", ""), "185": ("1861-11-05", "184"), "186": ("1861-11-06", "184"),
             "187": ("1861-11-12", "185")}


def _hagelloch(tmp_path):
    rows = "".join(f"{i},{onset},{src}\n" for i, (onset, src) in HAGELLOCH.items())
    return write(tmp_path / "hagelloch.csv", "id,onset,source\n" + rows)


def _earliest() -> str:
    return str(Rules.defaults().at("case.earliest_date", None))


def test_an_1861_line_list_imports_with_its_tree_and_cluster_without_a_rule_change(tmp_path, run, run_json):
    result = run("import", "cases", _hagelloch(tmp_path))
    earliest = _earliest()
    assert all(onset < earliest for onset, _s in HAGELLOCH.values())
    assert (f"{len(HAGELLOCH)} cases dated before {earliest}, the earliest plausible case date "
            "(rule case.earliest_date), from line 2") in result.output
    assert "historical line list and kept" in result.output
    # the rule is unchanged: still the default, in force from its date
    shown = [r for r in run_json("rules", "show") if r["key"] == "case.earliest_date"]
    assert [r["value"] for r in shown] == [earliest]
    # the tree dates each case by its onset (no confirmation, no exposure date)
    tree = run("tree", "184").output.splitlines()
    assert tree[0] == f"184 · F0 · onset {HAGELLOCH['184'][0]}"
    for i, (onset, _s) in HAGELLOCH.items():
        assert any(line.endswith(f"{i} · F0 · onset {onset}") for line in tree), i
    assert "undated" not in "\n".join(tree)
    kids = run_json("tree", "184")["children"]
    assert sorted(k["id"] for k in kids) == sorted(i for i, (_o, s) in HAGELLOCH.items() if s == "184")
    assert {k["id"]: k["onset"] for k in kids} == {k["id"]: HAGELLOCH[k["id"]][0] for k in kids}
    # one cluster of the four, dated by their onsets
    [cluster] = run_json("clusters")
    assert sorted(cluster["cases"]) == sorted(HAGELLOCH)
    onsets = sorted(o for o, _s in HAGELLOCH.values())
    assert (cluster["first"], cluster["last"], cluster["roots"]) == (onsets[0], onsets[-1], ["184"])


def test_levels_of_an_1861_outbreak_follow_the_earliest_rules(tmp_path, run, run_json):
    """Before any rule's effective date the earliest value applies: a contact
    inside 184's infectious window (window.infectious_before_days before its
    onset) is an F1 (no close-contact test then); one before it is nothing."""
    run("import", "cases", _hagelloch(tmp_path))
    rules = Rules.defaults()
    onset = dt.date.fromisoformat(HAGELLOCH["184"][0])
    start = onset - dt.timedelta(days=rules.at("window.infectious_before_days", onset))
    assert rules.at("f1.close_contact_required", onset) is False
    inside, before = start, start - dt.timedelta(days=1)
    run("import", "contacts", write(tmp_path / "c.csv", f"from,to,date\n184,P9,{inside}\n184,P8,{before}\n"))
    assert run_json("status", "P9")["level"] == "F1"
    assert run_json("status", "P8")["level"] is None


def test_an_old_date_in_a_file_of_recent_dates_is_still_refused(tmp_path, run, run_json):
    earliest = _earliest()
    run("init")
    for text in ("id,confirmed,source\nA1,2021-05-03,\nA2,1900-01-02,A1\n",   # old after recent
                 "id,confirmed,source\nA2,1900-01-02,\nA1,2021-05-03,A2\n"):  # old before recent
        f = write(tmp_path / "mix.csv", text)
        result = run("import", "cases", f, ok=False)
        line = 1 + text.splitlines().index(next(r for r in text.splitlines() if "1900" in r))
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert f"mix.csv line {line}, field confirmed: 1900-01-02 is before {earliest}" in result.output
        assert run_json("list") == []
    result = run("import", "cases", f, "--skip-invalid")
    assert "1 rows rejected" in result.output
    assert [p["id"] for p in run_json("list", "--level", "F0")] == ["A1"]


# ------------------------------------------------------------------ F16 (b): a form's row of column numbers
FORM = ("Mã BN,Họ tên,Ngày lấy mẫu,Khởi phát,Nguồn lây\n"
        "{numbers}\n"
        "BN1,An,03/05/2021,01/05/2021,\n"
        "BN2,Bình,06/05/2021,,BN1\n")


def test_a_row_of_column_numbers_under_the_header_is_skipped_and_said(tmp_path, run, run_json):
    numbers = ",".join(f"({i})" for i in range(1, 6))
    f = write(tmp_path / "form.csv", FORM.format(numbers=numbers))
    result = run("import", "cases", f, "--column", "id=Mã BN")
    assert f"Row of column numbers skipped (not a record), line 2: {numbers.replace(',', ' | ')}" in result.output
    assert sorted(p["id"] for p in run_json("list", "--level", "F0")) == ["BN1", "BN2"]
    assert run_json("status", "BN2")["sources"] == ["BN1"]
    summary = run_json("import", "cases", f, "--column", "id=Mã BN", "--dry-run")
    assert summary["rows"] == 2 and summary["column_numbers_row"]["line"] == 2
    vi = run("--lang", "vi", "import", "cases", f, "--column", "id=Mã BN", "--dry-run")
    assert "Bỏ qua dòng đánh số cột (không phải bản ghi), dòng 2" in vi.output


def test_a_workbook_form_with_a_title_and_column_numbers_imports(tmp_path, run, run_json):
    from tests.test_import_critic13c import write_xlsx

    rows = [r.split(",") for r in FORM.format(numbers="1,2,3,4,5").splitlines()]
    rows[1] = [1, 2, 3, 4, 5]  # numbers typed as numbers in the workbook
    f = write_xlsx(tmp_path / "form.xlsx", [["DANH SÁCH CA BỆNH"], *rows])
    result = run("import", "cases", f, "--column", "id=Mã BN")
    assert "Row of column numbers skipped (not a record), line 3: 1 | 2 | 3 | 4 | 5" in result.output
    assert sorted(p["id"] for p in run_json("list", "--level", "F0")) == ["BN1", "BN2"]


def test_a_first_record_of_small_numbers_is_a_record(tmp_path, run, run_json):
    """Bare numbers under the header are a record (person 1 met person 2 for
    3 minutes) unless they number four columns or more, 1, 2, 3, 4…"""
    f = write(tmp_path / "n.csv", "from,to,minutes\n1,2,3\n2,3,4\n")
    summary = run_json("import", "contacts", f)
    assert summary["column_numbers_row"] is None and summary["rows"] == 2
    assert summary["written"]["contacts"] == 2


# ------------------------------------------------------------------ F16 (d): person add bn9 when BN9 is stored
SOURCE_ONLY = "id,confirmed,source\nBN10,2021-05-03,BN9\nBN11,2021-05-04,\n"


def test_adding_an_id_written_another_way_says_the_stored_one_is_now_it(tmp_path, run, run_json):
    run("import", "cases", write(tmp_path / "d.csv", SOURCE_ONLY))
    assert run_json("status", "BN10")["sources"] == ["BN9"]
    result = run("person", "add", "--id", "bn9", "--name", "Lan")
    said = ("bn9 is the same id as BN9 written another way (BN9: no name, stored as the source of BN10): "
            "BN9 is now bn9, its links kept")
    assert said in result.output and "kept as text" not in result.output
    assert run_json("status", "BN10")["sources"] == ["bn9"]
    assert run_json("person", "show", "bn9")["name"] == "Lan"
    assert run("person", "show", "BN9", ok=False).exit_code == 1


def test_importing_an_id_written_another_way_says_it_too(tmp_path, run, run_json):
    run("import", "cases", write(tmp_path / "d.csv", SOURCE_ONLY))
    summary = run_json("import", "persons", write(tmp_path / "p.csv", "id,name\nbn9,Lan\n"))
    assert summary["ids_adopted"] == [{"written": "BN9", "id": "bn9", "cases": ["BN10"]}]
    assert summary["labels_linked"] == []  # BN9 was a person, not a label
    shown = run("--lang", "vi", "import", "persons", write(tmp_path / "p2.csv", "id,name\nbn9,Lan\n")).output
    assert "viết cách khác" not in shown  # nothing adopted twice
    assert run_json("status", "BN10")["sources"] == ["bn9"]


# ------------------------------------------------------------------ F14: an epicontacts export is not read back
CASES = ("id,confirmed,onset,source,Nghề nghiệp\nBN1,2021-05-03,2021-05-01,,bán hàng\nBN2,2021-05-06,,BN1,học sinh\n"
         "BN3,2021-05-07,,UK,\nBN4,2021-05-08,,BN 9,\n")
CONTACTS = "from,to,date,setting\nBN1,BN2,2021-05-02,household\nBN1,P7,2021-05-02,venue\n"


def test_an_epicontacts_export_imported_back_is_refused_with_the_way_that_works(tmp_path, run, run_json, db_path,
                                                                                 monkeypatch):
    run("import", "cases", write(tmp_path / "c.csv", CASES))
    run("import", "contacts", write(tmp_path / "t.csv", CONTACTS))
    clusters = run_json("clusters")
    run("export", "epicontacts", tmp_path / "ep")
    run("export", "csv", tmp_path / "all")
    new = tmp_path / "r2.db"
    for name, kind in (("linelist.csv", "cases"), ("contacts.csv", "contacts"), ("linelist.csv", "persons")):
        result = run("--db", new, "import", kind, tmp_path / "ep" / name, ok=None)
        assert result.exit_code == 1 and "Traceback" not in result.output
        assert "is a file of `tracing export epicontacts`" in result.output
        assert "`tracing export csv DIR` and import its persons.csv, contacts.csv, cases.csv" in result.output
        assert not new.exists()  # nothing written, no database made
    # saved again (in Excel, a row added): changed since the export, still known by its columns
    for name, kind in (("linelist.csv", "cases"), ("contacts.csv", "contacts")):
        edited = tmp_path / name
        edited.write_bytes((tmp_path / "ep" / name).read_bytes() + b"\n")
        result = run("--db", new, "import", kind, edited, ok=None)
        assert result.exit_code == 1 and "is a file of `tracing export epicontacts`" in result.output
        assert not new.exists()
    # the way it names gives back the same clusters
    for kind in ("persons", "contacts", "cases"):
        run("--db", new, "import", kind, tmp_path / "all" / f"{kind}.csv")
    assert run_json("--db", new, "clusters") == clusters
    assert run_json("--db", new, "status", "P7")["level"] == run_json("status", "P7")["level"] == "F1"
