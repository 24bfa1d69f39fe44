"""tracing.cases as the demo and other code call it: confirm, unconfirm, link."""

from __future__ import annotations

import os

import pytest

from tracing import cases, encounters, people
from tracing.errors import Conflict, InvalidValue, NotFound
from tracing.scenarios import CANDIDATE_LIMIT

CLI_KEYS = {"id", "scenario", "dry_run", "changes", "schedule", "candidates", "zone"}


def _chain(store):
    """A1 (case) -> B (F1) -> C (F2), all in one unit; D lives there too."""
    today = os.environ["TRACING_TODAY"]
    os.environ["TRACING_TODAY"] = "2021-05-08"  # the team records the contacts the day A1 is confirmed
    try:
        with store.write("setup"):
            for pid, name in (("A1", "Nguyễn Văn A"), ("B", "Trần Thị B"), ("C", "Lê Văn C"), ("D", "Phạm Thị D")):
                people.add_person(store, {"id": pid, "name": name, "ward": "Ngọc Lâm", "unit": "TDP 1"})
            encounters.add_contact(store, {"a": "A1", "b": "B", "date": "2021-05-06", "setting": "household"})
            encounters.add_contact(store, {"a": "B", "b": "C", "date": "2021-05-08", "setting": "work"})
        with store.write("case confirm"):
            first = cases.confirm(store, {"id": "A1", "confirmed": "2021-05-08"})
    finally:
        os.environ["TRACING_TODAY"] = today
    return first


def test_confirm_returns_the_cli_shape(store):
    first = _chain(store)
    assert CLI_KEYS <= set(first)
    assert first["scenario"] == "PA2" and first["unknown_source"] is True
    with store.write("case confirm"):
        out = cases.confirm(store, {"id": "B", "confirmed": "2021-05-10"})
    assert CLI_KEYS <= set(out)
    assert out["scenario"] == "PA1" and out["prior_level"] == "F1" and out["dry_run"] is False
    assert {"id": "B", "from": "F1", "to": "F0"} in out["changes"]
    assert {"id": "C", "from": "F2", "to": "F1"} in out["changes"]
    assert {e["id"] for e in out["schedule"]} >= {"B", "C"}
    assert out["candidates"] == [] and out["zone"] is None


def test_dry_run_in_library_rolls_back(store):
    _chain(store)
    with store.write("case confirm", dry_run=True):
        out = cases.confirm(store, {"id": "B", "confirmed": "2021-05-10"})
    assert out["dry_run"] is True and out["scenario"] == "PA1"
    assert store.get_case("B") is None
    assert store.levels(["B"])["B"]["level"] == 1


def test_a_recorded_source_makes_pa1(store):
    _chain(store)
    with store.write("case confirm"):
        out = cases.confirm(store, {"id": "D", "confirmed": "2021-05-09", "sources": ["A1"]})
    assert out["scenario"] == "PA1" and out["prior_level"] is None and out["unknown_source"] is False


def test_unknown_source_flag_asks_for_pa2_even_when_traced(store):
    _chain(store)
    with store.write("case confirm"):
        out = cases.confirm(store, {"id": "C", "confirmed": "2021-05-10", "unknown_source": True})
    assert out["scenario"] == "PA2" and out["zone"]["units"] == ["TDP 1, Ngọc Lâm"]
    ids = [c["id"] for c in out["candidates"]]
    assert "B" in ids and len(ids) <= CANDIDATE_LIMIT


def test_pa2_zone_to_test_leaves_cases_out(store):
    _chain(store)
    with store.write("case confirm"):
        out = cases.confirm(store, {"id": "D", "confirmed": "2021-05-20"})
    assert out["scenario"] == "PA2"
    assert out["zone"]["to_test"] == ["B", "C"]  # A1 and D are cases


def test_refusals(store):
    _chain(store)
    with pytest.raises(Conflict, match="A1 is already a confirmed case"):
        with store.write("case confirm"):
            cases.confirm(store, {"id": "A1", "confirmed": "2021-05-09"})
    with pytest.raises(InvalidValue, match="--unknown-source contradicts --source"):
        with store.write("case confirm"):
            cases.confirm(store, {"id": "B", "confirmed": "2021-05-09", "sources": ["A1"], "unknown_source": True})
    with pytest.raises(InvalidValue, match="in the future"):
        with store.write("case confirm"):
            cases.confirm(store, {"id": "B", "confirmed": "2099-01-01"})
    with pytest.raises(NotFound, match="X9"):
        with store.write("case confirm"):
            cases.confirm(store, {"id": "X9", "confirmed": "2021-05-09"})
    with pytest.raises(NotFound, match="B is not a confirmed case"):
        with store.write("case link"):
            cases.link(store, "B", ["A1"])
    with pytest.raises(InvalidValue, match="own source"):
        with store.write("case link"):
            cases.link(store, "A1", ["A1"])
    with pytest.raises(NotFound, match="C is not a confirmed case"):
        with store.write("case unconfirm"):
            cases.unconfirm(store, "C")
    assert store.get_case("B") is None


def test_link_turns_pa2_into_linked(store):
    _chain(store)
    with store.write("case confirm"):
        cases.confirm(store, {"id": "D", "confirmed": "2021-05-20"})
    assert store.get_case("D")["unknown_source"] == 1
    with store.write("case link"):
        out = cases.link(store, "D", ["A1"])
    assert out["was_unknown_source"] is True and out["sources"] == ["A1"]
    assert store.get_case("D")["unknown_source"] == 0
    assert "unknown_source" not in store.levels(["D"])["D"]["flags"]


def test_unconfirm_gives_back_the_levels(store):
    _chain(store)
    before = {p: e["level"] for p, e in store.levels(["A1", "B", "C", "D"]).items()}
    with store.write("case confirm"):
        cases.confirm(store, {"id": "B", "confirmed": "2021-05-10"})
    with store.write("case unconfirm"):
        out = cases.unconfirm(store, "B")
    assert {p: e["level"] for p, e in store.levels(["A1", "B", "C", "D"]).items()} == before
    assert {"id": "B", "from": "F0", "to": "F1"} in out["changes"]
    assert {e["id"]: e["level"] for e in out["schedule"]}["B"] == "F1"
