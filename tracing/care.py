"""F0 care: where a confirmed case is treated (tầng điều trị), with history,
and when an F0 treated at home may be released.

Tiers (the notices' "phân tầng điều trị"): 1 = home care or mild (cách ly
điều trị tại nhà), 2 = field hospital / concentrated treatment, 3 = intensive
care. Each ``care set`` adds a dated row; a case's tier on a day is the latest
row on or before it; ``case recover`` ends the treatment (a ``recovered``
row). Nothing is overwritten, so the history stays.

**Release of an F0 in home care**: rule ``care.release`` in force on the
case's sample date (like quarantine plans, which follow the confirmation
date): day 1 is the positive sample date; the F0 may be released on day
``days`` with a negative test (``test``), and is released on day
``days_if_positive`` without one (when the rule has it); ``monitor_days`` of
self-monitoring follow. Sources and defaults are in :mod:`tracing.rules`
(4109/QĐ-BYT, 261/QĐ-BYT). The rule is for home care (tier 1) only: a case
treated at tier 2 or 3 gets no release dates from it (``release_from`` and
``release_without_test`` None, status ``treatment``): the hospital decides.

>>> release_days("2022-02-01", {"days": 7, "test": "rapid", "days_if_positive": 10, "monitor_days": 7})
('2022-02-07', '2022-02-10', '2022-02-17')
>>> day_of_illness("2022-02-01", "2022-02-07")
7
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

from .errors import Conflict, InvalidValue
from .i18n import N_, Msg, _, fmt_date
from .people import require_case
from .store import outbreak as sql
from .values import clean_text, parse_date, past_date, today

TIERS = (1, 2, 3)
#: The tier the home-care release rule (``care.release``, 261/QĐ-BYT) applies to.
HOME_TIER = 1
TIER_NAMES = {1: N_("home care"), 2: N_("field hospital"), 3: N_("intensive care")}
#: ``status`` of a care list row: still treated; day reached, a negative test needed; may be released; released.
STATUS_WORDS = {"treatment": N_("in treatment"), "test_then_release": N_("test, then release"),
                "release": N_("may be released"), "recovered": N_("released from treatment")}


def _plus(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def day_of_illness(confirmed: str, day: str) -> int:
    """Day number of ``day`` when day 1 is the sample date ``confirmed``."""
    return (dt.date.fromisoformat(day) - dt.date.fromisoformat(confirmed)).days + 1


def release_days(confirmed: str, rule: dict) -> tuple[str, str | None, str]:
    """``(may release from, released without a test on, monitoring until)``
    for a case sampled on ``confirmed`` under a ``care.release`` rule value."""
    first = _plus(confirmed, int(rule["days"]) - 1)
    fallback = rule.get("days_if_positive")
    without = _plus(confirmed, int(fallback) - 1) if fallback else None
    monitor_until = _plus(without or first, int(rule.get("monitor_days") or 0))
    return first, without, monitor_until


@dataclass
class CareState:
    """A case's treatment on a day (a row of ``tracing care list``)."""
    id: str
    name: str | None
    phone: str | None
    ward: str | None
    unit: str | None
    confirmed: str
    tier: int | None
    place: str | None
    since: str | None
    recovered: str | None
    day_of_illness: int
    release_from: str | None
    release_test: str | None
    release_without_test: str | None
    negative_test: str | None
    status: str
    rule_from: str | None

    def as_dict(self) -> dict:
        return asdict(self)


def _case(store, case_id) -> dict:
    row = require_case(store, case_id, hint=True)
    cid = row["person"]
    if row["confirmed"] is None:  # an undated case (imported without dates): care days count from the sample
        raise InvalidValue(_("{id} has no confirmation date (undated_case): import its sample date first").format(
            id=cid))
    return row


def _state(history: list[dict], day: str) -> dict | None:
    """The latest care row on or before ``day``."""
    last = None
    for h in history:
        if h["start"] <= day:
            last = h
    return last


def set_tier(store, case_id, tier, start, place=None) -> dict:
    """Record that a case is treated at ``tier`` from ``start`` (not before its
    sample date, not after its recovery). Returns ``{"id", "tier", "from",
    "place", "history"}``."""
    case = _case(store, case_id)
    try:
        tier = int(tier)
    except (TypeError, ValueError):
        raise InvalidValue(_("--tier: '{tier}' is not 1, 2 or 3").format(tier=tier)) from None
    if tier not in TIERS:
        raise InvalidValue(_("--tier: {tier} is not 1 (home care), 2 (field hospital) or 3 (intensive care)").format(
            tier=tier))
    day = past_date(start, "--from", required=True).isoformat()
    if day < case["confirmed"]:
        raise InvalidValue(_("--from {day} is before the sample date of {id} ({sample})").format(
            day=fmt_date(day), id=case["person"], sample=fmt_date(case["confirmed"])))
    history = sql.care_history(store, [case["person"]]).get(case["person"], [])
    done = [h for h in history if h["event"] == "recovered" and h["start"] <= day]
    if done:
        raise Conflict(_("{id} was released from treatment on {day}: a tier after that is refused").format(
            id=case["person"], day=fmt_date(done[-1]["start"])))
    place = clean_text(place, "--place")
    sql.insert_care(store, case["person"], day, "care", tier, place)
    store.note(case=case["person"], tier=tier, start=day, place=place)
    return {"id": case["person"], "tier": tier, "from": day, "place": place,
            "history": sql.care_history(store, [case["person"]])[case["person"]]}


def recover(store, case_id, day) -> dict:
    """Record a case's release from treatment on ``day``. Returns the state
    with ``"early"`` True (and a warning) when the day is before the earliest
    release the rules allow for home care."""
    case = _case(store, case_id)
    day = past_date(day, "--date", required=True).isoformat()
    cid = case["person"]
    if day < case["confirmed"]:
        raise InvalidValue(_("--date {day} is before the sample date of {id} ({sample})").format(
            day=fmt_date(day), id=cid, sample=fmt_date(case["confirmed"])))
    history = sql.care_history(store, [cid]).get(cid, [])
    for h in history:
        if h["event"] == "recovered":
            raise Conflict(_("{id} was already released from treatment on {day}").format(id=cid, day=fmt_date(h["start"])))
    later = [h for h in history if h["start"] > day]
    if later:
        raise InvalidValue(_("--date {day} is before the treatment of {id} at tier {tier} from {start}").format(
            day=fmt_date(day), id=cid, tier=later[0]["tier"], start=fmt_date(later[0]["start"])))
    rule = store.rules().at("care.release", case["confirmed"])
    first, _without, _monitor = release_days(case["confirmed"], rule)
    warnings = []
    at = _state(history, day)  # the home-care rule judges only a release from home care
    if day < first and (at is None or at["tier"] == HOME_TIER):
        # a Msg: English in JSON (language-neutral), translated in tables and notes
        warnings.append(Msg(N_("{id} released on day {n} of illness, before day {days} that rule care.release "
                               "asks ({date})"), id=cid, n=day_of_illness(case["confirmed"], day), days=rule["days"],
                            date=str(first)))
    sql.insert_care(store, cid, day, "recovered", None, None)
    store.note(case=cid, recovered=day, warnings=warnings)
    return {"id": cid, "recovered": day, "day_of_illness": day_of_illness(case["confirmed"], day),
            "warnings": warnings}


def of_case(store, case_id: str, day=None) -> dict | None:
    """The treatment of one case on ``day`` (default today): ``{"tier",
    "place", "since", "recovered", "history"}`` (``tier``/``place``/``since``
    from the latest ``care set`` on or before the day; ``recovered`` the
    release day if it came by then; ``history`` every row), or None when no
    tier was ever recorded."""
    day = (parse_date(day, "--date") or today()).isoformat()
    rows = sql.care_history(store, [case_id]).get(case_id, [])
    if not rows:
        return None
    now = _state(rows, day)
    current = next((h for h in reversed(rows) if h["event"] == "care" and h["start"] <= day), None)
    return {"tier": current["tier"] if current else None, "place": current["place"] if current else None,
            "since": current["start"] if current else None,
            "recovered": now["start"] if now and now["event"] == "recovered" else None, "history": rows}


def states(store, day=None, *, tier: int | None = 1, include_recovered: bool = False) -> list[CareState]:
    """Cases under treatment on ``day`` (default today) at ``tier`` (None:
    any tier), sorted by ward, unit, id; with ``include_recovered`` also
    those released on or before ``day``."""
    day = (parse_date(day, "--date") or today()).isoformat()
    if tier is not None and tier not in TIERS:
        raise InvalidValue(_("--tier: '{tier}' is not 1, 2 or 3").format(tier=tier))
    history = sql.care_history(store)
    ids = [cid for cid, h in history.items() if _state(h, day)]
    rules = store.rules()
    negatives = sql.last_negative_tests(store, ids)
    out = []
    for c in sql.cases_for_care(store, ids):
        rows = history[c["id"]]
        now = _state(rows, day)
        recovered = now["start"] if now["event"] == "recovered" else None
        current = now if not recovered else next((h for h in reversed(rows) if h["event"] == "care"
                                                   and h["start"] <= day), None)
        if recovered and not include_recovered:
            continue
        if tier is not None and (current is None or current["tier"] != tier):
            continue
        rule = rules.at("care.release", c["confirmed"])
        first, without, _monitor = release_days(c["confirmed"], rule)
        negative = max((d for d in negatives.get(c["id"], []) if first <= d <= day), default=None)
        home = current is not None and current["tier"] == HOME_TIER
        if not home:  # care.release (261/QĐ-BYT) is the home-care rule: no home dates for tiers 2/3
            first = without = negative = None
            rule = {}
        if recovered:
            status = "recovered"
        elif not home:
            status = "treatment"
        elif without and day >= without:
            status = "release"
        elif day >= first and (negative or not rule.get("test")):
            status = "release"
        elif day >= first:
            status = "test_then_release"
        else:
            status = "treatment"
        out.append(CareState(
            id=c["id"], name=c["name"], phone=c["phone"], ward=c["ward"], unit=c["unit"], confirmed=c["confirmed"],
            tier=current["tier"] if current else None, place=current["place"] if current else None,
            since=current["start"] if current else None, recovered=recovered,
            day_of_illness=day_of_illness(c["confirmed"], day), release_from=first,
            release_test=rule.get("test"), release_without_test=without, negative_test=negative, status=status,
            rule_from=_rule_from(rules, c["confirmed"]) if home else None))
    out.sort(key=lambda s: (s.ward or "", s.unit or "", s.id))
    return out


def _rule_from(rules, day: str) -> str:
    found = [r.effective for r in rules.all() if r.key == "care.release" and r.effective <= day]
    return found[-1] if found else rules.all()[0].effective


def summary(store, day: str, period_start: str | None = None) -> dict:
    """F0 by tier on ``day`` (under treatment then), those released, the
    share at home (tier 1 among F0 with a tier) and, when ``period_start`` is
    given, cases confirmed in ``[period_start, day]`` with no tier recorded.

    ``{"date", "tiers": {"1", "2", "3"}, "under_treatment", "recovered",
    "recovered_to_date", "home_share_pct", "no_tier"}``: ``recovered`` counts
    the releases in ``[period_start, day]`` (a report's period; without
    ``period_start``: up to ``day``), ``recovered_to_date`` all up to ``day``.
    """
    history = sql.care_history(store)
    tiers = {"1": 0, "2": 0, "3": 0}
    recovered = to_date = 0
    for rows in history.values():
        now = _state(rows, day)
        if now is None:
            continue
        if now["event"] == "recovered":
            to_date += 1
            recovered += period_start is None or now["start"] >= period_start
        else:
            tiers[str(now["tier"])] += 1
    under = sum(tiers.values())
    no_tier = None
    if period_start is not None:
        no_tier = sum(1 for c in sql.cases_for_care(store) if c["confirmed"] and period_start <= c["confirmed"] <= day
                      and not _state(history.get(c["id"], []), day))
    return {"date": day, "tiers": tiers, "under_treatment": under, "recovered": int(recovered),
            "recovered_to_date": to_date,
            "home_share_pct": round(100 * tiers["1"] / under, 1) if under else None, "no_tier": no_tier}
