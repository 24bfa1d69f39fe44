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
from dataclasses import dataclass

#: What marks an encounter derived from check-ins (the 8th field of an
#: encounter, and the flag on a level entry known only through check-ins).
CHECKIN = "checkin"


def passes(via: str | None, transmitter_level: int) -> bool:
    """Can an encounter reach the other person from a transmitter of this
    level? A recorded contact: yes (its window decides). An exposure derived
    from check-ins only from an *infectious* person, an F0 inside its
    infectious window (DOMAIN.md 'QR check-ins': "one of them by an
    infectious person"): an F1 who checked in beside someone does not make
    them F2, nor is a check-in with an F1 a case's source (no notice in
    ``shared/notices/`` derives F2 from QR check-ins).

    >>> passes(CHECKIN, 0), passes(CHECKIN, 1), passes(None, 1)
    (True, False, True)
    """
    return via != CHECKIN or transmitter_level == 0


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


@dataclass(frozen=True)
class Overlap:
    """Two stays at one place that overlap: ``person``'s (one of the ids
    asked about) and ``other``'s, from ``start`` to ``end``."""
    person: str
    other: str
    place: str
    start: dt.datetime
    end: dt.datetime
    recorded: str | None = None  # the later of the two check-ins' recorded_on (None: not later)

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


@dataclass(frozen=True)
class Exposure:
    """An exposure derived from check-ins (DOMAIN.md 'QR check-ins'): the
    infectious ``source`` and the ``other`` person at ``place`` on ``date``
    (the first day of the overlap inside the source's infectious window),
    setting ``venue``, ``minutes`` = the overlap, mask unknown."""
    source: str
    other: str
    date: str
    place: str
    minutes: int
    setting: str = "venue"
    masked: None = None


def overlaps_of(store, ids: Iterable[str], rules) -> list[Overlap]:
    """Every overlap of a stay of ``ids`` with someone else's stay, seen from
    ``ids``. Indexed lookups only: the check-ins of ``ids``
    (checkins_person), then who was at each place around each stay
    (checkins_place), all stays in one batched lookup
    (:meth:`~tracing.store.Store.checkins_at_places`)."""
    out = []
    stays = store.checkins_of_persons(ids)
    spans = [span(at, until, rules) for _p, _pl, _n, at, until, _r in stays]
    others = store.checkins_at_places([_around(place, s1, e1) for (_p, place, _n, _a, _u, _r), (s1, e1)
                                       in zip(stays, spans)])
    for (person, _place, name, _at, _until, rec), (s1, e1), found in zip(stays, spans, others):
        for other, o_at, o_until, o_rec in found:
            if other == person:
                continue
            s2, e2 = span(o_at, o_until, rules)
            start, end = max(s1, s2), min(e1, e2)
            if start < end:
                out.append(Overlap(person, other, name, start, end, max(filter(None, (rec, o_rec)), default=None)))
    return out


def exposures(store, ids: Iterable[str], rules) -> list[tuple]:
    """Encounters of ``ids`` derived from overlapping check-ins, seen from them:
    ``(person, other, date, "venue", minutes, None, place name, "checkin",
    recorded_on)`` (recorded_on: the later record of the two stays),
    one per day the overlap touches where rule ``checkin.exposure`` is in
    force. Which of them expose someone is the levels' business (only from
    an infectious F0: :func:`passes`)."""
    out = []
    for o in overlaps_of(store, ids, rules):
        for day in overlap_days(o.start, o.end):
            if rules.at("checkin.exposure", day):
                out.append((o.person, o.other, day, "venue", o.minutes, None, o.place, CHECKIN, o.recorded))
    return out


def infectious_exposures(store, rules, ids: Iterable[str] | None = None) -> list[Exposure]:
    """Every exposure the levels derive from check-ins (of ``ids``; None:
    the whole district): an overlap with a case on a day of the case's
    infectious window (rule ``checkin.exposure`` in force) that counts under
    the rules of that day (:func:`tracing.levels.qualifies`). One per overlap
    (dated its first such day); two infectious cases give one, from the
    earlier case. Sorted by ``(source, other, date, place)``: the exports and
    ``person show`` list these beside the recorded contacts."""
    from .levels import case_from_row, qualifies  # levels imports this module
    if ids is None:
        rows = store.cases()
        seen = overlaps_of(store, sorted(rows), rules)  # an exposure has a case on one side
    else:
        seen = overlaps_of(store, sorted(set(ids)), rules)
        rows = store.cases({x for o in seen for x in (o.person, o.other)})
    cases = {cid: case_from_row(row) for cid, row in rows.items()}
    found: dict[tuple, Exposure] = {}
    for o in seen:
        key = (min(o.person, o.other), max(o.person, o.other), o.place, o.start)
        for source, other in ((o.person, o.other), (o.other, o.person)):
            if source not in cases:
                continue
            lo, hi = cases[source].window(rules)
            days = [d for d in overlap_days(o.start, o.end) if rules.at("checkin.exposure", d)
                    and qualifies(d, "venue", o.minutes, None, lo, hi, rules)[0]]
            kept = found.get(key)  # the same overlap, infectious on both sides: the earlier case
            if days and (kept is None or cases[source].key < cases[kept.source].key):
                found[key] = Exposure(source, other, days[0], o.place, o.minutes)
    return sorted(found.values(), key=lambda e: (e.source, e.other, e.date, e.place, e.minutes))


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
        for other, o_at, o_until, _rec in rows:
            s2, e2 = span(o_at, o_until, rules)
            if max(s1, s2) < min(e1, e2):
                mine.append((other, max(s1, s2), min(e1, e2)))
        out.append(mine)
    return out


def overlapping_persons(store, place: int, at: str, until: str | None, rules) -> set[str]:
    """Persons whose stay at ``place`` overlaps ``[at, until]`` (the persons a
    new check-in can expose or be exposed by)."""
    return {other for other, _s, _e in overlaps(store, place, at, until, rules)}
