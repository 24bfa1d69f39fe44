"""Epidemic level per area (cấp độ dịch, Res. 128/NQ-CP, criterion 1).

New community cases per 100,000 people in the Monday–Sunday week containing
a day, against the bands of rule ``level.bands`` in force on that week's
Sunday (the day the week is assessed). A *community* case is one not found in
quarantine, by the same classification the report uses
(:func:`tracing.report.how_found`): the ``found_by`` recorded (``case confirm
--found-by``, the import's found_by column), else derived (already in quarantine
as a traced F1/F2 when confirmed, :func:`tracing.report.was_quarantined`).
Found in the community, by screening or on entry (a person back from another
province lives in the community; an arrival held in centralised quarantine is
recorded ``--found-by quarantine``) all count.

Criteria 2 (vaccination coverage) and 3 (treatment capacity) of 4800/QĐ-BYT
(from 11/10/2021) and 218/QĐ-BYT (from 27/01/2022) adjust that level by rule
``level.assessment`` (:func:`criteria_level`) when the populations file gives
the columns; without them the level is the case-rate level and the row says
which criteria were not assessed.

Populations come from ``tracing import populations`` (table ``populations``;
a unit's area is ``"UNIT, WARD"``; workplaces are rows of kind ``workplace``). Every area with a population is listed,
also with no case; an area with cases but no population is listed with
``level`` None and a note, never guessed.

>>> band_level([{"level": 1, "from": 0}, {"level": 2, "from": 20}, {"level": 4, "above": 600}], 600)
2
>>> week_of("2021-12-15")
(datetime.date(2021, 12, 13), datetime.date(2021, 12, 19))
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from .errors import InvalidValue
from .i18n import N_, Msg, _, fmt_date
from .report import UNKNOWN_AREA, area_of, how_found
from .store.areas import WardGroups
from .store import reports as sql
from .values import parse_date, today

BY = ("district", "ward", "unit", "workplace")
AREA_NAMES = {"district": N_("district"), "ward": N_("ward"), "unit": N_("unit"), "workplace": N_("workplace")}


def _note(reasons: list[str], missing: list[str]):
    """The criteria's reasons and what was not assessed, as one note (a Msg:
    English in JSON, translated in tables)."""
    parts = list(reasons)
    if missing:
        parts.append(Msg(N_("not assessed: {names}"), names=Msg(  # each name shown as the language says it
            ", ".join("{n%d}" % i for i in range(len(missing))), **{f"n{i}": m for i, m in enumerate(missing)})))
    if not parts:
        return None
    return Msg("; ".join("{p%d}" % i for i in range(len(parts))), **{f"p{i}": p for i, p in enumerate(parts)})


def week_of(day) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week containing ``day``."""
    day = (parse_date(day, "--week-of") if not isinstance(day, dt.date) else day) or today()
    if day > today() + dt.timedelta(days=366):
        raise InvalidValue(_("--week-of: {day} is more than a year ahead").format(day=fmt_date(day)))
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


def band_level(bands: list[dict], per_100k: float) -> int | None:
    """The highest band whose threshold ``per_100k`` meets (``from``: at
    least; ``above``: more than)."""
    level = None
    for band in sorted(bands, key=lambda b: b["level"]):
        if "from" in band and per_100k >= band["from"]:
            level = band["level"]
        elif "above" in band and per_100k > band["above"]:
            level = band["level"]
    return level


def criteria_level(assessment: dict, case_level: int, row: dict) -> tuple[int, list[str], list[str]]:
    """Criteria 2 and 3 applied to the case-rate level (criterion 1):
    ``(level, not_assessed, reasons)``.

    ``assessment``: the value of rule ``level.assessment``; ``row``: the
    area's ``vaccinated``, ``elderly_vaccinated`` (shares 0..1) and ``capacity``
    (1 met, 0 not met; None: not given). Coverage is low when any given share
    is below its threshold: the level rises by ``low_coverage_raise``; an unmet
    capacity adds ``capacity_unmet_raise``; never above ``max_level``.

    >>> rule = {"coverage": {"vaccinated": 0.75, "elderly_vaccinated": 0.8}, "low_coverage_raise": 1,
    ...         "capacity_unmet_raise": 1, "max_level": 4}
    >>> criteria_level(rule, 2, {"vaccinated": 0.6, "elderly_vaccinated": None, "capacity": None})
    (3, ['elderly_vaccinated', 'capacity'], ['vaccinated 60.0 % < 75.0 %'])
    >>> criteria_level(rule, 1, {"vaccinated": 0.9, "elderly_vaccinated": 0.95, "capacity": 1})
    (1, [], [])
    """
    level, missing, reasons = case_level, [], []
    low = False
    for key, threshold in (assessment.get("coverage") or {}).items():
        value = row.get(key)
        if value is None:
            missing.append(key)
        elif value < threshold:
            low = True
            reasons.append(Msg(N_("{what} {value} % < {threshold} %"), what=key,
                               value=round(value * 100, 1), threshold=round(threshold * 100, 1)))
    if low:
        level += int(assessment.get("low_coverage_raise", 0))
    capacity = row.get("capacity")
    if capacity is None:
        missing.append("capacity")
    elif not capacity:
        level += int(assessment.get("capacity_unmet_raise", 0))
        reasons.append(Msg(N_("treatment capacity not met")))
    return min(level, int(assessment.get("max_level", 4))), missing, reasons


def assess(store, week_of_day=None, by: str = "ward") -> list[dict]:
    """``[{"area", "population", "new_cases", "per_100k", "case_level",
    "vaccinated", "elderly_vaccinated", "capacity", "level", "decision",
    "not_assessed", "reasons", "note", "week": [monday, sunday]}]`` sorted by
    area; see the module doc. ``case_level`` is criterion 1 (rule
    ``level.bands``); ``level`` adds criteria 2 and 3 by rule
    ``level.assessment`` (:func:`criteria_level`); ``not_assessed`` names the
    criteria the populations file gave no column for (they are then left out,
    never guessed). ``by`` ``workplace``: cases by the workplace recorded on
    the person, against populations of kind ``workplace``.
    """
    if by not in BY:
        raise InvalidValue(_("--by: '{by}' is not one of {BY}").format(by=by, BY=', '.join(BY)))
    monday, sunday = week_of(week_of_day or today())
    rules = store.rules()
    # principle 4: a rule applies only from its effective date; before Res.
    # 128/NQ-CP (level.bands from 2021-10-11) there is no level to give
    rule = rules.rule_on("level.bands", sunday)
    bands = rule.value if rule else None
    no_rule = None if rule else no_level_rule(rules, sunday)
    # the decision whose criteria apply: none before the first level.assessment
    # rule (4800/QĐ-BYT from 2021-10-11, 218/QĐ-BYT from 2022-01-27)
    assessment_rule = rules.rule_on("level.assessment", sunday)
    assessment = assessment_rule.value if assessment_rule else {}
    pops = sql.populations(store, by)
    criteria = sql.population_criteria(store, by)
    wards = WardGroups.of(store)  # a ward is (district, ward): Phường 1 of two districts is two rows
    if by == "ward":  # a population "WARD" or "WARD, DISTRICT" is the group it names
        # (a bare name of a ward found in several districts is none of them);
        # a population with its district wins over a bare one naming the same ward
        raw, pops, named_criteria = pops, {}, {}
        for a in sorted(raw, key=lambda a: (", " not in a, a)):
            label = wards.population_label(a)
            if label not in pops:
                pops[label], named_criteria[label] = raw[a], criteria.get(a)
        criteria = named_criteria
    counts: Counter = Counter()
    for c in sql.cases_between(store, monday.isoformat(), sunday.isoformat()):
        if how_found(rules, c) != "quarantine":
            if by == "workplace" and not c.get("workplace"):
                continue  # a case with no workplace is not a workplace's case
            counts[area_of(c, by, "en", wards)] += 1
    week = [monday.isoformat(), sunday.isoformat()]
    decision = assessment.get("decision")
    out = []
    for area in sorted(set(pops) | set(counts)):
        n = counts.get(area, 0)
        pop = pops.get(area)
        crit = criteria.get(area) or {}
        base = {"area": area, "population": pop, "new_cases": n, "per_100k": None, "case_level": None,
                "vaccinated": crit.get("vaccinated"), "elderly_vaccinated": crit.get("elderly_vaccinated"),
                "capacity": None if crit.get("capacity") is None else bool(crit["capacity"]),
                "level": None, "decision": decision, "not_assessed": [], "reasons": [], "note": None, "week": week}
        if pop is None:
            base["note"] = (Msg(N_("cases without a recorded area")) if area == UNKNOWN_AREA["en"]["word"]
                            else Msg(N_("no population for this {area}: add it with `tracing import populations`"),
                                     area=Msg(AREA_NAMES[by])))
            out.append(base)
            continue
        if pop == 0:
            out.append({**base, "note": Msg(N_("population is 0"))})
            continue
        case_level = band_level(bands, n * 100_000 / pop) if bands else None
        level, missing, reasons = (criteria_level(assessment, case_level, crit) if case_level is not None
                                   else (None, [], []))
        out.append({**base, "per_100k": round(n * 100_000 / pop, 1), "case_level": case_level, "level": level,
                    "not_assessed": missing, "reasons": reasons,
                    "note": no_rule or _note(reasons, missing)})
    return out


def no_level_rule(rules, day):
    """Why there is no level on ``day``: no rule ``level.bands`` in force yet
    (a Msg: English in JSON, translated in tables).

    >>> from tracing.rules import Rules
    >>> no_level_rule(Rules.defaults(), dt.date(2021, 6, 6))
    'no epidemic-level rule in force on 2021-06-06 (level.bands applies from 2021-10-11)'
    """
    return Msg(N_("no epidemic-level rule in force on {date} (level.bands applies from {date_first})"),
               date=str(day), date_first=rules.first_effective("level.bands") or "–")
