"""Exposures derived from QR check-ins (khai báo y tế, quét mã QR).

``shared/DOMAIN.md`` ('QR check-ins'): two stays at the same place that
overlap in time, one of them by an infectious person, are an exposure
(setting ``venue``, minutes = the overlap, mask unknown), judged by the same
rules as a recorded contact. Whether check-ins derive exposures is the rule
``checkin.exposure`` (default on) in force on the day of the overlap; a
check-in without ``--until`` lasts ``checkin.stay_minutes`` (default 60).

A stay across midnight gives one exposure per calendar day it touches (each
with the whole overlap's minutes), so a window that starts or ends at
midnight still sees the part inside it.

>>> from tracing.rules import Rules
>>> span("2021-06-01 23:30:00", None, Rules.defaults())
(datetime.datetime(2021, 6, 1, 23, 30), datetime.datetime(2021, 6, 2, 0, 30))
>>> overlap_days(*span("2021-06-01 23:30:00", None, Rules.defaults()))
['2021-06-01', '2021-06-02']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

#: What marks an encounter derived from check-ins (the 8th field of an
#: encounter, and the flag on a level entry known only through check-ins).
CHECKIN = "checkin"
#: Other stays are looked up starting this long before a stay (a stay longer
#: than this is still found from its own side).
LOOKBACK_HOURS = 24


def span(at: str, until: str | None, rules) -> tuple[dt.datetime, dt.datetime]:
    """Start and end of a stay; no end: ``checkin.stay_minutes`` after the start."""
    start = dt.datetime.fromisoformat(at)
    if until:
        return start, dt.datetime.fromisoformat(until)
    return start, start + dt.timedelta(minutes=int(rules.at("checkin.stay_minutes", start.date())))


def overlap_days(start: dt.datetime, end: dt.datetime) -> list[str]:
    """Calendar days an interval ``[start, end)`` touches."""
    last = (end - dt.timedelta(microseconds=1)).date() if end > start else start.date()
    day, out = start.date(), []
    while day <= last:
        out.append(day.isoformat())
        day += dt.timedelta(days=1)
    return out


def exposures(store, ids: Iterable[str], rules) -> list[tuple]:
    """Encounters of ``ids`` derived from overlapping check-ins, seen from them:
    ``(person, other, date, "venue", minutes, None, place name, "checkin")``.
    Indexed lookups only: the check-ins of ``ids`` (checkins_person), then
    who was at each place around each stay (checkins_place), all stays in
    one batched lookup (:meth:`~tracing.store.Store.checkins_at_places`)."""
    out = []
    stays = store.checkins_of_persons(ids)
    spans = [span(at, until, rules) for _p, _pl, _n, at, until in stays]
    others = store.checkins_at_places([_around(place, s1, e1) for (_p, place, _n, _a, _u), (s1, e1)
                                       in zip(stays, spans)])
    for (person, place, name, at, until), (s1, e1), found in zip(stays, spans, others):
        for other, o_at, o_until in found:
            if other == person:
                continue
            s2, e2 = span(o_at, o_until, rules)
            start, end = max(s1, s2), min(e1, e2)
            if start >= end:
                continue
            minutes = int((end - start).total_seconds() // 60)
            for day in overlap_days(start, end):
                if rules.at("checkin.exposure", day):
                    out.append((person, other, day, "venue", minutes, None, name, CHECKIN))
    return out


def _around(place: int, s1: dt.datetime, e1: dt.datetime) -> tuple[int, str, str]:
    """The ``(place, lo, hi)`` lookup of the stays that can overlap ``[s1, e1]``
    (they start at most :data:`LOOKBACK_HOURS` before it)."""
    return place, (s1 - dt.timedelta(hours=LOOKBACK_HOURS)).isoformat(sep=" "), e1.isoformat(sep=" ")


def overlaps(store, place: int, at: str, until: str | None, rules) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """``(person, start, end)`` of every stay at ``place`` overlapping the stay
    ``[at, until]`` (the overlap's start and end), in time order."""
    return overlaps_many(store, [(place, at, until)], rules)[0]


def overlaps_many(store, stays: list[tuple[int, str, str | None]], rules) -> list[list[tuple]]:
    """:func:`overlaps` of each ``(place, at, until)`` of ``stays``, in one
    batched lookup (one statement per 100 stays, not one per stay)."""
    spans = [span(at, until, rules) for _place, at, until in stays]
    found = store.checkins_at_places([_around(place, s1, e1) for (place, _a, _u), (s1, e1) in zip(stays, spans)])
    out = []
    for (s1, e1), rows in zip(spans, found):
        mine = []
        for other, o_at, o_until in rows:
            s2, e2 = span(o_at, o_until, rules)
            if max(s1, s2) < min(e1, e2):
                mine.append((other, max(s1, s2), min(e1, e2)))
        out.append(mine)
    return out


def overlapping_persons(store, place: int, at: str, until: str | None, rules) -> set[str]:
    """Persons whose stay at ``place`` overlaps ``[at, until]`` (the persons a
    new check-in can expose or be exposed by)."""
    return {other for other, _s, _e in overlaps(store, place, at, until, rules)}
