"""Follow-ups: the tests and quarantine ends a tracing team visits.

A schedule (see :func:`tracing.scenarios.schedules`) becomes pending rows of
the ``followups`` table: kind ``test`` on each test day and kind
``quarantine_end`` on the last day of quarantine. When a person's schedule
changes (promoted F2 -> F1, a new exposure, a dropped level, confirmed F0),
the pending rows that no longer fit are cancelled with the reason and the new
ones are added; rows that still fit are kept.

The daily list (:func:`due_list`) has three parts: tests due that day,
quarantines ending that day, and overdue tests (pending, due before that
day). A quarantine end is an event on its day, not a task that can be late, so
past ones are not listed as overdue.
"""

from __future__ import annotations

import datetime as dt
import json

from . import scenarios
from .i18n import N_, Msg, _
from .errors import InvalidValue
from .levels import Change, level_name
from .people import check_id, no_person
from .store import scenarios as sql
from .values import RESULTS, parse_date, parse_result, past_date, today

# RESULTS (negative, positive, missed) and their Vietnamese words live in tracing.values
KINDS = ("test", "quarantine_end")
#: Kinds a tracing schedule does not own: mass tests of a declared zone
#: (:mod:`tracing.zones`) stay when a person's F-level schedule changes, and
#: end only when the person becomes F0 or the zone is released.
TEST_KINDS = ("test", "zone_test")
#: A missed test is due again this many days later.
RETRY_DAYS = 1
#: How the retry of a missed test is marked (stored English, in ``detail``).
RETRY_WHY = "retry of the test missed on"


#: Why a follow-up was cancelled, stored as a language-neutral code
#: (``CODE`` or ``CODE:VALUE``: what it needs to be said) and shown translated
#: (:func:`reason_shown`); exports keep the code. The write that caused it is
#: kept beside, in the row's ``detail`` (``cause``).
CANCEL_REASONS = {
    "no_longer_traced": (N_("no longer traced"), None),
    "now_a_case": (N_("confirmed F0: moves to treatment"), None),
    "superseded": (N_("replaced by the {level} schedule"), "level"),
    "zone_released": (N_("zone {zone} released"), "zone"),
    "zone_cancelled": (N_("zone {zone} cancelled"), "zone"),
    "merged_into": (N_("merged into {id}, who has the same follow-up"), "id"),
}


def reason_code(code: str, value: str | None = None) -> str:
    """The stored reason of a cancellation (a key of :data:`CANCEL_REASONS`).

    >>> reason_code("superseded", "F1"), reason_code("no_longer_traced")
    ('superseded:F1', 'no_longer_traced')
    """
    if code not in CANCEL_REASONS:
        raise ValueError(code)
    return f"{code}:{value}" if CANCEL_REASONS[code][1] else code


def reason_shown(stored):
    """A stored reason for people: a :class:`~tracing.i18n.Msg` (translated
    where shown, English in JSON) for a code, a text of an older version
    as it is, None for none.

    >>> reason_shown("superseded:F1"), reason_shown("zone_released:Z2")
    ('replaced by the F1 schedule', 'zone Z2 released')
    """
    if not stored:
        return None
    code, _sep, value = str(stored).partition(":")
    if code not in CANCEL_REASONS:
        return stored
    template, name = CANCEL_REASONS[code]
    return Msg(template, **({name: value} if name else {}))


def wanted(entry: dict) -> list[tuple[str, str]]:
    """``(kind, due)`` pairs a schedule entry asks for.

    >>> wanted({"level": "F1", "tests": ["2021-05-08", "2021-05-21"], "quarantine_until": "2021-05-28"})
    [('quarantine_end', '2021-05-28'), ('test', '2021-05-08'), ('test', '2021-05-21')]
    """
    pairs = {("test", d) for d in entry.get("tests") or []}
    if entry.get("quarantine_until") and entry.get("level") not in (None, "F0"):
        pairs.add(("quarantine_end", entry["quarantine_until"]))
    return sorted(pairs)


def reschedule(store, changes, why: str, *, region=(), case_id=None, case_row=None) -> tuple[list[dict], dict]:
    """Schedules after a write: everyone whose level entry changed, and every
    traced person of the re-derived ``region`` whose follow-ups no longer fit
    (a new exposure restarts the period: DOMAIN.md), so the follow-ups are the
    same whatever order the facts were entered in. Returns ``(schedule,
    counts)``: the schedule of the changed persons and of those rescheduled."""
    seen = {c.id for c in changes}
    extra = [Change(p, e, e) for p, e in sorted(store.levels(set(region) - seen).items()) if e["level"] > 0]
    schedule = scenarios.schedules(store, [*changes, *extra], case_id=case_id, case_row=case_row)
    counts, moved = _apply(store, schedule, why)
    # a person no longer a case (unconfirm, merge, a re-import) who lives in a
    # zone not released gets its mass tests still to come (issue 15 point 1)
    from . import zones

    counts["scheduled"] += zones.enrol(store, seen, why)
    return [e for e in schedule if e["id"] in seen or e["id"] in moved], counts


def after_rederive(store, changes, why: str, *, region=None) -> dict:
    """Keep follow-ups in step after a re-derivation that is not a case
    write (``rules set``, imports, merges, ``doctor --rederive``): every level
    change cancels or reschedules follow-ups exactly as a confirmation does
    (issue 12). ``region``: the persons re-derived; None after a whole
    district re-derivation (every traced person is checked: a rule such as
    ``quarantine.plan`` moves schedules without changing a level entry).
    Returns the counts of :func:`reschedule`."""
    if region is None:
        region = [r["person"] for r in store.query("SELECT person FROM levels")]
    return reschedule(store, changes, why, region=region)[1]


def _is_retry(row: dict) -> bool:
    """Is a pending follow-up the retry of a missed test (see :func:`record`)?"""
    try:
        detail = json.loads(row.get("detail") or "{}")
    except ValueError:
        return False
    return isinstance(detail, dict) and str(detail.get("why", "")).startswith(RETRY_WHY)


def apply_schedule(store, schedule: list[dict], why: str) -> dict:
    """Make the pending follow-ups of every person in ``schedule`` match it.

    Returns ``{"scheduled", "cancelled", "kept"}`` counts.
    """
    return _apply(store, schedule, why)[0]


def _apply(store, schedule: list[dict], why: str) -> tuple[dict, set[str]]:
    """:func:`apply_schedule`, also returning the persons whose follow-ups
    changed. A wanted follow-up already done (a test visited) is not added again."""
    ids = [e["id"] for e in schedule]
    pending = sql.pending_followups(store, ids)
    done = sql.finished_followups(store, ids)
    moved: set[str] = set()
    cancel: dict[str, list[int]] = {}
    new_rows = []
    kept = 0
    for entry in schedule:
        want = wanted(entry)
        have = pending.get(entry["id"], [])
        if entry["level"] is None:
            reason = reason_code("no_longer_traced")
        elif entry["level"] == "F0":
            reason = reason_code("now_a_case")
        else:
            reason = reason_code("superseded", entry["level"])
        left = [w for w in want if (entry["id"], *w) not in done]
        for row in have:
            if row["kind"] not in KINDS and entry["level"] != "F0":
                continue
            if entry["level"] not in (None, "F0") and _is_retry(row):
                continue  # a missed test's retry stays while the person is still traced
            key = (row["kind"], row["due"])
            if key in left:
                left.remove(key)
                kept += 1
            else:
                cancel.setdefault(reason, []).append(row["id"])
                moved.add(entry["id"])
        moved.update(entry["id"] for _ in left[:1])
        for kind, due in left:
            new_rows.append({"person": entry["id"], "kind": kind, "due": due,
                             "detail": {"level": entry["level"], "plan": entry.get("plan"), "why": why}})
    cancelled = sum(sql.cancel_followups(store, fids, reason, cause=why) for reason, fids in sorted(cancel.items()))
    scheduled = sql.insert_followups(store, new_rows)
    return {"scheduled": scheduled, "cancelled": cancelled, "kept": kept}, moved


def day_text(value, field: str = "--date") -> str:
    """``value`` as an ISO date, today when blank (also only spaces, like
    every optional date option with a default of today).

    >>> day_text("21/05/2021"), day_text(" ") == today().isoformat()
    ('2021-05-21', True)
    """
    day = parse_date(value, field) or today()
    return day.isoformat()


def due_list(store, day=None, ward: str | None = None) -> list[dict]:
    """Who to visit on ``day`` (default today): tests due (mass tests of a
    declared zone included, kind ``zone_test`` with its ``zone``), quarantines
    ending, overdue tests. Rows ``{"section", "person", "name", "phone", "ward",
    "unit", "address", "level", "kind", "due", "days_late", "followup", "zone"}``,
    sections in that order, then by ward, unit, person. A mass test of a zone
    released (on or before ``day``) or cancelled is never listed, not even
    overdue: the zone ended its tests."""
    day = day_text(day)
    order = {"test": 0, "quarantine_end": 1, "overdue": 2}
    out = []
    ended = None  # zones released on or before the day, or cancelled: their tests are never listed
    from .store.areas import ward_filter

    # `--ward "Bo De"` is Bồ Đề, `--ward "Phường 1, Quận 3"` that district's, as areas are grouped
    want = ward_filter(store, ward) if ward else None
    for r in sql.followups_due(store, day, None):
        if want is not None and not want(r["district"], r["ward"]):
            continue
        if r["kind"] == "zone_test":
            if ended is None:
                from .store import outbreak

                ended = {z["n"] for z in outbreak.zones(store)
                         if z.get("cancelled") or (z["released"] and z["released"] <= day)}
            if ended and (json.loads(r["detail"]) if r["detail"] else {}).get("zone") in ended:
                continue
        if r["due"] == day:
            section = r["kind"] if r["kind"] in order else "test"
        elif r["kind"] in TEST_KINDS:
            section = "overdue"
        else:
            continue
        detail = json.loads(r["detail"]) if r["detail"] else {}
        out.append({"section": section, "person": r["person"], "name": r["name"], "phone": r["phone"],
                    "ward": r["ward"], "unit": r["unit"], "address": r["address"],
                    "level": level_name(r["level"]) if r["level"] is not None else detail.get("level"),
                    "kind": r["kind"], "due": r["due"],
                    "days_late": (dt.date.fromisoformat(day) - dt.date.fromisoformat(r["due"])).days,
                    "followup": r["id"], "zone": f"Z{detail['zone']}" if detail.get("zone") else None})
    out.sort(key=lambda x: (order[x["section"]], x["ward"] or "", x["unit"] or "", x["person"], x["due"]))
    return out


def record(store, person_id: str, day, result: str) -> dict:
    """Record a test visit: ``negative``, ``positive`` or ``missed``.

    Marks the person's pending test due on ``day`` (else the latest overdue
    one; else records an unscheduled test). A missed test is due again
    :data:`RETRY_DAYS` later. A positive result never confirms by itself: the
    result carries the ``tracing case confirm`` command to run (PA1).
    """
    person_id = check_id(person_id)
    if store.get_person(person_id) is None:
        raise no_person(person_id)
    result = parse_result(result, "--result")
    if result is None:
        raise InvalidValue(_("--result: a result is required ({RESULTS})").format(RESULTS=', '.join(RESULTS)))
    day_date = past_date(day, "--date", allow_serial=False) or today()
    day = day_date.isoformat()
    tests = sorted((r for kind in TEST_KINDS for r in sql.person_followups(store, person_id, kind=kind,
                                                                            status="pending") if r["due"] <= day),
                   key=lambda r: (r["due"], r["id"]))
    exact = [r for r in tests if r["due"] == day]
    target = exact[0] if exact else (tests[-1] if tests else None)
    status = "missed" if result == "missed" else "done"
    value = None if result == "missed" else result
    if target:
        sql.finish_followup(store, target["id"], status, value, day)
        fid, scheduled_for = target["id"], target["due"]
    else:
        fid = sql.insert_done_followup(store, person_id, "test", day, status, value, "unscheduled visit")
        scheduled_for = None
    retry = None
    if result == "missed":
        retry = (day_date + dt.timedelta(days=RETRY_DAYS)).isoformat()
        level = store.levels([person_id]).get(person_id)
        sql.insert_followups(store, [{"person": person_id, "kind": "test", "due": retry,
                                      "detail": {"level": level_name(level["level"]) if level else None,
                                                 "why": f"{RETRY_WHY} {day}"}}])
    nxt = None
    if result == "positive":
        if store.get_case(person_id):
            nxt = None
        else:
            nxt = f"tracing case confirm {person_id} --date {day}"
    store.note(person=person_id, date=day, result=result, followup=fid)
    return {"person": person_id, "date": day, "result": result, "followup": fid, "scheduled_for": scheduled_for,
            "retry": retry, "next": nxt, "already_case": result == "positive" and nxt is None}
