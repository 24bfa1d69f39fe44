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
the period (the last exposure is the latest qualifying encounter with any
source, inside that source's window). No test is scheduled before the day
the person was traced (DOMAIN.md: the confirmation of the case at the top of
their chain): a test day before it moves to that day. An F1 with at least
``quarantine.protected_doses`` doses, or recovered, follows ``F1_protected``
when the plan in force has it; F3 and deeper follow the ``F2`` plan.

>>> plan = {"F1": {"days": 21, "monitor_days": 7, "tests": [1, 14, 20]}}
>>> plan_dates("2021-05-05", plan["F1"])
('2021-05-26', ['2021-05-06', '2021-05-19', '2021-05-25'], '2021-06-02')
"""

from __future__ import annotations

import datetime as dt

from . import checkins
from .i18n import N_, _, fmt_date, label
from .sources import has_known_source, sourced_by_label
from .levels import case_from_row, encounters, level_name, qualifies
from .store import scenarios as sql
from .store.areas import WardGroups
from .values import fold

#: PA2 candidate score: points per kind of evidence (each kind counts once per
#: candidate). Data, not code: change the numbers here, the reasons follow.
SCORE_WEIGHTS: dict[str, int] = {
    "contact": 5,            # a recorded contact with the case inside the incubation window
    "household": 4,          # same household: same address in the same unit, or a household contact
    "case": 4,               # the candidate is a confirmed case
    "case_window": 8,        # met the case (contact or check-in) inside the candidate's infectious window
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


def _d(text: str) -> dt.date:
    return dt.date.fromisoformat(text[:10])


def _plus(text: str, days: int) -> str:
    return (_d(text) + dt.timedelta(days=days)).isoformat()


# ------------------------------------------------------------------ scenario
def scenario_of(sources, derived_primary, unknown_flag: bool) -> str:
    """``PA1`` when the case has a source: a recorded ``--source`` or one
    derived from an exposure inside its incubation window (DOMAIN.md 'A source
    must fit in time'); ``PA2`` otherwise or when ``--unknown-source`` is
    given. Having been in quarantine is not a source (an exposure outside the
    window is PA2, still "found in quarantine").

    >>> scenario_of([], "A", False), scenario_of([], None, False), scenario_of(["BN1"], None, False)
    ('PA1', 'PA2', 'PA1')
    """
    if unknown_flag:
        return "PA2"
    return "PA1" if (sources or derived_primary) else "PA2"


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


def plan_dates(last_exposure: str, entry: dict, traced: str | None = None) -> tuple[str | None, list[str], str | None]:
    """``(quarantine_until, tests, monitor_until)`` for a plan entry: Day 1 is
    the day after ``last_exposure``; a test day before ``traced`` (the day the
    person was traced) moves to that day (DOMAIN.md: no test before tracing).

    >>> plan_dates("2021-05-04", {"days": 21, "tests": [1, 14, 20]}, traced="2021-05-07")
    ('2021-05-25', ['2021-05-07', '2021-05-18', '2021-05-24'], None)
    """
    days = int(entry.get("days") or 0)
    monitor = int(entry.get("monitor_days") or 0)
    until = _plus(last_exposure, days) if days > 0 else None
    tests = sorted({max(_plus(last_exposure, int(n)), traced or "") for n in entry.get("tests") or []})
    monitor_until = _plus(last_exposure, days + monitor) if monitor > 0 else None
    return until, tests, monitor_until


def _source_windows(store, sources: set[str], entries: dict[str, dict], cases: dict[str, dict]) -> dict[str, tuple]:
    """``{source: (window start, window end)}``: a case's infectious window, a
    traced person's exposure to quarantine. ``entries`` and ``cases`` hold the
    stored level entries and case rows of (at least) ``sources``, read by the
    caller with what else it needs (one statement each: issue 17 point 6)."""
    rules = store.rules()
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
    the latest qualifying encounter (recorded contact or overlapping check-ins)
    with any of their sources inside that source's window. Only undated
    contacts: the latest end of a source window (conservative), ``dated`` False."""
    return {p: v[:2] for p, v in _last_exposures(store, entries).items()}


def _last_exposures(store, entries: dict[str, dict],
                    cases: dict[str, dict] | None = None) -> dict[str, tuple[str | None, bool, str | None]]:
    """:func:`last_exposures` with a third value: the day the exposure that
    set the last exposure was recorded (the earliest record of an exposure
    on that day; None: unknown, not later). A schedule restarted by it has
    no test before that day (issue 12). ``cases``: the case rows of (at
    least) the sources, when the caller has read them."""
    rules = store.rules()
    pairs = [(p, s) for p, e in entries.items() for s in sorted(e["sources"])]
    sources = {s for _, s in pairs}
    source_entries = store.levels(sources)
    windows = _source_windows(store, sources, source_entries, store.cases(sources) if cases is None else cases)
    wanted = set(pairs)
    source_level = {s: e["level"] for s, e in source_entries.items()}
    contacts: dict[tuple[str, str], list[tuple]] = {}
    for person, other, date, setting, minutes, masked, _place, via, rec in encounters(store, entries, rules):
        # a check-in exposes only from an infectious F0 (DOMAIN.md 'QR check-ins')
        if (person, other) in wanted and checkins.passes(via, source_level.get(other, 0)):
            contacts.setdefault((person, other), []).append((date, setting, minutes, masked, rec))
    out = {}
    for person, entry in entries.items():
        best, fallback, best_rec, fallback_rec = None, None, None, None
        for s in entry["sources"]:
            lo, hi = windows[s]
            for date, setting, minutes, masked, rec in contacts.get((person, s), []):
                if not qualifies(date, setting, minutes, masked, lo, hi, rules)[0]:
                    continue
                if date is None:
                    fallback = max(filter(None, (fallback, hi or entry.get("quarantine"))), default=None)
                    fallback_rec = _earlier(fallback_rec, rec)
                elif best is None or date > best:
                    best, best_rec = date, rec
                elif date == best:
                    best_rec = _earlier(best_rec, rec)
        out[person] = (best, True, best_rec) if best else (fallback or entry.get("quarantine"), False, fallback_rec)
    return out


def _earlier(a: str | None, b: str | None) -> str | None:
    """The earlier of two recorded days, None (unknown: not later) winning."""
    return None if a is None or b is None else min(a, b)


def schedules(store, changes, *, case_id: str | None = None, case_row: dict | None = None) -> list[dict]:
    """One entry per person whose level or exposure changed:
    ``{"id", "level", "quarantine_until", "tests", ...}``, sorted by id.

    Persons now traced get the plan of their level; persons who dropped out
    (level None) get none; the confirmed case ``case_id`` leaves quarantine for
    treatment (``quarantine_until`` = its sample date when it had been traced).
    Other cases are in treatment and are left out.
    """
    traced = {c.id: c.new for c in changes if c.new is not None and c.new["level"] > 0}
    planned = plans(store, traced, (case_row or {}).get("confirmed"))
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
        out.append({**planned[c.id], "from": level_name(old_level)})
    return sorted(out, key=lambda x: x["id"])


def plans(store, traced: dict[str, dict], fallback_day: str | None = None) -> dict[str, dict]:
    """The schedule of each traced person (``{id: level entry}``, levels 1+):
    ``{id: {"id", "level", "quarantine_until", "tests", "last_exposure", "plan",
    "where", "monitor_until", "rules_of", "traced"}}``, under the plan in force
    on the confirmation date of the case at the top of their chain (the day
    they were traced)."""
    rules = store.rules()
    # the cases at the top of the chains and the sources' cases: one statement
    roots = store.cases({e["chain_case"] for e in traced.values() if e["chain_case"]}
                        | {s for e in traced.values() for s in e["sources"]})
    exposures = _last_exposures(store, traced, roots)
    persons = store.persons(traced)
    out = {}
    for pid, entry in traced.items():
        root = roots.get(entry["chain_case"])
        day = root["confirmed"] if root else fallback_day
        last, dated, last_recorded = exposures[pid]
        # DOMAIN.md: traced on the confirmation of the case at the top of the
        # chain, or the day the exposure was recorded when later (the level
        # entry's quarantine: :func:`tracing.levels.traced_day` per exposure);
        # an exposure that restarts the schedule is known from the day it was
        # recorded, so no test of the restarted schedule falls before it
        derived = None if (persons.get(pid) or {}).get("quarantine_start") else entry.get("quarantine")
        traced_on = max(filter(None, (day, derived, last_recorded)), default=None)
        plan = rules.at("quarantine.plan", day)
        key = plan_key(entry["level"], persons.get(pid), plan, int(rules.at("quarantine.protected_doses", day)))
        until, tests, monitor_until = (plan_dates(last, plan[key], traced_on) if key and last
                                       else (None, [], None))
        item = {"id": pid, "level": level_name(entry["level"]), "quarantine_until": until, "tests": tests,
                "last_exposure": last, "plan": key, "where": plan[key].get("where") if key else None,
                "monitor_until": monitor_until, "rules_of": day}
        if last and not dated:
            item["undated"] = True
        out[pid] = item
    return out


def quarantine_period(store, person_id: str, entry: dict | None) -> tuple[str, str] | None:
    """``(first day, last day)`` of the quarantine a traced person is in:
    from the day they were quarantined (``entry["quarantine"]``) to the end
    of their schedule; None when not traced or the plan does not quarantine
    them. DOMAIN.md: "found in quarantine" only when it covers the sample date."""
    return quarantine_periods(store, {person_id: entry} if entry else {}).get(person_id)


def quarantine_periods(store, entries: dict[str, dict]) -> dict[str, tuple[str, str] | None]:
    """:func:`quarantine_period` of many persons at once (``{id: level entry}``)."""
    traced = {p: e for p, e in entries.items() if e and e["level"]}
    planned = plans(store, traced) if traced else {}
    out: dict[str, tuple[str, str] | None] = {}
    for pid, entry in traced.items():
        until = planned[pid].get("quarantine_until")
        out[pid] = (entry["quarantine"], until) if entry.get("quarantine") and until else None
    return out


def found_in_quarantine(store, rows: list[dict]) -> dict[str, int | None]:
    """For cases about to be confirmed (``{"person", "confirmed"}``): the level
    they were in quarantine for on their sample date, else None (the stored
    ``prior_level``: "found in quarantine", DOMAIN.md)."""
    entries = store.levels([r["person"] for r in rows])
    periods = quarantine_periods(store, entries)
    out = {}
    for r in rows:
        period = periods.get(r["person"])
        covered = period and r.get("confirmed") and period[0] <= r["confirmed"] <= period[1]
        out[r["person"]] = entries[r["person"]]["level"] if covered else None
    return out


# ------------------------------------------------------------------ PA2: candidate sources
def incubation_window(store, case_row: dict) -> tuple[str, str]:
    """``[reference - 14, reference - 2]`` days by rule ``window.incubation_days``,
    the reference being the earlier of onset and sample (:meth:`Case.incubation`)."""
    return case_from_row(case_row).incubation(store.rules())


def _fold_address(text) -> str | None:
    folded = " ".join(fold(text).replace(",", " ").split()) if text else ""
    return folded or None


def _overlaps(lo: str, hi: str, w_lo: str | None, w_hi: str | None) -> bool:
    return (w_lo is None or w_lo <= hi) and (w_hi is None or lo <= w_hi)


class _Evidence:
    """Evidence per candidate: ``{kind: (date, template, params)}``, the
    earliest-dated reason kept per kind (each kind scores once per candidate).
    ``template``: an English message (marked N_) formatted with ``params``."""

    def __init__(self):
        self.by: dict[str, dict[str, tuple[str, str, dict]]] = {}

    def add(self, cand: str, kind: str, template: str, on: str | None = None, /, **params) -> None:
        kinds = self.by.setdefault(cand, {})
        key = (on or "", template)
        if kind not in kinds or key < kinds[kind][:2]:
            kinds[kind] = (on or "", template, params)


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


#: Reasons by kind of evidence, for a candidate that is a case (infectious
#: window shown) and for one that is not (the look-back window shown).
_STATIC = {
    ("unit", True): N_("lives in the same unit ({where}); infectious {date_from} to {date_to}"),
    ("unit", False): N_("lives in the same unit ({where}); look-back window {date_from} to {date_to}"),
    ("household", True): N_("same address: {address}; infectious {date_from} to {date_to}"),
    ("household", False): N_("same address: {address}; look-back window {date_from} to {date_to}"),
    ("workplace", True): N_("same workplace: {workplace}; infectious {date_from} to {date_to}"),
    ("workplace", False): N_("same workplace: {workplace}; look-back window {date_from} to {date_to}"),
}
_EVENT = {
    ("contact", False): N_("contact with the case on {date}{what}"),
    ("contact", True): N_("contact with the case on {date}{what}, inside their infectious window "
                          "({date_from} to {date_to})"),
    ("checkin", False): N_("checked in at {place} at the same time ({date_time})"),
    ("checkin", True): N_("checked in at {place} at the same time ({date_time}), inside their infectious "
                          "window ({date_from} to {date_to})"),
}


def candidates(store, case_id: str, *, limit: int = CANDIDATE_LIMIT, case: dict | None = None,
               person: dict | None = None) -> list[dict]:
    """Ranked possible sources of ``case_id``: ``[{"id", "score", "reasons"}]``.

    Only evidence dated inside the case's look-back window (rule
    ``window.incubation_days``, DOMAIN.md PA2) scores: a recorded contact or an
    overlapping check-in inside it (one event scores once: under
    ``case_window`` when the candidate was infectious that day, else as
    ``contact``/``checkin``), a case whose infectious window overlaps it (with
    the unit, address and workplace it shares), a traced person whose exposure
    period overlaps it. Residents who are not cases score their address and
    unit for the window. Every reason shows its date or dates. Score: the sum
    of :data:`SCORE_WEIGHTS` of the kinds found; ties by id. Only indexed
    lookups around the case. ``case``, ``person``: the stored case and person
    rows when the caller has read them (a statement less each on a server).
    """
    case = store.get_case(case_id) if case is None else case
    person = (store.get_person(case_id) if person is None else person) or {}
    rules = store.rules()
    lo, hi = incubation_window(store, case)
    ev = _Evidence()
    # events in the look-back window: candidate -> [(date, kind, params)]
    events: dict[str, list[tuple[str, str, dict]]] = {}
    for r in sql.contacts_in_range(store, case_id, lo, hi):
        what = f" ({r['setting']})" if r["setting"] else ""  # English (JSON); shown via reason_lines
        if r["date"]:  # an undated contact is no evidence dated in the window: it does not score
            events.setdefault(r["other"], []).append((r["date"], "contact", {"date": r["date"], "what": what}))
    visits = sql.checkins_of(store, case_id, lo + " 00:00:00", hi + " 23:59:59")
    met = checkins.overlaps_many(store, [(v["place"], v["at"], v["until"]) for v in visits], rules)
    for mine, found in zip(visits, met):
        for other, start, _end in found:
            day = start.date().isoformat()
            if other != case_id and lo <= day <= hi:
                events.setdefault(other, []).append(
                    (day, "checkin", {"place": mine["place_name"], "date_time": start.isoformat(sep=" ")[:16]}))
    # the unit, the address, the workplace: cases there (if infectious in the window) and residents
    ward, unit = person.get("ward"), person.get("unit")
    address = _fold_address(person.get("address"))
    where = WardGroups.of(store).unit_label(person.get("district"), ward, unit) if unit else None
    found_cases = {}
    if unit:
        for r in sql.cases_in_unit(store, person.get("district"), ward, unit):
            found_cases[r["person"]] = r
        if address:
            for r in sql.unit_residents(store, person.get("district"), ward, unit):
                if _fold_address(r["address"]) == address:
                    events.setdefault(r["id"], [])
    workplace = person.get("workplace")
    if workplace:
        for r in sql.cases_at_workplace(store, workplace):
            found_cases[r["person"]] = r
    ids = sorted((set(events) | set(found_cases) | set(ev.by)) - {case_id})
    rows = store.persons(ids)
    cases = store.cases(ids)
    entries = store.levels(ids)
    for cid in ids:
        row = rows.get(cid) or {}
        c = cases.get(cid)
        w_lo, w_hi = case_from_row(c).window(rules) if c else (None, None)
        # a case counts only when its infectious window overlaps the look-back window
        if c and not _overlaps(lo, hi, w_lo, w_hi):
            continue
        span = {"date_from": w_lo, "date_to": w_hi} if c else {"date_from": lo, "date_to": hi}
        on = (w_lo if c else lo) or ""
        seen_days = set()
        for date, kind, params in sorted(events.get(cid, []), key=lambda e: (e[0], e[1] != "contact", e[1])):
            if date in seen_days:
                continue  # one encounter scores once: a contact and check-ins of the same day are one meeting
            seen_days.add(date)
            if c and (w_lo is None or w_lo <= date) and (w_hi is None or date <= w_hi):
                ev.add(cid, "case_window", _EVENT[(kind, True)], date, **params, date_from=w_lo, date_to=w_hi)
            else:
                ev.add(cid, kind, _EVENT[(kind, False)], date, **params)
        # unit and workplace score only for cases infectious in the window (checked above)
        if c and unit and row.get("unit") == unit and row.get("ward") == ward:
            ev.add(cid, "unit", _STATIC[("unit", bool(c))], on, where=where, **span)
            if (c and c["unknown_source"] and c["confirmed"] and case["confirmed"]
                    and abs((_d(c["confirmed"]) - _d(case["confirmed"])).days) <= UNIT_CASE_DAYS):
                ev.add(cid, "unknown_unit_case", N_("another unknown-source case in {where} (sample {date})"),
                       c["confirmed"], where=where, date=c["confirmed"])
        if address and _fold_address(row.get("address")) == address:
            ev.add(cid, "household", _STATIC[("household", bool(c))], on, address=person["address"], **span)
        if c and workplace and row.get("workplace") == workplace:
            ev.add(cid, "workplace", _STATIC[("workplace", bool(c))], on, workplace=workplace, **span)
        if c:
            if c["onset"]:
                ev.add(cid, "case", N_("confirmed case (sample {date}, onset {date_onset}), infectious "
                                       "{date_from} to {date_to}"), on, date=c["confirmed"], date_onset=c["onset"],
                       **span)
            else:
                ev.add(cid, "case", N_("confirmed case (sample {date}), infectious {date_from} to {date_to}"), on,
                       date=c["confirmed"], **span)
        elif cid in entries and entries[cid]["level"] > 0 and entries[cid]["chain_case"] != case_id \
                and case_id not in entries[cid]["sources"] \
                and _overlaps(lo, hi, entries[cid]["exposure"], entries[cid]["quarantine"]):
            # traced through another chain, exposed before the window closed;
            # being traced *from this case* is no evidence
            e = entries[cid]
            ev.add(cid, "traced", N_("traced {level} of {source} (exposed {date})"), e["exposure"],
                   level=level_name(e["level"]), source=e["primary_source"] or e["chain_case"], date=e["exposure"])
    order = list(SCORE_WEIGHTS)
    out = []
    for cid, kinds in ev.by.items():
        if cid == case_id or not kinds:
            continue
        score = sum(SCORE_WEIGHTS[k] for k in kinds)
        shown = [(kinds[k][1], kinds[k][2], SCORE_WEIGHTS[k]) for k in sorted(kinds, key=order.index)]
        reasons = [f"{t.format(**{k: (v if v is not None else 'undated') for k, v in p.items()})} (+{w})"
                   for t, p, w in shown]
        out.append({"id": cid, "score": score, "reasons": reasons, "_reasons": shown, "is_case": cid in cases,
                    "name": (rows.get(cid) or {}).get("name")})
    out.sort(key=lambda x: (-x["score"], x["id"]))
    return out[:limit] if limit else out


# ------------------------------------------------------------------ zoning
def zone(store, case_id: str, *, case: dict | None = None, person: dict | None = None) -> dict:
    """``{"units", "places", "to_test", "window"}``: the case's smallest unit,
    the places of its infectious window (its check-ins, and the ``--place`` of
    its recorded contacts dated in the window), and the people to test
    (residents of that unit and everyone checked in at those places in the
    window), confirmed cases left out, sorted. ``window`` is None (and
    ``isolated_before_infectious`` true) when the case was isolated before its
    infectious window began (:meth:`tracing.levels.Case.infectious`: an F1
    confirmed in quarantine): no place is zoned for it, never an inverted window.
    ``case``, ``person``: the stored rows when the caller has read them."""
    case = store.get_case(case_id) if case is None else case
    person = (store.get_person(case_id) if person is None else person) or {}
    window = case_from_row(case).infectious(store.rules())
    units, to_test = [], set()
    if person.get("unit"):
        units.append(WardGroups.of(store).unit_label(person.get("district"), person.get("ward"), person["unit"]))
        to_test |= {r["id"] for r in sql.unit_residents(store, person.get("district"), person.get("ward"),
                                                        person["unit"])}
    residents = len(to_test - {case_id})
    if window is None:
        to_test -= set(store.cases(to_test))
        return {"units": units, "places": [], "to_test": sorted(to_test), "window": None,
                "isolated_before_infectious": True, "residents": residents, "visitors": 0}
    lo, hi = window
    visits = sql.checkins_of(store, case_id, lo + " 00:00:00", hi + " 23:59:59")
    places = {}
    for v in visits:
        places.setdefault(v["place_name"], v["place"])
    named = {r["place"] for r in sql.contacts_in_range(store, case_id, lo, hi) if r["date"] and r["place"]}
    known = store.place_ids(named)  # also typed another way: `quan a` is the check-in place `Quán A`
    for name in sorted(named):
        if known.get(name) is None or known[name] not in places.values():
            places.setdefault(name, known.get(name))
    visitors = set()
    spans = [(place, lo + " 00:00:00", hi + " 23:59:59") for place in places.values() if place is not None]
    for found in store.checkins_at_places(spans):  # one lookup for every place, not one per place
        visitors |= {person for person, _at, _until, _rec in found}
    to_test |= visitors
    to_test -= set(store.cases(to_test))  # cases are in treatment, not to be tested
    return {"units": units, "places": sorted(places), "to_test": sorted(to_test), "window": [lo, hi],
            "isolated_before_infectious": False, "residents": residents, "visitors": len(visitors - {case_id})}


# ------------------------------------------------------------------ derived case facts
def settle_cases(store, new: dict[str, dict], traced: dict[str, dict | None]) -> set[str]:
    """Re-derive the facts of the cases in ``new`` (level entries just
    derived) that are derived, not typed in (issue 12: the same result in any
    order of writes):

    * ``prior_level`` ("found in quarantine"): the level the person was traced
      at (``traced``, :meth:`tracing.levels.Derivation.traced_entries`) when
      that quarantine period covers the sample date (DOMAIN.md);
    * ``isolated`` unless the user gave it (``isolated_given``): the start of
      that quarantine, else the sample date (11042/BYT-DP);
    * ``unknown_source`` unless the user gave it (``unknown_given``): no
      source, recorded or derived inside the incubation window.

    Cases stored before these were tracked (NULL ``*_given``: older files,
    imports) keep their stored ``isolated`` and ``unknown_source``. Returns
    the cases whose ``isolated`` moved (their windows change).
    """
    ids = [c for c, e in new.items() if e and e["level"] == 0]
    if not ids:
        return set()
    rows = store.cases(ids)
    recorded = store.case_sources(ids)
    by_label = sourced_by_label(store, ids)
    periods = quarantine_periods(store, {c: t for c, t in traced.items() if t})
    moved = set()
    for cid in sorted(ids):
        row = rows.get(cid)
        if row is None or not row["confirmed"]:
            continue
        period = periods.get(cid)
        covered = bool(period and period[0] <= row["confirmed"] <= period[1])
        facts = {"prior_level": traced[cid]["level"] if covered else None}
        if row.get("isolated_given") == 0:
            facts["isolated"] = min(period[0], row["confirmed"]) if covered else row["confirmed"]
        if row.get("unknown_given") == 0:
            facts["unknown_source"] = int(not has_known_source(recorded.get(cid), new[cid].get("primary_source"),
                                                               cid in by_label))
        changed = {k: v for k, v in facts.items() if row.get(k) != v}
        if changed:
            store.set_case_facts(cid, changed)
            if "isolated" in changed:
                moved.add(cid)
    return moved
