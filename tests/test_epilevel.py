"""Epidemic level per area: weekly community cases per 100,000 against level.bands."""

from __future__ import annotations

import pytest

from tracing.store.reports import set_population


@pytest.fixture(autouse=True)
def _after_resolution_128(monkeypatch, db_path):
    """Levels exist only from Res. 128/NQ-CP (rule level.bands from 2021-10-11)."""
    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")


def setup(run, store, cases_in_w1=3):
    with store.write("populations"):
        set_population(store, "ward", "W1", 10_000)
        set_population(store, "ward", "W2", 2_000)
        set_population(store, "unit", "TDP 1, W1", 1_000)
    for i in range(cases_in_w1):
        run("person", "add", "--id", f"A{i}", "--name", f"A {i}", "--ward", "W1", "--unit", "TDP 1")
        run("case", "confirm", f"A{i}", "--date", "2021-11-16")
    run("person", "add", "--id", "Z", "--name", "Z", "--ward", "W9")
    run("case", "confirm", "Z", "--date", "2021-11-17")
    run("person", "add", "--id", "OLD", "--name", "Old", "--ward", "W1")
    run("case", "confirm", "OLD", "--date", "2021-11-14")  # the Sunday before


def test_every_area_with_a_population_and_bands(run, run_json, store):
    setup(run, store)
    rows = run_json("level", "--week-of", "2021-11-18")
    assert set(rows[0]) >= {"area", "population", "new_cases", "per_100k", "level"}
    by = {r["area"]: r for r in rows}
    assert (by["W1"]["new_cases"], by["W1"]["per_100k"], by["W1"]["level"]) == (3, 30.0, 2)
    assert (by["W2"]["new_cases"], by["W2"]["level"]) == (0, 1)
    assert by["W9"]["population"] is None and by["W9"]["level"] is None and "population" in by["W9"]["note"]
    units = {r["area"]: r for r in run_json("level", "--week-of", "2021-11-15", "--by", "unit")}
    assert (units["TDP 1, W1"]["per_100k"], units["TDP 1, W1"]["level"]) == (300.0, 4)


def test_bands_in_force_that_week_and_quarantined_cases(run, run_json, store, monkeypatch):
    setup(run, store, cases_in_w1=0)
    with store.write("populations"):
        set_population(store, "ward", "W1", 1_000)
    for i in range(7):
        run("person", "add", "--id", f"B{i}", "--name", f"B {i}", "--ward", "W1")
        run("case", "confirm", f"B{i}", "--date", "2021-11-16")
    assert {r["area"]: r["level"] for r in run_json("level", "--week-of", "2021-11-16")}["W1"] == 4  # 700
    run("rules", "set", "level.bands", '[{"level":1,"from":0},{"level":2,"from":20},{"level":3,"from":50},'
        '{"level":4,"above":800}]', "--from", "2021-11-15")
    assert {r["area"]: r["level"] for r in run_json("level", "--week-of", "2021-11-16")}["W1"] == 3
    # an F1 confirmed while in quarantine is not a community case
    run("person", "add", "--id", "F", "--name", "F", "--ward", "W1")
    monkeypatch.setenv("TRACING_TODAY", "2021-11-16")  # recorded when B0 is confirmed: F traced then
    run("contact", "add", "B0", "F", "--date", "2021-11-15")
    monkeypatch.setenv("TRACING_TODAY", "2021-12-31")
    run("case", "confirm", "F", "--date", "2021-11-17")
    assert {r["area"]: r["new_cases"] for r in run_json("level", "--week-of", "2021-11-16")}["W1"] == 7
    csv_out = run("level", "--week-of", "2021-11-16", "--format", "csv").stdout
    assert csv_out.splitlines()[0].startswith("area,population,new_cases,per_100k,level")
