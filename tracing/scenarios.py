"""The two scenarios of the notices: PA1 (an F1 turns positive) and PA2 (a case
with no known source).

* :func:`scenario_of` names the scenario of a confirmation;
* :func:`schedules` gives everyone whose level or exposure changed their
  quarantine end and test days under the rule ``quarantine.plan`` in force on
  the confirmation date of the case at the top of their chain;
* :func:`candidates` ranks possible sources of a PA2 case over the incubation
  window (rule ``window.incubation_days``) with the weights of
  :data:`SCORE_WEIGHTS` and a readable reason per point;
* :func:`zone` proposes the zone: the case's smallest residential unit, the
  places it checked in at while infectious, and who must be tested.

Dates of a schedule: Day 1 is the day after the last exposure; quarantine ends
on Day ``days``; tests fall on the listed day numbers; a new exposure restarts
the period (the last exposure is the latest qualifying contact with any
source, inside that source's window). An F1 with at least
``quarantine.protected_doses`` doses, or recovered, follows ``F1_protected``
when the plan in force has it; F3 and deeper follow the ``F2`` plan.

>>> plan = {"F1": {"days": 21, "monitor_days": 7, "tests": [1, 14, 20]}}
>>> plan_dates("2021-05-05", plan["F1"])
('2021-05-26', ['2021-05-06', '2021-05-19', '2021-05-25'], '2021-06-02')
"""

from __future__ import annotations

import datetime as dt

from .i18n import N_, _, fmt_date, label
from .levels import case_from_row, level_name, qualifies
from .store import scenarios as sql
from .values import fold

#: PA2 candidate score: points per kind of evidence (each kind counts once per
#: candidate). Data, not code: change the numbers here, the reasons follow.
SCORE_WEIGHTS: dict[str, int] = {
    "contact": 5,            # a recorded contact with the case inside the incubation window
    "contact_undated": 2,    # an undated recorded contact (may be in the window)
    "household": 4,          # same household: same address in the same unit, or a household contact
    "case": 4,               # the candidate is a confirmed case
    "case_window": 3,        # ... and met the case inside the candidate's infectious window
    "checkin": 3,            # QR check-ins at the same place at overlapping times in the window
    "workplace": 2,          # same workplace
    "unknown_unit_case": 2,  # another unknown-source case in the same unit within 14 days
    "unit": 1,               # same smallest residential unit (tổ dân phố, khu dân cư, chung cư)
    "traced": 1,             # the candidate is itself a traced F1/F2 (part of a known chain)
}

#: How many ranked candidates a confirmation shows.
CANDIDATE_LIMIT = 20
#: Unknown-source cases of the same unit count within this many days of each other.
UNIT_CASE_DAYS = 14
#: A check-in with no end time is taken to last this long; a stay is looked up this far back.
CHECKIN_DEFAULT_MINUTES = 60
CHECKIN_MAX_HOURS = 12


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _plus(text: str, days: int) -> str:
    return (_d(text) + dt.timedelta(days=days)).isoformat()


# ------------------------------------------------------------------ scenario
def scenario_of(prior_level, sources, derived_primary, unknown_flag: bool) -> str:
    """``PA1`` when the person had a known source or exposure before the
    confirmation (traced as F1/F2, a recorded ``--source``, or a contact with an
    earlier case's chain); ``PA2`` otherwise or when ``--unknown-source`` is given.

    >>> scenario_of(1, [], None, False), scenario_of(None, [], None, False), scenario_of(None, ["BN1"], None, False)
    ('PA1', 'PA2', 'PA1')
    """
    if unknown_flag:
        return "PA2"
    return "PA1" if (prior_level is not None or sources or derived_primary) else "PA2"


# ------------------------------------------------------------------ schedules
def plan_key(level: int, person: dict | None, plan: dict, protected_doses: int) -> str | None:
    """The entry of ``quarantine.plan`` that applies to a person at ``level``.

    >>> plan = {"F1": {}, "F1_protected": {}, "F2": {}}
    >>> plan_key(1, {"vaccinated": 2}, plan, 2), plan_key(1, {"vaccinated": 1}, plan, 2), plan_key(3, {}, plan, 2)
    ('F1_protected', 'F1', 'F2')
    """
    person = person or {}
    if level == 1:
        protected = (person.get("vaccinated") or 0) >= protected_doses or bool(person.get("recovered"))
        return "F1_protected" if protected and "F1_protected" in plan else "F1"
    key = f"F{level}"
    if key in plan:
        return key
    return "F2" if "F2" in plan else None


def plan_dates(last_exposure: str, entry: dict) -> tuple[str | None, list[str], str | None]:
    """``(quarantine_until, tests, monitor_until)`` for a plan entry: Day 1 is
    the day after ``last_exposure``."""
    days = int(entry.get("days") or 0)
    monitor = int(entry.get("monitor_days") or 0)
    until = _plus(last_exposure, days) if days > 0 else None
    tests = sorted(_plus(last_exposure, int(n)) for n in entry.get("tests") or [])
    monitor_until = _plus(last_exposure, days + monitor) if monitor > 0 else None
    return until, tests, monitor_until


def _source_windows(store, sources: set[str]) -> dict[str, tuple]:
    rules = store.rules()
    cases = store.cases(sources)
    entries = store.levels(sources)
    out = {}
    for s in sources:
        entry = entries.get(s)
        if s in cases and (entry is None or entry["level"] == 0):
            out[s] = case_from_row(cases[s]).window(rules)
        elif entry is not None:
            out[s] = (entry["exposure"], entry["quarantine"])
        else:
            out[s] = (None, None)
    return out


def last_exposures(store, entries: dict[str, dict]) -> dict[str, tuple[str | None, bool]]:
    """For each traced person (``{id: level entry}``): ``(last exposure, dated)``,
    the latest qualifying contact date with any of their sources inside that
    source's window. Only undated contacts: the latest end of a source window
    (conservative), ``dated`` False."""
    rules = store.rules()
    pairs = [(p, s) for p, e in entries.items() for s in sorted(e["sources"])]
    windows = _source_windows(store, {s for _, s in pairs})
    contacts = sql.contacts_with(store, pairs)
    out = {}
    for person, entry in entries.items():
        best, fallback = None, None
        for s in entry["sources"]:
            lo, hi = windows[s]
            for date, setting, minutes, masked in contacts.get((person, s), []):
                if not qualifies(date, setting, minutes, masked, lo, hi, rules)[0]:
                    continue
                if date is None:
                    fallback = max(filter(None, (fallback, hi or entry.get("quarantine"))), default=None)
                elif best is None or date > best:
                    best = date
        out[person] = (best, True) if best else (fallback or entry.get("quarantine"), False)
    return out


def schedules(store, changes, *, case_id: str | None = None, case_row: dict | None = None) -> list[dict]:
    """One entry per person whose level or exposure changed:
    ``{"id", "level", "quarantine_until", "tests", ...}``, sorted by id.

    Persons now traced get the plan of their level; persons who dropped out
    (level None) get none; the confirmed case ``case_id`` leaves quarantine for
    treatment (``quarantine_until`` = its sample date when it had been traced).
    Other cases are in treatment and are left out.
    """
    rules = store.rules()
    traced = {c.id: c.new for c in changes if c.new is not None and c.new["level"] > 0}
    exposures = last_exposures(store, traced)
    persons = store.persons(traced)
    roots = store.cases({e["root"] for e in traced.values() if e["root"]})
    out = []
    for c in changes:
        old_level = (c.old or {}).get("level")
        if c.id == case_id:
            out.append({"id": c.id, "level": "F0", "from": level_name(old_level),
                        "quarantine_until": case_row["confirmed"] if old_level not in (None, 0) else None,
                        "tests": [], "last_exposure": None, "plan": "treatment", "rules_of": case_row["confirmed"]})
            continue
        if c.new is None:
            if old_level not in (None, 0):
                out.append({"id": c.id, "level": None, "from": level_name(old_level), "quarantine_until": None,
                            "tests": [], "last_exposure": None, "plan": None, "rules_of": None})
            continue
        if c.new["level"] == 0:
            continue
        entry = c.new
        root = roots.get(entry["root"])
        day = root["confirmed"] if root else (case_row or {}).get("confirmed")
        plan = rules.at("quarantine.plan", day)
        key = plan_key(entry["level"], persons.get(c.id), plan, int(rules.at("quarantine.protected_doses", day)))
        last, dated = exposures[c.id]
        until, tests, monitor_until = (plan_dates(last, plan[key]) if key and last else (None, [], None))
        item = {"id": c.id, "level": level_name(entry["level"]), "from": level_name(old_level),
                "quarantine_until": until, "tests": tests, "last_exposure": last, "plan": key,
                "where": plan[key].get("where") if key else None, "monitor_until": monitor_until, "rules_of": day}
        if last and not dated:
            item["undated"] = True
        out.append(item)
    return sorted(out, key=lambda x: x["id"])


# ------------------------------------------------------------------ PA2: candidate sources
def incubation_window(store, case_row: dict) -> tuple[str, str]:
    """``[onset (or sample) - 14, onset - 2]`` days by rule ``window.incubation_days``."""
    far, near = store.rules().at("window.incubation_days", case_row["confirmed"])
    ref = case_row["onset"] or case_row["confirmed"]
    return _plus(ref, -int(far)), _plus(ref, -int(near))


def _overlap(a_at: str, a_until: str | None, b_at: str, b_until: str | None) -> bool:
    def span(at, until):
        start = dt.datetime.fromisoformat(at)
        end = dt.datetime.fromisoformat(until) if until else start + dt.timedelta(minutes=CHECKIN_DEFAULT_MINUTES)
        return start, end
    (s1, e1), (s2, e2) = span(a_at, a_until), span(b_at, b_until)
    return s1 <= e2 and s2 <= e1


def _fold_address(text) -> str | None:
    folded = " ".join(fold(text).replace(",", " ").split()) if text else ""
    return folded or None


class _Evidence:
    def __init__(self):
        self.by: dict[str, dict[str, str]] = {}
        self.dates: dict[str, set[str]] = {}

    def add(self, cand: str, kind: str, reason: str, on: str | None = None, /, **params) -> None:
        """``reason``: an English message template (marked N_) with ``params``."""
        self.by.setdefault(cand, {}).setdefault(kind, (reason, params))
        if on:
            self.dates.setdefault(cand, set()).add(on[:10])


def reason_lines(candidate: dict) -> list[str]:
    """A candidate's reasons in the language in force, dates as it writes them
    (the ``reasons`` of the JSON stay English)."""
    out = []
    for template, params, weight in candidate.get("_reasons", ()):
        shown = {k: fmt_date(v) if k.startswith("date") else v for k, v in params.items()}
        if params.get("what"):
            shown["what"] = f" ({label(params['what'].strip(' ()'))})"
        out.append(_(template).format(**shown) + f" (+{weight})")
    return out


def candidates(store, case_id: str, *, limit: int = CANDIDATE_LIMIT) -> list[dict]:
    """Ranked possible sources of ``case_id``: ``[{"id", "score", "reasons"}]``.

    Score: the sum of :data:`SCORE_WEIGHTS` of the kinds of evidence found;
    ties by id. Only indexed lookups around the case (its contacts, its unit,
    its check-ins, its workplace among cases).
    """
    case = store.get_case(case_id)
    person = store.get_person(case_id) or {}
    lo, hi = incubation_window(store, case)
    ev = _Evidence()
    # recorded contacts
    for r in sql.contacts_in_range(store, case_id, lo, hi):
        what = f" ({r['setting']})" if r["setting"] else ""  # English (JSON); shown via reason_lines
        if r["date"]:
            ev.add(r["other"], "contact", N_("contact with the case on {date}{what}"), r["date"], date=r["date"], what=what)
        else:
            ev.add(r["other"], "contact_undated", N_("undated contact with the case{what}"), what=what)
    for other in sql.household_contacts(store, case_id):
        ev.add(other, "household", N_("household contact of the case"))
    # the unit: same address, cases of the unit
    ward, unit = person.get("ward"), person.get("unit")
    address = _fold_address(person.get("address"))
    residents = {}
    if unit:
        where = f"{unit}, {ward}" if ward else unit
        residents = {r["id"]: r for r in sql.unit_residents(store, ward, unit)}
        if address:
            for rid, r in residents.items():
                if _fold_address(r["address"]) == address:
                    ev.add(rid, "household", N_("same address: {address}"), address=person["address"])
        for r in sql.cases_in_unit(store, ward, unit):
            ev.add(r["person"], "unit", N_("lives in the same unit ({where})"), where=where)
            if (r["unknown_source"] and r["confirmed"] and case["confirmed"]
                    and abs((_d(r["confirmed"]) - _d(case["confirmed"])).days) <= UNIT_CASE_DAYS):
                ev.add(r["person"], "unknown_unit_case",
                       N_("another unknown-source case in {where} (sample {date})"), where=where, date=r["confirmed"])
    # the workplace: cases working there
    workplace = person.get("workplace")
    if workplace:
        for r in sql.cases_at_workplace(store, workplace):
            ev.add(r["person"], "workplace", N_("same workplace: {workplace}"), workplace=workplace)
    # QR check-ins at the same place at overlapping times
    for mine in sql.checkins_of(store, case_id, lo + " 00:00:00", hi + " 23:59:59"):
        start = (dt.datetime.fromisoformat(mine["at"]) - dt.timedelta(hours=CHECKIN_MAX_HOURS)).isoformat(sep=" ")
        end = mine["until"] or (dt.datetime.fromisoformat(mine["at"])
                                + dt.timedelta(minutes=CHECKIN_DEFAULT_MINUTES)).isoformat(sep=" ")
        for other in sql.checkins_at(store, mine["place"], start, end):
            if other["person"] != case_id and _overlap(mine["at"], mine["until"], other["at"], other["until"]):
                ev.add(other["person"], "checkin", N_("checked in at {place} at the same time ({date_time})"),
                       mine["at"], place=mine["place_name"], date_time=mine["at"][:16])
    ev.by.pop(case_id, None)
    ids = sorted(ev.by)
    rows = store.persons(ids)
    cases = store.cases(ids)
    entries = store.levels(ids)
    rules = store.rules()
    for cid in ids:
        row = rows.get(cid) or {}
        if unit and row.get("unit") == unit and row.get("ward") == ward:
            if ward:
                ev.add(cid, "unit", N_("lives in the same unit ({where})"), where=f"{unit}, {ward}")
            else:
                ev.add(cid, "unit", N_("lives in {unit}"), unit=unit)
        if address and _fold_address(row.get("address")) == address:
            ev.add(cid, "household", N_("same address: {address}"), address=person["address"])
        if workplace and row.get("workplace") == workplace:
            ev.add(cid, "workplace", N_("same workplace: {workplace}"), workplace=workplace)
        if cid in cases:
            c = cases[cid]
            if c["onset"]:
                ev.add(cid, "case", N_("confirmed case (sample {date}, onset {date_onset})"),
                       date=c["confirmed"], date_onset=c["onset"])
            else:
                ev.add(cid, "case", N_("confirmed case (sample {date})"), date=c["confirmed"])
            w_lo, w_hi = case_from_row(c).window(rules)
            met = sorted(d for d in ev.dates.get(cid, ()) if w_lo <= d <= w_hi)
            if met:
                ev.add(cid, "case_window", N_("met the case on {date}, inside their infectious window "
                                              "({date_from} to {date_to})"), date=met[0], date_from=w_lo, date_to=w_hi)
        elif cid in entries and entries[cid]["level"] > 0 and entries[cid]["root"] != case_id \
                and case_id not in entries[cid]["sources"]:
            # traced through another chain; being traced *from this case* is no evidence
            e = entries[cid]
            ev.add(cid, "traced", N_("traced {level} of {source}"), level=level_name(e["level"]),
                   source=e["primary_source"] or e["root"])
    order = list(SCORE_WEIGHTS)
    out = []
    for cid, kinds in ev.by.items():
        score = sum(SCORE_WEIGHTS[k] for k in kinds)
        shown = [(*kinds[k], SCORE_WEIGHTS[k]) for k in sorted(kinds, key=order.index)]
        reasons = [f"{t.format(**p)} (+{w})" for t, p, w in shown]
        out.append({"id": cid, "score": score, "reasons": reasons, "_reasons": shown, "is_case": cid in cases,
                    "name": (rows.get(cid) or {}).get("name")})
    out.sort(key=lambda x: (-x["score"], x["id"]))
    return out[:limit] if limit else out


# ------------------------------------------------------------------ zoning
def zone(store, case_id: str) -> dict:
    """``{"units", "places", "to_test", "window"}``: the case's smallest unit,
    the places it checked in at during its infectious window, and the people to
    test (residents of that unit and everyone checked in at those places in the
    window), confirmed cases left out, sorted."""
    case = store.get_case(case_id)
    person = store.get_person(case_id) or {}
    lo, hi = case_from_row(case).window(store.rules())
    units, to_test = [], set()
    if person.get("unit"):
        units.append(f"{person['unit']}, {person['ward']}" if person.get("ward") else person["unit"])
        to_test |= {r["id"] for r in sql.unit_residents(store, person.get("ward"), person["unit"])}
    residents = len(to_test - {case_id})
    visits = sql.checkins_of(store, case_id, lo + " 00:00:00", hi + " 23:59:59")
    places = {}
    for v in visits:
        places.setdefault(v["place_name"], v["place"])
    visitors = set()
    for place in places.values():
        visitors |= {r["person"] for r in sql.checkins_at(store, place, lo + " 00:00:00", hi + " 23:59:59")}
    to_test |= visitors
    to_test -= set(store.cases(to_test))  # cases are in treatment, not to be tested
    return {"units": units, "places": sorted(places), "to_test": sorted(to_test), "window": [lo, hi],
            "residents": residents, "visitors": len(visitors - {case_id})}
