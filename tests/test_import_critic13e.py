"""Issue 13 faults found by the tester critic13 in session 7 (F4, …), taken
by h13fix2: each reproduced with a small file through the CLI, on both
stores; expected values come from the rules written out here, not from a run."""

from __future__ import annotations

import datetime as dt
import json
import math
import re

from tests.test_import_critic13c import write


# ------------------------------------------------------------------ F4: ages not written as whole years
AGES = ["0.5", "2.9", "1,5", "45 tuổi", "6 tháng", "18 months", "34", "50s"]


def _age_rule(text: str):
    """Whole years stored, and whether the cell is kept as written (age_text):
    a decimal (point or Vietnamese comma) is its whole part, ``N tuổi``/``N
    years`` is N, ``N tháng``/``N months`` is N // 12; a whole number is
    stored alone; anything else (a band) is only kept as text."""
    if text.isdigit():
        return int(text), False
    if re.fullmatch(r"\d+[.,]\d+", text):
        return math.floor(float(text.replace(",", "."))), True
    number, unit = text.split(" ") if " " in text else (None, None)
    if unit in ("tuổi", "years"):
        return int(number), True
    if unit in ("tháng", "months"):
        return int(number) // 12, True
    return None, True


def test_ages_not_in_whole_years_are_stored_in_years_and_kept_as_written(tmp_path, run, run_json):
    rows = "".join(f'X{i},2021-05-05,"{a}"\n' for i, a in enumerate(AGES))
    f = write(tmp_path / "ag.csv", "id,confirmed,age\n" + rows)
    result = run("import", "cases", f)
    assert "line 2: age '0.5' stored as 0; the value as written is kept as the attribute age_text" in result.output
    kept = sum(1 for a in AGES if _age_rule(a)[1])
    assert f"{kept} values of age kept as text in the attribute age_text" in result.output
    for i, typed in enumerate(AGES):
        years, as_text = _age_rule(typed)
        shown = run_json("person", "show", f"X{i}")
        assert shown["age"] == years, typed
        assert (shown["case_extra"] or {}).get("age_text") == (typed if as_text else None), typed
        if years is not None:
            assert shown["birth_year"] == 2021 - years


def test_fractional_age_of_a_json_persons_file_is_kept_as_written(tmp_path, run, run_json):
    f = write(tmp_path / "p.json", json.dumps([{"id": "P1", "name": "An", "age": 1.5},
                                               {"id": "P2", "name": "Bình", "age": 7}]))
    result = run("import", "persons", f)
    assert "age '1.5' stored as 1" in result.output
    p1, p2 = run_json("person", "show", "P1"), run_json("person", "show", "P2")
    extra = p1["extra"] if isinstance(p1["extra"], dict) else json.loads(p1["extra"])
    assert p1["age"] == math.floor(1.5) and extra == {"age_text": "1.5"}
    assert p2["age"] == 7 and not p2["extra"]


def test_a_dose_count_read_from_words_says_it_was_stored(tmp_path, run, run_json):
    """critic13 F16: '2 mũi' WAS stored as 2 doses; the warning said it was not read."""
    f = write(tmp_path / "v.csv", "id,name,vaccinated\nP1,An,2 mũi\nP2,Bình,không rõ gì\n")
    result = run("import", "persons", f)
    assert "line 2: vaccine doses '2 mũi' stored as 2; the value as written is kept" in result.output
    assert "is not a plain" not in result.output
    assert run_json("person", "show", "P1")["vaccinated"] == 2


# ------------------------------------------------------------------ F3: the plural "Cases 8 and 9"
SG_ROWS = [("Case 8", ""), ("Case 9", "Case 8"), ("Case 19", "Cases 8 and 9"), ("Case 20", "Cases 8, 9 and 19"),
           ("Case 21", "Patients 8 & 9"), ("Case 22", "Cases 66-68")]


def _sg_expected(rows):
    """Issue 13 point 1 for a file of ``Case N`` ids: each number of a list
    after ``Case``/``Cases``/``Patients`` names ``Case N`` when that is an id
    of the file; a range (``66-68``) is no list of ids and stays one label
    as written."""
    ids = {r[0] for r in rows}
    links, labels = {}, {}
    for case, cell in rows:
        numbers = re.findall(r"\d+", cell)
        if cell and "-" not in cell and all(f"Case {n}" in ids for n in numbers):
            links[case] = sorted(f"Case {n}" for n in numbers)
        elif cell:
            labels[case] = [cell]
    return links, labels


def test_singapore_plural_cases_name_every_case_of_the_list(tmp_path, run, run_json):
    f = write(tmp_path / "sg.csv", "Case,Date Confirmed,Linked to\n" + "".join(
        f'{c},04/02/2020,"{s}"\n' for c, s in SG_ROWS))
    result = run("import", "cases", f, "--column", "id=Case", "--column", "source=Linked to")
    links, labels = _sg_expected(SG_ROWS)
    assert "'Cases 8' -> Case 8" in result.output
    for case, _cell in SG_ROWS:
        st = run_json("status", case)
        assert sorted(st["sources"]) == links.get(case, []), case
        assert st["case"]["labels"] == labels.get(case, []), case


# ------------------------------------------------------------------ F8: bare numbers in a date column
def _serial(n: int) -> dt.date:
    """Excel's 1900 date system: day 1 is 1900-01-01, counted with its false 29/02/1900."""
    return dt.date(1899, 12, 30) + dt.timedelta(days=n)


def test_bare_numbers_in_date_columns_are_read_as_serials_and_said(tmp_path, run, run_json):
    f = write(tmp_path / "e.csv", "id,confirmed,onset\nX1,44040,44030\nX2,2020-07-20,44031\n")
    result = run("import", "cases", f)
    assert (f"1 values of 'confirmed' are bare numbers read as Excel serial days (1900 date system; check them), "
            f"e.g. line 2: 44040 -> {_serial(44040).isoformat()}") in result.output
    assert f"2 values of 'onset' are bare numbers read as Excel serial days" in result.output
    x1 = run_json("person", "show", "X1")["status"]["case"]
    assert (x1["confirmed"], x1["onset"]) == (_serial(44040).isoformat(), _serial(44030).isoformat())
    g = write(tmp_path / "t.csv", "from,to,date\nX1,P1,44041\n")
    s = run_json("import", "contacts", g)
    assert s["date_serials"] == [{"column": "date", "count": 1, "line": 2, "value": "44041",
                                  "date": _serial(44041).isoformat()}]
    h = write(tmp_path / "n.csv", "id,confirmed\nX3,2020-07-21\n")
    assert run_json("import", "cases", h)["date_serials"] == []  # no number, nothing said


# ------------------------------------------------------------------ F15: date cells Excel may have swapped
XL_ROWS = [("A1", dt.datetime(2021, 5, 4)), ("A2", "4/13/2021"), ("A3", dt.datetime(2021, 6, 4)),
           ("A4", "4/20/2021"), ("A5", dt.datetime(2021, 4, 25)), ("A6", dt.datetime(2021, 3, 3))]


def test_workbook_date_cells_beside_text_dates_are_named_as_possibly_swapped(tmp_path, run, run_json):
    from tests.test_import_critic13c import write_xlsx
    f = write_xlsx(tmp_path / "xl.xlsx", [["id", "confirmed"], *[list(r) for r in XL_ROWS]])
    # the rule: a date cell could be a swapped N/N only when its day is 12 or less and differs from its month
    swappable = [(line, v.date()) for line, (_id, v) in enumerate(XL_ROWS, start=2)
                 if isinstance(v, dt.datetime) and v.day <= 12 and v.day != v.month]
    result = run("import", "cases", f)
    assert (f"column 'confirmed' mixes dates typed as text (read mdy) with {len(swappable)} date cells of the "
            f"workbook whose day is 12 or less (e.g. line {swappable[0][0]}: {swappable[0][1].isoformat()})"
            in result.output)
    # said, never changed: the cells are stored as the workbook holds them
    assert run_json("person", "show", "A1")["status"]["case"]["confirmed"] == "2021-05-04"
    g = write_xlsx(tmp_path / "only.xlsx", [["id", "confirmed"], ["B1", dt.datetime(2021, 5, 4)]])
    assert run_json("import", "cases", g)["date_cells_swappable"] == []  # no text date beside it: nothing said


# ------------------------------------------------------------------ F9: a date in a source cell of numeric ids
def test_a_day_and_month_in_a_numeric_source_cell_is_a_label_not_two_infectors(tmp_path, run, run_json):
    rows = [(str(i), f"2020-07-{i + 10}", "") for i in range(1, 14)]
    rows += [("14", "2020-07-25", "Case 7, 12/7"), ("15", "2020-07-25", "12/7"), ("16", "2020-07-25", "8/13")]
    f = write(tmp_path / "n.csv", "id,confirmed,source\n" + "".join(f'{i},{d},"{s}"\n' for i, d, s in rows))
    run("import", "cases", f)
    ids = {r[0] for r in rows}
    for case, _day, cell in rows[13:]:
        # the rule: N/N of bare numbers that read as a day and a month is a date (a label); an id after Case is a link
        parts = [p.strip() for p in cell.split(",")]
        dates = [p for p in parts if "/" in p and all(1 <= int(x) <= 31 for x in p.split("/"))
                 and min(int(x) for x in p.split("/")) <= 12]
        links = [p.removeprefix("Case ").strip() for p in parts if p not in dates]
        st = run_json("status", case)
        assert sorted(st["sources"]) == sorted(x for x in links if x in ids), case
        assert st["case"]["labels"] == dates, case


# ------------------------------------------------------------------ F12: a result date read as the sample date
def test_a_result_date_column_read_as_the_sample_date_is_said(tmp_path, run, run_json):
    f = write(tmp_path / "h.csv", "Mã BN,Ngày,Ngày khởi phát,Ngày có kết quả,Nguồn lây\nBN1,03/05/2021,01/05/2021,04/05/2021,\n")
    said = "column 'Ngày có kết quả' is a result date, read as each case's sample date (confirmed)"
    assert said in run("import", "cases", f, "--dry-run").output
    assert said not in run("import", "cases", f, "--dry-run", "--column", "confirmed=Ngày").output  # chosen: nothing to say
    s = run_json("import", "cases", f)
    assert s["mapping"]["confirmed"] == "Ngày có kết quả" and said in s["warnings"][0]
    # read all the same (often the only date of a list), day first: 04/05/2021 is 4 May
    assert run_json("status", "BN1")["case"]["confirmed"] == dt.date(2021, 5, 4).isoformat()


# ------------------------------------------------------------------ F10: phones of abroad, two phones in a cell
PHONES = [("A", "+1 415 555 0100"), ("B", "+82 10-1234-5678"), ("E", "912345678"), ("G", "+84 91 234 5678"),
          ("F", "0912345678 / 0987654321")]


def _phone_rule(text: str):
    """Stored phone, or None with the cell kept as phone_text: a Vietnamese
    number is 0 + its national number; another country's keeps + and its
    digits; a cell with two numbers (or letters) is no phone, kept as written."""
    if "/" in text:
        return None
    digits = re.sub(r"\D", "", text)
    if text.startswith("+") and not digits.startswith("84"):
        return "+" + digits
    return "0" + (digits[2:] if digits.startswith("84") else digits)


def test_foreign_phones_keep_their_plus_and_two_phones_in_a_cell_are_kept_as_text(tmp_path, run, run_json):
    f = write(tmp_path / "ph.csv", "id,name,phone\n" + "".join(f"{i},{i.lower()},{p}\n" for i, p in PHONES))
    result = run("import", "persons", f)  # the two-phone cell no longer aborts the import
    assert "line 6: phone '0912345678 / 0987654321' could not be read; kept as the attribute phone_text" in result.output
    for pid, typed in PHONES:
        shown = run_json("person", "show", pid)
        extra = shown["extra"] if isinstance(shown["extra"], dict) or shown["extra"] is None else json.loads(shown["extra"])
        assert shown["phone"] == _phone_rule(typed), typed
        assert (extra or {}).get("phone_text") == (None if _phone_rule(typed) else typed), typed
