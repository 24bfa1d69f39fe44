"""Issue 13 point 8, the leftovers of session 6: everything that groups or
names cases by area uses the one identity of an area, (district, ward[,
unit]) (:class:`tracing.store.areas.WardGroups`, the rule of ``level`` and
``report``): the ``wards`` of ``tracing clusters`` and ``cluster show`` (text
and JSON), the ward filter of a drawn map, the units of zones. Each through
the real CLI on both stores; the expected names come from the rule
(:func:`tests.test_areas_districts.expected_groups`), not from the code."""

from __future__ import annotations

import re

import pytest

from tests.test_areas_districts import expected_groups
from tests.test_import_linelists import write


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-05-30")


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
