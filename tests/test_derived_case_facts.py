"""Derived facts of a case are derived, whatever the order of writes (issue 12
review): the isolation default (the start of the quarantine the person was
in, 11042/BYT-DP), "found in quarantine" (a quarantine period covering the
sample date, DOMAIN.md) and the unknown source (no source given or derived
inside the incubation window). Expected values come from the rule table."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from conftest import sql_rows

from tracing.levels import Case
from tracing.rules import Rules

RULES = Rules.defaults()


def plus(day: str, n: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=n)).isoformat()


def add(run, *ids):
    for i in ids:
        run("person", "add", "--id", i, "--name", f"Người {i}", "--ward", "W1")


def community_week(run_json, week_of):
    return {r["area"]: r["new_cases"] for r in run_json("level", "--week-of", week_of)}["W1"]


WRITES = {
    "contact": ("contact", "add", "A", "B", "--date", "2021-10-11"),
    "A": ("case", "confirm", "A", "--date", "2021-10-12", "--onset", "2021-10-11"),
    "B": ("case", "confirm", "B", "--date", "2021-10-15"),
}
#: The day each write is made (its recorded_on): the team records the contact
#: the day A is confirmed, before B's sample, so B was traced on 10-12 whatever
#: the order the writes reach the store (issue 12: traced = the later of the
#: source's confirmation and the day the exposure was recorded).
WRITTEN_ON = {"contact": "2021-10-12", "A": "2021-10-12", "B": "2021-10-15"}


def write(run, monkeypatch, name):
    monkeypatch.setenv("TRACING_TODAY", WRITTEN_ON[name])
    run(*WRITES[name])
    monkeypatch.setenv("TRACING_TODAY", "2021-10-18")


@pytest.mark.parametrize("order", [("contact", "A", "B"), ("A", "B", "contact"), ("A", "contact", "B")])
def test_any_order_gives_the_same_source_isolation_and_community_count(run, run_json, monkeypatch, tmp_path, order):
    monkeypatch.setenv("TRACING_TODAY", "2021-10-18")
    (tmp_path / "pop.csv").write_text("area,population\nW1,5000\n", encoding="utf-8")
    run("import", "populations", tmp_path / "pop.csv")
    add(run, "A", "B")
    for name in order:
        write(run, monkeypatch, name)
    # from the rules: the 10-11 contact is inside A's infectious window and inside
    # B's incubation window, so B has source A, was quarantined from A's
    # confirmation (F1 plan in force covers 10-15) and is isolated from then
    a = Case("A", "2021-10-12", "2021-10-11", "2021-10-12")
    lo, hi = a.window(RULES)
    assert lo <= "2021-10-11" <= hi
    b = Case("B", "2021-10-15", None, None)
    far, near = b.incubation(RULES)
    assert far <= "2021-10-11" <= near
    status = run_json("status", "B")
    assert status["primary_source"] == "A"
    text = run("status", "B").stdout
    assert "source unknown" not in text and "unknown_source" not in text
    assert f"isolated {a.confirmed}" in text
    # one community case (A); B was found in quarantine
    assert community_week(run_json, "2021-10-13") == 1


def test_a_later_contact_moves_the_default_isolation_and_cuts_the_f1(run, run_json, monkeypatch):
    """B confirmed first with no known source (isolated on its sample date);
    the contact with A entered afterwards puts B in quarantine from A's
    confirmation, so B's window ends there and a contact of B after that day
    makes no F1: as if the contact had been entered first."""
    monkeypatch.setenv("TRACING_TODAY", "2021-10-18")
    add(run, "A", "B", "W")
    write(run, monkeypatch, "A")
    write(run, monkeypatch, "B")
    run("contact", "add", "B", "W", "--date", "2021-10-14")
    assert run_json("status", "W")["level"] == "F1"  # B's window reached 10-15 then
    write(run, monkeypatch, "contact")
    assert run_json("status", "W")["level"] is None
    assert "isolated 2021-10-12" in run("status", "B").stdout


def test_explicit_isolated_stays_as_given(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-10-18")
    add(run, "A", "B")
    run(*WRITES["A"])
    run("case", "confirm", "B", "--date", "2021-10-15", "--isolated", "2021-10-15")
    run(*WRITES["contact"])
    assert "isolated 2021-10-15" in run("status", "B").stdout


def test_pa1_needs_a_source_in_the_incubation_window(run_json, run, monkeypatch):
    """Finding 4: an F1 exposed outside its incubation window is PA2 (flagged
    unknown source, candidates and zone), and still found in quarantine when
    its quarantine period covers the sample date."""
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")  # the contact is recorded the day A is confirmed
    add(run, "A", "B")
    run("contact", "add", "A", "B", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    b = Case("B", "2021-06-24", None, None)
    far, near = b.incubation(RULES)
    assert not far <= "2021-06-09" <= near  # outside the look-back window
    out = run_json("case", "confirm", "B", "--date", "2021-06-24")
    assert out["scenario"] == "PA2"
    assert out["unknown_source"] is True
    assert out["zone"] is not None
    assert out["prior_level"] == "F1"  # found in quarantine: the plan of 2021-06-10 covers 06-24
    plan = RULES.at("quarantine.plan", "2021-06-10")["F1"]
    assert plus("2021-06-09", int(plan["days"])) >= "2021-06-24"
    assert run_json("status", "B")["primary_source"] is None


@pytest.mark.parametrize("week_of", ["2021-06-20", "2021-10-13", "2022-01-05", "2022-02-02"])
def test_level_names_the_decision_in_force_that_week(run, run_json, monkeypatch, tmp_path, week_of):
    """Finding 6: no decision before the first level.assessment rule; the one
    in force on the week's Sunday after it (from the rule table)."""
    monkeypatch.setenv("TRACING_TODAY", "2022-03-01")
    (tmp_path / "pop.csv").write_text("area,population\nW1,5000\n", encoding="utf-8")
    run("import", "populations", tmp_path / "pop.csv")
    monday = dt.date.fromisoformat(week_of)
    sunday = (monday + dt.timedelta(days=6 - monday.weekday())).isoformat()
    rule = RULES.rule_on("level.assessment", sunday)
    expected = rule.value["decision"] if rule else None
    rows = run_json("level", "--week-of", week_of)
    assert {r["decision"] for r in rows} == {expected}
    text = run("level", "--week-of", week_of).stdout
    decisions = {"4800/QĐ-BYT", "218/QĐ-BYT"}
    assert {d for d in decisions if d in text} == ({expected} if expected else set())


def test_rules_set_cancels_the_follow_ups_of_a_person_it_demotes(run, run_json, monkeypatch):
    """Finding 3: a level change from `rules set` cancels follow-ups exactly
    as a confirmation does (no F1 left listed, nothing overdue)."""
    monkeypatch.setenv("TRACING_TODAY", "2021-10-20")
    add(run, "A", "C")
    run("checkin", "add", "A", "Chợ", "--at", "2021-10-10 09:00", "--until", "2021-10-10 10:00")
    run("checkin", "add", "C", "Chợ", "--at", "2021-10-10 09:30", "--until", "2021-10-10 11:00")
    run("case", "confirm", "A", "--date", "2021-10-11", "--onset", "2021-10-10")
    assert RULES.at("checkin.exposure", "2021-10-10")
    assert run_json("status", "C")["level"] == "F1"
    assert any(r["person"] == "C" for r in run_json("followup", "--date", "2021-10-20"))
    run("rules", "set", "checkin.exposure", "false", "--from", "2020-01-01")
    assert run_json("status", "C")["level"] is None
    assert not any(r["person"] == "C" for r in run_json("followup", "--date", "2021-10-20"))
    # back on: the follow-ups come back as a confirmation would schedule them
    run("rules", "set", "checkin.exposure", "true", "--from", "2020-01-01")
    assert run_json("status", "C")["level"] == "F1"
    assert any(r["person"] == "C" for r in run_json("followup", "--date", "2021-10-20"))



def test_imported_checkins_are_exposures(run, run_json, monkeypatch, tmp_path):
    """`import checkins` re-derives like `checkin add` (it derived nothing): two
    stays overlapping the case's infectious window make an F1 (rule
    checkin.exposure)."""
    monkeypatch.setenv("TRACING_TODAY", "2021-12-23")
    add(run, "A", "B")
    run("case", "confirm", "A", "--date", "2021-12-20", "--onset", "2021-12-19")
    lo, hi = Case("A", "2021-12-20", "2021-12-19", "2021-12-20").window(RULES)
    assert lo <= "2021-12-19" <= hi and RULES.at("checkin.exposure", "2021-12-19")
    (tmp_path / "q.csv").write_text("person,place,at,until\nA,Chợ,2021-12-19 09:00,2021-12-19 10:00\n"
                                    "B,Chợ,2021-12-19 09:30,2021-12-19 11:00\n", encoding="utf-8")
    run("import", "checkins", tmp_path / "q.csv")
    assert run_json("status", "B")["level"] == "F1"
    assert any(r["person"] == "B" for r in run_json("followup", "--date", "2022-03-01"))


def test_pa2_one_meeting_scores_once_and_undated_contacts_do_not_score(run, run_json, monkeypatch):
    """Finding 5: a contact and overlapping check-ins of the same day at the
    same place are one meeting (the contact's weight once); an undated
    contact is no evidence in the look-back window."""
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    add(run, "N", "V", "U")
    run("contact", "add", "N", "V", "--date", "2021-06-12", "--place", "Chợ")
    run("checkin", "add", "N", "Chợ", "--at", "2021-06-12 08:00", "--until", "2021-06-12 09:00")
    run("checkin", "add", "V", "Chợ", "--at", "2021-06-12 08:30", "--until", "2021-06-12 09:30")
    run("contact", "add", "N", "U")
    lo, hi = Case("N", "2021-06-20", None, None).incubation(RULES)
    assert lo <= "2021-06-12" <= hi
    out = run_json("case", "confirm", "N", "--date", "2021-06-20")
    cands = {c["id"]: c for c in out["candidates"]}
    from tracing.scenarios import SCORE_WEIGHTS as w
    assert cands["V"]["score"] == w["contact"]
    assert "U" not in cands


def test_confirm_warns_when_the_source_is_not_a_case(run, run_json):
    """Finding 8: like `case link`, a --source that is not a case is kept with a warning."""
    add(run, "A", "B")
    out = run_json("case", "confirm", "A", "--date", "2021-06-10", "--source", "B")
    assert any("B is not a confirmed case" in w for w in out["warnings"])


def _expected_tests(last_exposure: str, traced: str, vaccinated: bool = False) -> list[str]:
    """Test days of the F1 plan in force on ``traced`` (rule quarantine.plan),
    Day 1 the day after the last exposure, none before ``traced``."""
    plan = RULES.at("quarantine.plan", traced)
    entry = plan["F1_protected" if vaccinated and "F1_protected" in plan else "F1"]
    return sorted({max(plus(last_exposure, int(n)), traced) for n in entry["tests"]})


@pytest.mark.parametrize("how", ["contact", "checkin", "import contacts", "import checkins"])
def test_no_test_before_the_exposure_was_recorded(run, run_json, monkeypatch, tmp_path, how):
    """Finding 2: an exposure recorded three days after the case's
    confirmation: traced on the day it was recorded, so the first test moves
    to that day and nothing is overdue."""
    monkeypatch.setenv("TRACING_TODAY", "2021-12-20")
    add(run, "A", "B")
    run("case", "confirm", "A", "--date", "2021-12-20", "--onset", "2021-12-19")
    monkeypatch.setenv("TRACING_TODAY", "2021-12-23")
    if how == "contact":
        run("contact", "add", "A", "B", "--date", "2021-12-19", "--unmasked")
    elif how == "import contacts":
        (tmp_path / "c.csv").write_text("from,to,date,masked\nA,B,2021-12-19,no\n", encoding="utf-8")
        run("import", "contacts", tmp_path / "c.csv")
    else:
        rows = [("A", "2021-12-19 09:00", "2021-12-19 10:00"), ("B", "2021-12-19 09:30", "2021-12-19 11:00")]
        if how == "checkin":
            for person, at, until in rows:
                run("checkin", "add", person, "Chợ", "--at", at, "--until", until)
        else:
            (tmp_path / "q.csv").write_text("person,place,at,until\n" + "".join(
                f"{p},Chợ,{a},{u}\n" for p, a, u in rows), encoding="utf-8")
            run("import", "checkins", tmp_path / "q.csv")
    assert run_json("status", "B")["level"] == "F1"
    expected = _expected_tests("2021-12-19", "2021-12-23")
    due = sorted(r["due"] for r in run_json("followup", "--date", "2022-03-01")
                 if r["person"] == "B" and r["kind"] == "test")
    assert due == expected
    today = run_json("followup", "--date", "2021-12-23")
    assert not [r for r in today if r["person"] == "B" and r["days_late"] > 0]


@pytest.mark.sqlite_only("builds a schema-7 SQLite file by hand")
def test_contacts_from_before_recorded_on_count_as_not_later(run, run_json, monkeypatch, tmp_path):
    """Migration 7 -> 8 leaves older contacts' recorded_on NULL (unknown):
    not later than the confirmation, so the tests follow the confirmation."""
    import sqlite3

    from tracing.store.schema import APPLICATION_ID, MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    for step in MIGRATIONS[:7]:
        for statement in step:
            if isinstance(statement, str):
                conn.execute(statement)
    for pid in ("A", "B"):
        conn.execute("INSERT INTO persons (id, name, name_folded, created_at) VALUES (?, ?, ?, '2021-12-01')",
                     (pid, pid, pid.lower()))
    conn.execute("INSERT INTO contacts (a, b, date, masked) VALUES ('A', 'B', '2021-12-19', 0)")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    conn.close()
    monkeypatch.setenv("TRACING_DB", str(path))
    monkeypatch.setenv("TRACING_TODAY", "2021-12-28")
    run("case", "confirm", "A", "--date", "2021-12-20", "--onset", "2021-12-19")
    assert [r["recorded_on"] for r in sql_rows(path, "SELECT recorded_on FROM contacts")] == [None]
    due = sorted(r["due"] for r in run_json("followup", "--date", "2022-03-01")
                 if r["person"] == "B" and r["kind"] == "test")
    assert due == _expected_tests("2021-12-19", "2021-12-20")
