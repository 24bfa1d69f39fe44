"""Issue 13 faults found by the tester critic13c (F2, F7–F10, F12, F13): each
one reproduced with a small file through the CLI, for every import kind and
format it can happen in; expected values come from the rules, not from a run."""

from __future__ import annotations

import csv
import json

import pytest

from tests.conftest import db_rows
from tracing.sources import names_a_source


def write(path, text, encoding="utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(path, rows):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# ------------------------------------------------------------------ F8
def test_no_contacts_is_not_reported_for_a_case_whose_source_is_a_label(tmp_path, run, run_json):
    labels = {"L1": "IMPORT", "L2": "Chợ Long Biên", "L3": "F0 nhập cảnh", "L4": "", "L5": "không rõ nguồn",
              "L6": "cộng đồng"}
    f = write(tmp_path / "k.csv", "id,confirmed,source\n" +
              "".join(f"{i},2021-06-01,{label}\n" for i, label in labels.items()))
    run("import", "cases", f)
    found = {x["ids"][0] for x in run_json("check") if x["check"] == "no_contacts"}
    # a label that names where the case was infected is a known source; "unknown"/"the community" is none
    assert found == {i for i, label in labels.items() if not label or not names_a_source(label)}
    assert found == {"L4", "L5", "L6"}


# ------------------------------------------------------------------ F13
HEADERS = {"cases": ["Mã BN", "Ngày xác nhận", "Nguồn"], "persons": ["Mã BN", "Họ tên", "Phường"],
           "contacts": ["Từ", "Đến", "Ngày"]}
DATA = {"cases": ["BN1", "2021-06-01", ""], "persons": ["BN1", "An", "Bồ Đề"],
        "contacts": ["BN1", "BN2", "2021-06-01"]}
TITLES = [["DANH SÁCH CA BỆNH"], ["Quận Long Biên, ngày 02/06/2021"]]


@pytest.mark.parametrize("kind", sorted(HEADERS))
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("given", [False, True])
def test_a_column_option_naming_no_header_names_the_real_header_line(tmp_path, run, db_path, kind, fmt, given):
    rows = [*TITLES, [], HEADERS[kind], DATA[kind]]
    line = len(TITLES) + 2  # two title rows, a blank row, then the header: line 4 of the file
    if fmt == "csv":
        f = write(tmp_path / "k.csv", "".join(",".join(r) + "\n" for r in rows))
    else:
        f = write_xlsx(tmp_path / "k.xlsx", rows)
    field = "from" if kind == "contacts" else "id"
    args = ["import", kind, f, "--column", f"{field}=Mã ca"] + (["--header-row", line] if given else [])
    r = run(*args, ok=None)
    assert r.exit_code == 1 and "Traceback" not in r.output
    listed = ", ".join(f"'{h}'" for h in HEADERS[kind])
    assert f"{f.name}, line {line}: no header 'Mã ca' for {field} (headers: {listed})" in r.output
    assert not db_rows_or_none(db_path)


def db_rows_or_none(db_path):
    """The persons stored, or [] when the database was never created (nothing written)."""
    from tests.conftest import db_exists
    if not db_exists(db_path):
        return []
    return db_rows(db_path, "SELECT id FROM persons")


# ------------------------------------------------------------------ F2
def _expected_kind(value, file_ids):
    """What issue 13 point 1 makes of a source matching no case, written out
    independently of tracing.sources: a number whose digits are within one of
    the digits of the file's numeric ids, or the letter prefix of the file's
    ids (case, space, '-' folded) then any number, is a person; else a label."""
    import re
    plain = value.replace(" ", "").replace("-", "").lstrip("#").upper()
    numeric = [i for i in file_ids if i.isdigit()]
    if plain.isdigit():
        digits = len(plain.lstrip("0") or "0")
        return "person" if any(abs(len(i.lstrip("0")) - digits) <= 1 for i in numeric) else "label"
    m = re.fullmatch(r"([A-Z]{1,3})(\d+)", plain)
    prefixes = {re.match(r"[A-Z]*", i.replace("-", "").upper()).group(0) for i in file_ids} - {""}
    return "person" if m and m.group(1) in prefixes else "label"


def _import_sources(tmp_path, run_json, fmt, ids, sources):
    header = ["id", "confirmed", "source"]
    rows = [[i, "2021-06-01", ""] for i in ids] + [[f"S{n}", "2021-06-05", s] for n, s in enumerate(sources)]
    if fmt == "csv":
        f = write(tmp_path / "k.csv", "".join(",".join(r) + "\n" for r in [header, *rows]))
    elif fmt == "xlsx":  # numbers as spreadsheets hold them
        f = write_xlsx(tmp_path / "k.xlsx", [header] + [[int(c) if c.isdigit() and c[0] != "0" else c for c in r] for r in rows])
    else:
        f = write(tmp_path / "k.json", json.dumps([dict(zip(header, r)) for r in rows], ensure_ascii=False))
    return run_json("import", "cases", f)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_unknown_source_persons_by_the_shape_of_numeric_ids(tmp_path, run_json, db_path, fmt):
    ids = [str(n) for n in range(1, 2001)]
    sources = ["2417", "12", "99999", "#3001", "1234567", "0912345678", "VN0054", "UK", "IMPORT", "BV Bạch Mai"]
    s = _import_sources(tmp_path, run_json, fmt, ids, sources)
    unmatched = [v for v in sources if v not in ("12",)]  # 12 is a case of the file: a link
    persons = {v.lstrip("#") for v in unmatched if _expected_kind(v, ids) == "person"}
    labels = {v for v in unmatched if _expected_kind(v, ids) == "label"}
    assert persons == {"2417", "99999", "3001"}  # the rule, spelled out
    stored = {r["id"] for r in db_rows(db_path, "SELECT id FROM persons WHERE id NOT IN (SELECT person FROM cases)")}
    assert stored == persons
    assert {r["label"] for r in db_rows(db_path, "SELECT label FROM case_labels")} == labels
    links = {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT case_id, source FROM case_sources")}
    assert ("S1", "12") in links and {s for _c, s in links} == persons | {"12"}
    assert s["sources"]["unknown_source_ids"] == sorted(persons)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_unknown_source_persons_by_the_prefix_of_the_file_ids(tmp_path, run_json, db_path, fmt):
    ids = ["BN17", "NB006", "KR-12"]
    sources = ["BN9999", "BN 12", "nb-42", "KR 99", "NB6", "VN0054", "BV Bạch Mai", "BV108", "UK", "IMPORT"]
    s = _import_sources(tmp_path, run_json, fmt, ids, sources)
    unmatched = [v for v in sources if v != "NB6"]  # NB6 is NB006 (zero padding): a link
    persons = {v for v in unmatched if _expected_kind(v, ids) == "person"}
    labels = {v for v in unmatched if _expected_kind(v, ids) == "label"}
    assert persons == {"BN9999", "BN 12", "nb-42", "KR 99"} and labels == {"VN0054", "BV Bạch Mai", "BV108", "UK",
                                                                           "IMPORT"}
    stored = {r["id"] for r in db_rows(db_path, "SELECT id FROM persons WHERE id NOT IN (SELECT person FROM cases)")}
    assert stored == persons
    assert {r["label"] for r in db_rows(db_path, "SELECT label FROM case_labels")} == labels
    assert ("S4", "NB006") in {(r["case_id"], r["source"]) for r in db_rows(db_path, "SELECT * FROM case_sources")}


# ------------------------------------------------------------------ F7
def test_the_summary_counts_each_source_value_once(tmp_path, run, db_path):
    places = [f"Chợ {n}" for n in range(12)]  # 12 labels, Chợ 0 the most frequent, ties by name
    lines = ["id,confirmed,source", "C1,2021-06-01,C3", "C2,2021-06-02,C1", "C3,2021-06-03,C2"]  # a cycle
    lines += [f"D{n},2021-06-04,\"C1, C99 và {'; '.join(places[:12 - n])}\"" for n in range(12)]
    lines += ["E1,2021-06-05,C 99; UK"]  # C 99 is C99 (one unknown-source person), UK a label
    dry = run("import", "cases", write(tmp_path / "k.csv", "\n".join(lines) + "\n"), "--dry-run").output
    r = run("import", "cases", tmp_path / "k.csv", "--format", "json")
    src = json.loads(r.stdout)["sources"]
    cases = {x["person"] for x in db_rows(db_path, "SELECT person FROM cases")}
    pairs = [(x["case_id"], x["source"]) for x in db_rows(db_path, "SELECT case_id, source FROM case_sources")]
    labels = [x["label"] for x in db_rows(db_path, "SELECT label FROM case_labels")]
    cycle = [x for x in db_rows(db_path, "SELECT extra FROM cases WHERE extra IS NOT NULL")
             if "source_in_cycle" in json.loads(x["extra"])]
    links = [p for p in pairs if p[1] in cases]
    unknown = [p for p in pairs if p[1] not in cases]
    assert src["links"] == len(links) and src["unknown_source_values"] == len(unknown) == 13
    assert src["unknown_source_persons"] == len({s for _c, s in unknown}) == 1
    assert src["labels"] == len(labels) and src["in_cycle"] == len(cycle) == 1
    # every value of every cell, once: 3 in the cycle file, 14 per D row (C1, C99, its places), E1's two
    written = 3 + sum(2 + 12 - n for n in range(12)) + 2
    assert src["values"] == src["links"] + src["unknown_source_values"] + src["labels"] + src["in_cycle"] == written
    counts = {label: labels.count(label) for label in set(labels)}
    top = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:10]
    assert [tuple(x) for x in src["top_labels"]] == top and len(top) == 10
    assert (f"Sources: {written} values = {len(links)} infection links to cases or persons + 13 naming 1 persons "
            f"who are not cases (ids matching no row) + {len(labels)} labels + 1 links not made") in dry
    assert "Most frequent labels: " + ", ".join(f"{label} ({n})" for label, n in top) in dry


# ------------------------------------------------------------------ F10: epicontacts direction
def _csv_rows(path):
    with open(path, encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("recorded", [False, True])
def test_exports_write_each_link_from_the_infector_to_the_infectee(tmp_path, run, run_json, recorded):
    # a chain of 3 generations named against the alphabet (Z1 infects M2 infects A3), then an F1 (B4) of A3;
    # contacts written both ways round; sources recorded in the file or only derived from the contacts
    src = {"M2": "Z1", "A3": "M2"} if recorded else {}
    run("import", "cases", write(tmp_path / "k.csv", "id,confirmed,onset,source\n" + "".join(
        f"{i},{c},{o},{src.get(i, '')}\n" for i, c, o in
        (("Z1", "2021-06-01", "2021-05-30"), ("M2", "2021-06-08", "2021-06-06"), ("A3", "2021-06-14", "2021-06-12")))))
    run("import", "contacts", write(tmp_path / "c.csv", "from,to,date,setting\nM2,Z1,2021-05-30,household\n"
                                                        "M2,A3,2021-06-05,household\nB4,A3,2021-06-12,work\n"))
    infector = {p: run_json("status", p)["primary_source"] for p in ("M2", "A3", "B4")}
    assert infector == {"M2": "Z1", "A3": "M2", "B4": "A3"}
    run("export", "epicontacts", tmp_path / "epi")
    contacts = {(r["from"], r["to"]) for r in _csv_rows(tmp_path / "epi" / "contacts.csv") if r["type"] == "contact"}
    assert contacts == {(s, p) for p, s in infector.items()}
    infection = {(r["from"], r["to"]) for r in _csv_rows(tmp_path / "epi" / "contacts.csv") if r["type"] == "infection"}
    assert infection == {(s, p) for p, s in src.items()}
    run("export", "godata", tmp_path / "gd")
    pairs = [(r["persons[1].visualId"], r["persons[2].visualId"]) for r in _csv_rows(tmp_path / "gd" / "relationships.csv")]
    assert set(pairs) == {(s, p) for p, s in infector.items()}


# ------------------------------------------------------------------ F10: vaccination words
NO_DOSE = ["chưa tiêm", "chua tiem", "Chưa tiêm", "chưa tiêm mũi nào", "không", "KHÔNG", "không tiêm", "0 mũi"]
PLAIN = ["0", "2"]


@pytest.mark.parametrize("kind", ["persons", "cases"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_no_dose_words_are_zero_doses_with_the_text_kept(tmp_path, run_json, db_path, kind, fmt):
    values = NO_DOSE + PLAIN
    header = ["id", "name", "confirmed", "vaccination"]
    rows = [[f"V{i}", f"Người {i}", "2021-06-01", v] for i, v in enumerate(values)]
    if fmt == "csv":
        f = write(tmp_path / "p.csv", "".join(",".join(r) + "\n" for r in [header, *rows]))
    elif fmt == "xlsx":
        f = write_xlsx(tmp_path / "p.xlsx", [header] + [[*r[:3], int(r[3]) if r[3] in PLAIN else r[3]] for r in rows])
    else:
        f = write(tmp_path / "p.json", json.dumps([dict(zip(header, r)) for r in rows], ensure_ascii=False))
    s = run_json("import", kind, f)
    table, key = ("persons", "id") if kind == "persons" else ("cases", "person")
    doses = {r["id"]: r["vaccinated"] for r in db_rows(db_path, "SELECT id, vaccinated FROM persons")}
    extra = {r[key]: json.loads(r["extra"]) for r in db_rows(db_path, f"SELECT {key}, extra FROM {table}")
             if r["extra"]}
    for i, v in enumerate(values):
        assert doses[f"V{i}"] == (int(v) if v in PLAIN else 0)
        # the text as written, when it is not a plain number
        assert extra.get(f"V{i}", {}).get("vaccinated_text") == (None if v in PLAIN else v)
    assert s["kept_as_attributes"] == {"vaccinated": len(NO_DOSE)}


# ------------------------------------------------------------------ F10: entry labels in the report
def test_entry_labels_count_as_imported_in_the_report(tmp_path, run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")
    sources = {"I1": "IMPORT", "I2": "nhập cảnh", "I3": "imported", "I4": "VN0054", "I5": "F0 nhập cảnh",
               "I6": "chuyến bay VJ 981", "I7": "Chợ Long Biên", "I8": "", "I9": "BV108", "I10": "UK"}
    found_by = {"I10": "screening"}  # recorded: kept as recorded whatever its label
    run("import", "cases", write(tmp_path / "k.csv", "id,confirmed,source,found_by\n" + "".join(
        f"{i},2021-06-0{1 + n % 9},{s},{found_by.get(i, '')}\n" for n, (i, s) in enumerate(sources.items()))))
    report = run_json("report", "--from", "2021-06-01", "--to", "2021-06-10")
    entry = {"I1", "I2", "I3", "I4", "I5", "I6"}  # the words and flight codes of an imported case
    assert report["found"] == {"quarantine": 0, "community": len(sources) - len(entry) - 1, "screening": 1,
                               "entry": len(entry)}
    assert sum(d["by_found"]["entry"] for d in report["daily"]) == len(entry)


# ------------------------------------------------------------------ F12
def _import_findings(target):
    """The checks `check` reports from import flags, and the flags as stored."""
    return sorted((r["person"], r["flag"], r["detail"]) for r in
                  db_rows(target, "SELECT person, flag, detail FROM import_flags"))


def test_import_flags_survive_export_csv_then_import(tmp_path, run, run_json, db_path, monkeypatch):
    # D1 twice (each row fills the other's blanks: merged, flagged); P1 twice in a persons file too
    # with what else `check` reports of an import: an undated case, ids written two ways, a source cycle
    run("import", "cases", write(tmp_path / "k.csv", "id,confirmed,onset,ward,name,source\nD1,2021-06-01,,Bồ Đề,,\n"
                                                     "D1,2021-06-01,2021-05-30,,An,\nD2,2021-06-15,,,,\nU1,,,,,\n"
                                                     "nb6,2021-06-04,,,,\nNB 6,2021-06-04,,,,\n"
                                                     "C1,2021-06-01,,,,C3\nC2,2021-06-02,,,,C1\nC3,2021-06-03,,,,C2\n"))
    run("import", "persons", write(tmp_path / "p.csv", "id,name,phone\nP1,Bình,\nP1,,0912345678\n"))
    flags = _import_findings(db_path)
    assert [f[:2] for f in flags] == [("D1", "duplicate_id_merged"), ("P1", "duplicate_id_merged")]
    findings = run_json("check")
    assert {x["check"] for x in findings} >= {"duplicate_id_merged", "undated_case", "similar_ids"}
    out = tmp_path / "out"
    run("export", "csv", out)
    again = tmp_path / "again.db"
    monkeypatch.setenv("TRACING_DB", str(again))
    kept = sum(run_json("import", kind, out / f"{kind}.csv")["import_flags_kept"]
               for kind in ("persons", "cases", "contacts"))
    assert kept == len(flags) and _import_findings(again) == flags
    assert run_json("check") == findings  # every finding, in the same words
    # the round trip again gives the same bytes
    run("export", "csv", tmp_path / "out2")
    assert (out / "persons.csv").read_bytes() == (tmp_path / "out2" / "persons.csv").read_bytes()


def test_an_import_flags_cell_that_is_no_flag_is_an_error_naming_its_line(tmp_path, run, db_path):
    f = write(tmp_path / "p.csv", "id,name,import_flags\nP1,An,\nP2,Bình,made up: x\n")
    r = run("import", "persons", f, ok=None)
    assert r.exit_code == 1 and "line 3" in r.output and "import_flags" in r.output and "duplicate_id_merged" in r.output
    assert not db_rows_or_none(db_path)


# ------------------------------------------------------------------ F9
BAD = {"cases": ("id,confirmed,ward,nghề\nR1,2021-06-01,Bồ Đề,thợ may\nR2,31/02/2021,Bồ Đề,lái xe\n",
                 "31/02/2021", "28/02/2021"),
       # not a phone: since critic13 F10 a cell that is no phone is kept as phone_text, not refused
       "persons": ("id,name,national_id,nghề\nR1,An,001201000001,thợ may\nR2,Bình,12,lái xe\n", "12",
                   "001201000002"),
       "contacts": ("from,to,date,nghề\nR1,R2,2021-06-01,x\nR1,R3,2021-13-01,y\n", "2021-13-01", "2021-06-02")}


def _rejected_rows(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


@pytest.mark.parametrize("kind", sorted(BAD))
@pytest.mark.parametrize("how", ["as written", "renamed copy", "saved as xlsx", "reason deleted"])
def test_a_fixed_rejected_file_imports_without_its_added_columns(tmp_path, run, run_json, db_path, kind, how):
    text, bad, good = BAD[kind]
    s = run_json("import", kind, write(tmp_path / "k.csv", text), "--skip-invalid")
    assert s["rejected"] == 1
    table = [[good if c == bad else c for c in r] for r in _rejected_rows(s["rejected_file"])]  # fixed by hand
    assert table[0][0] == "line" and table[0][-1] == "reason"
    if how == "reason deleted":
        table = [r[:-1] for r in table]
    if how == "saved as xlsx":
        fixed = write_xlsx(tmp_path / "k.csv.rejected.xlsx", table)
    else:
        name = "k.csv.rejected (1).csv" if how == "renamed copy" else "k.csv.rejected.csv"
        fixed = write(tmp_path / name, "".join(",".join(r) + "\n" for r in table))
    again = run_json("import", kind, fixed)
    assert again["rejected"] == 0 and again["extras"] == ["nghề"]
    assert again["ignored_columns"] == (["line"] if how == "reason deleted" else ["line", "reason"])
    said = run("import", kind, fixed, "--dry-run").output
    assert "its columns " + ", ".join(again["ignored_columns"]) + " are not data and were ignored" in said
    # the extra attributes are the file's own: no line, no reason
    table_name = {"cases": "cases", "persons": "persons", "contacts": "contacts"}[kind]
    extras = [json.loads(r["extra"]) for r in db_rows(db_path, f"SELECT extra FROM {table_name}") if r["extra"]]
    assert extras and all(set(e) == {"nghề"} for e in extras)


def test_a_bare_number_takes_the_file_prefix_only_with_the_digits_of_its_ids(tmp_path, run_json, db_path):
    ids = ["BN17", "BN18", "BN205"]  # numbers of 2 and 3 digits, the cases naming sources among them
    sources = ["#88", "7", "4321", "12345", "0912345678"]
    run_json("import", "cases", write(tmp_path / "k.csv", "id,confirmed,source\nBN17,2021-06-01,\n"
                                      "BN18,2021-06-05,\"#88, 7; 4321\"\nBN205,2021-06-05,12345; 0912345678\n"))
    # within one digit of 2 or 3 (1 to 4 digits): BN + the number, a person; else a label (a phone number)
    persons = {f"BN{v.lstrip('#')}" for v in sources if 1 <= len(v.lstrip("#")) <= 4}
    stored = {r["id"] for r in db_rows(db_path, "SELECT id FROM persons WHERE id NOT IN (SELECT person FROM cases)")}
    assert stored == persons == {"BN88", "BN7", "BN4321"}
    assert {r["label"] for r in db_rows(db_path, "SELECT label FROM case_labels")} == {"12345", "0912345678"}
