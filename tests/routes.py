"""Helpers for the timeline's edge geometry: an outbreak builder (many
siblings, many exposures on the same day, written as the CSV files a team
imports) and a checker of drawn routes against the rules of
:func:`tracing.layout.timeline_trunks`.

The checker works on what is drawn (polylines and mark boxes), read from
the layout, the HTML page's data or an SVG file, so it does not trust the
layout's own bookkeeping."""

from __future__ import annotations

import bisect
import csv
import datetime as dt
import random
import re
from collections import defaultdict
from pathlib import Path

from tracing.layout import MARK_H, MARK_W, TRUNK_SEP

#: a bend of one edge this close (px) to another parent's edge reads as joining it
TOUCH = 4


def outbreak_files(n: int, out_dir, seed: int = 16) -> dict:
    """``cases.csv`` and ``contacts.csv`` for one outbreak of exactly ``n``
    persons from one index case ``C0001``: every case has 6-20 contacts
    inside its infectious window, most on two of its days (same-day
    exposures, many siblings); about one F1 in five turns positive
    (a case whose source is the case it met, confirmed 3 days after that
    contact); F1 who stay negative have 0-4 contacts of their own between
    their exposure and their source's confirmation, the day they were
    quarantined (F2); a few F2 also met a
    second F1 (an other source). Returns ``{"cases", "contacts", "root",
    "persons"}`` (paths, the index case, the person count)."""
    rnd = random.Random(seed)
    out_dir = Path(out_dir)
    d0 = dt.date(2021, 6, 10)
    cases = [("C0001", d0, d0 - dt.timedelta(days=2), "")]
    contacts: list[tuple[str, str, dt.date, str]] = []
    count = 1
    # (case id, first day, last day) of each case's infectious window, in the order they are found
    queue = [("C0001", d0 - dt.timedelta(days=4), d0, d0)]
    f1_windows: list[tuple[str, dt.date, dt.date]] = []

    def new_id(prefix: str) -> str:
        nonlocal count
        count += 1
        return f"{prefix}{count:04d}"

    head = 0
    while count < n and head < len(queue):
        case, first, last, conf = queue[head]
        head += 1
        span = (last - first).days
        busy = sorted(rnd.sample(range(span + 1), min(2, span + 1)))  # the days most contacts happen on
        for _ in range(rnd.randint(6, 20)):
            if count >= n:
                break
            day = first + dt.timedelta(days=rnd.choice(busy) if rnd.random() < 0.8 else rnd.randint(0, span))
            if rnd.random() < 0.2:
                pid = new_id("C")
                cases.append((pid, day + dt.timedelta(days=3), day + dt.timedelta(days=2), case))
                contacts.append((case, pid, day, "household"))
                # infectious from 2 days before onset until quarantined (when its source was confirmed)
                queue.append((pid, day, conf, day + dt.timedelta(days=3)))
                continue
            pid = new_id("P")
            contacts.append((case, pid, day, rnd.choice(["household", "work", "venue"])))
            f1_windows.append((pid, day, conf))  # F2: met from its exposure until it was quarantined
            for _ in range(rnd.randint(0, 4)):
                if count >= n:
                    break
                f2 = new_id("P")
                span2 = (conf - day).days
                when = day + dt.timedelta(days=0 if rnd.random() < 0.6 else rnd.randint(0, span2))
                contacts.append((pid, f2, when, "household"))
                if rnd.random() < 0.05 and len(f1_windows) > 3:  # a second F1 met them too: an other source
                    other, o_first, o_last = rnd.choice(f1_windows[:-1])
                    if o_first <= when <= o_last:
                        contacts.append((other, f2, when, "social"))
    assert count == n, f"the builder made {count} persons, not {n}"
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / "cases.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "confirmed", "onset", "source"])
        for pid, conf, onset, src in cases:
            w.writerow([pid, conf.isoformat(), onset.isoformat(), src])
    with open(out_dir / "contacts.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["from", "to", "date", "setting"])
        for a, b, day, setting in contacts:
            w.writerow([a, b, day.isoformat(), setting])
    return {"cases": out_dir / "cases.csv", "contacts": out_dir / "contacts.csv", "root": "C0001", "persons": n}


def lines_of(d: str) -> list[list[tuple[float, float]]]:
    """The polylines of an SVG path made of ``M``/``L`` commands (a route, or two stubs)."""
    assert re.fullmatch(r"[ML0-9.,\s-]+", d), f"not made of straight lines: {d}"
    return [[(float(x), float(y)) for x, y in re.findall(r"(-?[\d.]+),(-?[\d.]+)", part)]
            for part in d.split("M")[1:]]


def edge_routes(edges) -> list[tuple]:
    """``[(from, to, path d, class)]`` -> ``[(from, to, points, class)]``, one per polyline."""
    return [(f, t, pts, cls) for f, t, d, cls in edges for pts in lines_of(d)]


def route_faults(marks: dict, routes: list[tuple], limit: int = 20) -> list[str]:
    """What breaks the timeline's rules, in words (empty: nothing):

    - ``trunks >= 8 px apart``: two vertical segments of different parents'
      edges that share some height are at least :data:`TRUNK_SEP` px apart;
    - ``no trunk starts on another edge``: no bend or end of a parent's edges
      lies on (within :data:`TOUCH` px of) another parent's edge, so no line
      branches off, starts on or runs along an edge it does not belong to;
    - ``no edge segment crosses a node box``: no segment enters a mark's box
      (:data:`MARK_W` x :data:`MARK_H` around its centre), its own ends'
      marks included (an edge only touches their sides).

    ``marks``: ``{node: (x, y)}``; ``routes``: ``[(parent, child, points, ...)]``
    (an other source's route as the source's, and a long one as its two stubs).
    """
    faults: list[str] = []
    hw, hh = MARK_W / 2, MARK_H / 2
    by_row: dict[float, list[tuple[float, object]]] = defaultdict(list)
    for node, (x, y) in marks.items():
        by_row[y].append((x, node))
    rows = sorted(by_row)
    verticals: list[tuple[float, float, float, object, tuple]] = []  # x, y0, y1, parent, edge
    horizontals: dict[float, list[tuple[float, float, object, tuple]]] = defaultdict(list)
    def on_box(pt, node):
        dx, dy = abs(pt[0] - marks[node][0]), abs(pt[1] - marks[node][1])
        return dx <= hw and dy <= hh and (dx == hw or dy == hh)

    for parent, child, pts, *_ in routes:
        assert on_box(pts[0], parent) or on_box(pts[-1], child), ("an edge that touches neither end", parent, child, pts)
        for (x1, y1), (x2, y2) in zip(pts, pts[1:]):
            if (x1, y1) == (x2, y2):
                continue
            if x1 == x2:
                verticals.append((x1, min(y1, y2), max(y1, y2), parent, (parent, child)))
                lo = bisect.bisect_right(rows, min(y1, y2) - hh)  # marks whose box reaches into the segment's rows
                hi = bisect.bisect_left(rows, max(y1, y2) + hh)
                for y in rows[lo:hi]:
                    for x, node in by_row[y]:
                        if abs(x - x1) < hw and min(y1, y2) < y + hh and max(y1, y2) > y - hh:
                            faults.append(f"no edge segment crosses a node box: {parent}->{child} "
                                          f"x={x1} crosses {node}")
            elif y1 == y2:
                horizontals[y1].append((min(x1, x2), max(x1, x2), parent, (parent, child)))
                for y in rows[bisect.bisect_right(rows, y1 - hh):bisect.bisect_left(rows, y1 + hh)]:
                    for x, node in by_row[y]:
                        if min(x1, x2) < x + hw and max(x1, x2) > x - hw:
                            faults.append(f"no edge segment crosses a node box: {parent}->{child} "
                                          f"y={y1} crosses {node}")
            else:
                faults.append(f"not an elbow: {parent}->{child} {pts}")
    # trunks of different parents that share some height: at least TRUNK_SEP apart
    verticals.sort(key=lambda v: v[0])
    xs = [v[0] for v in verticals]
    for k, (x, y0, y1, par, edge) in enumerate(verticals):
        for j in range(k + 1, bisect.bisect_left(xs, x + TRUNK_SEP)):
            ox, oy0, oy1, opar, oedge = verticals[j]
            if opar != par and oy0 <= y1 and oy1 >= y0:
                faults.append(f"trunks >= 8 px apart: {edge} x={x} and {oedge} x={ox} share y {max(y0, oy0)}")
    # a bend or end of one parent's edges on another parent's edge
    for parent, child, pts, *_ in routes:
        for px, py in pts:
            for lo, hi, opar, oedge in horizontals.get(py, ()):
                if opar != parent and lo - TOUCH < px < hi + TOUCH:
                    faults.append(f"no trunk starts on another edge: {(parent, child)} at ({px}, {py}) "
                                  f"on {oedge}")
            for j in range(bisect.bisect_right(xs, px - TOUCH), bisect.bisect_left(xs, px + TOUCH)):
                ox, oy0, oy1, opar, oedge = verticals[j]
                if opar != parent and oy0 - TOUCH < py < oy1 + TOUCH:
                    faults.append(f"no trunk starts on another edge: {(parent, child)} at ({px}, {py}) "
                                  f"on {oedge}")
    return sorted(set(faults))[:limit]


def page_routes(payload: dict) -> tuple[dict, list[tuple]]:
    """Marks and edge routes of a timeline page's data (``render_html``'s
    ``map-data``): ``({index: (x, y)}, [(from, to, points, class)])``."""
    marks = {k: (n["x"], n["y"]) for k, n in enumerate(payload["nodes"])}
    edges = [(e["f"], e["t"], re.search(r' d="([^"]*)"', line).group(1), re.search(r' class="([^"]*)"', line).group(1))
             for e, line in zip(payload["edges"], payload["lines"])]
    return marks, edge_routes(edges)


def svg_routes(svg_text: str) -> tuple[dict, list[tuple]]:
    """Marks and edge routes of a timeline SVG (``render --format svg``)."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(svg_text)
    marks = {}
    for g in root.iter(ns + "g"):
        if "n" in (g.get("class") or "").split() and g.get("data-i") is not None:
            x, y = re.fullmatch(r"translate\((-?[\d.]+) (-?[\d.]+)\)", g.get("transform")).groups()
            marks[int(g.get("data-i"))] = (float(x), float(y))
    edges = [(int(p.get("data-f")), int(p.get("data-t")), p.get("d"), p.get("class")) for p in root.iter(ns + "path")
             if (p.get("class") or "").split()[:1] == ["e"]]
    return marks, edge_routes(edges)
