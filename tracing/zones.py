"""Zones (khoanh vùng, phong tỏa): declared, mass-tested, released.

A zone is a record: its smallest residential units (tổ dân phố, khu dân cư,
chung cư: ``"UNIT, WARD"``) and places (QR check-in venues), a kind (``zone``
= khoanh vùng, ``lockdown`` = phong tỏa), the day it starts and, when it was
declared for a case (the PA2 proposal of :func:`tracing.scenarios.zone`), that
case. Declaring one schedules mass-testing follow-ups (kind ``zone_test``,
rule ``zone.test_days``) for everyone living in its units and everyone checked
in at its places in its window, so ``tracing followup`` lists them.

**Window** of a zone: the infectious window of its case (2 days before onset
or sample up to isolation, rule ``window.infectious_before_days``); without a
case, or for a case isolated before that window began (never an inverted
window), the ``window.incubation_days`` (first number) days before the start up
to the start *(default)*.

**Days without a new case** on a day D: D minus the sample date of the latest
case confirmed on or before D among the zone's case, cases living in its units
and cases checked in at its places from the window's start, leaving out the
cases *found in quarantine* (:func:`found_in_quarantine`: isolated before their
sample, or already quarantined as a traced F1/F2 when confirmed): DOMAIN.md
releases a zoned unit "after 14 days without cases" in the unit, and such a case
was not in the unit's community when it turned positive (the notices count it
apart, "phát hiện trong khu cách ly", not "ngoài cộng đồng"; the same split as
the community cases of the level, :mod:`tracing.epilevel`). They are listed in
``found_in_quarantine``; with no case at
all, D minus the start. The zone may be released (**release from**) rule
``zone.release_days`` (in force on D) days after the later of its start and
its last case: never before start + rule days, never before last case + rule
days (DOMAIN: "a zoned unit is released after 14 days without cases",
default); it is **due for release** when active on or after that day.
``release`` refuses an earlier day, naming what holds the zone (its last case,
or its start), unless forced; it ends the zone's outstanding mass tests (those
to come, and those missed before: a released zone is not mass-tested any
more, so ``tracing followup`` never lists them as overdue). A zone declared by
mistake, or planned and not held, is withdrawn with ``cancel`` (status
``cancelled``, the reason in the audit log), which ends its tests too.

A zone may be declared up to :data:`PLAN_AHEAD_DAYS` days ahead: it is
``not_started`` until its first day, and its mass tests are scheduled from
that day.

>>> zone_number("Z12"), zone_number(" z3 "), zone_number("7")
(12, 3, 7)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field

from .errors import Conflict, InvalidValue, NotFound
from .followups import reason_code
from .i18n import N_, Msg, _, fmt_date, fmt_int
from .levels import case_from_row
from .people import require_case
from .store import outbreak as sql
from .store.areas import WardGroups
from .values import clean_text, parse_date, past_date, today

KINDS = ("zone", "lockdown")
#: The kinds as people read them (khoanh vùng, phong tỏa), through the catalog.
KIND_WORDS = {"zone": N_("zone"), "lockdown": N_("lockdown")}
STATUSES = ("not_started", "active", "released", "cancelled")
STATUS_WORDS = {"not_started": N_("not started"), "active": N_("active"), "released": N_("released"),
                "cancelled": N_("cancelled")}


def zone_number(value) -> int:
    """``Z12`` (or ``12``) as the number 12; anything else is refused."""
    text = (clean_text(value) or "").upper()
    digits = text[1:] if text.startswith("Z") else text
    if not digits.isdigit() or int(digits) < 1:
        raise InvalidValue(_("zone: '{value}' is not a zone id (Z1, Z2…, see `tracing zone list`)").format(
            value=str(value)[:30]))
    return int(digits)


def zone_id(n: int) -> str:
    return f"Z{n}"


@dataclass
class Area:
    """One unit (``kind`` unit: ``unit``, ``ward`` and ``district``: a unit is
    (district, ward, unit)) or place (``place`` id) of a zone."""
    kind: str
    name: str
    unit: str | None = None
    ward: str | None = None
    place: int | None = None
    district: str | None = None


@dataclass
class ZoneStatus:
    """A zone as seen on a day (``tracing zone list``)."""
    id: str
    kind: str
    start: str
    case: str | None
    units: list[str]
    places: list[str]
    status: str
    last_case: str | None
    last_case_date: str | None
    days_without_case: int | None
    release_days: int
    release_from: str | None
    due_for_release: bool
    released: str | None
    forced: bool
    window: list[str] = field(default_factory=list)
    cancelled: str | None = None
    found_in_quarantine: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


# ------------------------------------------------------------------ resolving what to zone
def _unit_area(wards: WardGroups, unit: str, ward: str | None, district: str | None) -> Area:
    """The zone area of a unit, named as ``level`` and ``report`` name it
    (:meth:`WardGroups.unit_label`: ``TDP 5, Phường 1, Quận 3`` when that ward
    name is in several districts)."""
    return Area("unit", wards.unit_label(district, ward, unit), unit=unit, ward=ward, district=district)


def _units(store, raw: str) -> list[Area]:
    """The units ``raw`` names (``UNIT``, ``UNIT, WARD`` or ``UNIT, WARD,
    DISTRICT``), one per (district, ward, unit): a unit of a ward without a
    district is the one of the district that has the ward's name."""
    rows = sql.units_named(store, raw, None)
    if not rows and ", " in raw:
        unit, ward = raw.rsplit(", ", 1)
        rows = sql.units_named(store, unit.strip(), ward.strip())
    if not rows and raw.count(", ") >= 2:
        unit, ward, district = raw.rsplit(", ", 2)
        rows = sql.units_named(store, unit.strip(), ward.strip(), district.strip())
    found: dict[tuple, Area] = {}
    wards = WardGroups.of(store) if rows else None
    for r in sorted(rows, key=lambda r: (r["district"] is None, r["district"] or "", r["ward"] or "", r["unit"])):
        found.setdefault((r["unit"], wards.label(r["district"], r["ward"])),
                         _unit_area(wards, r["unit"], r["ward"], r["district"]))
    return list(found.values())


def resolve(store, text: str) -> Area:
    """A command-line UNIT_OR_PLACE as a zone area.

    ``unit:NAME`` / ``place:NAME`` say which it is; otherwise a place name (as
    checked in) or a unit written ``UNIT, WARD`` (or ``UNIT`` when it is in one
    ward only; ``UNIT, WARD, DISTRICT`` when the ward's name is in several
    districts). Unknown, or both a place and a unit: :class:`InvalidValue`.
    """
    raw = clean_text(text, "zone")
    if not raw:
        raise InvalidValue(_("zone: an empty unit or place name"))
    want = None
    low = raw.lower()
    for prefix in ("unit:", "place:"):
        if low.startswith(prefix):
            want, raw = prefix[:-1], raw[len(prefix):].strip()
    place = sql.place_named(store, raw) if want in (None, "place") else None
    units: list[Area] = _units(store, raw) if want in (None, "unit") else []
    if place and units:
        raise InvalidValue(_("zone: '{name}' is both a place and a unit: write place:{name} or unit:{name}").format(
            name=raw))
    if place:
        return Area("place", place["name"], place=place["id"], unit=place["unit"], ward=place["ward"])
    if len(units) > 1:
        options = "; ".join(u.name for u in units)
        raise InvalidValue(_("zone: unit '{name}' is in {n} wards ({options}): write 'UNIT, WARD' "
                             "(or 'UNIT, WARD, DISTRICT')").format(name=raw, n=fmt_int(len(units)), options=options))
    if units:
        return units[0]
    what = {"unit": _("unit"), "place": _("place")}.get(want, _("unit or place"))
    raise InvalidValue(_("zone: no {what} named '{name}' (units are written 'UNIT, WARD' as persons are "
                         "recorded; places as checked in)").format(what=what, name=raw))


def _window(store, start: str, case_row: dict | None) -> tuple[str, str]:
    rules = store.rules()
    window = case_from_row(case_row).infectious(rules) if case_row else None
    if window is not None and None not in window:
        return window
    # no case, or one isolated before it was infectious (never an inverted
    # window): the incubation days before the start, as for a zone without a case
    far = int(rules.at("window.incubation_days", start)[0])
    return (dt.date.fromisoformat(start) - dt.timedelta(days=far)).isoformat(), start


def people_in(store, areas: list[Area], window: tuple[str, str]) -> list[str]:
    """Residents of the units and visitors of the places in ``window``, sorted,
    confirmed cases left out (they are in treatment)."""
    ids: set[str] = set()
    for a in areas:
        if a.kind == "unit":
            ids.update(sql.residents(store, a.district, a.ward, a.unit))
        else:
            ids.update(sql.visitors(store, a.place, window[0] + " 00:00:00", window[1] + " 23:59:59"))
    ids -= set(store.cases(ids))
    return sorted(ids)


# ------------------------------------------------------------------ declare
#: How far ahead a zone may be planned (status ``not_started`` until its day);
#: a later day is most likely a slip in the year. Not a rule of the notices.
PLAN_AHEAD_DAYS = 30


def planned_date(value, field: str) -> dt.date:
    """The day a zone starts: any past day, or up to :data:`PLAN_AHEAD_DAYS`
    days ahead (a zone planned from tomorrow); blank or further: InvalidValue."""
    day = parse_date(value, field)
    if day is None:
        raise InvalidValue(_("{field}: a date is required").format(field=field))
    if day > today() + dt.timedelta(days=PLAN_AHEAD_DAYS):
        raise InvalidValue(_("{field}: {day} is more than {n} days ahead (a zone is planned at most {n} days "
                             "ahead: check the year)").format(field=field, day=fmt_date(day), n=PLAN_AHEAD_DAYS))
    return day


def declare(store, targets: list[str], start, *, kind: str = "zone", case_id: str | None = None,
            from_case: bool = False) -> dict:
    """Record a zone and schedule its mass tests.

    ``targets``: UNIT_OR_PLACE texts (see :func:`resolve`); with ``from_case``
    (or no targets and a ``case_id``) the PA2 proposal of the case
    (:func:`tracing.scenarios.zone`: its unit and the places of its infectious
    window) is declared. ``start``: the day it starts (a past day, or up to
    :data:`PLAN_AHEAD_DAYS` days ahead: :func:`planned_date`).

    Returns ``{"id", "kind", "start", "case", "units", "places", "window",
    "to_test", "tests": {"days", "scheduled"}, "warnings"}``.
    """
    from . import scenarios

    if kind not in KINDS:
        raise InvalidValue(_("--kind: '{kind}' is not one of {choices}").format(kind=kind, choices=", ".join(KINDS)))
    day = planned_date(start, "--from").isoformat()
    case_row = None
    if case_id is not None:
        case_row = require_case(store, case_id, "--from-case" if from_case else "--case")
        case_id = case_row["person"]
        if case_row["confirmed"] and case_row["confirmed"] > day:
            raise InvalidValue(_("--from {day} is before the sample date of {id} ({sample})").format(
                day=fmt_date(day), id=case_id, sample=fmt_date(case_row["confirmed"])))
    areas: list[Area] = []
    if from_case or (not targets and case_row):
        if case_row is None:
            raise InvalidValue(_("--from-case needs the id of a confirmed case"))
        proposal = scenarios.zone(store, case_id)
        person = store.get_person(case_id) or {}
        if person.get("unit"):
            areas.append(_unit_area(WardGroups.of(store), person["unit"], person.get("ward"), person.get("district")))
        for name in proposal["places"]:
            # a recorded contact's --place need not be a check-in venue (issue 12 point 9)
            known = sql.place_named(store, name)
            areas.append(resolve(store, "place:" + name) if known else Area("place", name))
        if not areas:
            raise InvalidValue(_("{id} has no unit recorded and no check-in in its infectious window: "
                                 "name the units or places to zone").format(id=case_id))
    for text in targets:
        areas.append(resolve(store, text))
    if not areas:
        raise InvalidValue(_("zone declare: name at least one unit or place (or --from-case ID)"))
    seen, unique = set(), []
    for a in areas:
        if (a.kind, a.name) not in seen:
            seen.add((a.kind, a.name))
            unique.append(a)
    window = _window(store, day, case_row)
    warnings = []
    active = {(a["kind"], a["name"]): zone_id(z["n"]) for z in sql.zones(store)
              if not z["released"] and not z.get("cancelled") for a in z["areas"]}
    for a in unique:
        if (a.kind, a.name) in active:
            warnings.append(Msg(N_("{name} is already in zone {zone}"), name=a.name, zone=active[(a.kind, a.name)]))
    n = sql.insert_zone(store, kind, day, case_id, window, [a.__dict__ for a in unique])
    persons = people_in(store, unique, window)
    test_days = [int(d) for d in store.rules().at("zone.test_days", day)]
    dues = sorted({(dt.date.fromisoformat(day) + dt.timedelta(days=d)).isoformat() for d in test_days})
    why = f"zone {zone_id(n)} ({kind}) declared from {day}"
    scheduled = sql.zone_test_followups(store, persons, n, dues, why)
    result = {"id": zone_id(n), "kind": kind, "start": day, "case": case_id,
              "units": [a.name for a in unique if a.kind == "unit"],
              "places": [a.name for a in unique if a.kind == "place"],
              "window": list(window), "to_test": persons,
              "tests": {"days": dues, "scheduled": scheduled}, "warnings": warnings}
    store.note(zone=result["id"], kind=kind, start=day, case=case_id, units=result["units"],
               places=result["places"], persons=len(persons), scheduled=scheduled)
    return result


def enrol(store, ids, why: str = "recorded after it was declared") -> int:
    """Persons ``ids`` who are (again) in the population of a zone not
    released get its mass tests still to come (from today on): issue 15
    point 1, everyone living in a declared zone (or checked in at its places
    in its window) is mass-tested. Called whenever a person may (re)enter a
    zone's population: added or moved to a zoned unit (``person add``,
    imports), and after every re-derivation of levels (``case unconfirm``: a
    false positive is no longer in treatment; ``person merge``; imports).
    Cases are left out (in treatment); a test already pending or done that day
    is not doubled. Returns the follow-ups scheduled. One query when no zone
    is active."""
    units = sql.active_zone_units(store)
    places = sql.active_zone_places(store)
    if not units and not places:
        return 0
    ids = sorted(set(ids))
    zoned: dict[str, dict[int, str]] = {}  # person -> {zone: start}
    if units:
        wards = None
        for pid, p in store.persons(ids).items():
            found = units.get((p["ward"], p["unit"]), ())
            if found:  # a unit is (district, ward, unit): the zone's district, not its names alone
                wards = wards or WardGroups.of(store)
                found = [z for z in found if wards.same(p["ward"], z["district"], p["district"])]
            for z in found:
                zoned.setdefault(pid, {})[z["n"]] = z["start"]
    wanted = set(ids)
    for place, zs in places.items():
        for z in zs:
            for pid in sql.visitors(store, place, z["window_from"] + " 00:00:00", z["window_to"] + " 23:59:59"):
                if pid in wanted:
                    zoned.setdefault(pid, {})[z["n"]] = z["start"]
    if not zoned:
        return 0
    cases = store.cases(zoned)
    now = today().isoformat()
    rules = store.rules()
    scheduled = 0
    for pid, found in sorted(zoned.items()):
        if pid in cases:
            continue
        for n, start in sorted(found.items()):
            days = rules.at("zone.test_days", start)
            dues = sorted({d for d in ((dt.date.fromisoformat(start) + dt.timedelta(days=int(x))).isoformat()
                                       for x in days) if d >= now})
            if dues:
                scheduled += sql.zone_test_followups(store, [pid], n, dues, f"in zone {zone_id(n)} ({why})")
    return scheduled


# ------------------------------------------------------------------ status, list
def _cases_of(store, zone: dict) -> list[dict]:
    units = [(a["district"], a["ward"], a["unit"]) for a in zone["areas"] if a["kind"] == "unit"]
    places = [a["place"] for a in zone["areas"] if a["kind"] == "place" and a["place"] is not None]
    found = {c["id"]: c for c in sql.cases_in_units(store, units)} if units else {}
    for c in sql.cases_at_places(store, places, zone["window_from"] + " 00:00:00"):
        found.setdefault(c["id"], c)
    if zone["case_id"]:
        row = store.get_case(zone["case_id"])
        if row:
            found.setdefault(row["person"], {"id": row["person"], "confirmed": row["confirmed"],
                                             "isolated": row.get("isolated"), "prior_level": row.get("prior_level"),
                                             "found_by": row.get("found_by")})
    return list(found.values())


def found_in_quarantine(rules, case: dict) -> bool:
    """Was ``case`` (``confirmed``, ``isolated``, ``prior_level``,
    ``found_by``) already isolated when it turned positive: as recorded when
    its ``found_by`` is (``case confirm --found-by``, the import's column:
    ``quarantine`` or not), else derived: isolated before its sample date (in
    a quarantine facility, at home as an F1), or quarantined as a traced F1/F2
    under the plan in force (:func:`tracing.report.was_quarantined`, the test
    of a community case for the level). Such a case is not a new case in a
    zone's community and does not hold the zone (DOMAIN.md: "a zoned unit is
    released after 14 days without cases"). The one test of zones, report
    and level (:func:`tracing.report.how_found`)."""
    from .report import was_quarantined

    if case.get("found_by"):
        return case["found_by"] == "quarantine"
    if case.get("isolated") and case.get("confirmed") and case["isolated"] < case["confirmed"]:
        return True
    return bool(case.get("confirmed")) and was_quarantined(rules, case.get("prior_level"), case["confirmed"])


def status_of(store, zone: dict, day: str) -> ZoneStatus:
    """The zone ``zone`` (a stored row with ``areas``) on ``day`` (ISO text)."""
    rules = store.rules()
    release_days = int(rules.at("zone.release_days", day))
    seen = [c for c in _cases_of(store, zone) if c["confirmed"] and c["confirmed"] <= day]
    # the zone's own case holds it whatever; others only when found in the community
    apart = sorted(c["id"] for c in seen if c["id"] != zone["case_id"] and found_in_quarantine(rules, c))
    cases = [c for c in seen if c["id"] not in apart]
    last = max(cases, key=lambda c: (c["confirmed"], c["id"])) if cases else None
    if zone.get("cancelled"):
        status = "cancelled"  # declared by mistake or not held: never a zone, whatever the day
    elif zone["released"] and zone["released"] <= day:
        status = "released"
    elif zone["start"] > day:
        status = "not_started"
    else:
        status = "active"
    ref = last["confirmed"] if last else zone["start"]
    without = (dt.date.fromisoformat(day) - dt.date.fromisoformat(ref)).days
    # never before start + rule days, never before last case + rule days (a case
    # older than the zone does not shorten it; a zone not started is not due)
    held_from = max(ref, zone["start"])
    release_from = (dt.date.fromisoformat(held_from) + dt.timedelta(days=release_days)).isoformat()
    return ZoneStatus(
        id=zone_id(zone["n"]), kind=zone["kind"], start=zone["start"], case=zone["case_id"],
        units=[a["name"] for a in zone["areas"] if a["kind"] == "unit"],
        places=[a["name"] for a in zone["areas"] if a["kind"] == "place"],
        status=status, last_case=last["id"] if last else None, last_case_date=last["confirmed"] if last else None,
        days_without_case=without if without >= 0 else None, release_days=release_days,
        release_from=release_from, due_for_release=status == "active" and day >= release_from,
        released=zone["released"] if zone["released"] and zone["released"] <= day else None,
        forced=bool(zone["forced"]) and bool(zone["released"]) and zone["released"] <= day,
        window=[zone["window_from"], zone["window_to"]], cancelled=zone.get("cancelled"), found_in_quarantine=apart)


def list_zones(store, day=None, *, status: str | None = None) -> list[ZoneStatus]:
    """Every zone on ``day`` (default today), by number; ``status`` filters."""
    day = (parse_date(day, "--date") or today()).isoformat()
    if status is not None and status not in STATUSES:
        raise InvalidValue(_("--status: '{status}' is not one of {choices}").format(
            status=status, choices=", ".join(STATUSES)))
    out = [status_of(store, z, day) for z in sql.zones(store)]
    return [z for z in out if status is None or z.status == status]


def of_person(store, person: dict, day=None) -> list[dict]:
    """The zones ``person`` (a stored person row) lives in (its unit) or was
    checked in at (a place of the zone, in the zone's window), seen on ``day``
    (default today), by number: the :class:`ZoneStatus` fields plus ``how``
    (``lives`` or ``checked_in``) and ``area`` (the unit or place)."""
    day = (parse_date(day, "--date") or today()).isoformat()
    out = []
    wards = None
    for z in sql.zones(store):
        for a in z["areas"]:
            if a["kind"] == "unit":
                hit = person.get("unit") == a["unit"] and person.get("ward") == a["ward"]
                if hit and a["ward"]:  # a unit is (district, ward, unit)
                    wards = wards or WardGroups.of(store)
                    hit = wards.same(a["ward"], a["district"], person.get("district"))
            else:
                hit = a["place"] is not None and sql.checked_in(store, person["id"], a["place"],
                                                                z["window_from"] + " 00:00:00",
                                                                z["window_to"] + " 23:59:59")
            if hit:
                out.append({**status_of(store, z, day).as_dict(),
                            "how": "lives" if a["kind"] == "unit" else "checked_in", "area": a["name"]})
                break
    return out


# ------------------------------------------------------------------ release
def _open_zone(store, zone_text) -> tuple[int, dict]:
    """The zone numbered by ``zone_text``, neither released nor cancelled (else
    NotFound / Conflict)."""
    n = zone_number(zone_text)
    found = sql.zones(store, [n])
    if not found:
        raise NotFound(_("zone {zone} does not exist (see `tracing zone list`)").format(zone=zone_id(n)))
    zone = found[0]
    if zone.get("cancelled"):
        raise Conflict(_("zone {zone} was cancelled on {day}").format(zone=zone_id(n), day=fmt_date(zone["cancelled"])))
    if zone["released"]:
        raise Conflict(_("zone {zone} was already released on {day}").format(zone=zone_id(n), day=fmt_date(zone["released"])))
    return n, zone


def release(store, zone_text, day, *, force: bool = False) -> dict:
    """End a zone on ``day``. Refused (:class:`Conflict`, naming the case that
    holds it and the first day it may end) while fewer than ``zone.release_days``
    days have passed since its last case, unless ``force``. Ends its
    outstanding mass tests (to come, and missed before ``day``), so none is
    listed overdue after the release. A zone not started yet cannot be
    released: it is withdrawn with :func:`cancel`."""
    n, zone = _open_zone(store, zone_text)
    day = past_date(day, "--date", required=True).isoformat()
    if day < zone["start"]:
        raise InvalidValue(_("--date {day} is before zone {zone} started ({start}): a zone declared by mistake or "
                             "not held is withdrawn with `tracing zone cancel {zone}`").format(
            day=fmt_date(day), zone=zone_id(n), start=fmt_date(zone["start"])))
    st = status_of(store, zone, day)
    note = None
    if not st.due_for_release:
        started = (dt.date.fromisoformat(day) - dt.date.fromisoformat(zone["start"])).days
        # Msgs: the stored reason and the JSON note stay English (language-neutral), people read them translated
        held = (Msg(N_("its last case {case} (sample {date_sample}) is {days} days old"), case=st.last_case,
                    date_sample=str(st.last_case_date), days=st.days_without_case)
                if st.last_case and st.last_case_date >= zone["start"]
                else Msg(N_("it started {days} days ago"), days=started))
        reason = Msg(N_("zone {zone}: {held}; rule zone.release_days asks {n} days without a new case, so it may "
                        "be released from {date}"), zone=st.id, held=held, n=st.release_days,
                     date=str(st.release_from))
        if not force:
            raise Conflict(_("{reason} (--force releases it anyway, and the audit log keeps the reason)").format(
                reason=reason.shown()))
        note = Msg(N_("forced: {reason}"), reason=reason)
    sql.release_zone(store, n, day, force and note is not None, note)
    # stored reasons stay in English like every stored value (the database is language-neutral)
    # every outstanding mass test ends with the zone: those to come, that day's,
    # and those missed before (a released zone is not mass-tested any more)
    cancelled = sql.cancel_zone_tests(store, n, reason_code("zone_released", st.id))
    store.note(zone=st.id, released=day, forced=note is not None, reason=note, cancelled=cancelled)
    st = status_of(store, sql.zones(store, [n])[0], day)
    return {**st.as_dict(), "cancelled_tests": cancelled, "note": note}


def cancel(store, zone_text, reason: str | None = None) -> dict:
    """Withdraw a zone declared by mistake, or planned and not held (status
    ``cancelled`` whatever the day; its cases and days no longer matter). Its
    outstanding mass tests are cancelled; those already done stay in the
    persons' history. The reason goes into the audit log. A released zone
    cannot be cancelled (:class:`Conflict`)."""
    n, zone = _open_zone(store, zone_text)
    day = today().isoformat()
    reason = clean_text(reason, "--reason") or None
    note = f"cancelled: {reason}" if reason else "cancelled"
    sql.cancel_zone(store, n, day, note)
    cancelled = sql.cancel_zone_tests(store, n, reason_code("zone_cancelled", zone_id(n)))
    store.note(zone=zone_id(n), cancelled=day, reason=reason, started=zone["start"] <= day,
               cancelled_tests=cancelled)
    st = status_of(store, sql.zones(store, [n])[0], day)
    return {**st.as_dict(), "cancelled_tests": cancelled, "reason": reason}
