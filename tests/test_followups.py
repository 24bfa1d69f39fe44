"""Follow-ups: stored schedules, the team's daily list and recording visits."""

from __future__ import annotations

import csv
import io
import json

import pytest

from conftest import load_fixture, sql_rows



LB = load_fixture("long_bien_2021_05")


_rows = sql_rows


def _pending(path, person):
    return sorted((r["kind"], r["due"]) for r in _rows(
        path, "SELECT kind, due FROM followups WHERE person = ? AND status = 'pending'", (person,)))


def _wanted(entry):
    out = [("test", d) for d in entry["tests"]]
    if entry["quarantine_until"] and entry["level"] not in (None, "F0"):
        out.append(("quarantine_end", entry["quarantine_until"]))
    return sorted(out)


def _pa1(run_json, *extra):
    c = LB.PA1_CONFIRM
    return run_json("case", "confirm", c["id"], "--date", c["confirmed"], *extra)


def test_schedules_are_stored_as_pending_followups(long_bien, run_json):
    out = _pa1(run_json)
    for entry in out["schedule"]:
        assert _pending(long_bien, entry["id"]) == _wanted(entry), entry["id"]


def test_pa1_cancels_the_old_followups_with_a_reason(long_bien, run_json, run, tmp_path):
    before_p2 = _pending(long_bien, "P2")
    before_p8 = _pending(long_bien, "P8")
    assert before_p2 and before_p8  # the F1 P2 and the F2 P8 had schedules from BN1
    out = _pa1(run_json)
    assert _pending(long_bien, "P2") == [] and _pending(long_bien, "P8") == []
    cancelled = _rows(long_bien, "SELECT person, kind, due, reason, detail FROM followups "
                                 "WHERE status = 'cancelled'")
    by_person = {}
    for r in cancelled:
        by_person.setdefault(r["person"], []).append(r)
    assert sorted((r["kind"], r["due"]) for r in by_person["P2"]) == before_p2
    # stored as language-neutral codes, the write that caused it beside them
    assert {r["reason"] for r in by_person["P2"]} == {"now_a_case"}
    assert all(json.loads(r["detail"])["cause"].startswith("case confirm P2") for r in by_person["P2"])
    assert {r["reason"] for r in by_person["P8"]} == {"no_longer_traced"}
    # the F2 quarantine end of P4 was superseded by the F1 schedule
    assert "superseded:F1" in {r["reason"] for r in by_person["P4"]}
    # shown translated where people read them, the code in JSON and exports
    shown = {"en": {"now_a_case": "confirmed F0: moves to treatment", "no_longer_traced": "no longer traced"},
             "vi": {"now_a_case": "đã xác định là F0: chuyển sang điều trị",
                    "no_longer_traced": "không còn trong diện truy vết"}}
    for lang, words in shown.items():
        for person, code in (("P2", "now_a_case"), ("P8", "no_longer_traced")):
            text = run("--lang", lang, "person", "show", person).stdout
            assert text.count(words[code]) == len(by_person[person]), (lang, person, text)
            if lang == "vi":  # the table's words too: its header, kinds and states
                assert "Lý do" in text and "đã hủy" in text and "cancelled" not in text, text
    record = run_json("person", "show", "P2")
    assert sorted((f["kind"], f["due"]) for f in record["followups"] if f["reason"] == "now_a_case") == before_p2
    run("export", "csv", tmp_path / "out")
    with open(tmp_path / "out" / "followups.csv", encoding="utf-8-sig", newline="") as fh:
        exported = [r for r in csv.DictReader(fh) if r["status"] == "cancelled"]
    assert sorted((r["person"], r["reason"]) for r in exported) == sorted((r["person"], r["reason"]) for r in cancelled)
    assert all(r["cause"].startswith("case confirm P2") for r in exported if r["person"] == "P2")
    assert out["followups"]["cancelled"] == len(cancelled)
    audit = _rows(long_bien, "SELECT detail FROM audit WHERE command = 'case confirm' ORDER BY id DESC LIMIT 1")
    assert '"scenario": "PA1"' in audit[0]["detail"] and '"P4"' in audit[0]["detail"]


def test_unconfirm_restores_levels_and_followups(long_bien, run_json):
    levels_before = {r["id"]: r["level"] for r in run_json("list")}
    pending_before = {p: _pending(long_bien, p) for p in ("P2", "P4", "P5", "P6", "P7", "P8")}
    confirmed = _pa1(run_json)
    undo = run_json("case", "unconfirm", "P2")
    assert {(c["id"], c["from"], c["to"]) for c in undo["changes"]} == \
           {(c["id"], c["to"], c["from"]) for c in confirmed["changes"]}
    assert {r["id"]: r["level"] for r in run_json("list")} == levels_before
    assert {p: _pending(long_bien, p) for p in pending_before} == pending_before


def test_daily_list_tests_due_quarantine_ends_and_overdue(long_bien, run, run_json):
    out = _pa1(run_json)
    sched = {e["id"]: e for e in out["schedule"]}
    day = sched["P4"]["tests"][1]
    rows = run_json("followup", "--date", day)
    tests_due = {r["person"] for r in rows if r["section"] == "test"}
    expected_due = {e["id"] for e in out["schedule"] if day in e["tests"]}
    assert tests_due >= expected_due and "P4" in tests_due
    overdue = {(r["person"], r["due"]) for r in rows if r["section"] == "overdue"}
    assert ("P4", sched["P4"]["tests"][0]) in overdue
    assert all(r["due"] < day for r in rows if r["section"] == "overdue")
    ends_day = sched["P4"]["quarantine_until"]
    ends = run_json("followup", "--date", ends_day)
    assert "P4" in {r["person"] for r in ends if r["section"] == "quarantine_end"}
    # ward filter
    p4_ward = next(p["ward"] for p in LB.PERSONS if p["id"] == "P4")
    only = run_json("followup", "--date", day, "--ward", p4_ward)
    assert only and all(r["ward"] == p4_ward for r in only)
    # csv for printing, table for people
    text = run("followup", "--date", day, "--format", "csv").stdout
    table = list(csv.DictReader(io.StringIO(text)))
    assert [r["person"] for r in table] == [r["person"] for r in rows]
    human = run("followup", "--date", day).stdout
    assert "Tests due" in human and "Overdue tests" in human and "Phạm Thị Dung" in human


def test_record_negative_and_missed(long_bien, run, run_json):
    out = _pa1(run_json)
    sched = {e["id"]: e for e in out["schedule"]}
    day = sched["P4"]["tests"][0]
    rec = run_json("followup", "record", "P4", "--date", day, "--result", "negative")
    assert rec["scheduled_for"] == day and rec["next"] is None
    assert ("test", day) not in _pending(long_bien, "P4")
    missed_day = sched["P5"]["tests"][0]
    rec = run_json("followup", "record", "P5", "--date", missed_day, "--result", "missed")
    assert rec["retry"] > missed_day and ("test", rec["retry"]) in _pending(long_bien, "P5")
    listed = run_json("followup", "--date", rec["retry"])
    assert "P5" in {r["person"] for r in listed if r["section"] == "test"}


def test_positive_result_offers_pa1_without_confirming(long_bien, run, run_json):
    out = _pa1(run_json)
    day = {e["id"]: e for e in out["schedule"]}["P4"]["tests"][1]
    text = run("followup", "record", "P4", "--date", day, "--result", "positive").stdout
    command = f"tracing case confirm P4 --date {day}"
    assert command in text
    assert run_json("status", "P4")["level"] == "F1"  # not confirmed by itself
    result = run_json(*command.split()[1:])
    assert result["scenario"] == "PA1" and {"id": "P4", "from": "F1", "to": "F0"} in result["changes"]


def test_record_refuses_bad_input(long_bien, run):
    r = run("followup", "record", "NOBODY", "--date", "2021-05-20", "--result", "negative", ok=False)
    assert "NOBODY" in r.output and r.exit_code == 1
    r = run("followup", "record", "P4", "--date", "2099-01-01", "--result", "negative", ok=False)
    assert "future" in r.output
    r = run("followup", "record", "P4", "--date", "2021-05-20", "--result", "maybe", ok=False)
    assert r.exit_code == 2


def _one_error(result) -> str:
    """The single ``Error:`` line of a failed command (exit 1)."""
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


def test_blank_date_means_today_like_no_date(long_bien, run, run_json):
    _pa1(run_json)
    from tests.conftest import TODAY
    assert run_json("followup", "--date", " ") == run_json("followup") == run_json("followup", "--date", TODAY)
    assert run("followup", "--date", "\t").stdout.startswith(f"Follow-ups for {TODAY}")
    rec = run_json("followup", "record", "P4", "--date", " ", "--result", "negative")
    assert rec["date"] == TODAY


def test_bad_date_is_one_error_naming_the_option(long_bien, run):
    from tests.conftest import db_digest
    before = db_digest(long_bien)
    for value in ("31/02/2021", "soon", "-"):
        assert "--date" in _one_error(run("followup", "--date", value, ok=False))
        assert "--date" in _one_error(run("followup", "record", "P4", "--date", value, "--result", "negative",
                                          ok=False))
    assert db_digest(long_bien) == before


def test_an_older_database_gets_reason_codes_for_its_english_reasons(db_path, run, run_json):
    """Schema 12: follow-ups an older version cancelled with English texts get
    the codes of tracing.followups.CANCEL_REASONS (the write that caused it
    kept in detail.cause); a text of no known shape stays as it was."""
    from test_areas_upgrade import build_at
    from tracing.followups import CANCEL_REASONS, reason_code
    legacy = {  # the texts versions up to schema 11 wrote -> (code, cause)
        "no longer traced (F2 → –): case unconfirm A (sample 2021-06-01 was a false positive)":
            (reason_code("no_longer_traced"), "case unconfirm A (sample 2021-06-01 was a false positive)"),
        "confirmed F0, moves to treatment: case confirm P (PA1, sample 2021-06-03)":
            (reason_code("now_a_case"), "case confirm P (PA1, sample 2021-06-03)"),
        "superseded by the F1 schedule: labels linked": (reason_code("superseded", "F1"), "labels linked"),
        "zone Z3 released on 2021-06-20": (reason_code("zone_released", "Z3"), None),
        "zone Z4 cancelled on 2021-06-21": (reason_code("zone_cancelled", "Z4"), None),
        "merged into K2: K2 has the same follow-up": (reason_code("merged_into", "K2"), None),
        "typed by hand": ("typed by hand", None),
    }
    assert {code.partition(":")[0] for code, _ in legacy.values()} - {"typed by hand"} == set(CANCEL_REASONS)

    def fill(conn):
        conn.execute("INSERT INTO persons (id, name, name_folded, created_at) VALUES ('P', 'P', 'p', '2021-06-01')")
        for n, reason in enumerate(legacy, start=1):
            conn.execute("INSERT INTO followups (person, kind, due, status, reason, detail, created_at) "
                         "VALUES ('P', 'test', ?, 'cancelled', ?, '{\"level\": \"F1\"}', '2021-06-01')",
                         (f"2021-06-{n:02d}", reason))
    build_at(db_path, 11, fill)
    got = [(f["reason"]) for f in run_json("person", "show", "P")["followups"]]
    assert got == [code for code, _ in legacy.values()]
    details = [json.loads(r["detail"]) for r in _rows(db_path, "SELECT detail FROM followups ORDER BY due")]
    assert [d.get("cause") for d in details] == [cause for _, cause in legacy.values()]
    assert all(d["level"] == "F1" for d in details)
    vi = run("--lang", "vi", "person", "show", "P").stdout
    assert "thay bằng lịch theo dõi F1" in vi and "vùng Z3 đã gỡ" in vi and "typed by hand" in vi
