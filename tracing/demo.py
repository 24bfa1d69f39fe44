"""The demo: a Long Biên sample outbreak, built and walked through.

:func:`build` writes a synthetic district (Vietnamese names, wards, tổ dân
phố, households, workplaces, venues with QR check-ins, dated contacts) as CSV
files and imports them into a fresh database through the real importer.
:func:`walk` then plays the notices' story with the library, one step at a
time, and yields each step's result for the command line to print:

1. an index case is confirmed: its F1 and F2 appear;
2. one of its F1 turns positive: PA1 (promotions, new schedules);
3. a case with no known source: PA2 (candidate sources, the zone declared);
4. F0 care: cases put in home care or a field hospital, who may be released when;
5. the zone released once ``zone.release_days`` have passed without a case;
6. the sơ đồ cây, the clusters, the report (.md, .xlsx: zones, foci, F0 by
   tier) and the maps.

**The story's days.** Every step is played as if today were its day (the
index case's confirmation, the PA1 case's, ..., the zone's release, then the
story's last day for the tree, clusters, report and maps): :func:`story_today`
pins ``TRACING_TODAY`` for it, so statuses (quarantine ends, tests to come,
foci over, zones due) are those of the story, never of the real today, and
the user need not pin anything. The real (or user-pinned) today only chooses
the period (:func:`period_start`); the caller's ``TRACING_TODAY`` is restored
when the walk ends.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
from collections import Counter

from . import care, cases, clusters, files, report, synthetic, tree, zones
from .i18n import _, language
from .errors import InvalidValue
from .importer import import_file
from .store import Store
from .values import today

KINDS = ("persons", "contacts", "checkins", "populations")
#: the demo's six weeks start here (the Delta wave in Long Biên) unless that
#: would put data after today: then they end today (see :func:`period_start`)
DEMO_START = dt.date(2021, 11, 1)
DEMO_WEEKS = 6


def story_today(day) -> None:
    """Play what follows as if today were ``day`` (ISO text or date): pins
    ``TRACING_TODAY`` (:func:`tracing.values.today`)."""
    os.environ["TRACING_TODAY"] = str(day)


@contextlib.contextmanager
def caller_today():
    """Restore the caller's ``TRACING_TODAY`` (set or not) after the demo."""
    before = os.environ.get("TRACING_TODAY")
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TRACING_TODAY", None)
        else:
            os.environ["TRACING_TODAY"] = before


def period_start(day: dt.date, weeks: int = DEMO_WEEKS) -> dt.date:
    """First day of the demo's generated period for ``day`` (today): the
    fixed :data:`DEMO_START` when its ``weeks`` lie in the past (same bytes
    every day), else the ``weeks`` that end on ``day`` (a pinned
    ``TRACING_TODAY`` before 2021-12 still gets a demo, nothing in the future).

    >>> period_start(dt.date(2026, 1, 1)), period_start(dt.date(2021, 5, 10))
    (datetime.date(2021, 11, 1), datetime.date(2021, 3, 30))
    """
    last = DEMO_START + dt.timedelta(days=7 * weeks - 1)
    return DEMO_START if last <= day else day - dt.timedelta(days=7 * weeks - 1)


def build(directory, people: int = 3000, *, seed: int = 2021, progress=None) -> tuple[Store, synthetic.District]:
    """A fresh demo database ``DIR/tracing.db`` with ``people`` persons."""
    if not 200 <= people <= 200_000:
        raise InvalidValue(_("--people: between 200 and 200,000"))
    directory = files.private_folder(directory)
    data_dir = os.path.join(directory, "data")
    if os.path.islink(data_dir) or os.path.isfile(data_dir):
        os.remove(data_dir)  # a link is removed, never followed
    elif os.path.isdir(data_dir):
        shutil.rmtree(data_dir)
    for name in ("tracing.db", "tracing.db-wal", "tracing.db-shm"):
        path = os.path.join(directory, name)
        if os.path.lexists(path):
            os.remove(path)
    district = synthetic.generate(people, seed=seed, start=period_start(today()), weeks=DEMO_WEEKS)
    synthetic.write_csv_dir(district, data_dir)
    _recorded_when_met(data_dir)
    with caller_today():
        story_today(district.end)  # the data are imported on the story's last day (all of it in the past)
        store = Store.open(os.path.join(directory, "tracing.db"), create=True)
        for kind in KINDS:
            if progress:
                progress(_("importing {kind}").format(kind=kind))
            import_file(store, kind, os.path.join(data_dir, f"{kind}.csv"))
    return store, district


def _recorded_when_met(data_dir: str) -> None:
    """Give the sample contacts and check-ins a ``recorded_on`` column: the
    day they happened (a QR check-in is recorded as it is made; the story's
    tracers know each contact from that day), so an F1's tests follow its
    contact, not the day the demo imported its six weeks."""
    import csv

    for kind, column, cut in (("contacts", "date", 10), ("checkins", "at", 10)):
        path = os.path.join(data_dir, f"{kind}.csv")
        with open(path, newline="", encoding="utf-8") as f:
            rows = list(csv.reader(f))
        at = rows[0].index(column)
        rows[0].append("recorded_on")
        for row in rows[1:]:
            row.append(row[at][:cut])
        with open(path, "w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)


def _confirm(store, fields: dict) -> dict:
    with store.write("case confirm (demo)"):
        return cases.confirm(store, fields)


def _busiest(store, ids, lo: str, hi: str, exclude=()) -> str | None:
    """The person among ``ids`` with most distinct contacts dated in [lo, hi]."""
    seen: dict[str, set] = {}
    for person, other, date, *_ in store.contacts_of(ids):
        if date and lo <= date <= hi and other not in exclude:
            seen.setdefault(person, set()).add(other)
    if not seen:
        return None
    return max(sorted(seen), key=lambda p: len(seen[p]))


def _day(base: str, days: int) -> str:
    import datetime as dt
    return (dt.date.fromisoformat(base) + dt.timedelta(days=days)).isoformat()


def walk(store, district, directory):
    """Yield ``(step, result)`` pairs of the demo story, each played (and shown
    by the caller) on its own day (:func:`story_today`); the caller's
    ``TRACING_TODAY`` is restored at the end."""
    with caller_today():
        yield from _walk(store, district, directory)


def _walk(store, district, directory):
    end = district.end.isoformat()
    confirmed = _day(district.start.isoformat(), 24)
    story_today(confirmed)
    onset = _day(confirmed, -3)
    everyone = [r["id"] for r in store.query("SELECT id FROM persons ORDER BY id")]
    index = _busiest(store, everyone[: max(400, len(everyone) // 5)], _day(onset, -2), confirmed)
    if index is None:
        raise InvalidValue(_("the sample district has no contacts; use more --people"))
    result = _confirm(store, {"id": index, "confirmed": confirmed, "onset": onset})
    yield "index", {"case": {"confirmed": confirmed, "onset": onset}, "result": result,
                    "person": store.get_person(index), "levels": Counter(c["to"] for c in result["changes"])}

    # PA1: the F1 of the index case with most onward contacts turns positive.
    f1 = [r["person"] for r in store.query(
        "SELECT person FROM levels WHERE level = 1 AND primary_source = ? ORDER BY person", (index,))]
    pa1 = _busiest(store, f1, _day(onset, -2), confirmed, exclude={index}) if f1 else None
    if pa1:
        story_today(_day(confirmed, 2))
        result = _confirm(store, {"id": pa1, "confirmed": _day(confirmed, 2), "onset": _day(confirmed, -1)})
        yield "pa1", {"result": result, "person": store.get_person(pa1)}

    # PA2: someone nobody traced falls ill with no known source.
    traced = {r["person"] for r in store.query("SELECT person FROM levels")}
    others = [p for p in everyone[len(everyone) // 2:] if p not in traced]
    pa2 = _busiest(store, others[:400], _day(confirmed, -4), _day(confirmed, 3))
    if pa2:
        story_today(_day(confirmed, 3))
        person = store.get_person(pa2)
        result = _confirm(store, {"id": pa2, "confirmed": _day(confirmed, 3), "onset": _day(confirmed, 2),
                                  "unknown_source": True, "declare_zone": bool(person.get("unit"))})
        yield "pa2", {"result": result, "person": person}

    # F0 care: the index case treated at home, the PA1 case at home, the PA2 case in a field hospital.
    placed = []
    story_today(_day(confirmed, 3))
    with store.write("care set (demo)"):
        for cid, tier, place in ((index, 1, "tại nhà"), (pa1, 1, "tại nhà"), (pa2, 2, "Bệnh viện dã chiến số 1")):
            if cid and store.get_case(cid):
                care.set_tier(store, cid, tier, store.get_case(cid)["confirmed"], place)
                placed.append(cid)
    day = _day(confirmed, 3)
    yield "care", {"date": day, "home": care.states(store, day, tier=1), "summary": care.summary(store, day)}

    # The zone of the PA2 case is released once zone.release_days have passed without a new case.
    declared = ((result.get("zone") or {}).get("declared") or {}) if pa2 else {}
    if declared:
        [status] = [z for z in zones.list_zones(store, day) if z.id == declared["id"]]
        released = None
        if status.release_from <= end:  # a story ending early (a pinned today) may end before it is due
            story_today(status.release_from)
            with store.write("zone release (demo)"):
                released = zones.release(store, declared["id"], status.release_from)
        yield "zone", {"declared": declared, "status": status, "released": released}
    index = {"id": index}
    story_today(end)  # the tree, clusters, report and maps as on the story's last day

    yield "tree", {"root": index["id"], "tree": tree.build(store, index["id"], depth=3)}

    found = clusters.compute(store)
    yield "clusters", {"clusters": found}

    rep = report.build(store, _day(confirmed, -13), _day(confirmed, 3), "ward", language())
    files = {}
    for fmt in ("md", "xlsx"):
        path = os.path.join(directory, f"report.{fmt}")
        report.write(rep, path, fmt)
        files[fmt] = path
    yield "report", {"report": rep, "files": files}

    maps_done = {}
    try:
        from . import maps
    except ImportError:  # the renderer is an optional part of a partial install
        maps = None
    if maps is not None:
        for layout in ("tree", "timeline"):
            path = os.path.join(directory, f"{layout}.html")
            maps.render_to_file(store, roots=[index["id"]], layout=layout, path=path, lang=language())
            maps_done[layout] = path
    yield "maps", {"files": maps_done}
