"""The timeline on paper: the drawing cut into sheets that print readable.

A timeline of 300 persons printed whole on one A4 sheet comes out at a
fraction of a point (one row each, 34 px a row). Like the tree's sheets
(:mod:`tracing.printbook`, whose paper sizes, header, legend and SVG
documents this module uses), the timeline is drawn at a fixed scale and
cut into sheets:

- **Fixed size.** The screen drawing (:func:`tracing.diagram.draw`) scaled by
  :data:`SCALE`, so its smallest text (a mark's level, 11 px) is
  :data:`tracing.printbook.FS_MIN` px = 6.75 pt printed at 100 %; names are
  8.6 pt, dates 8 pt.
- **Rows.** Persons keep their rows and their order (the tree's order); a
  sheet holds as many consecutive rows as fit under its date axis.
- **Dates.** When a sheet's rows span more days than fit its width, they go
  on the next sheets, left to right, each with the names column again.
- **Every sheet** repeats the title, its page number, the legend, the date
  axis of its days and the names of its rows.
- **Continuation marks.** Where an edge leaves a sheet for the person it
  leads to, "continued p. 5" stands at the point it leaves by; where it comes
  into the sheet of that person, "from page 4".

>>> from tracing.render import MapData, MapNode, MapEdge
>>> from tracing.diagram import draw, TEXT_SAMPLE
>>> kids = [MapNode(f"K{i:02d}", None, 1, exposure=f"2021-05-{1 + i % 9:02d}") for i in range(60)]
>>> d = MapData([MapNode("R", "An", 0, confirmed="2021-05-01")] + kids, [MapEdge("R", k.id) for k in kids], "t", ["R"])
>>> book = paginate(draw(d, "timeline", TEXT_SAMPLE), "A4")
>>> rows = rows_per_sheet("A4")
>>> len(book.sheets) == -(-61 // rows), sorted(i for s in book.sheets for i in s.nodes) == list(range(61))
(True, True)
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field

from . import diagram as _diagram
from . import layout as _layout
from . import printbook as _printbook

#: drawing units to sheet px: the smallest text of the timeline (a mark's level) prints at FS_MIN px
SCALE = _printbook.FS_MIN / (_diagram.FS_MARK - 1)
#: the date axis above the rows (drawing units): the month, then the day, then a band for the marks of
#: edges that come in from an earlier sheet ("from page 1"); under the rows a band for those that go on
AXIS_H = 58
DAY_Y = 34  # the month 18 above it (tracing.diagram.axis_marks)
FOOT_H = 14
#: the names column (drawing units), as on screen (tracing.layout.ROW_LABEL_W)
NAME_W = _layout.ROW_LABEL_W
#: free room right of a sheet's last day (drawing units)
RIGHT_PAD = 8


@dataclass
class Sheet:
    """One sheet: its number, its rows ``(first, end)`` (indices into the
    drawing's rows), its days ``(x0, x1)`` (drawing units), the nodes whose
    marks are on it (indices), the edges drawn on it (indices) and its
    continuation marks ``{(kind, x, y): pages}`` (``kind`` "more" or "from",
    ``x, y`` in drawing units on the sheet's edge)."""

    number: int
    rows: tuple[int, int]
    days: tuple[float, float]
    nodes: list[int] = field(default_factory=list)
    edges: list[int] = field(default_factory=list)
    marks: dict = field(default_factory=dict)
    from_sheets: list[int] = field(default_factory=list)


@dataclass
class Book(_printbook.Book):
    """A timeline cut into sheets of ``paper`` (a key of :data:`tracing.printbook.AREAS`), sizes in px;
    ``rows``: the drawing's rows (``y``, drawing units)."""

    rows: list[float] = field(default_factory=list)


def _body(paper: str, notes: int) -> tuple[float, float]:
    """The drawing room of a sheet under its header, in drawing units."""
    width, height = _printbook._area(paper)
    return width / SCALE, (height - _printbook.head_height(notes)) / SCALE


def rows_per_sheet(paper: str, notes: int = 0) -> int:
    """How many persons' rows a sheet of ``paper`` holds under its header and date axis.

    >>> rows_per_sheet("A4"), rows_per_sheet("A3")
    (21, 33)
    """
    return max(1, int((_body(paper, notes)[1] - AXIS_H - FOOT_H) // _layout.TIME_DY))


def days_width(paper: str, notes: int = 0) -> float:
    """How wide (drawing units) a sheet's dates are, right of the names column."""
    return _body(paper, notes)[0] - NAME_W - RIGHT_PAD


def _points(d: str) -> list[list[tuple[float, float]]]:
    """The polylines of an edge's path ``M x,y L x,y … [M …]`` (the timeline's edges are all routed)."""
    out = []
    for part in d.split("M")[1:]:
        out.append([(float(a), float(b)) for a, b in re.findall(r"(-?[\d.]+),(-?[\d.]+)", part)])
    return out


def _clip(p, q, box) -> tuple[float, float] | None:
    """Liang-Barsky: the part ``(t0, t1)`` of the segment ``p``-``q`` inside ``box``, or None."""
    x0, y0, x1, y1 = box
    t0, t1 = 0.0, 1.0
    dx, dy = q[0] - p[0], q[1] - p[1]
    for den, num in ((-dx, p[0] - x0), (dx, x1 - p[0]), (-dy, p[1] - y0), (dy, y1 - p[1])):
        if den == 0:
            if num < 0:
                return None
            continue
        t = num / den
        if den < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
    return (t0, t1) if t0 <= t1 else None


def _leaves(lines, box, reverse: bool = False) -> tuple[float, float] | None:
    """Where a path (its polylines) first leaves ``box`` after being in it, or (``reverse``) where it
    last comes into it: a point on the box's edge, else the path's own end in the box."""
    segments = [(p, q) for line in lines for p, q in zip(line, line[1:])]
    if reverse:
        segments = [(q, p) for p, q in reversed(segments)]
    inside = None
    for p, q in segments:
        part = _clip(p, q, box)
        if part is None:
            if inside is not None:
                return inside
            continue
        t0, t1 = part
        end = (p[0] + (q[0] - p[0]) * t1, p[1] + (q[1] - p[1]) * t1)
        if t1 < 1.0:
            return end
        inside = end
    return inside


def paginate(drawing, paper: str = "A4", notes: int = 0) -> Book:
    """Cut a timeline ``drawing`` (:func:`tracing.diagram.draw`) into sheets of ``paper``, as the module
    says. Every node's mark is on exactly one sheet."""
    width, height = _printbook._area(paper)
    per = rows_per_sheet(paper, notes)
    span = days_width(paper, notes)
    points = drawing.points
    rows = sorted({y for _x, y in points})
    row_of = {y: k for k, y in enumerate(rows)}
    half_dy = _layout.TIME_DY / 2
    edges = []  # (from, to, polylines)
    into: dict[int, list] = defaultdict(list)  # node -> the points of the edges into it
    for markup in drawing.lines:
        f, t = (int(v) for v in re.search(r'data-f="(\d+)" data-t="(\d+)"', markup).groups())
        lines = _points(re.search(r' d="([^"]*)"', markup).group(1))
        edges.append((f, t, lines))
        into[t] += [p for line in lines for p in line]
    sheets: list[Sheet] = []
    where: dict[int, int] = {}  # node -> sheet number
    for first in range(0, len(rows), per):
        end = min(first + per, len(rows))
        band = [k for k, (_x, y) in enumerate(points) if first <= row_of[y] < end]
        xs = [points[k][0] for k in band]
        top, bottom = rows[first] - half_dy, rows[end - 1] + half_dy
        # the days of its marks, and the lanes that bring the edges into them (a trunk left of its children)
        lanes = [x for k in band for x, y in into.get(k, ()) if top <= y <= bottom]
        lo = min([min(xs) - _layout.TIME_DX] + [x - _layout.TRUNK_SEP for x in lanes])
        hi = max(xs) + _layout.TIME_DX
        for j in range(max(1, math.ceil((hi - lo) / span))):
            x0 = lo + j * span
            on = [k for k in band if x0 <= points[k][0] < x0 + span or (j == 0 and points[k][0] < x0)]
            on = [k for k in on if k not in where]
            if not on:
                continue  # days with no one on them: no sheet
            sheet = Sheet(len(sheets) + 1, (first, end), (x0, x0 + span), on)
            sheets.append(sheet)
            for k in on:
                where[k] = sheet.number
    by_number = {s.number: s for s in sheets}

    def box(sheet: Sheet) -> tuple[float, float, float, float]:
        a, b = sheet.rows
        return sheet.days[0], rows[a] - half_dy, sheet.days[1], rows[b - 1] + half_dy

    boxes = {s.number: box(s) for s in sheets}
    for e, (f, t, lines) in enumerate(edges):
        xs = [x for line in lines for x, _y in line]
        ys = [y for line in lines for _x, y in line]
        for s in sheets:
            x0, y0, x1, y1 = boxes[s.number]
            if min(xs) <= x1 and max(xs) >= x0 and min(ys) <= y1 and max(ys) >= y0:
                s.edges.append(e)
        a, b = where.get(f), where.get(t)
        if a is None or b is None or a == b:
            continue
        out = _leaves(lines, boxes[a])
        come = _leaves(lines, boxes[b], reverse=True)
        if out is not None:
            by_number[a].marks.setdefault(("more", round(out[0], 1), round(out[1], 1)), set()).add(b)
        if come is not None:
            by_number[b].marks.setdefault(("from", round(come[0], 1), round(come[1], 1)), set()).add(a)
    for s in sheets:
        s.from_sheets = sorted({p for (kind, _x, _y), pages in s.marks.items() if kind == "from" for p in pages})
    return Book(paper, width, height, sheets, notes, rows)


def _mark_words(kind: str, pages: set, text: dict) -> str:
    pages = sorted(pages)
    if kind == "from":
        return text["print_from"].format(n=", ".join(str(p) for p in pages))
    if len(pages) == 1:
        return text["print_more"].format(n=pages[0])
    return text["print_more_many"].format(a=pages[0], b=pages[-1])


def sheet_markup(book: Book, sheet: Sheet, drawing, nodes: list, text: dict, title: str, subtitle: str,
                 notices: list[str] = ()) -> str:
    """One sheet's drawing (no ``<svg>`` around it), ``book.width`` × ``book.height`` px: the header
    (:func:`tracing.printbook.head_markup`), then the date axis, the names of its rows and its part of
    the timeline at :data:`SCALE`, and its continuation marks."""
    esc = _diagram.esc
    k = SCALE
    top = _printbook.head_height(book.notes)
    a, b = sheet.rows
    x0, x1 = sheet.days
    y0 = book.rows[a] - _layout.TIME_DY / 2
    body_w = book.width / k
    low = AXIS_H + (b - a) * _layout.TIME_DY  # the rows' bottom (units)
    tag = f"{book.paper}-{sheet.number}"
    counted = any(nodes[i].collapsed for i in sheet.nodes)
    head = _printbook.head_markup(book.width, sheet.number, len(book.sheets), sheet.from_sheets, text, title,
                                  subtitle, notices, book.notes, counted, abbrev=False)
    back = []
    for r in range(a, b, 1):
        if r % 2 == 0:  # every other row shaded, as on screen
            back.append(f'<rect x="0" y="{AXIS_H + (r - a) * _layout.TIME_DY}" width="{body_w:.1f}" '
                        f'height="{_layout.TIME_DY}" fill="#f6f8fa"/>')
    lines, ticks = _diagram.axis_marks(drawing.cols, DAY_Y, low, x0, x1, NAME_W - x0)
    back += lines
    rows = set(range(a, b))
    row_of = {y: r for r, y in enumerate(book.rows)}
    names = [drawing.names[i] for i, (_x, y) in enumerate(drawing.points) if row_of[y] in rows]
    defs = _diagram.defs().replace('id="arrow-', f'id="arrow-{tag}-')
    edges = [drawing.lines[e].replace("url(#arrow-", f"url(#arrow-{tag}-") for e in sheet.edges]
    marks = [drawing.cards[i] for i in sheet.nodes]
    clip = (f'<clipPath id="clip-{tag}"><rect x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" '
            f'height="{low - AXIS_H}"/></clipPath>')
    dx, dy = NAME_W - x0, AXIS_H - y0
    label_dx = -(drawing.label_left or 0)
    cont = []
    for side, at, words in _marks(sheet, y0, y0 + low - AXIS_H, text):
        sx, sy = (NAME_W + at[0] - x0) * k, (AXIS_H + at[1] - y0) * k
        anchor = "end" if side == "right" else "start"
        tx = sx - 3 if side == "right" else sx + 3
        ty = sy - 3 if side in ("top", "right", "left", "in") else sy + 10
        cont.append(f'<text class="{"from" if side in ("top", "left") else "more"}" x="{tx:.1f}" y="{ty:.1f}" '
                    f'font-size="{_printbook.FS_MIN:g}" font-weight="700" text-anchor="{anchor}" fill="#0b3d91" '
                    f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{esc(words)}</text>')
    markup = (f'<rect width="{book.width:.1f}" height="{book.height:.1f}" fill="#ffffff"/>{head}'
              f'<g class="timeline" transform="translate(0 {top:.1f})">'
              f'<g transform="scale({k:.4f})">{defs}<defs>{clip}</defs>{"".join(back)}{"".join(ticks)}'
              f'<g transform="translate({label_dx:.1f} {dy:.1f})">{"".join(names)}</g>'
              f'<g clip-path="url(#clip-{tag})" transform="translate({dx:.1f} {dy:.1f})">'
              f'<g class="edges">{"".join(edges)}</g><g class="nodes">{"".join(marks)}</g></g></g>'
              f'{"".join(cont)}</g>')
    return markup


def _marks(sheet: Sheet, top: float, bottom: float, text: dict) -> list[tuple[str, tuple[float, float], str]]:
    """A sheet's continuation marks ``(side, (x, y), words)``: on the edge of the sheet an edge crosses
    (``top``, ``bottom``, ``left``, ``right``; ``in``: a far edge's stub ends inside), the marks of one
    side that would run into each other made one (their pages together)."""
    x0, x1 = sheet.days
    sides: dict = defaultdict(list)
    for (kind, x, y), pages in sheet.marks.items():
        side = ("top" if y <= top + 0.5 else "bottom" if y >= bottom - 0.5 else "right" if x >= x1 - 0.5
                else "left" if x <= x0 + 0.5 else "in")
        sides[(side, kind)].append(((x, y) if side in ("top", "bottom") else (y, x), set(pages)))
    out = []
    for (side, kind), marks in sorted(sides.items()):
        marks.sort(key=lambda m: m[0])
        merged: list = []
        for at, pages in marks:
            if merged and side != "in":
                last_at, last_pages = merged[-1]
                room = (_diagram.text_width(_mark_words(kind, last_pages, text), _printbook.FS_MIN) / SCALE + 10
                        if side in ("top", "bottom") else 14)
                if at[0] - last_at[0] < room:
                    last_pages |= pages
                    continue
            merged.append((at, pages))
        for at, pages in merged:
            out.append((side, at if side in ("top", "bottom") else (at[1], at[0]), _mark_words(kind, pages, text)))
    return out


def sheets_markup(book: Book, drawing, nodes: list, text: dict, title: str, subtitle: str,
                  notices: list[str] = ()) -> list[str]:
    """Every sheet's drawing (:func:`sheet_markup`)."""
    return [sheet_markup(book, s, drawing, nodes, text, title, subtitle, notices) for s in book.sheets]


def least_pt() -> float:
    """The smallest text of a printed timeline sheet (points): a mark's level at :data:`SCALE`.

    >>> least_pt()
    6.75
    """
    return round(_printbook.printed_pt((_diagram.FS_MARK - 1) * SCALE), 2)
