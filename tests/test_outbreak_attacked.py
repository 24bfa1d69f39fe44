"""Issue 15, findings of a tester who attacked zones, care and levels without reading the code.

Each expected value is computed from the rules (``Rules.defaults()``) and the folding of area names
(:func:`tracing.values.fold`), never typed in.
"""

from __future__ import annotations

import datetime as dt
import json

from conftest import load_fixture, sql_rows
from tracing.epilevel import band_level
from tracing.rules import Rules
from tracing.values import fold

LB = load_fixture("long_bien_2021_05")
RULES = Rules.defaults()


def plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def _zone_tests(path, person, status="pending"):
    return sorted(r["due"] for r in sql_rows(
        path, "SELECT due FROM followups WHERE person = ? AND kind = 'zone_test' AND status = ?", (person, status)))


# ------------------------------------------------------------------ 1. workplaces folded like wards
def test_a_workplace_typed_three_ways_is_one_enterprise(run, run_json, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-20")
    pops = tmp_path / "p.csv"
    pops.write_text("area,population,level\nHoàng Liệt,10000,ward\nCông ty TNHH Canon,10000,workplace\n",
                    encoding="utf-8")
    run("import", "populations", pops)
    spellings = ["Công ty TNHH Canon", "công ty TNHH Canon", "Cong ty TNHH Canon"]
    wards = ["Hoàng Liệt", "hoàng liệt", "Hoang Liet"]
    assert len({fold(s) for s in spellings}) == 1 and len({fold(w) for w in wards}) == 1
    for i, (ward, work) in enumerate(zip(wards, spellings), 1):
        run("person", "add", "--id", f"K{i}", "--name", "X", "--ward", ward, "--workplace", work)
        run("case", "confirm", f"K{i}", "--date", "2022-02-08")
    # the same through an import with a "Nơi làm việc" column
    cases = tmp_path / "cases.csv"
    cases.write_text("Mã BN,Họ tên,Phường,Nơi làm việc,Ngày lấy mẫu\n"
                     "K4,Y,HOÀNG LIỆT,CÔNG TY TNHH CANON,08/02/2022\n", encoding="utf-8")
    run("import", "cases", cases)
    n = len(spellings) + 1
    sunday = plus("2022-02-07", 6)
    rows = run_json("level", "--by", "workplace", "--week-of", "2022-02-08")
    assert [(r["area"], r["new_cases"], r["per_100k"]) for r in rows] == \
        [("Công ty TNHH Canon", n, round(n * 100_000 / 10_000, 1))]
    assert rows[0]["case_level"] == band_level(RULES.at("level.bands", sunday), n * 100_000 / 10_000)
    [ward] = run_json("level", "--week-of", "2022-02-08")
    assert (ward["area"], ward["new_cases"]) == ("Hoàng Liệt", n)


def test_zone_declare_matches_units_and_places_folded(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-20")
    run("person", "add", "--id", "P1", "--name", "X", "--ward", "Định Công", "--unit", "Tổ 12")
    z = run_json("zone", "declare", "tổ 12, định công", "--from", "2022-02-10")
    assert z["units"] == ["Tổ 12, Định Công"] and z["to_test"] == ["P1"]
    z2 = run_json("zone", "declare", "unit:TO 12", "--from", "2022-02-10")
    assert z2["units"] == ["Tổ 12, Định Công"]
