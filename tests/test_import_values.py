"""Issue 13, third round (a tester who did not read the code): every value
of a file is stored as given, or reported with its line; nothing is coerced,
dropped or renamed without a word. Each kind through the real CLI."""

from __future__ import annotations

import csv
import json

import pytest

from tracing.sheets import neutralise
from tracing.values import AREA_PREFIXES, VOCABULARY, fold, fold_area, parse_bool

from test_import_linelists import rows, write


def _csv(path, header, records):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(records)
    return path


# ------------------------------------------------------------------ 5. yes-words are not a dose count
YES_WORDS = ["có", "yes", "true", "x", "co", "Có"]


def test_a_yes_word_is_not_two_doses(tmp_path, run, run_json, db_path):
    # every word above means yes (the bool vocabulary), none says how many doses
    assert all(parse_bool(w) is True for w in YES_WORDS)
    f = _csv(tmp_path / "p.csv", ["id", "name", "vaccinated"],
             [[f"V{i}", f"Người {i}", w] for i, w in enumerate(YES_WORDS)] + [["V9", "Chín", "không"],
                                                                              ["V8", "Tám", "2"]])
    s = run_json("import", "persons", f)
    # the yes-words, and "không" (0 doses, its text kept as written: not a plain number, critic13c F10)
    assert s["kept_as_attributes"] == {"vaccinated": len(YES_WORDS) + 1}
    # the first one is reported with its line (the header is line 1)
    assert any("line 2" in json.dumps(w, ensure_ascii=False) and "vaccinated" in json.dumps(w)
               for w in s["warnings"])
    for i, word in enumerate(YES_WORDS):
        doses, extra = rows(db_path, "SELECT vaccinated, extra FROM persons WHERE id = ?", (f"V{i}",))[0]
        assert doses is None
        assert json.loads(extra) == {"vaccinated_text": word}
    # "không" is no dose at all; a number is the number
    assert rows(db_path, "SELECT id, vaccinated FROM persons WHERE id IN ('V8', 'V9') ORDER BY id") == [
        ("V8", 2), ("V9", 0)]
    out = run("import", "persons", f).output
    # the field named as people read it (vaccine doses), the attribute as stored
    assert rows(db_path, "SELECT extra FROM persons WHERE id = 'V9'") == [('{"vaccinated_text": "không"}',)]
    assert f"{len(YES_WORDS) + 1} values of vaccine doses kept as text in the attribute vaccinated_text" in out


def test_person_add_refuses_a_yes_word_as_doses(run):
    r = run("person", "add", "--id", "Q1", "--name", "An", "--vaccinated", "có", ok=False)
    assert "'có'" in r.output and "Traceback" not in r.output
    from tracing.errors import InvalidValue
    from tracing.people import clean_person
    with pytest.raises(InvalidValue, match="not a dose count"):
        clean_person({"id": "Q1", "name": "An", "vaccinated": "có"})


# ------------------------------------------------------------------ 8. the formula guard, in every file
GUARDED = ["=1+2", "@Công ty A", "-5 độ", "+ghi chú"]


def test_the_formula_guard_is_undone_in_an_edited_export(tmp_path, run, run_json, db_path):
    f = _csv(tmp_path / "p.csv", ["id", "name", "address", "workplace", "note"],
             [["-T1", "An", GUARDED[0], GUARDED[1], GUARDED[2]], ["T2", "Bình", "", "", GUARDED[3]]])
    run("import", "persons", f)
    out = tmp_path / "exp"
    run("export", "csv", out)
    text = (out / "persons.csv").read_text(encoding="utf-8")
    for value in GUARDED:
        assert neutralise(value) in text  # the export guards them
    (out / "persons.csv").write_text(text.replace("Bình", "Bình Minh"), encoding="utf-8")  # one cell edited
    target = tmp_path / "copy.db"
    s = json.loads(run("--db", target, "import", "persons", out / "persons.csv", "--format", "json").stdout)
    guarded_cells = sum(neutralise(v) != v for v in ["-T1", *GUARDED])
    assert s["formula_guards_removed"] == guarded_cells
    got = rows(target, "SELECT id, name, address, workplace, extra FROM persons ORDER BY id")
    assert got == [("-T1", "An", GUARDED[0], GUARDED[1], json.dumps({"note": GUARDED[2]}, ensure_ascii=False)),
                   ("T2", "Bình Minh", None, None, json.dumps({"note": GUARDED[3]}, ensure_ascii=False))]


def test_a_fixed_rejected_file_imports_without_its_line_and_reason(tmp_path, run, run_json, db_path):
    f = _csv(tmp_path / "c.csv", ["id", "confirmed", "address"],
             [["C1", "2021-06-01", "=A1"], ["C2", "31/02/2021", "=B2"], ["-C3", "2021-06-40", ""]])
    s = run_json("import", "cases", f, "--skip-invalid")
    assert s["rejected"] == 2
    rejected = tmp_path / "c.csv.rejected.csv"
    with open(rejected, encoding="utf-8-sig") as fh:
        header, *body = list(csv.reader(fh))
    assert header[0] == "line" and header[-1] == "reason"
    fixed = [[cell.replace("31/02/2021", "2021-06-02").replace("2021-06-40", "2021-06-03") for cell in r]
             for r in body]
    _csv(rejected, header, fixed)
    s = run_json("import", "cases", rejected)
    assert s["ignored_columns"] == ["line", "reason"] and s["extras"] == []
    assert s["formula_guards_removed"] == sum(neutralise(v) != v for v in ["=B2", "-C3"])
    got = rows(db_path, "SELECT p.id, p.address, p.extra, c.confirmed FROM persons p JOIN cases c "
                        "ON c.person = p.id ORDER BY p.id")
    assert got == [("-C3", None, None, "2021-06-03"), ("C1", "=A1", None, "2021-06-01"),
                   ("C2", "=B2", None, "2021-06-02")]
    assert "ignored" in run("import", "cases", rejected).output


# ------------------------------------------------------------------ 11. areas fold alike everywhere
def test_area_prefixes_fold_away():
    for prefix in AREA_PREFIXES:
        sep = "" if prefix.endswith(".") else " "
        assert fold_area(f"{prefix}{sep}Bồ Đề") == fold("Bồ Đề"), prefix
        assert fold_area(f"{prefix.upper()}{sep}BỒ ĐỀ") == fold("Bồ Đề"), prefix
    # written without diacritics a prefix word goes only before a number: real wards begin so
    assert fold_area("Phuong Liet") == fold("Phương Liệt") != fold_area("Liệt")
    assert fold_area("Quan Thanh") == fold("Quán Thánh")
    assert fold_area("Phuong 5") == fold_area("Phường 5") == "5"


def test_filters_and_duplicates_fold_like_grouping(tmp_path, run, run_json, db_path):
    spellings = ["Bồ Đề", "BỒ ĐỀ", "Bo De", "Phường Bồ Đề", "P. Bồ Đề"]
    f = _csv(tmp_path / "p.csv", ["id", "name", "ward"],
             [[f"W{i}", f"Người {i}", w] for i, w in enumerate(spellings)]
             + [["W9", "Khác", "Ngọc Lâm"], ["W0", "Người 0", "BỒ ĐỀ"]])  # W0 again, the same ward
    s = run_json("import", "persons", f)
    assert s["duplicates"]["identical"] == 1 and s["rejected"] == 0
    assert rows(db_path, "SELECT DISTINCT ward FROM persons ORDER BY ward") == [("Bồ Đề",), ("Ngọc Lâm",)]
    assert set(s["areas_respelled"]) == set(spellings[1:])
    _csv(tmp_path / "c.csv", ["id", "confirmed"], [[f"W{i}", "2021-06-01"] for i in range(len(spellings))])
    run("import", "cases", tmp_path / "c.csv")
    expected = [f"W{i}" for i in range(len(spellings))]
    for typed in [*spellings, "bồ đề", "bo de"]:
        listed = run_json("list", "--ward", typed)
        assert sorted(p["id"] for p in listed) == expected, typed
    by_ward = run_json("report", "--by", "ward")
    text = json.dumps(by_ward, ensure_ascii=False)
    assert "Phường Bồ Đề" not in text and "P. Bồ Đề" not in text


# ------------------------------------------------------------------ 9. a setting's own words are kept
def test_setting_words_are_kept_and_reported(tmp_path, run, run_json, db_path):
    from tracing.values import GENERIC_SETTING_WORDS, VOCABULARY, setting_with_words

    specific = [w for ws in VOCABULARY["setting"].values() for w in ws
                if w not in {g for gs in GENERIC_SETTING_WORDS.values() for g in gs}]
    picked = [w for w in ["chợ", "nhà hàng", "đám cưới", "máy bay", "xe khách", "bệnh viện"] if w in specific]
    assert len(picked) == 6
    records = [[f"S{i}", f"S{i + 1}", "2021-06-01", w, ""] for i, w in enumerate(picked)]
    records.append(["S20", "S21", "2021-06-01", "chợ", "Chợ Long Biên"])   # a place already: words kept aside
    records.append(["S22", "S23", "2021-06-01", "Hộ gia đình", ""])        # the category itself: nothing to keep
    f = _csv(tmp_path / "k.csv", ["from", "to", "date", "setting", "place"], records)
    s = run_json("import", "contacts", f)
    expected = {}
    for _a, _b, _d, words, place in records:
        setting, kept = setting_with_words(words)
        if kept:
            key = (kept, setting, "setting_text" if place else "place")
            expected[key] = expected.get(key, 0) + 1
    assert {(w["words"], w["setting"], w["kept_in"]): w["rows"] for w in s["settings_from_words"]} == expected
    stored = {(a, b): (setting, place, json.loads(extra) if extra else None)
              for a, b, setting, place, extra in rows(db_path, "SELECT a, b, setting, place, extra FROM contacts")}
    for a, b, _d, words, place in records:
        setting, kept = setting_with_words(words)
        want_place = place or kept
        want_extra = {"setting_text": kept} if kept and place else None
        assert stored[(a, b)] == (setting, want_place or None, want_extra), (a, words)
    assert "'đám cưới' -> social (1)" in run("import", "contacts", f).output


# ------------------------------------------------------------------ 10. an update says what it changed
def test_an_import_over_stored_data_lists_every_change(tmp_path, run, run_json, db_path):
    from tracing.store.bulk import poorer_spelling

    first = {"id": "N1", "name": "Nguyễn Văn An", "ward": "Bồ Đề", "phone": "0912000111", "confirmed": "2021-05-20"}
    second = {"id": "N1", "name": "Nguyen Van An", "ward": "Ngọc Lâm", "phone": "", "confirmed": "2021-05-22"}
    _csv(tmp_path / "a.csv", list(first), [list(first.values())])
    _csv(tmp_path / "b.csv", ["note", *second], [["", *second.values()]] * 0 + [["x", *second.values()]])
    run("import", "cases", tmp_path / "a.csv")
    s = run_json("import", "cases", tmp_path / "b.csv")
    assert poorer_spelling(second["name"], first["name"])
    # expected: every field the second file gives that differs from the first (blank never erases),
    # the name excepted (the stored one is the richer spelling), plus the new extra attribute
    expected = {(f, first[f], second[f]) for f in ("ward", "confirmed") if second[f] and second[f] != first[f]}
    expected.add(("extra.note", None, "x"))
    assert {(c["field"], c["old"], c["new"]) for c in s["changes"]} == expected
    assert {c["line"] for c in s["changes"]} == {2}
    assert s["names_kept"] == [{"line": 2, "id": "N1", "stored": first["name"], "file": second["name"]}]
    assert rows(db_path, "SELECT name, ward, phone FROM persons WHERE id = 'N1'") == [
        (first["name"], second["ward"], first["phone"])]
    out = run("import", "cases", tmp_path / "a.csv").output
    assert "line 2: N1 ward: 'Ngọc Lâm' -> 'Bồ Đề'" in out
    assert "line 2: N1 confirmed: '2021-05-22' -> '2021-05-20'" in out


# ------------------------------------------------------------------ 6. check-in and population extras are stored
def test_checkin_and_population_extra_columns_are_stored(tmp_path, run, run_json, db_path):
    f = _csv(tmp_path / "q.csv", ["person", "place", "at", "note", "scanner"],
             [["A", "Chợ Long Biên", "2021-06-01 08:00", "cổng 2", "S1"], ["B", "Chợ Long Biên", "2021-06-01 09:00", "", ""]])
    s = run_json("import", "checkins", f)
    assert s["extras"] == ["note", "scanner"]
    assert rows(db_path, "SELECT person, extra FROM checkins ORDER BY person") == [
        ("A", json.dumps({"note": "cổng 2", "scanner": "S1"}, ensure_ascii=False)), ("B", None)]
    # the same check-in again with another value: both kept, the stored row updated (said)
    _csv(f, ["person", "place", "at", "note"], [["A", "Chợ Long Biên", "2021-06-01 08:00", "cổng 3"]])
    s = run_json("import", "checkins", f)
    assert s["updated"]["checkins"] == 1
    assert json.loads(rows(db_path, "SELECT extra FROM checkins WHERE person = 'A'")[0][0]) == {
        "note": ["cổng 2", "cổng 3"], "scanner": "S1"}
    p = _csv(tmp_path / "pop.csv", ["area", "population", "level", "nguồn số liệu"],
             [["Bồ Đề", "23400", "ward", "Công an phường 2021"]])
    run("import", "populations", p)
    assert rows(db_path, "SELECT area, extra FROM populations") == [
        ("Bồ Đề", json.dumps({"nguồn số liệu": "Công an phường 2021"}, ensure_ascii=False))]


# ------------------------------------------------------------------ 7. export csv then import: the same data
ROUND_TRIP_ORDER = ("persons", "contacts", "cases", "checkins", "populations")
SKIP_COLUMNS = {"id", "created_at", "name_folded"}


def _every_value(path):
    """Every stored value of the tables an export carries (surrogate keys and
    creation times aside; a check-in's place by its name)."""
    from tracing.store import Store

    s = Store.open(str(path))
    try:
        out = {}
        for table in ("persons", "contacts", "cases", "case_sources", "case_labels", "places", "populations",
                      "levels", "level_sources", "followups"):
            cols = [c for c in s.columns(table) if c not in SKIP_COLUMNS]
            out[table] = sorted(map(repr, s.query(f"SELECT {', '.join(cols)} FROM {table}")))
        cols = [c for c in s.columns("checkins") if c not in SKIP_COLUMNS | {"place"}]
        out["checkins"] = sorted(map(repr, s.query(
            f"SELECT {', '.join('c.' + c for c in cols)}, p.name AS place_name FROM checkins c "
            "JOIN places p ON p.id = c.place")))
        return out
    finally:
        s.close()


def _rich_district(tmp_path, run):
    _csv(tmp_path / "p.csv",
         ["id", "name", "phone", "national_id", "birth_year", "sex", "address", "unit", "ward", "district",
          "workplace", "vaccinated", "recovered", "quarantine_start", "nghề"],
         [["A", "Nguyễn Văn An", "0912345678", "001080000001", "1980", "m", "=12 Ngõ 5", "TDP 1", "Bồ Đề",
           "Long Biên", "Công ty A", "2", "no", "", "thợ may"],
          ["B", "Trần Thị Bình", "", "", "1990", "f", "", "TDP 2", "Bồ Đề", "Long Biên", "", "có", "yes",
           "2021-06-02", ""],
          ["C", "Lê Văn Cường", "", "", "", "", "", "", "Ngọc Lâm", "Long Biên", "Công ty A", "50s", "", "", "x"],
          ["-T1", "Phạm Thu", "", "", "2001", "f", "", "", "Gia Thụy", "Long Biên", "", "0", "", "", ""]])
    _csv(tmp_path / "c.csv", ["from", "to", "date", "setting", "place", "minutes", "masked", "ghi chú"],
         [["A", "B", "2021-06-01", "household", "", "120", "false", "cùng nhà"],
          ["B", "C", "2021-06-03", "chợ", "", "15", "true", ""],
          ["C", "D", "", "", "", "", "", ""], ["E", "F", "2021-06-02", "đám cưới", "Nhà văn hóa", "", "x", "x"],
          ["A", "-T1", "2021-06-02", "work", "Công ty A", "30", "", ""]])
    _csv(tmp_path / "k.csv", ["id", "confirmed", "onset", "isolated", "source", "unknown_source", "found_by",
                              "ct_value"],
         [["A", "2021-06-04", "2021-06-02", "2021-06-04", "CN; UK", "", "cộng đồng", "22"],
          ["E", "2021-06-05", "", "", "A", "", "nhập cảnh", ""],
          ["G", "2021-06-05", "2021-06-03", "", "", "true", "sàng lọc", "30"]])
    _csv(tmp_path / "q.csv", ["person", "place", "at", "until", "unit", "ward", "cổng"],
         [["A", "Chợ Long Biên", "2021-06-01 08:00", "2021-06-01 09:00", "TDP 1", "Bồ Đề", "2"],
          ["C", "Chợ Long Biên", "2021-06-01 08:30", "", "TDP 1", "Bồ Đề", ""]])
    _csv(tmp_path / "pop.csv", ["area", "population", "level", "vaccinated", "elderly_vaccinated", "capacity",
                                "nguồn"],
         [["Bồ Đề", "23400", "ward", "0.82", "0.9", "yes", "công an"],
          ["Long Biên", "320000", "district", "0.7", "", "no", ""],
          ["TDP 1, Bồ Đề", "800", "unit", "", "", "", ""], ["Công ty A", "1200", "workplace", "0.95", "", "", ""]])
    for kind, name in zip(ROUND_TRIP_ORDER, ("p", "c", "k", "q", "pop")):
        run("import", kind, tmp_path / f"{name}.csv")
    run("person", "not-duplicate", "A", "C", ok=None)


def test_export_then_import_gives_back_every_value(tmp_path, run, run_json, db_path, monkeypatch):
    _rich_district(tmp_path, run)
    before = _every_value(db_path)
    assert before["checkins"] and before["populations"]
    reports = {args: run(*args).output for args in (("report", "--format", "json"), ("level", "--format", "json"),
                                                    ("clusters", "--format", "json"))}
    out = tmp_path / "out"
    run("export", "csv", out)
    new_db = tmp_path / "new.db"
    monkeypatch.setenv("TRACING_DB", str(new_db))
    for kind in ROUND_TRIP_ORDER:
        s = run_json("import", kind, out / f"{kind}.csv")
        assert s["rejected"] == 0 and s["changes"] == [], (kind, s["changes"])
    after = _every_value(new_db)
    for table in before:
        assert after[table] == before[table], table
    for args, text in reports.items():
        assert run(*args).output == text, args


def test_a_tick_in_a_yes_no_column_is_yes_and_said(tmp_path, run_json, db_path):
    from tracing.importer import TICKS

    marks = ["x", "X", "có", "", "x"]
    f = _csv(tmp_path / "c.csv", ["from", "to", "date", "masked"],
             [[f"M{i}", f"N{i}", "2021-06-01", m] for i, m in enumerate(marks)])
    s = run_json("import", "contacts", f)
    ticked = [i for i, m in enumerate(marks) if m.strip().lower() in TICKS]
    assert s["ticks"] == {"masked": {"cells": len(ticked), "first_line": ticked[0] + 2}}
    assert rows(db_path, "SELECT a, masked FROM contacts ORDER BY a") == [
        (f"M{i}", None if not m else int(parse_bool(m))) for i, m in enumerate(marks)]


def test_the_tools_own_setting_labels_keep_no_words():
    from tracing import i18n
    from tracing.values import SETTINGS, setting_with_words

    for lang in ("en", "vi"):
        i18n.set_language(lang)
        try:
            for setting in SETTINGS:
                assert setting_with_words(i18n.label(setting)) == (setting, None), (lang, setting)
        finally:
            i18n.set_language("en")


def test_contact_add_keeps_the_setting_words(run, db_path):
    from tracing.values import setting_with_words

    for pid in ("X1", "X2", "X3"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}")
    run("contact", "add", "X1", "X2", "--date", "2021-06-01", "--setting", "đám cưới")
    run("contact", "add", "X1", "X3", "--date", "2021-06-01", "--setting", "chợ", "--place", "Chợ Long Biên")
    run("contact", "add", "X2", "X3", "--date", "2021-06-01", "--setting", "hộ gia đình")
    setting = {w: setting_with_words(w)[0] for w in ("đám cưới", "chợ", "hộ gia đình")}
    assert rows(db_path, "SELECT a, b, setting, place, extra FROM contacts ORDER BY a, b") == [
        ("X1", "X2", setting["đám cưới"], "đám cưới", None),
        ("X1", "X3", setting["chợ"], "Chợ Long Biên", json.dumps({"setting_text": "chợ"}, ensure_ascii=False)),
        ("X2", "X3", setting["hộ gia đình"], None, None)]
