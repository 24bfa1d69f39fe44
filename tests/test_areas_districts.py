"""Issue 13 point 8, critic13c F1: the identity of an area is (district, ward
[, unit]), and the administrative kind when it is written on both sides.
``Phường 1`` of ``Quận 3`` and of ``Quận 10`` are two wards; ``Xa Bo De`` (a
commune of Gia Lâm) is not ``Phường Bồ Đề`` of Long Biên; the spelling fold
(``Phường 01`` = ``Phường 1``, ``Bo De`` = ``Bồ Đề``) still holds within a
district. Each on a small file through the real CLI, on both stores; the
expected groups are computed by :func:`expected_groups`, the rule written
out independently of the code (README "Area names")."""

from __future__ import annotations

from collections import Counter

import pytest

from tests.test_import_linelists import rows, write
from tracing.values import area_kind, fold_area

KIND_WORDS = {"phường": "phuong", "p.": "phuong", "xã": "xa", "xa": "xa", "phuong": "phuong"}


def _kind(ward: str) -> str:
    """The kind written before a name, as the rule reads it (diacritics or
    the bare word before a name)."""
    first = ward.lower().split()[0]
    return KIND_WORDS.get(first, "")


def expected_groups(data: list[tuple[str, str | None, str]]) -> Counter:
    """``{label: cases}`` for ``(id, district, ward)`` rows by the rule: a
    ward is (folded name, kind, folded district); a ward name found in
    several districts is shown ``WARD, DISTRICT`` (the first spelling seen in
    that district); a row without a district joins the one district that has
    the name, else stays apart under the bare name."""
    first: dict[tuple, str] = {}    # (name, kind, district) -> spelling
    district_of: dict[str, str] = {}
    for _id, district, ward in data:
        if district:
            key = (_name(ward), _kind(ward), fold_area(district))
            first.setdefault(key, ward)
            district_of.setdefault(fold_area(district), district)
    names: dict[str, set] = {}  # a spelling folded -> its districts: shown with the district when several
    for key, spelling in first.items():
        names.setdefault(fold_area(spelling), set()).add(key[2])
    out: Counter = Counter()
    for _id, district, ward in data:
        name, kind = _name(ward), _kind(ward)
        if not district:
            found = sorted(d for (n, k, d) in first if n == name and (not kind or not k or k == kind))
            if len(found) != 1:
                out[ward] += 1
                continue
            d = found[0]
            key = next(k for k in first if k[0] == name and k[2] == d)
        else:
            d = fold_area(district)
            key = next((k for k in first if k[0] == name and k[2] == d and (k[1] == kind or not kind or not k[1])),
                       (name, kind, d))
        spelling = first[key]
        out[f"{spelling}, {district_of[d]}" if len(names[fold_area(spelling)]) > 1 else spelling] += 1
    return out


def _name(ward: str) -> str:
    key = fold_area(ward)
    if area_kind(ward) is None and _kind(ward):  # 'Xa Bo De': the bare word before a name
        key = key.split(" ", 1)[1]
    return key


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-05-30")


def _cases_file(tmp_path, data, name="c.csv", unit=None):
    lines = ["Mã BN,Ngày dương tính,Phường,Quận" + (",Tổ dân phố" if unit else "")]
    for i, (pid, district, ward) in enumerate(data):
        lines.append(f"{pid},25/05/2021,{ward},{district or ''}" + (f",{unit[i]}" if unit else ""))
    return write(tmp_path / name, "\n".join(lines) + "\n")


def _level(run_json):
    return {r["area"]: r for r in run_json("level", "--week-of", "2021-05-25")}


def _report(run_json, by="ward"):
    d = run_json("report", "--by", by, "--from", "2021-05-24", "--to", "2021-05-30")
    return {a["area"]: a["new_cases"] for a in d["areas"]}


# ------------------------------------------------------------------ the tester's first reproduction
F1_ATK = [("BN1", "Quận 3", "Phường 1"), ("BN2", "Quận 10", "Phường 01"),
          ("BN3", "Quận 3", "P.1"), ("BN4", "Quận 10", "phuong 1")]


def test_same_ward_number_in_two_districts_is_two_wards_in_level_and_report(tmp_path, run_json, db_path):
    s = run_json("import", "cases", _cases_file(tmp_path, F1_ATK))
    want = expected_groups(F1_ATK)
    assert len(want) == 2 and sorted(want.values()) == [2, 2]  # the rule's answer, not one row of 4
    assert {a: r["new_cases"] for a, r in _level(run_json).items()} == want
    assert _report(run_json) == want
    # the spelling fold within a district is said; nothing is respelled from the other district
    assert s["areas_respelled"] == {"P.1": "Phường 1", "phuong 1": "Phường 01"}
    assert rows(db_path, "SELECT id, district, ward FROM persons ORDER BY id") == [
        (pid, d, w) for pid, d, w in [("BN1", "Quận 3", "Phường 1"), ("BN2", "Quận 10", "Phường 01"),
            ("BN3", "Quận 3", "Phường 1"), ("BN4", "Quận 10", "Phường 01")]]


# ------------------------------------------------------------------ the tester's second reproduction
POP = "Khu vực,Dân số,Cấp\nPhường Bồ Đề,30000,ward\nPhường Phúc Đồng,20000,ward\nPhường 1,20000,ward\n"
F1_PREV = [("V1", "Long Biên", "phuong phuc dong"), ("V2", "Long Biên", "Phuong Bo De"),
           ("V3", "Quận 3", "Phường 01"), ("V4", "Quận 5", "P1"), ("V5", "Gia Lâm", "Xa Bo De")]


def test_a_commune_of_another_district_is_not_folded_into_a_ward_or_its_population(tmp_path, run_json, db_path):
    run_json("import", "populations", write(tmp_path / "pop.csv", POP))
    s = run_json("import", "cases", _cases_file(tmp_path, F1_PREV))
    assert "Xa Bo De" not in s["areas_respelled"]
    assert rows(db_path, "SELECT ward FROM persons WHERE id = 'V5'") == [("Xa Bo De",)]
    assert s["areas_respelled"] == {"Phuong Bo De": "Phường Bồ Đề", "Phường 01": "Phường 1",
                                    "phuong phuc dong": "Phường Phúc Đồng"}
    level = _level(run_json)
    pops = {"Phường Bồ Đề": 30000, "Phường Phúc Đồng": 20000, "Phường 1": 20000}
    # the population file's spellings name the groups (each name in one district)
    stored = [(pid, d, {"Phuong Bo De": "Phường Bồ Đề", "Phường 01": "Phường 1",
                        "phuong phuc dong": "Phường Phúc Đồng"}.get(w, w)) for pid, d, w in F1_PREV]
    want = expected_groups(stored)
    assert {a: r["new_cases"] for a, r in level.items() if r["new_cases"]} == want
    assert want["Phường Bồ Đề"] == 1 and want["Xa Bo De"] == 1
    assert level["Phường Bồ Đề"]["per_100k"] == round(want["Phường Bồ Đề"] * 100_000 / pops["Phường Bồ Đề"], 1)
    assert level["Xa Bo De"]["population"] is None  # Long Biên's population is not Gia Lâm's commune's


# ------------------------------------------------------------------ the rules for a ward without a district
AMBIGUOUS = [("A1", "Quận 3", "Phường 1"), ("A2", "Quận 10", "Phường 1"), ("A3", None, "Phường 1"),
             ("A4", "Long Biên", "Phường Bồ Đề"), ("A5", None, "bo de")]


def test_a_ward_without_district_joins_the_one_district_with_that_name_else_is_kept_apart_and_said(
        tmp_path, run_json, run):
    f = _cases_file(tmp_path, AMBIGUOUS)
    run("init")  # a dry run writes nothing: it needs a database
    s = run_json("import", "cases", f, "--dry-run")  # said on a dry run too
    stored = [(p, d, "Phường Bồ Đề" if w == "bo de" else w) for p, d, w in AMBIGUOUS]
    want = expected_groups(stored)
    assert want == Counter({"Phường 1, Quận 3": 1, "Phường 1, Quận 10": 1, "Phường 1": 1, "Phường Bồ Đề": 2})
    # the ambiguous row is named with its line (line 1 is the header)
    line = 1 + 1 + [p for p, _d, _w in AMBIGUOUS].index("A3")
    assert s["wards_ambiguous"] == [{"line": line, "id": "A3", "ward": "Phường 1", "districts": ["Quận 10", "Quận 3"]}]
    text = run("import", "cases", f).output
    assert (f"Wards without a district whose name is in several districts (1): kept apart (counted in "
            f"none of them; add the district): line {line} A3 'Phường 1' (Quận 10, Quận 3)") in text
    assert {a: r["new_cases"] for a, r in _level(run_json).items()} == want
    assert _report(run_json) == want


def test_populations_with_a_district_column_key_each_ward_by_its_district(tmp_path, run_json):
    pops = [("Phường 1", "Quận 3", 20000), ("Phường 1", "Quận 10", 30000), ("Phường Bồ Đề", "Long Biên", 25000)]
    text = "Khu vực,Quận,Dân số\n" + "".join(f"{w},{d},{n}\n" for w, d, n in pops)
    s = run_json("import", "populations", write(tmp_path / "p.csv", text))
    assert s["written"]["populations"] == len(pops)  # two areas named Phường 1, not one
    run_json("import", "cases", _cases_file(tmp_path, AMBIGUOUS))
    want = expected_groups([(p, d, "Phường Bồ Đề" if w == "bo de" else w) for p, d, w in AMBIGUOUS])
    level = _level(run_json)
    for ward, district, n in pops:
        label = f"{ward}, {district}" if f"{ward}, {district}" in want else ward
        assert level[label]["population"] == n
        assert level[label]["per_100k"] == round(want[label] * 100_000 / n, 1)
    assert level["Phường 1"]["population"] is None  # the district-less row belongs to neither


def test_a_commune_and_a_ward_of_one_name_in_one_district_are_two_areas(tmp_path, run_json):
    data = [("K1", "Gia Lâm", "Xã Bồ Đề"), ("K2", "Gia Lâm", "Phường Bồ Đề"), ("K3", "Gia Lâm", "xã bồ đề"),
            ("K4", "Long Biên", "Phường Phúc Đồng"), ("K5", "Long Biên", "Phúc Đồng")]
    s = run_json("import", "cases", _cases_file(tmp_path, data))
    assert s["areas_respelled"] == {"xã bồ đề": "Xã Bồ Đề", "Phúc Đồng": "Phường Phúc Đồng"}
    stored = [(p, d, s["areas_respelled"].get(w, w)) for p, d, w in data]
    assert _report(run_json) == expected_groups(stored)
    assert len(expected_groups(stored)) == 3


def test_units_belong_to_their_ward_of_their_district(tmp_path, run_json):
    data = [("U1", "Quận 3", "Phường 1"), ("U2", "Quận 10", "Phường 1"), ("U3", "Quận 10", "Phường 1")]
    units = ["TDP 5", "Tổ 5", "tdp 05"]
    s = run_json("import", "cases", _cases_file(tmp_path, data, unit=units))
    assert s["areas_respelled"] == {"tdp 05": "Tổ 5"}  # one unit of Quận 10's Phường 1, first seen 'Tổ 5'
    wards = expected_groups(data)
    want = Counter()
    for (pid, d, w), u in zip(data, units):
        want[f"{'TDP 5' if d == 'Quận 3' else 'Tổ 5'}, {w}, {d}"] += 1
    assert set(wards) == {"Phường 1, Quận 3", "Phường 1, Quận 10"}
    assert _report(run_json, "unit") == want


# ------------------------------------------------------------------ duplicates and checks
PEOPLE = ("id,name,birth_year,phone,ward,district\n"
          "D1,Nguyễn Văn An,1980,0912000001,Phường 1,Quận 3\n"
          "D2,Nguyen Van An,1980,,Phường 1,Quận 10\n"
          "D3,NGUYỄN VĂN AN,1980,,Phường 01,Quận 3\n"
          "D4,Trần Thị Bình,1990,0912000002,Phường 1,Quận 3\n"
          "D5,Lê Văn Cường,1975,0912000002,Phường 1,Quận 10\n")


def test_person_duplicates_and_check_compare_wards_with_their_district(tmp_path, run_json):
    run_json("import", "persons", write(tmp_path / "p.csv", PEOPLE))
    pairs = {(p["a"], p["b"]) for p in run_json("person", "duplicates")
             if any("same name" in r for r in p["reasons"])}
    # same folded name and birth year: D1 and D3 share Quận 3's Phường 1; D2 is in Quận 10's
    assert pairs == {("D1", "D3")}
    checks = run_json("check")
    two = [c for c in checks if c["check"] == "two_wards"]
    assert [c["ids"] for c in two] == [["D4", "D5"]]  # one phone in Phường 1 of two districts: two wards
    assert "Phường 1, Quận 10" in two[0]["message"] and "Phường 1, Quận 3" in two[0]["message"]
    assert not [c for c in checks if c["check"] == "area_spellings"]  # Phường 01 of Quận 3 was respelled


# ------------------------------------------------------------------ number words (issue 13 point 8)
#: the ways a ward's number is written: 'số' is Vietnamese for "number"
NUMBERED = ["Phường 1", "Phường số 1", "P. số 01", "Phuong so 1", "Phường No. 1", "Phường #1"]
#: units with a number word, each beside the same unit without one
NUMBERED_UNITS = [("Tổ dân phố 5", "Tổ dân phố số 5"), ("Khu phố 3", "Khu phố số 03"), ("Ấp 2", "Ấp số 2"),
                  ("Thôn 4", "Thôn No. 4")]


def test_number_words_are_the_number_in_wards_and_units(tmp_path, run_json):
    data = [(f"N{i}", "Quận 3", w) for i, w in enumerate(NUMBERED)] + [("N9", "Quận 10", "Phường số 1")]
    s = run_json("import", "cases", _cases_file(tmp_path, data))
    # every way of writing it is Quận 3's Phường 1, spelled as first seen; Quận 10's stays its own
    assert s["areas_respelled"] == {w: "Phường 1" for w in NUMBERED[1:]}
    assert _report(run_json) == Counter({"Phường 1, Quận 3": len(NUMBERED), "Phường số 1, Quận 10": 1})
    units = [u for pair in NUMBERED_UNITS for u in pair]
    unit_data = [(f"T{i}", "Quận 5", "Phường 2") for i in range(len(units))]
    s = run_json("import", "cases", _cases_file(tmp_path, unit_data, name="u.csv", unit=units))
    assert s["areas_respelled"] == {b: a for a, b in NUMBERED_UNITS}
    by_unit = _report(run_json, "unit")
    assert {a: n for a, n in by_unit.items() if a.endswith("Phường 2")} == {
        f"{a}, Phường 2": 2 for a, _b in NUMBERED_UNITS}  # one name in one district: shown without it
