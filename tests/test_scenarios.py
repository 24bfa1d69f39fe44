"""PA1 and PA2 of the Long Biên notice (May 2021) on fixture data, through the CLI.

Expected dates are computed from the rule table (``quarantine.plan`` in force
on the confirmation date) and the fixture's contact dates, never typed in.
"""

from __future__ import annotations

import datetime as dt
import pathlib

import pytest

from conftest import db_digest, db_rows, is_postgres, load_fixture
from tracing.rules import Rules
from tracing.scenarios import SCORE_WEIGHTS



LB = load_fixture("long_bien_2021_05")
RULES = Rules.defaults()


@pytest.fixture
def long_bien(db_path):
    LB.load(db_path)
    return db_path


def _plus(day: str, n: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=n)).isoformat()


def _contact_dates(x: str, y: str) -> list[str]:
    return sorted(c["date"] for c in LB.CONTACTS if {c["a"], c["b"]} == {x, y})


def _expected(last: str, level_key: str, day: str) -> tuple[str | None, list[str]]:
    """Quarantine end and test days from the plan in force on ``day`` (the
    confirmation that traced the person): Day 1 is the day after ``last``, and
    no test falls before ``day`` (DOMAIN.md)."""
    plan = RULES.at("quarantine.plan", day)[level_key]
    until = _plus(last, plan["days"]) if plan["days"] else None
    return until, sorted({max(_plus(last, n), day) for n in plan["tests"]})


def _setup_case(cid: str) -> dict:
    return next(c for c in LB.SETUP_CASES if c["id"] == cid)


def _confirm_args(case: dict) -> list[str]:
    args = ["case", "confirm", case["id"], "--date", case["confirmed"]]
    if case.get("onset"):
        args += ["--onset", case["onset"]]
    return args


# ---------------------------------------------------------------- PA1
def test_pa1_an_f1_turns_positive_promotes_the_chain(long_bien, run_json):
    before = {r["id"]: r["level"] for r in run_json("list")}
    assert before["P2"] == "F1" and before["P4"] == "F2" and before["P8"] == "F2"
    out = run_json(*_confirm_args(LB.PA1_CONFIRM))
    assert out["scenario"] == "PA1" and out["dry_run"] is False
    changes = {c["id"]: (c["from"], c["to"]) for c in out["changes"]}
    # P7 met P2 on 05-09, after P2 entered quarantine (BN1's confirmation):
    # P2's infectious window had ended (11042/BYT-DP), so P7 is not an F1
    assert changes == {"P2": ("F1", "F0"), "P4": ("F2", "F1"), "P5": ("F2", "F1"),
                       "P6": (None, "F2"), "P8": ("F2", None)}
    after = {r["id"]: r["level"] for r in run_json("list")}
    assert {p: after.get(p) for p in changes} == {p: to for p, (_, to) in changes.items()}
    assert out["candidates"] == [] and out["zone"] is None


def test_pa1_schedules_follow_the_rule_in_force(long_bien, run_json):
    case = LB.PA1_CONFIRM
    day = case["confirmed"]
    out = run_json(*_confirm_args(case))
    sched = {e["id"]: e for e in out["schedule"]}
    assert set(sched) == {c["id"] for c in out["changes"]}
    # F0: quarantine ends on the confirmation day, treatment from then on
    assert sched["P2"]["level"] == "F0" and sched["P2"]["quarantine_until"] == day and sched["P2"]["tests"] == []
    # F1 of P2: last contact with P2 inside P2's infectious window, which ends
    # when P2 entered quarantine (the confirmation of its source BN1)
    start = _plus(day, -RULES.at("window.infectious_before_days", day))
    isolated = _setup_case("BN1")["confirmed"]
    for person in ("P4", "P5"):
        last = max(d for d in _contact_dates(person, "P2") if start <= d <= isolated)
        until, tests = _expected(last, "F1", day)
        assert (sched[person]["level"], sched[person]["quarantine_until"], sched[person]["tests"]) == \
               ("F1", until, tests), person
    # P5 met P2 again on 05-10, in quarantine: not an exposure, the period does not restart
    assert sched["P5"]["last_exposure"] < max(_contact_dates("P5", "P2"))
    assert "P7" not in sched
    # F2 of P4: contact inside P4's window (its exposure to P2 .. P2's confirmation)
    last = max(d for d in _contact_dates("P6", "P4") if sched["P4"]["last_exposure"] <= d <= day)
    until, tests = _expected(last, "F2", day)
    assert (sched["P6"]["level"], sched["P6"]["quarantine_until"], sched["P6"]["tests"]) == ("F2", until, tests)
    # P8 dropped out
    assert sched["P8"] == {**sched["P8"], "level": None, "quarantine_until": None, "tests": []}


def test_pa1_rules_set_later_change_the_schedule(long_bien, run, run_json):
    """A province changes the plan from the confirmation day: the new numbers are used."""
    day = LB.PA1_CONFIRM["confirmed"]
    plan = {"F1": {"days": 10, "where": "home", "monitor_days": 0, "tests": [3, 9]},
            "F2": {"days": 5, "where": "home", "monitor_days": 0, "tests": [5]}}
    import json
    run("rules", "set", "quarantine.plan", json.dumps(plan), "--from", day)
    out = run_json(*_confirm_args(LB.PA1_CONFIRM))
    sched = {e["id"]: e for e in out["schedule"]}
    last = sched["P4"]["last_exposure"]
    assert sched["P4"]["quarantine_until"] == _plus(last, plan["F1"]["days"])
    assert sched["P4"]["tests"] == [_plus(last, n) for n in plan["F1"]["tests"]]
    assert sched["P6"]["tests"] == [_plus(sched["P6"]["last_exposure"], 5)]


def test_vaccinated_f1_uses_the_protected_plan_when_the_rules_have_it(db_path, run, run_json, monkeypatch):
    day = "2022-01-10"  # plan of 2021-12-16: F1_protected exists
    monkeypatch.setenv("TRACING_TODAY", day)  # the contacts are recorded by the confirmation
    run("person", "add", "--id", "A", "--name", "Nguyễn Văn A")
    run("person", "add", "--id", "V", "--name", "Trần Thị V", "--vaccinated", "2")
    run("person", "add", "--id", "U", "--name", "Lê Văn U", "--vaccinated", "1")
    for other in ("V", "U"):
        run("contact", "add", "A", other, "--date", "2022-01-09", "--setting", "household")
    out = run_json("case", "confirm", "A", "--date", day)
    sched = {e["id"]: e for e in out["schedule"]}
    plan = RULES.at("quarantine.plan", day)
    doses = RULES.at("quarantine.protected_doses", day)
    assert doses == 2
    assert sched["V"]["plan"] == "F1_protected" and sched["U"]["plan"] == "F1"
    assert sched["V"]["tests"] == [_plus("2022-01-09", n) for n in plan["F1_protected"]["tests"]]
    assert sched["U"]["quarantine_until"] == _plus("2022-01-09", plan["F1"]["days"])


def test_pa1_table_is_a_readable_summary(long_bien, run):
    text = run(*_confirm_args(LB.PA1_CONFIRM)).stdout
    assert "PA1" in text and "P2: F1 → F0" in text and "P4: F2 → F1" in text and "P8: F2 → –" in text
    assert "quarantine until" in text and "moves to treatment" in text


# ---------------------------------------------------------------- dry run
def test_dry_run_shows_the_same_result_and_writes_nothing(long_bien, run, run_json):
    digest = db_digest(long_bien)
    file = not is_postgres(long_bien)  # on SQLite: not one byte of the file changes either
    raw = pathlib.Path(long_bien).read_bytes() if file else None
    for case in (LB.PA1_CONFIRM, LB.PA2_CONFIRM):
        drill = run_json(*_confirm_args(case), "--dry-run")
        assert drill["dry_run"] is True
        assert db_digest(long_bien) == digest
        if file:
            assert pathlib.Path(long_bien).read_bytes() == raw
            assert not pathlib.Path(str(long_bien) + "-wal").exists() or \
                pathlib.Path(str(long_bien) + "-wal").stat().st_size == 0
        # the table form of a drill writes nothing either
        assert "dry run" in run(*_confirm_args(case), "--dry-run").stdout
        assert db_digest(long_bien) == digest
    run_json(*_confirm_args(LB.PA1_CONFIRM))
    run_json(*_confirm_args(LB.PA2_CONFIRM))
    assert db_digest(long_bien) != digest
    n = db_rows(long_bien, "SELECT count(*) AS n FROM audit WHERE command = 'case confirm'")[0]["n"]
    assert n == len(LB.SETUP_CASES) + 2


@pytest.mark.parametrize("case", [LB.PA1_CONFIRM, LB.PA2_CONFIRM], ids=["PA1", "PA2"])
def test_dry_run_result_equals_the_real_result(long_bien, run_json, case):
    drill = run_json(*_confirm_args(case), "--dry-run")
    real = run_json(*_confirm_args(case))
    assert (drill.pop("dry_run"), real.pop("dry_run")) == (True, False)
    assert drill == real


# ---------------------------------------------------------------- PA2
def test_pa2_ranks_candidate_sources_with_reasons(long_bien, run_json):
    out = run_json(*_confirm_args(LB.PA2_CONFIRM))
    assert out["scenario"] == "PA2"
    assert out["changes"] == [{"id": "BN9", "from": None, "to": "F0"}]
    cands = {c["id"]: c for c in out["candidates"]}
    w = SCORE_WEIGHTS
    expected = {
        # the market visit (05-09) is in BN9's look-back window but before BN7's infectious window
        "BN7": w["case"] + w["checkin"] + w["unknown_unit_case"] + w["unit"],
        "BN8": w["contact"] + w["case"] + w["workplace"],
        "Q1": w["contact"],
        "Q2": w["household"],  # unit points only for cases infectious in the window
        "Q3": w["checkin"],
    }
    assert {k: c["score"] for k, c in cands.items()} == expected
    assert [c["id"] for c in out["candidates"]] == sorted(expected, key=lambda k: (-expected[k], k))
    assert "Q4" not in cands  # same market, not at the same time
    assert any("Chợ Long Biên" in r for r in cands["Q3"]["reasons"])
    assert any("same address" in r for r in cands["Q2"]["reasons"])
    assert any("unknown-source case" in r for r in cands["BN7"]["reasons"])
    assert any("2021-05-08" in r for r in cands["BN8"]["reasons"])
    assert all(len(c["reasons"]) >= 1 for c in out["candidates"])


def test_pa2_proposes_a_zone(long_bien, run_json):
    out = run_json(*_confirm_args(LB.PA2_CONFIRM))
    zone = out["zone"]
    person = next(p for p in LB.PERSONS if p["id"] == "BN9")
    assert zone["units"] == [f"{person['unit']}, {person['ward']}"]
    assert zone["places"] == ["Siêu thị Thạch Bàn"]  # Chợ Long Biên was before the infectious window
    cases = {c["id"] for c in LB.SETUP_CASES} | {"BN9"}
    residents = {p["id"] for p in LB.PERSONS if (p.get("ward"), p.get("unit")) == (person["ward"], person["unit"])}
    assert set(zone["to_test"]) == (residents - cases) | {"Q5"}
    assert "Q6" not in zone["to_test"]  # at the supermarket after the window
    assert zone["to_test"] == sorted(zone["to_test"])


def test_pa2_case_is_an_unknown_source_case_until_linked(long_bien, run, run_json):
    run_json(*_confirm_args(LB.PA2_CONFIRM))
    assert "unknown_source" in run_json("status", "BN9")["flags"]
    assert db_rows(long_bien, "SELECT unknown_source FROM cases WHERE person = 'BN9'")[0]["unknown_source"] == 1
    top = run_json(*_confirm_args({**LB.PA2_CONFIRM, "id": "R1"}), "--dry-run")["candidates"]
    assert top  # dry run of another case in the unit: BN9 is now evidence
    linked = run_json("case", "link", "BN9", "--source", "BN7")
    assert linked["scenario"] == "linked" and linked["was_unknown_source"] is True
    assert db_rows(long_bien, "SELECT unknown_source FROM cases WHERE person = 'BN9'")[0]["unknown_source"] == 0
    status = run_json("status", "BN9")
    assert "unknown_source" not in status["flags"] and "BN7" in status["sources"]


def test_pa1_with_zone_option(long_bien, run_json):
    out = run_json(*_confirm_args(LB.PA1_CONFIRM), "--zone")
    assert out["scenario"] == "PA1" and out["zone"]["units"] == ["TDP 5, Ngọc Lâm"]
    assert "P4" in out["zone"]["to_test"] and "BN1" not in out["zone"]["to_test"]


def test_pa2_table_lists_candidates_and_zone(long_bien, run):
    text = run(*_confirm_args(LB.PA2_CONFIRM)).stdout
    assert "PA2" in text and "Candidate sources" in text and "BN7" in text
    assert "tracing case link BN9 --source ID" in text and "Proposed zone" in text


# ---------------------------------------------------------------- queries use the indexes
@pytest.mark.sqlite_only("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL chooses plans from table statistics")
def test_scenario_queries_never_scan_the_district(long_bien):
    from tracing.store import Store
    from tracing.store import scenarios as sql
    store = Store.open(long_bien)
    params = {"p": "BN9", "lo": "2021-05-01", "hi": "2021-05-20", "place": 1, "ward": "Thạch Bàn",
              "unit": "TDP 3", "workplace": "x", "day": "2021-05-20"}
    queries = [sql.CONTACTS_IN_RANGE, sql.CHECKINS_OF,
               sql.UNIT_RESIDENTS, sql.CASES_IN_UNIT, sql.CASES_AT_WORKPLACE, sql.FOLLOWUPS_DUE]
    for q in queries:
        steps = sql.plan_of(store, q, params)
        scans = [s for s in steps if s.startswith("SCAN")]
        assert scans in ([], ["SCAN c"]), (q, steps)  # only the cases table may be read whole
    # who was at the case's places: one statement for many places, each through checkins_place
    steps = sql.plan_of(store, store.checkins_at_places_sql(3), (1, "2021-05-01", "2021-05-20") * 3)
    assert not [s for s in steps if s.startswith("SCAN") and "checkins" in s], steps
    assert sum("checkins_place" in s for s in steps) == 3, steps
    plan = " | ".join(sql.plan_of(store, sql.PENDING_OF.format(ids="?,?"), ("P2", "P4")))
    assert "followups_person" in plan
    store.close()
