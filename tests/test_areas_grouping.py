"""Issue 13 point 8, the leftovers of session 6: everything that groups or
names cases by area uses the one identity of an area, (district, ward[,
unit]) (:class:`tracing.store.areas.WardGroups`, the rule of ``level`` and
``report``): the ``wards`` of ``tracing clusters`` and ``cluster show`` (text
and JSON), the ward filter of a drawn map, the units of zones. Each through
the real CLI on both stores; the expected names come from the rule
(:func:`tests.test_areas_districts.expected_groups`), not from the code."""

from __future__ import annotations

import json
import re

from tests.test_areas_districts import expected_groups
from tests.test_import_linelists import write


#: one cluster (C2 and C3 name C1 as their source) across two districts' Phường 1,
#: with a case whose ward has no district (ambiguous: kept apart) and one of Long Biên
CASES = [("C1", "Quận 3", "Phường 1", "", "TDP 5"), ("C2", "Quận 10", "Phường 1", "C1", "TDP 5"),
         ("C3", None, "Phường 1", "C1", ""), ("C4", "Long Biên", "Phường Bồ Đề", "C2", "TDP 5")]


def _import(tmp_path, run_json, data=CASES):
    text = "id,confirmed,source,ward,district,unit\n" + "".join(
        f"{pid},25/05/2021,{src},{ward},{district or ''},{unit}\n" for pid, district, ward, src, unit in data)
    return run_json("import", "cases", write(tmp_path / "cases.csv", text))


def _want_wards(data=CASES) -> list[str]:
    return sorted(expected_groups([(pid, d, w) for pid, d, w, _s, _u in data]))


def _label(district, ward, data=CASES) -> str:
    """The name of a ward by the rule: with its district when its name is in several districts."""
    districts = {d for _p, d, w, _s, _u in data if w == ward and d}
    return f"{ward}, {district}" if district and len(districts) > 1 else ward


def test_clusters_name_a_ward_with_its_district_as_level_does(tmp_path, run_json, run):
    _import(tmp_path, run_json)
    want = _want_wards()
    assert want == ["Phường 1", "Phường 1, Quận 10", "Phường 1, Quận 3", "Phường Bồ Đề"]  # the rule: three Phường 1
    (cluster,) = run_json("clusters")
    assert cluster["wards"] == want
    assert sorted(r["area"] for r in run_json("level", "--week-of", "2021-05-25") if r["new_cases"]) == want
    shown = run_json("cluster", "show", cluster["id"])
    assert shown["wards"] == want
    # a unit is in its ward as named: TDP 5 of two districts' Phường 1 is two units
    assert shown["units"] == sorted(f"{u}, {_label(d, w)}" for _p, d, w, _s, u in CASES if u)
    assert len(shown["units"]) == 3
    text = run("--lang", "en", "clusters").output
    assert "Phường 1, Quận 10" in text and "Phường 1, Quận 3" in text
    text = run("--lang", "en", "cluster", "show", cluster["id"]).output
    line = next(x for x in text.splitlines() if x.strip().startswith("wards:"))
    assert line.split(":", 1)[1].strip() == ", ".join(want)


def test_a_map_filters_by_ward_with_its_district(tmp_path, run_json, run):
    _import(tmp_path, run_json)
    (cluster,) = run_json("clusters")
    out = tmp_path / "map.html"
    run("render", "--cluster", cluster["id"], "-o", out)
    html = out.read_text(encoding="utf-8")
    select = re.search(r'<select id="ward-filter">(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)">', select)
    assert options == [""] + _want_wards()


# ------------------------------------------------------------------ zones: a unit is (district, ward, unit)
PEOPLE = ("id,name,ward,district,unit\n"
          "Z1,An,Phường 1,Quận 3,TDP 5\nZ2,Bình,Phường 1,Quận 3,TDP 5\n"
          "Z3,Cường,Phường 1,Quận 10,TDP 5\nZ4,Dũng,Phường 1,Quận 10,Tổ dân phố số 5\n")


def _people(tmp_path, run_json, text=PEOPLE):
    run_json("import", "persons", write(tmp_path / "people.csv", text))
    rows = [line.split(",") for line in text.splitlines()[1:]]
    return {pid: (district, ward) for pid, _n, ward, district, _u in rows}


def test_a_zone_holds_the_unit_of_its_district_only(tmp_path, run_json, run):
    where = _people(tmp_path, run_json)
    # TDP 5 of Phường 1 is in two districts: the zone must say which
    err = run("zone", "declare", "TDP 5, Phường 1", "--from", "2021-06-29", ok=False)
    assert err.exit_code == 1 and "TDP 5, Phường 1, Quận 10" in err.output and "TDP 5, Phường 1, Quận 3" in err.output
    z = run_json("zone", "declare", "TDP 5, Phường 1, Quận 10", "--from", "2021-06-29")
    assert z["units"] == ["TDP 5, Phường 1, Quận 10"]
    # the rule: the residents of that unit in Quận 10 ('Tổ dân phố số 5' is TDP 5), none of Quận 3's
    assert z["to_test"] == sorted(p for p, (d, _w) in where.items() if d == "Quận 10")
    # a person added later to Quận 3's TDP 5 is not enrolled in Quận 10's zone; one in Quận 10's is
    run("person", "add", "--id", "Z5", "--name", "Em", "--ward", "Phường 1", "--district", "Quận 3", "--unit", "TDP 5")
    run("person", "add", "--id", "Z6", "--name", "Gấm", "--ward", "Phường 1", "--district", "Quận 10", "--unit", "TDP 5")
    due = {f["person"] for f in run_json("followup", "--date", "2021-07-06")
           if f.get("kind") == "zone_test" or "zone" in str(f.get("reason", ""))}
    assert "Z5" not in due and "Z6" in due
    # a case in Quận 3's TDP 5 does not hold Quận 10's zone
    run("case", "confirm", "Z1", "--date", "2021-06-29")
    (listed,) = run_json("zone", "list")
    assert listed["last_case"] is None
    run("case", "confirm", "Z3", "--date", "2021-06-30")
    (listed,) = run_json("zone", "list")
    assert listed["last_case"] == "Z3"


# ------------------------------------------------------------------ older databases (schema 13)
#: (id, district, ward, unit) as an older version stored them: Phường 1 of two districts, a
#: district-less Phường 1, and 'Phường số 2' beside 'Phường 2' (one ward since number words fold)
OLD_PERSONS = [("O1", "Quận 3", "Phường 1", "TDP 5"), ("O2", "Quận 10", "Phường 1", "TDP 5"),
               ("O3", "Quận 3", "Phường 1", "TDP 7"), ("O4", None, "Phường 1", "TDP 9"),
               ("O5", "Quận 5", "Phường 2", "TDP 1"), ("O6", "Quận 5", "Phường số 2", "TDP 1")]
#: zones of an older version, keyed by ward and unit names only
OLD_ZONES = {1: ("TDP 5", "Phường 1"), 2: ("TDP 7", "Phường 1")}


def _fill_13(conn) -> None:
    for n, (pid, district, ward, unit) in enumerate(OLD_PERSONS):
        conn.execute("INSERT INTO persons (id, name, name_folded, district, ward, unit, created_at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?)", (pid, pid, pid.lower(), district, ward, unit,
                                                       f"2021-06-0{n + 1} 08:00:00"))
    conn.execute("INSERT INTO populations (kind, area, population) VALUES ('ward', 'Phường 1', 20000)")
    for n, (unit, ward) in OLD_ZONES.items():
        conn.execute("INSERT INTO zones (n, kind, start, window_from, window_to, created_at) "
                     "VALUES (?, 'zone', '2021-06-10', '2021-05-27', '2021-06-10', '2021-06-10 09:00:00')", (n,))
        conn.execute("INSERT INTO zone_areas (zone, kind, name, unit, ward) VALUES (?, 'unit', ?, ?, ?)",
                     (n, f"{unit}, {ward}", unit, ward))
    # what an upgrade of an older version merged by name alone (its audit record)
    conn.execute("INSERT INTO audit (at, actor, command, detail) VALUES ('2021-06-01 08:00:00', 'x', 'upgrade', ?)",
                 (json.dumps(OLD_MERGE, ensure_ascii=False),))


#: an upgrade to schema 11 of an older version: Quận 10's 'Phường 01' respelled to Quận 3's 'Phường 1',
#: and the population of 'Phường 01' merged into 'Phường 1''s
OLD_MERGE = {"schema": 11, "areas_merged": {
    "respelled": {"ward": {"Phường 01": "Phường 1", "Phường 3": "Phường 3"}}, "rows": {"persons": 1},
    "populations_merged": [{"kind": "ward", "area": "Phường 01", "population": 30000, "into": "Phường 1"}]}}


def test_an_older_database_gets_zone_districts_and_check_names_what_was_merged(db_path, run_json):
    from tests.conftest import sql_rows
    from tests.test_areas_upgrade import build_at

    build_at(db_path, 13, _fill_13)
    findings = [f for f in run_json("check") if f["check"] == "ward_districts"]   # opens (upgrades) the database
    # the rule: a zone's unit takes the district of its residents when they are of one district, else none
    residents = {n: {d for _p, d, w, u in OLD_PERSONS if (u, w) == unit and d} for n, unit in OLD_ZONES.items()}
    want = {n: (next(iter(ds)) if len(ds) == 1 else None) for n, ds in residents.items()}
    assert want == {1: None, 2: "Quận 3"}
    assert {r["zone"]: r["district"] for r in sql_rows(db_path, "SELECT zone, district FROM zone_areas")} == want
    # number words: 'Phường số 2' is Quận 5's 'Phường 2' (first seen), merged by the upgrade
    assert {r["ward"] for r in sql_rows(db_path, "SELECT ward FROM persons WHERE district = 'Quận 5'")} == {"Phường 2"}
    # check names each record keyed by the name alone, with which persons name which district
    by_district = {"Quận 10": ["O2"], "Quận 3": ["O1", "O3"]}
    named = "; ".join(f"{d}: {', '.join(ids)}" for d, ids in sorted(by_district.items()))
    assert [(f["ids"], f["message"]) for f in findings] == [
        (["O4"], f"ward 'Phường 1' is in several districts ({named}); O4 have this ward and no district: "
                 "counted in none of them (add their district)"),
        (["Phường 01"], f"an upgrade merged the population of 'Phường 01' (30000) into ward 'Phường 1' by name, "
                        f"and that ward is in several districts ({named}): import populations with a district "
                        "column ('WARD, DISTRICT')"),
        (["Phường 1"], f"the population of ward 'Phường 1' (20000) has no district, and that ward is in several "
                       f"districts ({named}): it applies to none of them (import populations with a district "
                       "column: 'WARD, DISTRICT')"),
        (["Phường 1"], f"ward 'Phường 1' is stored for several districts ({named}), and an upgrade respelled "
                       "'Phường 01' to it (older versions did so by name alone, whatever the district): check which "
                       "of these persons' ward was typed otherwise"),
        (["Z1"], "zone Z1 unit 'TDP 5, Phường 1' has no district, and its ward is in several districts "
                 "(Quận 10: O2; Quận 3: O1): it holds none of their residents (cancel it and declare "
                 "'UNIT, WARD, DISTRICT')"),
    ]


def test_ward_filters_take_the_ward_as_level_names_it(tmp_path, run_json, run):
    where = _people(tmp_path, run_json)
    run_json("zone", "declare", "TDP 5, Phường 1, Quận 10", "--from", "2021-06-29")
    run_json("zone", "declare", "TDP 5, Phường 1, Quận 3", "--from", "2021-06-29")
    for typed, district in (("Phường 1, Quận 10", "Quận 10"), ("phuong so 1, quan 3", "Quận 3"), ("Phường 1", None)):
        want = sorted(p for p, (d, _w) in where.items() if district in (None, d))
        assert sorted({f["person"] for f in run_json("followup", "--date", "2021-07-06", "--ward", typed)}) == want
        listed = run_json("list", "--ward", typed)  # traced persons only: none are
        assert listed == []
    run("case", "confirm", "Z1", "--date", "2021-06-29")
    run("contact", "add", "Z1", "Z3", "--date", "2021-06-28")
    run("contact", "add", "Z1", "Z2", "--date", "2021-06-28")
    assert [r["id"] for r in run_json("list", "--ward", "Phường 1, Quận 10")] == ["Z3"]
    assert [r["id"] for r in run_json("list", "--ward", "Phường 1, Quận 3")] == ["Z1", "Z2"]
    assert [r["id"] for r in run_json("list", "--ward", "Phường 1")] == ["Z1", "Z2", "Z3"]
