"""Epidemic level per area (cấp độ dịch, Res. 128/NQ-CP, criterion 1).

New community cases per 100,000 people in the Monday–Sunday week containing
a day, against the bands of rule ``level.bands`` in force on that week's
Sunday (the day the week is assessed). A *community* case is one that was not
already in quarantine as a traced F1/F2 when confirmed (see
:func:`tracing.report.was_quarantined`).

Populations come from ``tracing import populations`` (table ``populations``;
a unit's area is ``"UNIT, WARD"``). Every area with a population is listed,
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
from .report import UNKNOWN_AREA, area_of, was_quarantined
from .store import reports as sql
from .values import parse_date, today

BY = ("district", "ward", "unit")


def week_of(day) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week containing ``day``."""
    day = (parse_date(day, "--week-of") if not isinstance(day, dt.date) else day) or today()
    if day > today() + dt.timedelta(days=366):
        raise InvalidValue(f"--week-of: {day} is more than a year ahead")
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


def assess(store, week_of_day=None, by: str = "ward") -> list[dict]:
    """``[{"area", "population", "new_cases", "per_100k", "level", "note",
    "week": [monday, sunday]}]`` sorted by area; see the module doc."""
    if by not in BY:
        raise InvalidValue(f"--by: '{by}' is not one of {', '.join(BY)}")
    monday, sunday = week_of(week_of_day or today())
    rules = store.rules()
    bands = rules.at("level.bands", sunday)
    pops = sql.populations(store, by)
    counts: Counter = Counter()
    for c in sql.cases_between(store, monday.isoformat(), sunday.isoformat()):
        if not was_quarantined(rules, c["prior_level"], c["confirmed"]):
            counts[area_of(c, by, "en")] += 1
    week = [monday.isoformat(), sunday.isoformat()]
    out = []
    for area in sorted(set(pops) | set(counts)):
        n = counts.get(area, 0)
        pop = pops.get(area)
        if pop is None:
            note = ("cases without a recorded area" if area == UNKNOWN_AREA["en"]
                    else f"no population for this {by}: add it with `tracing import populations`")
            out.append({"area": area, "population": None, "new_cases": n, "per_100k": None, "level": None,
                        "note": note, "week": week})
            continue
        if pop == 0:
            out.append({"area": area, "population": 0, "new_cases": n, "per_100k": None, "level": None,
                        "note": "population is 0", "week": week})
            continue
        per = round(n * 100_000 / pop, 1)
        out.append({"area": area, "population": pop, "new_cases": n, "per_100k": per,
                    "level": band_level(bands, n * 100_000 / pop), "note": None, "week": week})
    return out
