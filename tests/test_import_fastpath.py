"""Issue 13 point 11: `import persons` cleans the common row through
:class:`tracing.importer.PersonCleaner` (each repeating value once per file)
and the phone / national id cleaners take a shortcut for values already in
their stored form. None of it may change what is stored or reported: the
expected values here are those of the general path (``_person`` over
``_fields``; the cleaners' own steps), the rules themselves."""

from __future__ import annotations

import csv
import json
import sqlite3

from click.testing import CliRunner
from hypothesis import given, settings, strategies as st

from cli.main import cli
from conftest import TODAY
from test_import_values import _csv

from tracing.importer import NA_VALUES, PersonCleaner, _fields, _person
from tracing.errors import InvalidValue
from tracing.values import normalize_national_id, normalize_phone

# cells as line lists write them: clean, spaced, NA words, blank, too long, control characters, other scripts
CELLS = {
    "id": ["BN1", " BN2 ", "NB 456", "#1024", "", "NA", "n/a", "bad id!", "x" * 70, "BN\x1b3", "Bukit Merah Market"],
    "name": ["Lê Văn Tám", "  Trần Thị Bé ", "", "NULL", "A" * 201, "Nguye\u0302\u0303n", "An\x07", "#N/A", "Li"],
    "phone": ["0912345678", "+84 912 345 678", "84912345678", "0912", "abc", "", " 0912345678 ", "00912345678",
              "0084912000333", "0912345678901234", "091234567", "NA"],
    "national_id": ["001066929857", "abc12", "12-34.56 78", "", "ab", "A" * 21, "\u216b12345", " 001066929857"],
    "birth_year": ["1966", " 1990", "1400", "2999", "19xx", "", "NA", "1990.0", "50s", "1861"],
    "sex": ["m", "Nam", " nữ ", "F", "x", "", "unknown", "NỮ", "null"],
    "address": ["Số 1, ngõ 1, đường Nguyễn Văn Cừ", "line 1\nline 2", "a\tb", "", "x\x1by", "A" * 501, " Số 2 "],
    "unit": ["TDP 1", "Tổ dân phố 1", " TDP 1", "", "NA", "x\ty", "A" * 501],
    "ward": ["Bồ Đề", "BỒ ĐỀ", "Bo De", " Bồ Đề ", "", "Phường Bồ Đề", "x\ny"],
    "district": ["Long Biên", "LONG BIÊN", "Quận Long Biên", "", "n/a"],
    "workplace": ["Trường Tiểu học Bồ Đề", "Công ty A", "", "A" * 501, " Công ty A"],
    "vaccinated": ["2", " 3 ", "2 mũi", "không", "có", "yes (2 doses)", "11", "", "0", "1", "x", "3 doses"],
}


def _general(row: dict, prefix=None):
    """What the importer made of a row before the shortcut: ``(person, kept, trims)`` or the error."""
    trims: list = []
    kept: dict = {}
    try:
        person = _person(_fields(row, NA_VALUES, trims), prefix, kept)
    except InvalidValue as exc:
        return "error", str(exc)
    return list(person.items()), kept, trims


@st.composite
def persons_rows(draw):
    others = [f for f in CELLS if f != "id"]
    fields = ["id", *draw(st.lists(st.sampled_from(others), unique=True))]
    order = draw(st.permutations(fields))  # the file's column order (trims are reported in it)
    rows = [{f: draw(st.sampled_from(CELLS[f])) for f in order} for _ in range(draw(st.integers(1, 6)))]
    for row in rows:
        row["extra"] = {}
    return order, rows


@settings(max_examples=400, deadline=None)
@given(persons_rows(), st.sampled_from([None, "BN"]))
def test_the_person_cleaner_gives_what_the_general_path_gives(case, prefix):
    order, rows = case
    clean = PersonCleaner(order, NA_VALUES, prefix)
    assert clean.usable
    for row in rows + rows:  # the second time from its memory of each column
        trims: list = []
        got = clean(row, trims)
        if got is None:
            continue  # the importer cleans this row the general way
        person, kept, want_trims = _general(row, prefix)
        assert (list(got.items()), {}, trims) == (person, kept, want_trims), row


def test_the_shortcut_takes_the_common_rows():
    # a clean row (and one with stray spaces) is taken by the shortcut: the test above is not empty
    clean = PersonCleaner(list(CELLS), NA_VALUES)
    row = {f: values[0] for f, values in CELLS.items()} | {"extra": {}}
    assert clean(row, []) is not None
    assert clean(dict(row, sex=" nữ "), trims := []) is not None and trims == ["sex"]
    # a value that is not plain (a yes-word for doses) goes the general way, which keeps it as an attribute
    assert clean(dict(row, vaccinated="có"), []) is None
    assert _general(dict(row, vaccinated="có"))[1] == {"vaccinated_text": "có"}


def test_files_with_other_person_fields_go_the_general_way():
    for other in ("age", "birth_date", "recovered", "quarantine_start"):
        assert not PersonCleaner(["id", "name", other], NA_VALUES).usable
    assert not PersonCleaner(["name"], NA_VALUES).usable


def _same_reading(clean, typed: str, other_way: str) -> None:
    """``clean`` reads ``typed`` (its shortcut) as it reads ``other_way`` (every step): same value, or the
    same error (naming the value as typed)."""
    try:
        want = clean(other_way)
    except InvalidValue as exc:
        want = str(exc).replace(other_way, typed)
    try:
        got = clean(typed)
    except InvalidValue as exc:
        got = str(exc)
    assert got == want


@given(st.text("0123456789", min_size=1, max_size=17))
def test_a_phone_in_its_stored_form_reads_as_any_other_way_of_writing_it(digits):
    # the shortcut takes "0" + 8-10 digits as it is; written with a space it goes through every step
    _same_reading(normalize_phone, digits, digits[:4] + " " + digits[4:])


@given(st.text("0123456789abcdefXYZ", min_size=1, max_size=22))
def test_a_national_id_without_separators_reads_as_with_them(text):
    _same_reading(normalize_national_id, text, text[:2] + "." + text[2:])


def _stored(db):
    c = sqlite3.connect(db)
    try:
        return c.execute("SELECT id, name, name_folded, phone, national_id, birth_year, sex, address, unit, ward, "
                         "district, workplace, vaccinated, recovered, quarantine_start, extra FROM persons "
                         "ORDER BY id").fetchall()
    finally:
        c.close()


def test_a_persons_file_imports_the_same_with_or_without_the_shortcut(tmp_path, monkeypatch):
    """The same rows, once as they are (the shortcut) and once with a blank
    `age` column (a file the shortcut leaves to the general path whole):
    same persons stored, same rows rejected with the same reasons, same
    summary of kept values, trimmed cells, repeats and possible duplicates."""
    header = ["id", "name", "phone", "national_id", "birth_year", "sex", "address", "unit", "ward", "district",
              "workplace", "vaccinated", "note"]
    records = [
        ["P1", "Lê Văn Tám", "0912345678", "001066929857", "1966", "m", "Số 1", "TDP 1", "Bồ Đề", "Long Biên",
         "Công ty A", "2", ""],
        ["P2", " Trần Thị Bé", "+84 912 345 679", "abc12", " 1990", "Nữ", "Số 2", "TDP 1", "BỒ ĐỀ", "LONG BIÊN",
         "", "2 mũi", "ghi chú"],
        ["P3", "Ngô An", "0912345678", "", "50s", "NA", "", "TDP 2", "Bo De", "Long Biên", "", "có", ""],
        ["P4", "Đỗ Bình", "0912", "", "1970", "m", "", "", "", "", "", "", ""],        # not a phone: kept as phone_text
        ["P5", "Hà Chi", "", "", "2999", "f", "", "", "", "", "", "", ""],             # out of range: rejected
        ["P1", "Lê Văn Tám", "0912345678", "001066929857", "1966", "m", "Số 1", "TDP 1", "Bồ Đề", "Long Biên",
         "Công ty A", "2", ""],                                                          # identical: kept once
        ["P6", "Vũ Dung", "", "", "1980", "x", "", "", "", "", "", "yes (2 doses)", ""],  # kept as attributes
        ["P7", "", "", "", "", "", "", "", "", "", "", "", ""],                           # a bare id
        ["P8", "Phan Em", "", "", "", "f", "", " TDP 3 ", "Phường Bồ Đề", "", "", "không", "x"],
    ]
    monkeypatch.setenv("TRACING_TODAY", TODAY)
    summaries, stored = [], []
    for name, head, recs in (("fast", header, records),
                             ("general", [*header, "age"], [[*r, ""] for r in records])):
        f = _csv(tmp_path / f"{name}.csv", head, recs)
        db = tmp_path / f"{name}.db"
        out = CliRunner().invoke(cli, ["--db", str(db), "import", "persons", str(f), "--skip-invalid", "--format",
                                       "json"], catch_exceptions=False)
        assert out.exit_code == 0, out.output
        summary = json.loads(out.stdout)
        with open(summary["rejected_file"], encoding="utf-8", newline="") as fh:
            rejected = list(csv.reader(fh))
        summaries.append({k: summary[k] for k in ("rows", "written", "rejected", "kept_as_attributes", "trimmed",
                                                  "duplicates", "warnings", "possible_duplicates",
                                                  "areas_respelled", "extras")}
                         | {"rejected_rows": [(r[0], r[-1]) for r in rejected[1:]]})
        stored.append(_stored(db))
    assert summaries[0] == summaries[1]
    assert stored[0] == stored[1]
    # and what the rules say of this file (not only "the same as before")
    fast = summaries[0]
    assert fast["rejected"] == 1 and fast["written"]["persons"] == 7
    # vaccinated: "có", "yes (2 doses)" (no count), and "2 mũi", "không" (read as 2 and 0, the text kept as written);
    # a phone that is no phone ("0912") is kept as written, like other unreadable person values (critic13 F10)
    assert fast["kept_as_attributes"] == {"birth_year": 1, "phone": 1, "sex": 1, "vaccinated": 4}
    assert fast["duplicates"]["identical"] == 1
    wards = {row[9] for row in stored[0] if row[9]}
    assert wards == {"Bồ Đề"}  # one ward however typed, in the first spelling
