"""Managing the outbreak (issue 15): zones declared, mass-tested and released;
foci that end by rule; F0 treatment tiers and release from home care; levels
with vaccination and capacity; workplaces.

Built on the Long Biên fixture (``fixtures/long_bien_2021_05.py``) and small
2022 outbreaks; every expected date is computed from the rule table
(``Rules.defaults()``), never typed in.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from conftest import db_digest, load_fixture, sql_rows
from tracing.epilevel import band_level
from tracing.rules import Rules

LB = load_fixture("long_bien_2021_05")
RULES = Rules.defaults()


def plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


_rows = sql_rows


def _zone_tests(path, person, status="pending"):
    return sorted(r["due"] for r in _rows(
        path, "SELECT due FROM followups WHERE person = ? AND kind = 'zone_test' AND status = ?", (person, status)))


def _declare_pa2(run_json):
    c = LB.PA2_CONFIRM
    return run_json("case", "confirm", c["id"], "--date", c["confirmed"], "--onset", c["onset"], "--declare-zone")


# ------------------------------------------------------------------ 1. zones
def test_pa2_zone_is_declared_and_everyone_in_it_gets_mass_tests(long_bien, run, run_json):
    result = _declare_pa2(run_json)
    day = LB.PA2_CONFIRM["confirmed"]
    zone = result["zone"]
    assert zone["declared"]["id"] == "Z1" and zone["declared"]["start"] == day
    dues = sorted(plus(day, d) for d in RULES.at("zone.test_days", day))
    assert zone["declared"]["tests"]["days"] == dues
    # residents of TDP 3, Thạch Bàn who are not cases, and Q5 checked in at the supermarket in the window
    for person in ("Q2", "R1", "R2", "Q5"):
        assert _zone_tests(long_bien, person) == dues, person
    for person in ("Q6", "BN7", "BN9", "Q1"):  # after the window, cases, not in the zone
        assert _zone_tests(long_bien, person) == [], person
    listed = run_json("followup", "--date", dues[0])
    zone_rows = {r["person"]: r for r in listed if r["kind"] == "zone_test"}
    assert set(zone_rows) == {"Q2", "R1", "R2", "Q5"} and {r["zone"] for r in zone_rows.values()} == {"Z1"}
    assert all(r["section"] == "test" for r in zone_rows.values())
    # a missed mass test is overdue the next day
    overdue = run_json("followup", "--date", plus(dues[0], 1))
    assert {r["person"] for r in overdue if r["section"] == "overdue" and r["kind"] == "zone_test"} >= {"Q2"}


def test_zone_list_release_refused_then_allowed_by_the_rule(long_bien, run, run_json, monkeypatch):
    _declare_pa2(run_json)
    last = LB.PA2_CONFIRM["confirmed"]  # BN9 is the zone's latest case (BN7 of TDP 3 was earlier)
    days = RULES.at("zone.release_days", last)
    due = plus(last, days)
    monkeypatch.setenv("TRACING_TODAY", plus(due, 30))
    [z] = run_json("zone", "list", "--date", plus(due, -1))
    assert (z["status"], z["last_case"], z["days_without_case"], z["release_from"], z["due_for_release"]) == \
        ("active", "BN9", days - 1, due, False)
    assert z["units"] == ["TDP 3, Thạch Bàn"] and z["places"] == ["Siêu thị Thạch Bàn"]
    before = db_digest(long_bien)
    refused = run("zone", "release", "Z1", "--date", plus(due, -1), ok=False)
    assert refused.exit_code == 1 and "BN9" in refused.stderr and due in refused.stderr
    assert db_digest(long_bien) == before
    [z] = run_json("zone", "list", "--date", due)
    assert z["due_for_release"] is True
    out = run_json("zone", "release", "Z1", "--date", due)
    assert out["status"] == "released" and out["forced"] is False
    # the release ends every outstanding mass test (to come and missed before): none is left pending
    tests = RULES.at("zone.test_days", last)
    assert _zone_tests(long_bien, "R1") == []
    assert _zone_tests(long_bien, "R1", "cancelled") == sorted(plus(last, d) for d in tests)
    assert not [r for r in run_json("followup", "--date", due) if r["kind"] == "zone_test"]
    assert run("zone", "release", "Z1", "--date", due, ok=False).exit_code == 1  # already released
    [z] = run_json("zone", "list", "--date", due)
    assert z["status"] == "released" and z["released"] == due


def test_forced_release_keeps_the_reason(long_bien, run, run_json):
    _declare_pa2(run_json)
    early = plus(LB.PA2_CONFIRM["confirmed"], 3)
    out = run_json("zone", "release", "Z1", "--date", early, "--force")
    assert out["forced"] is True and "BN9" in out["note"]
    audit = _rows(long_bien, "SELECT detail FROM audit WHERE command = 'zone release'")
    assert "BN9" in json.loads(audit[0]["detail"])["reason"]


def test_a_new_case_in_the_zone_moves_its_release_and_ends_its_tests(long_bien, run, run_json):
    _declare_pa2(run_json)
    day = plus(LB.PA2_CONFIRM["confirmed"], 5)
    run("case", "confirm", "R1", "--date", day)
    assert _zone_tests(long_bien, "R1") == []  # a case is treated, not mass-tested
    assert _zone_tests(long_bien, "R2") != []
    [z] = run_json("zone", "list", "--date", day)
    assert z["last_case"] == "R1" and z["release_from"] == plus(day, RULES.at("zone.release_days", day))


def test_status_shows_the_treatment_tier_and_the_zones_of_a_person(long_bien, run, run_json, monkeypatch):
    """issue 15 leftover: `status ID` showed neither the case's tier nor the zones the person lives in /
    was checked in at (text and JSON; CLI.md's keys kept)."""
    _declare_pa2(run_json)
    c = LB.PA2_CONFIRM
    start, case = c["confirmed"], c["id"]
    home = plus(start, 1)
    run("care", "set", case, "--tier", "1", "--from", home, "--place", "tại nhà")
    today = plus(start, 3)
    monkeypatch.setenv("TRACING_TODAY", today)
    release_from = plus(start, RULES.at("zone.release_days", today))
    st = run_json("status", case)
    assert {"id", "level", "sources", "primary_source", "flags"} <= set(st)  # the contract's keys stay
    assert {k: st["care"][k] for k in ("tier", "place", "since", "recovered")} == \
        {"tier": 1, "place": "tại nhà", "since": home, "recovered": None}
    assert [(z["id"], z["how"], z["area"], z["status"], z["release_from"]) for z in st["zones"]] == \
        [("Z1", "lives", "TDP 3, Thạch Bàn", "active", release_from)]
    text = run("status", case).stdout
    assert "tier 1 (home care) from " + home in text and "zone Z1 (zone, active): lives in TDP 3, Thạch Bàn" in text
    # a visitor of the zone's place in its window, a resident, and someone outside
    q5 = run_json("status", "Q5")
    assert q5["care"] is None and [(z["id"], z["how"], z["area"]) for z in q5["zones"]] == \
        [("Z1", "checked_in", "Siêu thị Thạch Bàn")]
    assert "checked in at Siêu thị Thạch Bàn" in run("status", "Q5").stdout
    assert [z["how"] for z in run_json("status", "R1")["zones"]] == ["lives"]
    assert run_json("status", "Q6")["zones"] == []  # checked in after the window
    # released: tier history kept, status says so
    recovered = plus(start, 2)
    run("case", "recover", case, "--date", recovered)
    assert run_json("status", case)["care"]["recovered"] == recovered
    assert "released from treatment on " + recovered in run("status", case).stdout


def test_zone_declare_by_name_unit_or_place_and_errors(long_bien, run, run_json):
    day = "2021-05-21"
    out = run_json("zone", "declare", "TDP 5, Ngọc Lâm", "place:Chợ Long Biên", "--from", day, "--kind", "lockdown")
    assert (out["id"], out["kind"], out["units"], out["places"]) == \
        ("Z1", "lockdown", ["TDP 5, Ngọc Lâm"], ["Chợ Long Biên"])
    far = RULES.at("window.incubation_days", day)[0]
    assert out["window"] == [plus(day, -far), day]
    # P4, P8 live in TDP 5 (BN1 and P2... BN1 is a case); Q3, Q4 were at the market in the window
    assert {"P4", "P8", "Q3", "Q4"} <= set(out["to_test"]) and "BN1" not in out["to_test"]
    before = db_digest(long_bien)
    for bad in (["Nowhere", "--from", day], ["TDP 2", "--from", day, "--kind", "lockdown"],
                ["TDP 5, Ngọc Lâm", "--from", "2099-01-01"], ["--from-case", "Q1", "--from", day]):
        result = run("zone", "declare", *bad, ok=False)
        assert result.exit_code in (1, 2) and "Traceback" not in result.output
    assert db_digest(long_bien) == before
    dup = run("zone", "declare", "TDP 5, Ngọc Lâm", "--from", day)
    assert "already in zone Z1" in dup.stderr


def test_a_zone_planned_from_tomorrow_is_not_started_until_then(long_bien, run, run_json, monkeypatch):
    """issue 15 leftover: `zone declare --from` a future day was refused although the status exists."""
    from tracing.zones import PLAN_AHEAD_DAYS
    c = LB.PA2_CONFIRM
    today = c["confirmed"]
    monkeypatch.setenv("TRACING_TODAY", today)
    run("case", "confirm", c["id"], "--date", c["confirmed"], "--onset", c["onset"])
    start = plus(today, 1)
    out = run_json("zone", "declare", "--from-case", c["id"], "--from", start)
    assert out["start"] == start
    assert out["tests"]["days"] == sorted(plus(start, d) for d in RULES.at("zone.test_days", start))
    days = RULES.at("zone.release_days", start)
    [z] = run_json("zone", "list", "--date", today)
    # the case is older than the zone: release never before start + rule days
    assert (z["status"], z["due_for_release"], z["release_from"]) == ("not_started", False, plus(start, days))
    [z] = run_json("zone", "list", "--date", start)
    assert (z["status"], z["release_from"]) == ("active", plus(start, days))
    # on last case + rule days (one day before start + rule days) it is not due, and release is refused
    monkeypatch.setenv("TRACING_TODAY", plus(start, days + 1))
    held = plus(c["confirmed"], days)
    [z] = run_json("zone", "list", "--date", held)
    assert z["due_for_release"] is False and z["days_without_case"] == days
    refused = run("zone", "release", "Z1", "--date", held, ok=False)
    assert refused.exit_code == 1 and f"started {days - 1} days ago" in refused.stderr
    assert plus(start, days) in refused.stderr
    assert run_json("zone", "release", "Z1", "--date", plus(start, days))["status"] == "released"
    # further ahead than PLAN_AHEAD_DAYS is a slip in the year: refused, nothing written
    monkeypatch.setenv("TRACING_TODAY", today)
    before = db_digest(long_bien)
    far = run("zone", "declare", "TDP 5, Ngọc Lâm", "--from", plus(today, PLAN_AHEAD_DAYS + 1), ok=False)
    assert far.exit_code == 1 and "days ahead" in far.stderr
    assert db_digest(long_bien) == before
    assert run_json("zone", "declare", "TDP 5, Ngọc Lâm", "--from", plus(today, PLAN_AHEAD_DAYS))["id"] == "Z2"


def test_zone_release_is_never_before_last_case_plus_rule_days(long_bien, run, run_json, monkeypatch):
    """A case newer than the zone's start holds it rule days from that case."""
    _declare_pa2(run_json)
    start = LB.PA2_CONFIRM["confirmed"]
    late = plus(start, 4)
    run("case", "confirm", "R1", "--date", late)
    days = RULES.at("zone.release_days", late)
    monkeypatch.setenv("TRACING_TODAY", plus(late, days + 1))
    [z] = run_json("zone", "list", "--date", plus(start, days))
    assert (z["last_case"], z["release_from"], z["due_for_release"]) == ("R1", plus(late, days), False)
    [z] = run_json("zone", "list", "--date", plus(late, days))
    assert z["due_for_release"] is True


def test_zone_declare_from_case_equals_the_pa2_proposal(long_bien, run_json):
    c = LB.PA2_CONFIRM
    proposal = run_json("case", "confirm", c["id"], "--date", c["confirmed"], "--onset", c["onset"])["zone"]
    out = run_json("zone", "declare", "--from-case", c["id"], "--from", c["confirmed"])
    assert out["units"] == proposal["units"] and out["places"] == proposal["places"]
    assert out["to_test"] == proposal["to_test"] and out["window"] == proposal["window"]


def test_dry_run_declares_nothing(long_bien, run, run_json):
    c = LB.PA2_CONFIRM
    before = db_digest(long_bien)
    out = run_json("case", "confirm", c["id"], "--date", c["confirmed"], "--declare-zone", "--dry-run")
    assert out["zone"]["declared"]["id"] == "Z1"
    assert db_digest(long_bien) == before


# ------------------------------------------------------------------ 2. foci
def test_focus_is_over_after_the_rule_days_since_the_last_isolation(long_bien, run, run_json, monkeypatch):
    c = LB.PA1_CONFIRM
    run("case", "confirm", c["id"], "--date", c["confirmed"])
    cases = _rows(long_bien, "SELECT confirmed, isolated FROM cases WHERE person IN ('BN1', 'P2')")
    last = max(r["isolated"] for r in cases)
    over = plus(last, RULES.at("focus.over_days", last))
    monkeypatch.setenv("TRACING_TODAY", plus(over, -1))
    [c1] = [x for x in run_json("clusters") if "BN1" in x["cases"]]
    assert (c1["focus"], c1["focus_over_from"]) == ("active", over)
    monkeypatch.setenv("TRACING_TODAY", over)
    [c1] = [x for x in run_json("clusters") if "BN1" in x["cases"]]
    assert c1["focus"] == "over"
    assert "focus" in run("cluster", "show", c1["id"]).stdout
    report = run_json("report", "--from", plus(over, -13), "--to", over)
    assert {f["id"]: f["status"] for f in report["foci"]["list"]}[c1["id"]] == "over"
    report = run_json("report", "--from", plus(over, -14), "--to", plus(over, -1))
    assert {f["id"]: f["status"] for f in report["foci"]["list"]}[c1["id"]] == "active"


def test_focus_counts_from_the_isolation_status_shows_not_the_confirmation(run, run_json, monkeypatch):
    """An F1 quarantined before it tests positive: the focus ends the rule's
    days after its isolation (the day ``status`` shows), not its confirmation."""
    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    for pid in ("C1", "E1"):
        run("person", "add", "--id", pid, "--name", f"Người {pid}", "--ward", "Ngọc Lâm")
    monkeypatch.setenv("TRACING_TODAY", "2021-11-19")  # the contact is recorded when C1 is confirmed
    run("case", "confirm", "C1", "--date", "2021-11-19")
    run("contact", "add", "C1", "E1", "--date", "2021-11-18", "--setting", "household")
    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    run("case", "confirm", "E1", "--date", "2021-11-24", "--source", "C1")
    e1 = run_json("status", "E1")["case"]
    assert e1["isolated"] < e1["confirmed"] == "2021-11-24"
    c1 = run_json("status", "C1")["case"]
    last = max(e1["isolated"], c1["isolated"])
    over = plus(last, RULES.at("focus.over_days", last))
    [cl] = [x for x in run_json("clusters") if "E1" in x["cases"]]
    assert (cl["last_isolated"], cl["focus_over_from"]) == (last, over)
    report = run_json("report", "--from", "2021-11-01", "--to", over)
    [focus] = [f for f in report["foci"]["list"] if f["id"] == cl["id"]]
    assert (focus["last_isolated"], focus["over_from"], focus["status"]) == (last, over, "over")


# ------------------------------------------------------------------ 3. F0 care
@pytest.fixture
def omicron(run, monkeypatch):
    """Four F0 of February 2022 (261/QĐ-BYT in force), three in home care."""
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    for i, ward in enumerate(["Ngọc Lâm", "Ngọc Lâm", "Bồ Đề", "Bồ Đề"], 1):
        run("person", "add", "--id", f"K{i}", "--name", f"Ca {i}", "--ward", ward)
        run("case", "confirm", f"K{i}", "--date", "2022-02-01")
    for i in (1, 2, 3):
        run("care", "set", f"K{i}", "--tier", "1", "--from", "2022-02-01", "--place", "tại nhà")
    run("care", "set", "K4", "--tier", "2", "--from", "2022-02-01", "--place", "BV dã chiến số 1")
    return "2022-02-01"


def test_care_list_gives_day_of_illness_and_release_by_the_rule(omicron, run, run_json):
    rule = RULES.at("care.release", omicron)
    first = plus(omicron, rule["days"] - 1)
    day = plus(first, -1)
    rows = run_json("care", "list", "--date", day)
    assert [r["id"] for r in rows] == ["K3", "K1", "K2"]  # home care only, by ward
    assert all(r["day_of_illness"] == rule["days"] - 1 and r["release_from"] == first
               and r["status"] == "treatment" for r in rows)
    assert rows[0]["release_without_test"] == plus(omicron, rule["days_if_positive"] - 1)
    run("followup", "record", "K1", "--date", first, "--result", "negative")
    rows = {r["id"]: r for r in run_json("care", "list", "--date", first)}
    assert rows["K1"]["status"] == "release" and rows["K2"]["status"] == "test_then_release"
    run("case", "recover", "K1", "--date", first)
    assert [r["id"] for r in run_json("care", "list", "--date", first)] == ["K3", "K2"]
    assert "K1" in [r["id"] for r in run_json("care", "list", "--date", plus(first, -1))]


def test_care_list_gives_home_release_dates_only_to_home_care(omicron, run, run_json):
    """care.release (261/QĐ-BYT) is the home-care rule: a tier 2/3 F0 past its
    days is still in treatment, with no home-rule dates."""
    rule = RULES.at("care.release", omicron)
    day = plus(omicron, rule["days_if_positive"])  # every home F0 may be released on this day
    run("care", "set", "K3", "--tier", "3", "--from", plus(omicron, 1))
    rows = {r["id"]: r for r in run_json("care", "list", "--date", day, "--tier", "all")}
    for cid, tier in (("K4", 2), ("K3", 3)):
        assert rows[cid]["tier"] == tier and rows[cid]["status"] == "treatment"
        assert rows[cid]["release_from"] is None and rows[cid]["release_without_test"] is None
    assert rows["K1"]["status"] == "release" and rows["K1"]["release_from"] == plus(omicron, rule["days"] - 1)
    table = run("care", "list", "--date", day, "--tier", "all").stdout
    k4 = next(line for line in table.splitlines() if line.startswith("K4"))
    assert "in treatment (tier 2)" in k4 and "may be released" not in k4
    assert "may be released" in next(line for line in table.splitlines() if line.startswith("K1"))
    vi = run("--lang", "vi", "care", "list", "--date", day, "--tier", "all").stdout
    assert "đang điều trị (tầng 3)" in next(line for line in vi.splitlines() if line.startswith("K3"))
    early = run_json("case", "recover", "K4", "--date", plus(omicron, 2))
    assert early["warnings"] == []  # the hospital releases a tier 2 F0, not the home rule


def test_care_history_and_tiers_in_the_report(omicron, run, run_json):
    moved = plus(omicron, 2)
    run("care", "set", "K2", "--tier", "3", "--from", moved)
    hist = run_json("care", "set", "K2", "--tier", "2", "--from", plus(moved, 1))["history"]
    assert [h["tier"] for h in hist] == [1, 3, 2]
    report = run_json("report", "--from", omicron, "--to", moved)
    assert report["care"]["tiers"] == {"1": 2, "2": 1, "3": 1}
    assert report["care"]["home_share_pct"] == round(100 * 2 / 4, 1)
    md = run("--lang", "vi", "report", "--from", omicron, "--to", moved).stdout
    assert "F0 theo tầng điều trị" in md and "Khoanh vùng" in md and "Ổ dịch" in md


def test_care_errors_write_nothing(omicron, run, db_path):
    before = db_digest(db_path)
    for args in (["care", "set", "K1", "--tier", "1", "--from", "2022-01-01"],  # before the sample
                 ["care", "set", "NOBODY", "--tier", "1", "--from", "2022-02-02"],
                 ["case", "recover", "K1", "--date", "2022-01-20"]):
        result = run(*args, ok=False)
        assert result.exit_code == 1 and "Error:" in result.stderr
    assert db_digest(db_path) == before
    run("case", "recover", "K1", "--date", "2022-02-03")
    assert "before day" in run("case", "recover", "K2", "--date", "2022-02-03").stderr  # early: warned
    assert run("case", "recover", "K1", "--date", "2022-02-09", ok=False).exit_code == 1
    assert run("care", "set", "K1", "--tier", "2", "--from", "2022-02-05", ok=False).exit_code == 1


def test_release_rules_are_effective_dated():
    older = RULES.at("care.release", "2021-06-01")
    newer = RULES.at("care.release", "2022-02-01")
    assert newer["days"] < older["days"]
    assert RULES.at("care.release", "2022-01-30") != newer


# ------------------------------------------------------------------ 4, 5. levels
def _expected(week_day, cases, pop, crit):
    rule = RULES.at("level.assessment", week_day)
    monday = dt.date.fromisoformat(week_day) - dt.timedelta(days=dt.date.fromisoformat(week_day).weekday())
    sunday = (monday + dt.timedelta(days=6)).isoformat()
    level = band_level(RULES.at("level.bands", sunday), cases * 100_000 / pop)
    low = any(crit.get(k) is not None and crit[k] < v for k, v in rule["coverage"].items())
    level += rule["low_coverage_raise"] if low else 0
    level += rule["capacity_unmet_raise"] if crit.get("capacity") == 0 else 0
    return min(level, rule["max_level"]), rule["decision"]


@pytest.mark.parametrize("week_day", ["2021-12-08", "2022-02-23"])
def test_level_applies_vaccination_and_capacity_of_the_decision_in_force(run, run_json, store, monkeypatch,
                                                                         week_day):
    from tracing.store.reports import set_population
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    areas = {"W1": {"vaccinated": 0.9, "elderly_vaccinated": 0.95, "capacity": 1},
             "W2": {"vaccinated": 0.6, "elderly_vaccinated": 0.9, "capacity": 1},
             "W3": {"vaccinated": 0.9, "elderly_vaccinated": 0.9, "capacity": 0},
             "W4": {}}
    with store.write("populations"):
        for area, crit in areas.items():
            set_population(store, "ward", area, 10_000, **crit)
    for area in areas:
        for i in range(3):
            run("person", "add", "--id", f"{area}-{i}", "--name", "X", "--ward", area)
            run("case", "confirm", f"{area}-{i}", "--date", week_day)
    rows = {r["area"]: r for r in run_json("level", "--week-of", week_day)}
    for area, crit in areas.items():
        assert (rows[area]["level"], rows[area]["decision"]) == _expected(week_day, 3, 10_000, crit), area
    assert rows["W4"]["not_assessed"] == ["vaccinated", "elderly_vaccinated", "capacity"]
    assert rows["W4"]["level"] == rows["W4"]["case_level"]
    assert "Not assessed" in run("level", "--week-of", week_day).stderr
    from tracing.i18n import fmt_percent, set_language
    for lang in ("en", "vi"):  # the table prints shares as percentages; JSON keeps the fraction
        table = run("--lang", lang, "level", "--week-of", week_day).stdout
        set_language(lang)
        w2 = next(line for line in table.splitlines() if line.startswith("W2"))
        assert fmt_percent(areas["W2"]["vaccinated"]) in w2 and fmt_percent(areas["W2"]["elderly_vaccinated"]) in w2
        assert " 0.6 " not in w2 + " "
    set_language("en")


def test_populations_file_with_criteria_and_workplaces(run, run_json, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    path = tmp_path / "pops.csv"
    path.write_text("Địa bàn,Dân số,Cấp,Tỷ lệ tiêm đủ liều,Năng lực điều trị\n"
                    "Ngọc Lâm,10000,Phường,\"82,5 %\",có\n"
                    "Công ty May 10,2000,Doanh nghiệp,95%,không\n", encoding="utf-8")
    run("import", "populations", path)
    for i in range(2):
        run("person", "add", "--id", f"M{i}", "--name", "X", "--ward", "Ngọc Lâm", "--workplace", "Công ty May 10")
        run("case", "confirm", f"M{i}", "--date", "2022-02-23")
    run("person", "add", "--id", "N1", "--name", "Y", "--ward", "Ngọc Lâm")
    run("case", "confirm", "N1", "--date", "2022-02-23")
    [w] = run_json("level", "--by", "workplace", "--week-of", "2022-02-23")
    assert (w["area"], w["new_cases"], w["vaccinated"], w["capacity"]) == ("Công ty May 10", 2, 0.95, False)
    assert w["level"] == _expected("2022-02-23", 2, 2000, {"vaccinated": 0.95, "capacity": 0})[0]
    [ward] = run_json("level", "--week-of", "2022-02-23")
    assert ward["vaccinated"] == 0.825 and ward["new_cases"] == 3


def test_populations_reimport_without_criteria_keeps_them_and_says_which_areas(run, run_json, tmp_path, monkeypatch):
    """issue 15 leftover: a re-import without the coverage/capacity columns silently kept the old figures.
    They are kept (a populations-only file says nothing about vaccination) and the summary names the areas."""
    monkeypatch.setenv("TRACING_TODAY", "2022-03-31")
    first = tmp_path / "pops.csv"
    first.write_text("Địa bàn,Dân số,Cấp,Tỷ lệ tiêm đủ liều,Tỷ lệ tiêm đủ liều người từ 50 tuổi trở lên,"
                     "Năng lực điều trị\n"
                     "Ngọc Lâm,10000,Phường,60%,90%,không\n"
                     "Bồ Đề,8000,Phường,,,\n", encoding="utf-8")
    assert run_json("import", "populations", first)["criteria_kept"] == []
    crit = {"vaccinated": 0.6, "elderly_vaccinated": 0.9, "capacity": 0}
    for i in range(2):
        run("person", "add", "--id", f"N{i}", "--name", "X", "--ward", "Ngọc Lâm")
        run("case", "confirm", f"N{i}", "--date", "2022-02-23")
    again = tmp_path / "pops2.csv"
    again.write_text("Địa bàn,Dân số,Cấp\nngọc lâm,12000,Phường\nBồ Đề,8100,Phường\n", encoding="utf-8")
    result = run("import", "populations", again, "--format", "json")
    summary = json.loads(result.stdout)
    # Ngọc Lâm (written in another case: the same area) kept all three; Bồ Đề had none to keep
    assert summary["criteria_kept"] == [{"kind": "ward", "area": "Ngọc Lâm",
                                         "kept": ["vaccinated", "elderly_vaccinated", "capacity"]}]
    assert "vaccination/capacity figures kept, as this file does not give them (areas: 1): Ngọc Lâm" in result.stderr
    assert "Ngọc Lâm (vaccinated, elderly_vaccinated, capacity)" in result.stderr
    rows = {r["area"]: r for r in run_json("level", "--week-of", "2022-02-23")}
    assert rows["Ngọc Lâm"]["population"] == 12000
    assert (rows["Ngọc Lâm"]["vaccinated"], rows["Ngọc Lâm"]["elderly_vaccinated"], rows["Ngọc Lâm"]["capacity"]) == \
        (0.6, 0.9, False)
    assert rows["Ngọc Lâm"]["level"] == _expected("2022-02-23", 2, 12000, crit)[0]
    # a file giving the columns changes them and keeps nothing
    third = tmp_path / "pops3.csv"
    third.write_text("area,population,level,vaccinated,elderly_vaccinated,capacity\n"
                     "Ngọc Lâm,12000,ward,90%,95%,yes\n", encoding="utf-8")
    assert run_json("import", "populations", third)["criteria_kept"] == []
    [row] = [r for r in run_json("level", "--week-of", "2022-02-23") if r["area"] == "Ngọc Lâm"]
    assert (row["vaccinated"], row["capacity"]) == (0.9, True)


def test_person_merge_keeps_the_treatment_history_and_the_zone(omicron, run, run_json):
    run("person", "add", "--id", "K9", "--name", "Ca 2 (trùng)", "--ward", "Ngọc Lâm", "--unit", "TDP 1")
    run("case", "confirm", "K9", "--date", omicron)
    run("care", "set", "K9", "--tier", "2", "--from", plus(omicron, 1))
    run("zone", "declare", "TDP 1, Ngọc Lâm", "--from", omicron, "--case", "K9")
    run("person", "merge", "K2", "K9")
    history = run_json("care", "set", "K2", "--tier", "1", "--from", plus(omicron, 2))["history"]
    assert [(h["start"], h["tier"]) for h in history] == [(omicron, 1), (plus(omicron, 1), 2), (plus(omicron, 2), 1)]
    [zone] = run_json("zone", "list", "--date", omicron)
    assert zone["case"] == "K2"


def test_an_older_database_gets_the_new_rule_keys_but_keeps_its_own_values(store):
    with store.write("rules"):
        store.conn.execute("DELETE FROM rules WHERE key IN ('care.release', 'level.assessment')")
        store.set_rule("zone.release_days", "2021-06-01", 21, "a province's own value")
    rules = store.rules()
    assert rules.at("care.release", "2022-02-01") == RULES.at("care.release", "2022-02-01")
    assert rules.at("level.assessment", "2022-02-01") == RULES.at("level.assessment", "2022-02-01")
    assert rules.at("zone.release_days", "2021-06-02") == 21


def test_persons_recorded_later_in_a_zoned_unit_get_the_tests_still_to_come(long_bien, run, run_json, tmp_path,
                                                                           monkeypatch):
    _declare_pa2(run_json)
    start = LB.PA2_CONFIRM["confirmed"]
    day = plus(start, 1)
    monkeypatch.setenv("TRACING_TODAY", day)
    to_come = sorted(d for d in (plus(start, n) for n in RULES.at("zone.test_days", start)) if d >= day)
    run("person", "add", "--id", "R3", "--name", "Mới chuyển đến", "--ward", "Thạch Bàn", "--unit", "TDP 3")
    assert _zone_tests(long_bien, "R3") == to_come
    path = tmp_path / "p.csv"
    path.write_text("id,name,ward,unit\nR4,Người mới,Thạch Bàn,TDP 3\nR5,Ở nơi khác,Thạch Bàn,TDP 9\n", encoding="utf-8")
    run("import", "persons", path)
    assert _zone_tests(long_bien, "R4") == to_come and _zone_tests(long_bien, "R5") == []
    run("zone", "release", "Z1", "--date", day, "--force")
    run("person", "add", "--id", "R6", "--name", "Sau khi gỡ", "--ward", "Thạch Bàn", "--unit", "TDP 3")
    assert _zone_tests(long_bien, "R6") == []
