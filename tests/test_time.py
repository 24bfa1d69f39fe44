"""Time-faithful tracing (issue 12): every example of the issue, with the
expected values computed from the rule table (``Rules.defaults()``), never
typed in. One test (or group) per point of the issue."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import json
import os

import pytest
from conftest import sql_rows

from tracing import cases, encounters, followups, people, scenarios
from tracing.levels import Case
from tracing.rules import Rules
from tracing.scenarios import SCORE_WEIGHTS
from tracing.store import Store

RULES = Rules.defaults()


def plus(day: str, n: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=n)).isoformat()


def window_start(reference: str) -> str:
    return plus(reference, -RULES.at("window.infectious_before_days", reference))


def add(run, *ids, **fields):
    for i in ids:
        args = ["person", "add", "--id", i, "--name", f"Người {i}"]
        for k, v in fields.items():
            args += [f"--{k}", str(v)]
        run(*args)


@contextlib.contextmanager
def on(day):
    """Writes made on ``day`` (``TRACING_TODAY``: their recorded_on), the
    test's today restored after."""
    before = os.environ.get("TRACING_TODAY")
    os.environ["TRACING_TODAY"] = day
    try:
        yield
    finally:
        os.environ["TRACING_TODAY"] = before


def level(run_json, pid):
    return run_json("status", pid)["level"]


# ---------------------------------------------------------------- 1. a source must fit in time
def test_1_a_contact_months_before_is_no_source(run, run_json, monkeypatch):
    """A and B meet 2021-06-09, A confirmed 06-10, B confirmed 10-20: B is PA2."""
    monkeypatch.setenv("TRACING_TODAY", "2021-11-30")
    add(run, "A", "B", ward="Ngọc Lâm")
    run("import", "populations", "-", "--by", "ward", input="area,population\nNgọc Lâm,10000\n", ok=None)
    run("contact", "add", "A", "B", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    assert level(run_json, "B") == "F1"
    b = Case("B", "2021-10-20", None, "2021-10-20")
    lo, hi = b.incubation(RULES)
    assert not lo <= "2021-06-09" <= hi  # the premise, from the rule window.incubation_days
    out = run_json("case", "confirm", "B", "--date", "2021-10-20")
    assert out["scenario"] == "PA2" and out["prior_level"] is None
    status = run_json("status", "B")
    assert status["primary_source"] is None and "unknown_source" in status["flags"]
    report = run_json("report", "--from", "2021-10-18", "--to", "2021-10-24")
    assert {k: report["found"][k] for k in ("quarantine", "community")} == {"quarantine": 0, "community": 1}
    assert report["unknown_source"] == 1  # its own figure, not a way of being found
    week = run_json("level", "--week-of", "2021-10-20")
    row = next(r for r in week if r["area"] == "Ngọc Lâm")
    assert row["new_cases"] == 1  # one community case


def test_1_found_in_quarantine_only_inside_the_quarantine_period(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")  # contacts recorded the day A is confirmed
    add(run, "A", "B", "C")
    run("contact", "add", "A", "B", "--date", "2021-06-09")
    run("contact", "add", "A", "C", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    monkeypatch.setenv("TRACING_TODAY", "2021-11-30")
    plan = RULES.at("quarantine.plan", "2021-06-10")["F1"]
    until = plus("2021-06-09", plan["days"])  # Day 1 is the day after the last exposure
    inside = plus("2021-06-09", 5)
    assert "2021-06-10" <= inside <= until
    b = run_json("case", "confirm", "B", "--date", inside)
    assert b["scenario"] == "PA1" and b["prior_level"] == "F1"
    after = plus(until, 1)
    c = run_json("case", "confirm", "C", "--date", after)
    assert c["prior_level"] is None  # out of quarantine by then
    report = run_json("report", "--from", inside, "--to", after)
    assert report["found"]["quarantine"] == 1


def test_1_imported_cases_are_found_in_quarantine_by_the_same_rule(run, run_json, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")  # contacts recorded the day A is confirmed
    add(run, "A", "B", "C")
    run("contact", "add", "A", "B", "--date", "2021-06-09")
    run("contact", "add", "A", "C", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    monkeypatch.setenv("TRACING_TODAY", "2021-11-30")
    inside = plus("2021-06-09", 5)
    path = tmp_path / "cases.csv"
    path.write_text(f"id,confirmed\nB,2021-10-20\nC,{inside}\n", encoding="utf-8")
    run("import", "cases", str(path))
    assert run_json("status", "B")["case"]["level_before"] is None
    assert run_json("status", "C")["case"]["level_before"] == "F1"


def test_1_a_source_inside_the_incubation_window_is_kept(run, run_json):
    add(run, "A", "B")
    b = Case("B", "2021-06-20", None, "2021-06-20")
    lo, hi = b.incubation(RULES)
    run("contact", "add", "A", "B", "--date", hi)
    run("case", "confirm", "A", "--date", plus(hi, 1))
    out = run_json("case", "confirm", "B", "--date", "2021-06-20")
    assert out["scenario"] == "PA1" and run_json("status", "B")["primary_source"] == "A"


# ---------------------------------------------------------------- 2. PA1 window ends at quarantine
def test_2_pa1_window_ends_when_quarantine_started(run, run_json, store, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")  # the contact is recorded the day A is confirmed
    add(run, "A", "C", "W")
    run("contact", "add", "A", "C", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    assert run_json("status", "C")["quarantine_from"] == "2021-06-10"
    run("contact", "add", "C", "W", "--date", "2021-06-11")
    run("case", "confirm", "C", "--date", "2021-06-12")
    assert store.get_case("C")["isolated"] == "2021-06-10"
    assert level(run_json, "W") is None
    # an explicit --isolated still wins
    add(run, "D", "V")
    monkeypatch.setenv("TRACING_TODAY", "2021-06-10")
    run("contact", "add", "A", "D", "--date", "2021-06-09")
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    run("contact", "add", "D", "V", "--date", "2021-06-11")
    run("case", "confirm", "D", "--date", "2021-06-12", "--isolated", "2021-06-12")
    assert level(run_json, "V") == "F1"


def _pa1_world(run, confirm_c):
    """A confirmed 06-10 makes C an F1 quarantined from 06-10; contact C–W
    06-11; then C is confirmed 06-12 by ``confirm_c()``."""
    add(run, "A", "C", "W")
    with on("2021-06-10"):  # the contact is recorded the day A is confirmed
        run("contact", "add", "A", "C", "--date", "2021-06-09")
        run("case", "confirm", "A", "--date", "2021-06-10")
    run("contact", "add", "C", "W", "--date", "2021-06-11")
    confirm_c()


@pytest.mark.parametrize("isolated", [None, "2021-06-12"])
def test_2_an_imported_case_isolation_is_derived_like_case_confirm(run, run_json, store, tmp_path, isolated):
    """Import behaves as `case confirm`: an isolation date in the file is
    given and kept; absent, it is derived (the quarantine start) and
    re-derived after later writes."""
    path = tmp_path / "c.csv"
    path.write_text("id,confirmed" + (",isolated" if isolated else "") + "\n"
                    + "C,2021-06-12" + (f",{isolated}" if isolated else "") + "\n", encoding="utf-8")
    _pa1_world(run, lambda: run("import", "cases", str(path)))
    imported = (store.get_case("C")["isolated"], level(run_json, "W"), run_json("status", "C")["case"]["isolated"])
    # F1 quarantined from the confirmation of their source's case (DOMAIN.md, F2 rule's default)
    quarantined = store.get_case("A")["confirmed"]
    row = store.query("SELECT isolated_given FROM cases WHERE person = 'C'")[0]
    assert row["isolated_given"] == (1 if isolated else 0)
    want = isolated or quarantined            # the quarantine start C was in (point 2)
    assert imported[0] == want
    c = Case("C", "2021-06-12", None, want)
    assert imported[1] == ("F1" if c.window(RULES)[0] <= "2021-06-11" <= c.window(RULES)[1] else None)


def test_2_import_and_confirm_give_the_same_derived_isolation(run, run_json, tmp_path, db_path):
    """The same facts, once through `case confirm`, once through `import
    cases`, and with the case imported before the contacts: the same
    isolation, levels and found-in-quarantine."""
    def facts():
        c = run_json("status", "C")
        return c["case"]["isolated"], c["case"]["level_before"], level(run_json, "W")
    _pa1_world(run, lambda: run("case", "confirm", "C", "--date", "2021-06-12"))
    confirmed = facts()
    path = tmp_path / "c.csv"
    path.write_text("id,confirmed\nC,2021-06-12\n", encoding="utf-8")
    for i, order in enumerate(("after", "before")):
        db = tmp_path / f"{order}.db"
        run("--db", db, "init", ok=None)
        r = lambda *a, **k: run("--db", db, *a, **k)          # noqa: E731
        rj = lambda *a, **k: run_json("--db", db, *a, **k)    # noqa: E731
        add(r, "A", "C", "W")
        if order == "before":
            r("import", "cases", str(path))
        with on("2021-06-10"):  # the contact is recorded the day A is confirmed
            r("contact", "add", "A", "C", "--date", "2021-06-09")
            r("case", "confirm", "A", "--date", "2021-06-10")
        r("contact", "add", "C", "W", "--date", "2021-06-11")
        if order == "after":
            r("import", "cases", str(path))
        c = rj("status", "C")
        assert (c["case"]["isolated"], c["case"]["level_before"], rj("status", "W")["level"]) == confirmed, order


# ---------------------------------------------------------------- 3. onset after the sample
def test_3_onset_after_sample_window_starts_before_the_sample(run, run_json):
    add(run, "A", "B", "C")
    sample, onset = "2021-06-22", "2021-06-25"
    run("contact", "add", "A", "B", "--date", plus(sample, -1))   # the day before the sample
    run("contact", "add", "A", "C", "--date", plus(window_start(sample), -1))
    result = run("case", "confirm", "A", "--date", sample, "--onset", onset)
    assert "onset 2021-06-25 is after the sample date 2021-06-22" in result.stderr
    assert level(run_json, "B") == "F1" and level(run_json, "C") is None
    found = {(f["check"], tuple(f["ids"])) for f in run_json("check")}
    assert ("onset_after_sample", ("A",)) in found
    assert Case("A", sample, onset, sample).window(RULES) == (window_start(sample), sample)


# ---------------------------------------------------------------- 4. order of writes
def _world(tmp_path, name, writes):
    store = Store.open(tmp_path / f"{name}.db", create=True)
    with store.write("p"):
        named = {w[1] for w in writes} | {w[2] for w in writes if w[0] == "contact"}
        for p in sorted({"A", "B", "C", "D"} | named):
            people.add_person(store, {"id": p, "name": p})
    for w in writes:
        with store.write(w[0]):
            if w[0] == "contact":
                encounters.add_contact(store, {"a": w[1], "b": w[2], "date": w[3]})
            elif w[0] == "checkin":
                encounters.add_checkin(store, w[1], w[2], w[3], w[4])
            else:
                cases.confirm(store, {"id": w[1], "confirmed": w[2], "isolated": w[2]})
    return store


def _state(store):
    ids = [r["person"] for r in store.query("SELECT person FROM levels")]
    entries = {p: {k: v for k, v in e.items() if k != "flags"} | {"flags": sorted(set(e["flags"]) - {"unknown_source"})}
               for p, e in store.levels(ids).items()}
    pending = sorted((r["person"], r["kind"], r["due"]) for r in store.query(
        "SELECT person, kind, due FROM followups WHERE status = 'pending'"))
    return entries, pending


WRITES = [
    ("contact", "A", "B", "2021-06-09"),
    ("contact", "A", "B", "2021-06-10"),       # a later exposure: restarts B's period
    ("contact", "B", "C", "2021-06-09"),
    ("checkin", "A", "Quán Hoa Sữa", "2021-06-09 20:00", None),
    ("checkin", "D", "Quán Hoa Sữa", "2021-06-09 20:30", "2021-06-09 22:00"),
    ("confirm", "A", "2021-06-11"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(WRITES))))[::37])
def test_4_order_of_writes_does_not_change_levels_or_followups(tmp_path, monkeypatch, order):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    first = _state(_world(tmp_path, "first", WRITES))
    again = _state(_world(tmp_path, "again", [WRITES[i] for i in order]))
    assert again == first
    entries, pending = first
    # B's period restarts at the later contact: Day 1 after 2021-06-10
    plan = RULES.at("quarantine.plan", "2021-06-11")["F1"]
    assert ("B", "quarantine_end", plus("2021-06-10", plan["days"])) in pending
    assert entries["D"]["level"] == 1 and "checkin" in entries["D"]["flags"]


def test_4_a_contact_after_the_confirmation_reschedules(run, run_json, store, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-11")  # recorded on the confirmation day (point 5)
    add(run, "A", "B")
    run("contact", "add", "A", "B", "--date", window_start("2021-06-11"))
    run("case", "confirm", "A", "--date", "2021-06-11")
    plan = RULES.at("quarantine.plan", "2021-06-11")["F1"]
    out = run_json("contact", "add", "A", "B", "--date", "2021-06-10")
    assert out["followups"]["scheduled"] and out["followups"]["cancelled"]
    pending = {(r["kind"], r["due"]) for r in store.query(
        "SELECT kind, due FROM followups WHERE person = 'B' AND status = 'pending'")}
    want = {("quarantine_end", plus("2021-06-10", plan["days"]))}
    want |= {("test", max(plus("2021-06-10", n), "2021-06-11")) for n in plan["tests"]}
    assert pending == want


def test_4_a_missed_tests_retry_survives_a_reschedule(run, run_json, store):
    add(run, "A", "B", "C")
    run("contact", "add", "A", "B", "--date", window_start("2021-06-11"))
    run("case", "confirm", "A", "--date", "2021-06-11")
    first = store.query("SELECT due FROM followups WHERE person = 'B' AND kind = 'test' ORDER BY due")[0]["due"]
    retry = run_json("followup", "record", "B", "--date", first, "--result", "missed")["retry"]
    run("contact", "add", "A", "B", "--date", "2021-06-10")   # a new exposure: B is rescheduled
    pending = {r["due"] for r in store.query(
        "SELECT due FROM followups WHERE person = 'B' AND kind = 'test' AND status = 'pending'")}
    assert retry in pending


# ---------------------------------------------------------------- 5. no test before tracing
def test_5_no_test_before_the_person_was_traced(run, run_json, monkeypatch):
    """The README tour: P3 met P2 on 05-04 and became F1 when P2 was confirmed
    on 05-07 (each write made on its day: the contacts recorded on 05-04)."""
    monkeypatch.setenv("TRACING_TODAY", "2021-05-04")
    add(run, "BN1", "P2", "P3")
    run("contact", "add", "BN1", "P2", "--date", "2021-05-03")
    run("contact", "add", "P2", "P3", "--date", "2021-05-04")
    monkeypatch.setenv("TRACING_TODAY", "2021-05-05")
    run("case", "confirm", "BN1", "--date", "2021-05-05", "--onset", "2021-05-04")
    monkeypatch.setenv("TRACING_TODAY", "2021-05-07")
    out = run_json("case", "confirm", "P2", "--date", "2021-05-07", "--onset", "2021-05-04")
    p3 = next(e for e in out["schedule"] if e["id"] == "P3")
    plan = RULES.at("quarantine.plan", "2021-05-07")["F1"]
    assert p3["tests"] == sorted({max(plus("2021-05-04", n), "2021-05-07") for n in plan["tests"]})
    monkeypatch.setenv("TRACING_TODAY", "2021-05-10")
    due = run_json("followup", "--date", "2021-05-10")
    assert all(r["due"] >= "2021-05-07" for r in due if r["person"] == "P3")


def test_5_a_contact_recorded_later_is_traced_the_day_it_was_recorded(run, run_json, monkeypatch):
    """The same contact P2–P3 recorded only on 05-09, after P2's confirmation
    (05-07): P3 was traced on 05-09, no test before it and none overdue."""
    monkeypatch.setenv("TRACING_TODAY", "2021-05-07")
    add(run, "P2", "P3")
    run("case", "confirm", "P2", "--date", "2021-05-07", "--onset", "2021-05-06")
    monkeypatch.setenv("TRACING_TODAY", "2021-05-09")
    out = run_json("contact", "add", "P2", "P3", "--date", "2021-05-05")
    p3 = next(e for e in out["schedule"] if e["id"] == "P3")
    plan = RULES.at("quarantine.plan", "2021-05-07")["F1"]
    assert p3["tests"] == sorted({max(plus("2021-05-05", n), "2021-05-09") for n in plan["tests"]})
    late = [r for r in run_json("followup", "--date", "2021-05-09")
            if r["person"] == "P3" and r.get("days_late", 0) > 0]
    assert late == []


def traced(source_confirmed: str, recorded_on: str) -> str:
    """The rule (DOMAIN.md, issue 12 point 5): traced on the source's
    confirmation, or the day the exposure was recorded when later."""
    return max(source_confirmed, recorded_on)


def expected_isolation(traced_on: str, sample: str, exposure: str) -> tuple[str, str | None]:
    """``(isolated, level_before)`` of an F1 confirmed on ``sample``: in
    quarantine from ``traced_on`` when that quarantine existed (traced on or
    before the sample) and covered the sample (the F1 plan), else isolated on
    the sample date, a community case."""
    plan = RULES.at("quarantine.plan", traced_on)["F1"]
    if traced_on <= sample <= plus(exposure, int(plan["days"])):
        return traced_on, "F1"
    return sample, None


@pytest.mark.parametrize("recorded_on, x_w, onset", [
    ("2021-10-25", "2021-10-20", "2021-10-21"),   # late investigation, after X's own confirmation
    ("2021-10-18", "2021-10-16", "2021-10-17"),   # recorded before X's sample, after P's confirmation
])
def test_5_quarantine_starts_the_day_the_exposure_was_recorded(run, run_json, monkeypatch, recorded_on, x_w,
                                                               onset):
    """Finding 1 (session 3): P confirmed 10-14; P–X on 10-13 recorded on
    ``recorded_on``; X–W on ``x_w``; X confirmed 10-22. X's quarantine (found
    in quarantine, default isolation, F2 cut-off, PA1 window end) starts when X
    was traced, and does not exist when that is after X's sample."""
    monkeypatch.setenv("TRACING_TODAY", "2021-10-14")
    add(run, "P", "X", "W", ward="Ngọc Lâm")
    run("import", "populations", "-", "--by", "ward", input="area,population\nNgọc Lâm,10000\n", ok=None)
    run("case", "confirm", "P", "--date", "2021-10-14")
    for day_, args in sorted([(x_w, ("contact", "add", "X", "W", "--date", x_w)),
                              ("2021-10-22", ("case", "confirm", "X", "--date", "2021-10-22", "--onset", onset)),
                              (recorded_on, ("contact", "add", "P", "X", "--date", "2021-10-13"))]):
        monkeypatch.setenv("TRACING_TODAY", day_)
        run(*args)
    monkeypatch.setenv("TRACING_TODAY", "2021-11-30")
    isolated, before = expected_isolation(traced("2021-10-14", recorded_on), "2021-10-22", "2021-10-13")
    x = run_json("status", "X")
    assert (x["case"]["isolated"], x["case"]["level_before"]) == (isolated, before)
    lo, hi = Case("X", "2021-10-22", onset, isolated).window(RULES)
    assert run_json("status", "W")["level"] == ("F1" if lo <= x_w <= hi else None)
    report = run_json("report", "--from", "2021-10-18", "--to", "2021-10-24")
    assert report["found"]["quarantine"] == (1 if before else 0)
    assert report["found"]["community"] == (0 if before else 1)
    week = {r["area"]: r["new_cases"] for r in run_json("level", "--week-of", "2021-10-22")}
    assert week.get("Ngọc Lâm", 0) == (0 if before else 1)  # a case found in quarantine is no community case


@pytest.mark.parametrize("written", ["on their days", "all on 06-13"])
def test_5_a_restarted_schedule_has_no_test_before_the_exposure_was_recorded(run, run_json, monkeypatch,
                                                                             db_path, written):
    """Finding 4 (session 3): A–C 06-08, A confirmed 06-10 (onset 06-09), a
    new contact A–C of 06-10 recorded on 06-13 restarts C's schedule: no test
    of it before 06-13, none overdue on 06-13."""
    days = ("2021-06-08", "2021-06-10", "2021-06-13") if written == "on their days" else ("2021-06-13",) * 3
    add(run, "A", "C")
    for day_, args in zip(days, [("contact", "add", "A", "C", "--date", "2021-06-08"),
                                 ("case", "confirm", "A", "--date", "2021-06-10", "--onset", "2021-06-09"),
                                 ("contact", "add", "A", "C", "--date", "2021-06-10")]):
        monkeypatch.setenv("TRACING_TODAY", day_)
        run(*args)
    plan = RULES.at("quarantine.plan", "2021-06-10")["F1"]
    _until, tests, _m = scenarios.plan_dates("2021-06-10", plan, traced("2021-06-10", "2021-06-13"))
    assert min(tests) == "2021-06-13"
    assert sorted(r["due"] for r in sql_rows(
        db_path, "SELECT due FROM followups WHERE person = 'C' AND kind = 'test' AND status = 'pending'")) == tests
    late = [r for r in run_json("followup", "--date", "2021-06-13")
            if r["person"] == "C" and r.get("days_late", 0) > 0]
    assert late == []


# ---------------------------------------------------------------- 6. check-ins are exposures
def test_6_a_checkin_with_an_infectious_case_makes_an_f1(run, run_json):
    add(run, "A", "B", "C", "E")
    run("checkin", "add", "A", "Quán Hoa Sữa", "--at", "2021-06-09 19:00", "--until", "2021-06-09 21:00")
    run("checkin", "add", "B", "Quán Hoa Sữa", "--at", "2021-06-09 20:30")  # no end: checkin.stay_minutes
    stay = RULES.at("checkin.stay_minutes", "2021-06-09")
    b_leaves = dt.datetime(2021, 6, 9, 20, 30) + dt.timedelta(minutes=stay)
    late = (max(dt.datetime(2021, 6, 9, 21), b_leaves) + dt.timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M")
    run("checkin", "add", "C", "Quán Hoa Sữa", "--at", late)                   # after A and B left
    run("checkin", "add", "E", "Quán Hoa Sữa", "--at", "2021-06-09 07:00", "--until", "2021-06-09 08:00")
    out = run_json("case", "confirm", "A", "--date", "2021-06-10")
    assert out["scenario"] == "PA2"
    b = run_json("status", "B")
    assert b["level"] == "F1" and "checkin" in b["flags"] and b["primary_source"] == "A"
    assert level(run_json, "C") is None and level(run_json, "E") is None
    sched = {e["id"]: e for e in out["schedule"]}
    assert sched["B"]["last_exposure"] == "2021-06-09" and sched["B"]["tests"]
    assert stay > 30  # B's stay (20:30 + stay) overlaps A's (to 21:00)


def test_6_a_stay_across_midnight_and_the_close_contact_rule(run, run_json, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2022-02-01")
    add(run, "A", "B")
    # A's window opens 2 days before the sample: the overlap runs into that first day
    sample = "2022-01-10"
    first = window_start(sample)
    night = plus(first, -1)
    run("checkin", "add", "A", "Karaoke", "--at", f"{night} 23:00", "--until", f"{first} 02:00")
    run("checkin", "add", "B", "Karaoke", "--at", f"{night} 22:30", "--until", f"{first} 01:00")
    run("case", "confirm", "A", "--date", sample)
    b = run_json("status", "B")
    assert RULES.at("f1.close_contact_required", first) is True
    assert b["level"] == "F1" and {"checkin", "unverified_contact"} <= set(b["flags"])


def test_6_rule_checkin_exposure_off(run, run_json):
    add(run, "A", "B")
    run("rules", "set", "checkin.exposure", "false", "--from", "2021-01-01")
    run("checkin", "add", "A", "Chợ", "--at", "2021-06-09 08:00")
    run("checkin", "add", "B", "Chợ", "--at", "2021-06-09 08:10")
    run("case", "confirm", "A", "--date", "2021-06-10")
    assert level(run_json, "B") is None


CHECKIN_WRITES = [
    ("contact", "A", "B", "2021-06-09"),                                   # B: F1 of A
    ("checkin", "B", "Quán Hoa Sữa", "2021-06-09 20:00", "2021-06-09 21:00"),
    ("checkin", "X", "Quán Hoa Sữa", "2021-06-09 20:30", None),           # beside the F1 B only
    ("contact", "B", "Y", "2021-06-09"),                                   # a recorded contact of B: F2
    ("checkin", "A", "Chợ", "2021-06-08 08:00", "2021-06-08 09:00"),
    ("checkin", "V", "Chợ", "2021-06-08 08:30", None),                    # beside the infectious F0 A
    ("confirm", "A", "2021-06-10"),
]


@pytest.mark.parametrize("order", list(itertools.permutations(range(len(CHECKIN_WRITES))))[::613])
def test_6_checkins_expose_only_from_an_infectious_case(tmp_path, monkeypatch, order):
    """DOMAIN.md 'QR check-ins': two overlapping stays are an exposure when
    one of them is by an infectious person; an F1 is not infectious, so a
    stay beside the F1 B makes no F2 (a recorded contact with B does), in any
    order of writes."""
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    store = _world(tmp_path, "w", [CHECKIN_WRITES[i] for i in order])
    entries = store.levels(["B", "X", "Y", "V"])
    a = Case("A", "2021-06-10", None, "2021-06-10")
    lo, hi = a.window(RULES)
    assert lo <= "2021-06-08" <= hi and lo <= "2021-06-09" <= hi       # the premises, from the rules
    assert entries["B"]["level"] == 1 and entries["B"]["exposure"] <= "2021-06-09" <= entries["B"]["quarantine"]
    assert "X" not in entries                                            # no F2 through a check-in with an F1
    assert entries["Y"]["level"] == 2 and entries["Y"]["primary_source"] == "B"
    assert entries["V"]["level"] == 1 and "checkin" in entries["V"]["flags"]


def test_6_derived_checkin_exposures_are_listed_everywhere(tmp_path, run, run_json, store, monkeypatch):
    """Every place that lists exposures also lists the ones derived from
    check-ins: epicontacts and Go.Data exports, ``person show``, the map."""
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    add(run, "A", "B", "V", "X", "Y")
    for w in CHECKIN_WRITES:
        if w[0] == "contact":
            run("contact", "add", w[1], w[2], "--date", w[3])
        elif w[0] == "checkin":
            run("checkin", "add", w[1], w[2], "--at", w[3], *(["--until", w[4]] if w[4] else []))
        else:
            run("case", "confirm", w[1], "--date", w[2])
    stay = RULES.at("checkin.stay_minutes", "2021-06-08")
    v_start = dt.datetime(2021, 6, 8, 8, 30)
    overlap = int((min(dt.datetime(2021, 6, 8, 9), v_start + dt.timedelta(minutes=stay)) - v_start).seconds // 60)
    run("export", "epicontacts", str(tmp_path / "epi"))
    import csv
    rows = list(csv.DictReader((tmp_path / "epi" / "contacts.csv").open(encoding="utf-8")))
    derived = [r for r in rows if r["checkin"] == "true"]
    assert [(r["from"], r["to"], r["date"], r["setting"], r["place"], r["minutes"], r["masked"], r["type"])
            for r in derived] == [("A", "V", "2021-06-08", "venue", "Chợ", str(overlap), "", "contact")]
    assert {(r["from"], r["to"]) for r in rows if r["checkin"] == "false"} == {("A", "B"), ("B", "Y")}
    run("export", "godata", str(tmp_path / "gd"))
    rel = list(csv.DictReader((tmp_path / "gd" / "relationships.csv").open(encoding="utf-8-sig")))
    assert {(r["persons[1].visualId"], r["persons[2].visualId"], r["contactDate"]) for r in rel} >= \
        {("A", "V", "2021-06-08")}
    shown = run_json("person", "show", "V")
    assert [(c["other"], c["date"], c["setting"], c["minutes"], c["checkin"]) for c in shown["contacts"]] == \
        [("A", "2021-06-08", "venue", overlap, True)]
    assert [c["other"] for c in run_json("person", "show", "X")["contacts"]] == []
    assert "Chợ" in run("person", "show", "V").stdout
    from tracing import maps
    data, _info = maps.build(store, roots=["A"], layout="network")
    edges = {(e.source, e.target): e for e in data.edges}
    assert edges[("A", "V")].setting == "venue" and edges[("A", "V")].date == "2021-06-08"
    assert "X" not in {n.id for n in data.nodes}


def test_6_a_case_whose_only_exposure_is_a_checkin_has_a_contact_traced(run, run_json, monkeypatch):
    """`check`'s no_contacts counts derived check-in exposures as contacts."""
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    add(run, "K", "L", "M")
    run("checkin", "add", "K", "Chợ", "--at", "2021-06-09 08:00")
    run("checkin", "add", "L", "Chợ", "--at", "2021-06-09 08:10")
    run("case", "confirm", "K", "--date", "2021-06-10")
    run("case", "confirm", "M", "--date", "2021-06-10")
    flagged = {tuple(f["ids"]) for f in run_json("check") if f["check"] == "no_contacts"}
    assert ("K",) not in flagged and ("M",) in flagged


# ---------------------------------------------------------------- 7. PA2 candidates in time
def test_7_candidates_score_only_evidence_in_the_lookback_window(run, run_json, monkeypatch):
    add(run, "OLD", "X", "H", "V", ward="Ngọc Lâm", unit="TDP 5")
    run("case", "confirm", "OLD", "--date", "2020-08-01", ok=None)
    run("contact", "add", "X", "H", "--date", "2021-06-05", "--setting", "household")
    run("checkin", "add", "X", "Chợ", "--at", "2021-06-06 08:00")
    run("checkin", "add", "V", "Chợ", "--at", "2021-06-06 08:15")
    x = Case("X", "2021-06-15", None, "2021-06-15")
    lo, hi = x.incubation(RULES)
    assert lo <= "2021-06-05" <= hi and lo <= "2021-06-06" <= hi
    out = run_json("case", "confirm", "X", "--date", "2021-06-15")
    cands = {c["id"]: c for c in out["candidates"]}
    assert "OLD" not in cands  # a 2020 case of the same unit: infectious long before the window
    w = SCORE_WEIGHTS
    # unit points only for cases infectious in the window; H and V are residents, not cases
    assert cands["H"]["score"] == w["contact"]                      # the household contact scores once
    assert cands["V"]["score"] == w["checkin"]                      # one check-in, one score
    for c in cands.values():
        for reason in c["reasons"]:
            assert "2021-" in reason, reason                        # every reason shows its date


def test_7_a_case_met_while_infectious_scores_once(store, monkeypatch):
    monkeypatch.setenv("TRACING_TODAY", "2021-06-30")
    with store.write("p"):
        for p in ("S", "X"):
            people.add_person(store, {"id": p, "name": p})
        encounters.add_checkin(store, "S", "Chợ", "2021-06-06 08:00", None)
        encounters.add_checkin(store, "X", "Chợ", "2021-06-06 08:15", None)
        cases.confirm(store, {"id": "S", "confirmed": "2021-06-07"})
        cases.confirm(store, {"id": "X", "confirmed": "2021-06-15", "unknown_source": True})
        cand = {c["id"]: c for c in scenarios.candidates(store, "X")}
    w = SCORE_WEIGHTS
    assert cand["S"]["score"] == w["case_window"] + w["case"]
    assert not any("checked in" in r and "inside their infectious window" not in r for r in cand["S"]["reasons"])


# ---------------------------------------------------------------- 8. case link checks what it is told
def test_8_link_refuses_a_cycle_and_warns_on_a_non_case(run, run_json, db_path):
    from conftest import db_digest
    add(run, "A", "B", "C", "N")
    run("case", "confirm", "A", "--date", "2021-06-10")
    run("case", "confirm", "B", "--date", "2021-06-12", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-14", "--source", "B")
    before = db_digest(db_path)
    refused = run("case", "link", "A", "--source", "C", ok=False)
    assert refused.exit_code == 1 and "A → C → B → A" in refused.output
    assert db_digest(db_path) == before
    linked = run("case", "link", "C", "--source", "N")
    assert "N is not a confirmed case" in linked.stderr


def kept_links(stored, links):
    """Reference for imported sources: ``links`` (``(line, case, source)``)
    in file order, each kept unless ``case`` is already reachable upwards from
    ``source`` through the links kept so far and the ``stored`` ones (it
    would close a cycle). Returns ``(kept, dropped)``."""
    from test_levels import climbs
    ups = {}
    for case, source in stored:
        ups.setdefault(case, set()).add(source)
    kept, dropped = [], []
    for line, case, source in sorted(links):
        if climbs(ups, source, case):
            dropped.append((line, case, source))
        else:
            ups.setdefault(case, set()).add(source)
            kept.append((case, source))
    return kept, dropped


@pytest.mark.parametrize("rows,stored", [
    ([("A", "B"), ("B", "A")], []),                       # the Tianjin pair TJ96/TJ97
    ([("A", "C"), ("B", "A"), ("C", "B")], []),           # A -> B -> C -> A in one file
    ([("A", "B"), ("D", "A")], [("B", "A")]),             # closed against a link already stored
])
def test_8_import_keeps_both_rows_and_drops_the_link_closing_a_cycle(run, run_json, store, tmp_path, rows, stored):
    ids = sorted({x for r in rows + stored for x in r})
    add(run, *ids)
    for case, source in stored:
        run("case", "confirm", source, "--date", "2021-06-10", ok=None)
        run("case", "confirm", case, "--date", "2021-06-12", "--source", source)
    path = tmp_path / "cycle.csv"
    path.write_text("id,confirmed,source\n" + "".join(f"{c},2021-06-1{i},{s}\n" for i, (c, s) in enumerate(rows)),
                    encoding="utf-8")
    summary = run_json("import", "cases", str(path))
    kept, dropped = kept_links(stored, [(i + 2, c, s) for i, (c, s) in enumerate(rows)])
    assert dropped and summary["rejected"] == 0
    assert {r["person"] for r in store.query("SELECT person FROM cases")} >= {c for c, _s in rows}
    assert sorted(tuple(r) for r in store.conn.execute("SELECT case_id, source FROM case_sources")) == \
        sorted(kept + stored)
    assert [(d["line"], d["case"], d["source"]) for d in summary["source_cycles"]] == dropped
    for line, case, source in dropped:
        assert any(f"line {line}:" in w and case in w and source in w for w in summary["warnings"])
        assert json.loads(store.get_case(case)["extra"])["source_in_cycle"] == source


def test_8_a_linked_edge_carries_the_exposure_date(run, run_json, tmp_path):
    add(run, "A", "B")
    run("case", "confirm", "A", "--date", "2021-06-01")
    run("contact", "add", "A", "B", "--date", "2021-06-03")
    run("contact", "add", "A", "B", "--date", "2021-06-07")
    run("contact", "add", "A", "B", "--date", "2021-06-12")   # after B's onset: not the exposure
    run("case", "confirm", "B", "--date", "2021-06-14", "--onset", "2021-06-10", "--unknown-source")
    run("case", "link", "B", "--source", "A")
    exposure = "2021-06-07"  # the last contact on or before the onset
    tree = run_json("tree", "A")
    assert tree["children"][0]["id"] == "B" and tree["children"][0]["date"] == exposure
    run("export", "epicontacts", str(tmp_path / "ex"))
    rows = [r for r in (tmp_path / "ex" / "contacts.csv").read_text().splitlines() if r.endswith("infection")]
    assert rows and all(exposure in r for r in rows)
    run("export", "godata", str(tmp_path / "gd"))
    rel = (tmp_path / "gd" / "relationships.csv").read_text()
    assert exposure in rel and "2021-06-14" not in rel


def test_8_a_known_infector_stays_primary_and_the_first_exposure_is_the_earliest(run, run_json, tmp_path,
                                                                                  monkeypatch):
    """Finding 3 (session 3): `case link X --source Q` keeps Q primary (CLI.md:
    a known infector), while contacts give an earlier qualifying exposure to
    P: the first exposure is that earliest one, in status, tree and levels.csv."""
    monkeypatch.setenv("TRACING_TODAY", "2021-07-31")
    add(run, "P", "Q", "X")
    run("contact", "add", "P", "X", "--date", "2021-07-03")
    run("contact", "add", "Q", "X", "--date", "2021-07-05")
    run("case", "confirm", "P", "--date", "2021-07-05", "--onset", "2021-07-04")
    run("case", "confirm", "Q", "--date", "2021-07-06")
    run("case", "confirm", "X", "--date", "2021-07-15")
    x = Case("X", "2021-07-15", None, None)
    windows = {"P": Case("P", "2021-07-05", "2021-07-04", "2021-07-05").window(RULES),
               "Q": Case("Q", "2021-07-06", None, "2021-07-06").window(RULES)}
    met = {"P": "2021-07-03", "Q": "2021-07-05"}
    qualifying = [d for s_, d in met.items() if windows[s_][0] <= d <= windows[s_][1] and x.fits_incubation(d, RULES)]
    first = min(qualifying)
    run("case", "link", "X", "--source", "Q")
    status = run_json("status", "X")
    assert status["primary_source"] == "Q" and status["exposure"] == first
    # the edge Q -> X is dated with the exposure between Q and X (the last
    # qualifying contact with Q on or before X's onset, else sample), not X's
    # first exposure (to P)
    linked = max(d for s_, d in met.items() if s_ == "Q" and d in qualifying)
    tree = run_json("tree", "Q")
    assert [(k["id"], k["date"]) for k in tree["children"]] == [("X", linked)]
    assert linked != first
    from tracing import maps
    from tracing.store import Store
    store = Store.open(os.environ["TRACING_DB"])
    try:
        for layout in ("tree", "network", "timeline"):
            data, _info = maps.build(store, roots=["Q"], layout=layout)
            assert {(e.source, e.target): e.date for e in data.edges if e.target == "X"} == \
                {("Q", "X"): linked, ("P", "X"): met["P"]}, layout
    finally:
        store.close()
    run("export", "csv", tmp_path / "out")
    import csv
    rows = {r["id"]: r for r in csv.DictReader((tmp_path / "out" / "levels.csv").open(encoding="utf-8-sig"))}
    assert (rows["X"]["primary_source"], rows["X"]["exposure"]) == ("Q", first)


def test_1_an_undated_contact_is_no_source_when_no_day_fits_both_windows(run, run_json, monkeypatch):
    """Finding 2 (session 3): an undated contact A–B, A confirmed 2020-08-01,
    B confirmed 2021-10-20: B was traced (undated counts for tracing), but A's
    infectious window and B's look-back window share no day, so B is PA2."""
    monkeypatch.setenv("TRACING_TODAY", "2020-08-01")
    add(run, "A", "B")
    run("contact", "add", "A", "B")
    run("case", "confirm", "A", "--date", "2020-08-01")
    assert level(run_json, "B") == "F1"
    monkeypatch.setenv("TRACING_TODAY", "2021-10-20")
    lo, hi = Case("A", "2020-08-01", None, "2020-08-01").window(RULES)
    far, near = Case("B", "2021-10-20", None, "2021-10-20").incubation(RULES)
    fits = lo <= near and far <= hi
    out = run_json("case", "confirm", "B", "--date", "2021-10-20")
    assert out["scenario"] == ("PA1" if fits else "PA2")
    status = run_json("status", "B")
    assert status["primary_source"] == ("A" if fits else None)
    assert ("unknown_source" in status["flags"]) == (not fits)
    together = [c for c in run_json("clusters", "--min-size", "1") if {"A", "B"} <= set(c["cases"])]
    assert bool(together) == fits  # nor does the undated contact join them in a cluster


def test_root_is_the_cluster_root_everywhere(run, run_json, tmp_path):
    """Finding 5 (session 3): C (primary source A) and C's F1 D have root A in
    status and levels.csv, as `tree A` and `clusters` see it."""
    add(run, "A", "C", "D")
    run("contact", "add", "A", "C", "--date", "2021-06-09")
    run("case", "confirm", "A", "--date", "2021-06-10")
    run("contact", "add", "C", "D", "--date", "2021-06-12")
    run("case", "confirm", "C", "--date", "2021-06-14", "--isolated", "2021-06-14")
    assert run_json("status", "C")["primary_source"] == "A"
    roots = {c["roots"][0] for c in run_json("clusters", "--min-size", "1") if "C" in c["cases"]}
    assert roots == {"A"}
    assert {run_json("status", p)["root"] for p in ("A", "C", "D")} == roots
    run("export", "csv", tmp_path / "out")
    import csv
    rows = {r["id"]: r["root"] for r in csv.DictReader((tmp_path / "out" / "levels.csv").open(encoding="utf-8-sig"))}
    assert {rows[p] for p in ("A", "C", "D")} == roots
    # one definition: no stored field called root that could say otherwise (the
    # case whose chain reached a person is levels.chain_case), and tree from the
    # root reaches everyone
    assert "root" not in sql_rows(os.environ["TRACING_DB"], "SELECT * FROM levels")[0]

    def reached(node):
        return {node["id"]} | {p for k in node["children"] for p in reached(k)}
    (root,) = roots
    assert reached(run_json("tree", root)) >= {"A", "C", "D"}


# ---------------------------------------------------------------- 9. zone places from contacts
def test_9_zone_includes_recorded_contact_places(run, run_json):
    add(run, "A", "B", "C")
    run("contact", "add", "A", "B", "--date", "2021-06-09", "--place", "Nhà hàng Sen")
    run("contact", "add", "A", "C", "--date", plus(window_start("2021-06-10"), -1), "--place", "Chợ cũ")
    out = run_json("case", "confirm", "A", "--date", "2021-06-10")
    assert out["zone"]["places"] == ["Nhà hàng Sen"]


# ---------------------------------------------------------------- 10. rules only from their date
def test_10_rules_show_lists_only_rules_in_force(run, run_json):
    run("person", "add", "--id", "A", "--name", "A")
    first = RULES.first_effective("level.bands")
    day = plus(first, -1)
    keys = {r["key"] for r in run_json("rules", "show", "--date", day)}
    assert "level.bands" not in keys and "f1.masked_minutes" not in keys
    assert "level.bands" in {r["key"] for r in run_json("rules", "show", "--date", first)}
    result = run("level", "--week-of", "2021-06-09")
    assert "no epidemic-level rule in force" in result.stderr
    assert all(r["level"] is None for r in run_json("level", "--week-of", "2021-06-09"))


# ---------------------------------------------------------------- 11. cluster figures
def test_11_serial_interval_over_every_source_pair_and_cycle_roots(run, run_json, store):
    add(run, "A", "B", "C", "D", "E")
    run("case", "confirm", "A", "--date", "2021-06-05", "--onset", "2021-06-04")
    run("case", "confirm", "B", "--date", "2021-06-09", "--onset", "2021-06-08", "--source", "A")
    run("case", "confirm", "C", "--date", "2021-06-12", "--onset", "2021-06-11", "--source", "B")
    run("case", "link", "C", "--source", "A")   # C has two sources: both pairs count
    onsets = {"A": "2021-06-04", "B": "2021-06-08", "C": "2021-06-11"}
    pairs = [("B", "A"), ("C", "A"), ("C", "B")]
    values = sorted((dt.date.fromisoformat(onsets[c]) - dt.date.fromisoformat(onsets[s])).days for c, s in pairs)
    clusters = run_json("clusters")
    cid = clusters[0]["id"]
    si = run_json("cluster", "show", cid)["serial_interval"]
    assert si["n"] == len(values) and si["mean"] == round(sum(values) / len(values), 2)
    # D and E source each other only (an import made it): a root is still given
    run("case", "confirm", "D", "--date", "2021-06-20")
    run("case", "confirm", "E", "--date", "2021-06-21", "--source", "D")
    with store.write("imported cycle"):
        store.add_case_sources("D", ["E"])
        from tracing import levels
        levels.rederive_all(store)
    group = next(c for c in run_json("clusters") if "D" in c["cases"])
    assert group["roots"] == ["D"]
    tree = run_json("tree", "D")
    assert {k["id"] for k in tree["children"]} == {"E"}


def test_11_a_cycle_gets_a_root_also_in_a_cluster_with_another_root(run, run_json, store):
    """A -> B, and C <-> D (stored before cycles were refused), one cluster
    through the contact B–C: A is a root (no source) and so is the cycle's
    earliest case, so `tree` from the roots reaches every case."""
    add(run, "A", "B", "C", "D")
    confirmed = {"A": "2021-06-05", "B": "2021-06-08", "C": "2021-06-20", "D": "2021-06-21"}
    run("case", "confirm", "A", "--date", confirmed["A"])
    run("case", "confirm", "B", "--date", confirmed["B"], "--source", "A")
    run("case", "confirm", "C", "--date", confirmed["C"])
    run("case", "confirm", "D", "--date", confirmed["D"], "--source", "C")
    run("contact", "add", "B", "C", "--date", "2021-06-01")
    with store.write("imported cycle"):
        store.add_case_sources("C", ["D"])
        from tracing import levels
        levels.rederive_all(store)
    group = next(c for c in run_json("clusters") if "D" in c["cases"])
    assert set(group["cases"]) == set(confirmed)
    assert group["roots"] == ["A", min(("C", "D"), key=confirmed.get)]

    def ids(node):
        return {node["id"]} | {i for k in node["children"] for i in ids(k)}
    assert set().union(*(ids(run_json("tree", r)) for r in group["roots"])) == set(confirmed)
