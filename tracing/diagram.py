"""The drawing of a map as SVG markup: the same shapes, text and lines for
the interactive page (inlined in the HTML) and for the static file that
offices paste into Word or LibreOffice (``tracing render --format svg``).

Positions come from :mod:`tracing.layout`. Everything is drawn with SVG
presentation attributes (no CSS needed), text stays text in generic font
families, and every string is XML-escaped (characters XML cannot hold are
dropped), so the result is valid XML whatever people typed.

The level of a person is written on its node ("F0", "F1"…) and drawn as
a border style (F0 thick, F1 solid, F2 dashed, F3+ dotted), so a grey-scale
print keeps it; colour only repeats it.

>>> from tracing.render import MapData, MapNode, MapEdge
>>> d = MapData([MapNode("A", "Nguyễn <An>", 0, is_case=True, confirmed="2021-05-01")], [], "t", ["A"])
>>> out = draw(d, "tree", TEXT_SAMPLE)
>>> "Nguyễn &lt;An&gt;" in out.markup and out.bounds[2] > out.bounds[0]
True
"""

from __future__ import annotations

import html
import math
import re
from dataclasses import dataclass, field

from . import layout as _layout

#: generic families only: the reader's own sans-serif draws it (Word, LibreOffice, browsers)
FONT = "'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif"
#: font sizes (px at zoom 1): card lines, dates line, timeline row names, marks, axis
FS = 13
FS_SMALL = 12
FS_LEAST = 10  # the smallest a card's line gets on screen before its age moves (issue 16: labels >= 10 px)
FS_MARK = 12
#: fill, border, border width, dash pattern, mark fill, mark text, per level key
LEVEL_STYLE = {
    "f0": ("#fde0dd", "#b3261e", 2.6, None, "#d62728", "#ffffff"),
    "f1": ("#ffe8cc", "#b35900", 1.6, None, "#ff8c1a", "#1f2328"),
    "f2": ("#fff6bf", "#8a7400", 1.6, "6 3", "#ffd92f", "#1f2328"),
    "f3": ("#eef1f4", "#57606a", 1.5, "2 3", "#9e9e9e", "#1f2328"),
    "none": ("#ffffff", "#8c959f", 1.2, "1 3", "#e0e0e0", "#1f2328"),
    "count": ("#ffffff", "#57606a", 1.6, "5 4", "#ffffff", "#1f2328"),
}
#: an other-source edge longer than this (px) is drawn as two stubs of STUB px pointing at each other
LONG_EDGE = _layout.LONG_EDGE
STUB = _layout.STUB
EDGE_STYLE = {  # colour, width, dash
    "primary": ("#57606a", 1.5, None),
    "source": ("#8c959f", 1.3, "6 4"),
    "contact": ("#bcc3cb", 1.0, None),
}
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

TEXT_SAMPLE = {"generation": "Gen {n}", "undated": "No date", "count_sub": "folded persons",
               "d_conf": "conf", "d_onset": "onset", "d_exp": "exp", "age": "{n} y",
               "tick_day": "{d} {mon}", "tick_month": "{mon} {y}", "unknown_mark": "?"}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def esc(value) -> str:
    """Text for XML/HTML: escaped, without the characters XML 1.0 cannot hold.

    >>> esc('<b a="1">\\x07&')
    '&lt;b a=&quot;1&quot;&gt;&amp;'
    """
    return html.escape(_XML_BAD.sub("", str(value)), quote=True)


def level_key(level: int | None) -> str:
    if level is None:
        return "none"
    return "f3" if level >= 3 else f"f{max(level, 0)}"


def level_name(level: int | None, none_word: str = "–") -> str:
    return none_word if level is None else f"F{level}"


def text_width(text: str, size: float) -> float:
    """About how wide ``text`` is at ``size`` px (generous; see
    :func:`tracing.layout._text_width`).

    >>> 60 < text_width("Nguyễn Văn An", 13) < 110
    True
    """
    return sum(_layout._text_width(w) for w in str(text).split(" ")) * size / _layout.LABEL_FONT + \
        str(text).count(" ") * _layout.SPACE_W * size / _layout.LABEL_FONT


def fit(text: str, size: float, width: float) -> str:
    """``text`` cut with an ellipsis so it is at most ``width`` px wide.

    >>> fit("Nguyễn Thị Minh Khai Phương", 13, 120)
    'Nguyễn Thị Min…'
    >>> fit("An", 13, 120)
    'An'
    """
    text = str(text)
    if text_width(text, size) <= width:
        return text
    # the longest start that fits with its "…" (a longer start is never narrower): halving, not a
    # character at a time (a name was measured once per character cut)
    lo, hi = 0, len(text) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if text_width(text[:mid] + "…", size) <= width:
            lo = mid
        else:
            hi = mid - 1
    return text[:lo].rstrip() + "…"


def fit_name(name: str, size: float, width: float, tail: str = "") -> str:
    """A person's name, then ``tail`` (" · P11"), at most ``width`` px wide. A Vietnamese name is
    told apart by its last word (the tên), so a long one gives way in the middle, never at the end:
    the family name and as many of the last words as fit stay, and ``tail`` always stays.

    >>> fit_name("Công Tằng Tôn Nữ Thị Nguyệt", 13, 150)
    'Công … Nữ Thị Nguyệt'
    >>> fit_name("Lê Minh Hoàng Long Vĩnh Khang", 13, 180, " · P11")
    'Lê … Vĩnh Khang · P11'
    >>> fit_name("Trần An", 13, 150)
    'Trần An'
    """
    name, room = str(name), width - text_width(tail, size) if tail else width
    words = name.split()
    if text_width(name, size) <= room:
        return name + tail
    # (first words, last words) kept, most words first, then the more of the last ones
    for kept in range(len(words) - 1, 1, -1):
        for last in range(kept - 1, 0, -1):
            cut = f"{' '.join(words[:kept - last])} … {' '.join(words[-last:])}"
            if text_width(cut, size) <= room:
                return cut + tail
    last = words[-1] if words else name
    return (f"… {last}" if len(words) > 1 and text_width(f"… {last}", size) <= room else fit(last, size, room)) + tail


def _day_month(iso: str | None) -> str | None:
    if not iso or len(iso) < 10:
        return None
    return f"{iso[8:10]}/{iso[5:7]}"


@dataclass
class Drawing:
    """SVG markup of a map (no ``<svg>`` element around it), its bounds
    ``(x0, y0, x1, y1)``, and for the page: the timeline's axis columns
    ``[x, day label, month label]`` and the node positions by index."""

    markup: str
    bounds: tuple[float, float, float, float]
    cols: list[list] = field(default_factory=list)
    points: list[tuple[int, int]] = field(default_factory=list)
    axis_y: float = 0.0
    #: timeline: the left edge of the column of names
    label_left: float | None = None
    #: for the page, which builds only what is in view: each node's group (by index), each edge's
    #: path (in edge order), each timeline name (by index), and the rest of the drawing
    cards: list[str] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    frame: str = ""
    #: timeline: each parent's trunk by node index, ``(stub_x, lane_x)`` (:func:`tracing.layout.timeline_trunks`)
    trunks: dict[int, tuple[int, int]] = field(default_factory=dict)


def defs() -> str:
    """Arrow heads for the edges (one per edge colour)."""
    out = []
    for kind, (colour, _w, _d) in EDGE_STYLE.items():
        out.append(f'<marker id="arrow-{kind}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
                   f'markerHeight="7" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0 L10,5 L0,10 z" '
                   f'fill="{colour}"/></marker>')
    return "<defs>" + "".join(out) + "</defs>"


def legend(items: list[tuple[str, str]], width: float, y: float, fs: float, word_fs: float) -> tuple[list[str], float]:
    """The legend of a static drawing, in rows that fit ``width`` from row
    centre ``y``: ``items`` are ``(key, label)``, a key of :data:`LEVEL_STYLE`
    (or ``unknown``: an F0 of unknown source) drawn as its swatch with the
    level written in it (``word_fs`` px), or of :data:`EDGE_STYLE` drawn as
    its line; labels at ``fs`` px. Returns the markup and the last row's centre."""
    k = fs / FS
    sw, sh, gap, row = 32 * k, 20 * k, 12 * k, 2 * fs
    out, x = [], 0.0
    for key, label in items:
        w = sw + 6 * k + text_width(label, fs)
        if x and x + w > width:
            x, y = 0.0, y + row
        if key in EDGE_STYLE:
            colour, lw, dash = EDGE_STYLE[key]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            out.append(f'<line x1="{x:.1f}" y1="{y:.1f}" x2="{x + sw - 2 * k:.1f}" y2="{y:.1f}" stroke="{colour}" '
                       f'stroke-width="{lw + 0.5}"{dash_attr}/>')
        else:
            fill, stroke, lw, dash, _mark, _ink = LEVEL_STYLE["f0" if key == "unknown" else key]
            dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
            word = {"none": "–", "count": "+", "unknown": "F0?", "f3": "F3"}.get(key, key.upper())
            out.append(f'<rect x="{x:.1f}" y="{y - sh / 2:.1f}" width="{sw:.1f}" height="{sh:.1f}" rx="{4 * k:.1f}" '
                       f'fill="{fill}" stroke="{stroke}" stroke-width="{min(lw, 2.2)}"{dash_attr}/>'
                       f'<text x="{x + sw / 2:.1f}" y="{y + word_fs * 0.36:.1f}" font-size="{word_fs:g}" '
                       f'font-weight="700" text-anchor="middle" fill="#1f2328">{esc(word)}</text>')
        out.append(f'<text x="{x + sw + 6 * k:.1f}" y="{y + fs * 0.35:.1f}" font-size="{fs:g}" '
                   f'fill="#1f2328">{esc(label)}</text>')
        x += w + gap
    return out, y


def _levels(s) -> list:
    """A count node's persons per level (see MapNode.levels)."""
    return s.levels or [(s.level, s.collapsed)]


def count_label(s, text: dict) -> str:
    """A count node's words: "+1 F0 · 110 F1 · 445 F2", every level it folds."""
    return _layout.count_text(_levels(s), text.get("level_none", "F?"))


def age_label(s, text: dict) -> str:
    """A card's age, "34t", or "34t (2021)" when it is an age typed for another day than the card's
    (:func:`tracing.people.age_on`: never re-aged silently)."""
    words = text["age"].format(n=s.age)
    return f"{words} ({s.age_typed_on[:4]})" if age_year_shown(s) else words


def age_year_shown(s) -> bool:
    """Whether a card says the year its age was typed in: only when that year is not the year of the
    card's own day (a case's confirmation, else onset; a traced person's exposure, as
    :func:`tracing.people.record_day`). A list typed the week after the exposure says "34y", not
    "34y (2021)" on a 2021 diagram; the record panel always gives the exact day."""
    typed = getattr(s, "age_typed_on", None)
    day = next((str(d) for d in (s.confirmed, s.onset, s.exposure) if d), None)
    return bool(typed) and (day is None or day[:4] != typed[:4])


def _card_lines(s, text: dict) -> tuple[str, str, str]:
    if s.collapsed:  # its levels on one, two or three lines, "folded persons" under them when there is room
        lines = _layout.count_lines(_levels(s), text.get("level_none", "F?")) + [text["count_sub"]]
        return lines[0], lines[1], (" · ".join(lines[2:-1]) if len(lines) > 3 else "")
    head = f"{level_name(s.level)} · {s.id}"
    parts = []
    if s.age is not None:
        parts.append(age_label(s, text))
    if s.is_case or s.level == 0:
        if _day_month(s.confirmed):
            parts.append(f"{text['d_conf']} {_day_month(s.confirmed)}")
        if _day_month(s.onset):
            parts.append(f"{text['d_onset']} {_day_month(s.onset)}")
    if _day_month(s.exposure) and not (s.is_case and _day_month(s.onset)):
        parts.append(f"{text['d_exp']} {_day_month(s.exposure)}")
    room = _layout.CARD_W - 16
    if s.age is not None and text_width(" · ".join(parts), FS_SMALL) > room and \
            text_width(f"{head} · {parts[0]}", FS_LEAST) <= room - 14:  # the key dates keep the line: the age goes up
        head = f"{head} · {parts.pop(0)}"
    return head, s.name or s.id, " · ".join(parts)


def _mark(s, text: dict) -> str:
    """A timeline or network mark's words: the level, and the ``?`` of an F0 of unknown source (the
    tree card carries it in its corner)."""
    return level_name(s.level, "–") + (text["unknown_mark"] if s.unknown_source else "")


def _node_attrs(k: int, s, x: int, y: int, text: dict) -> str:
    """A node's group, with its full label as a tooltip (``<title>``)."""
    key = "count" if s.collapsed else level_key(s.level)
    cls = f"n lv-{key}" + (" unk" if s.unknown_source else "") + (" col" if s.collapsed else "")
    full = (count_label(s, text) if s.collapsed
            else f"{s.name or s.id} · {s.id} · {level_name(s.level)}")
    return f'<g class="{cls}" data-i="{k}" transform="translate({x} {y})"><title>{esc(full)}</title>'


def _box(x, y, w, h, key: str, rx: float = 6, unknown: bool = False) -> str:
    fill, stroke, width, dash, _m, _t = LEVEL_STYLE[key]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    out = (f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{rx}" fill="{fill}" stroke="{stroke}" '
           f'stroke-width="{width}"{dash_attr}/>')
    if unknown:  # an F0 of unknown source: a second, black border
        out += (f'<rect x="{x + 3.5}" y="{y + 3.5}" width="{w - 7}" height="{h - 7}" rx="{max(rx - 3, 1)}" '
                f'fill="none" stroke="#1b1b1b" stroke-width="1.4"/>')
    return out


def _path(points) -> str:
    return "M" + " L".join(f"{x},{y}" for x, y in points)


def _edge(kind: str, f: int, t: int, d: str, arrow: bool = True) -> str:
    colour, width, dash = EDGE_STYLE[kind]
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    head = f' marker-end="url(#arrow-{kind})"' if arrow else ""
    return (f'<path class="e k-{kind[0]}" data-f="{f}" data-t="{t}" d="{d}" fill="none" stroke="{colour}" '
            f'stroke-width="{width}"{dash_attr}{head}/>')


def draw(data, layout: str, text: dict, pos: dict | None = None) -> Drawing:
    """Draw ``data`` (a :class:`tracing.render.MapData` whose nodes are in
    their final order, already redacted when asked; node ``k`` gets
    ``data-i="k"``) in ``layout`` (``tree``, ``timeline`` or ``network``)
    with the words of ``text``; ``pos``: the network's places when the
    caller laid it out (``{id: (x, y)}``)."""
    nodes = data.nodes
    shown = nodes  # what each node prints: its id, name, level, age and dates
    index = {n.id: k for k, n in enumerate(nodes)}
    by_id = {n.id: n for n in nodes}
    if layout == "tree":
        pos = _layout.tree_layout(data)
    elif layout == "timeline":
        pos, ticks = _layout.timeline_layout(data)
    elif pos is None:
        pos = _layout.network_layout(data, none_word=text.get("level_none", "F?"))
    edges = [e for e in data.edges if e.source in index and e.target in index and e.source != e.target]
    timeline = _layout.timeline_routes(data, pos) if layout == "timeline" else None
    routes = timeline.tree if timeline else _layout.elbow_routes(data, pos, layout) if layout == "tree" else {}
    others = timeline.others if timeline else {}
    parent = _layout.tree_parents(data)
    edge_marks: list[str] = []  # the edges, also in ``back``
    back: list[str] = []  # behind the nodes
    front: list[str] = []
    xs0, ys0, xs1, ys1 = [], [], [], []

    def grow(x0, y0, x1, y1):
        xs0.append(x0), ys0.append(y0), xs1.append(x1), ys1.append(y1)

    for e in edges:
        f, t = index[e.source], index[e.target]
        (sx, sy), (tx, ty) = pos[e.source], pos[e.target]
        kind = e.kind
        if kind == "primary" and parent.get(e.target) == e.source and (e.source, e.target) in routes:
            back.append(_edge("primary", f, t, _path(routes[(e.source, e.target)])))
            edge_marks.append(back[-1])
            continue
        if kind == "primary" and layout != "network":
            kind = "source"  # a primary edge off the drawn tree (bad data): dashed
        if (e.source, e.target) in others:  # the timeline's other sources: routed between rows and marks too
            back.append(_edge(kind, f, t, " ".join(_path(line) for line in others[(e.source, e.target)]),
                              arrow=kind != "contact"))
            edge_marks.append(back[-1])
            continue
        if layout == "tree":  # a lane of its own, never along a primary edge (tracing.layout.other_route)
            back.append(_edge(kind, f, t, " ".join(_path(line) for line in _layout.other_route((sx, sy), (tx, ty))),
                              arrow=kind != "contact"))
            edge_marks.append(back[-1])
            continue
        # the network: from the source's centre to the target's rim, so the arrow head shows
        r = 0 if kind == "contact" else (17 if by_id[e.target].level == 0 else 13) + 2
        start, end = (sx, sy), (tx, ty)
        length = math.hypot(end[0] - start[0], end[1] - start[1]) or 1.0
        ux, uy = (end[0] - start[0]) / length, (end[1] - start[1]) / length
        end = (end[0] - ux * r, end[1] - uy * r)
        if length > LONG_EDGE:
            # a far-away other source: a stub out of the source and one into the target, pointing at
            # each other (as a diagram's off-page connectors), not a line across the whole map
            d = (f"M{start[0]},{start[1]} L{start[0] + ux * STUB:.1f},{start[1] + uy * STUB:.1f} "
                 f"M{end[0] - ux * STUB:.1f},{end[1] - uy * STUB:.1f} L{end[0]:.1f},{end[1]:.1f}")
        else:
            d = f"M{start[0]},{start[1]} L{end[0]:.1f},{end[1]:.1f}"
        back.append(_edge(kind, f, t, d, arrow=kind != "contact"))
        edge_marks.append(back[-1])

    cols: list[list] = []
    axis_y = 0.0
    label_left = None
    if layout == "tree":
        w, h = _layout.CARD_W, _layout.CARD_H
        for k, (n, s) in enumerate(zip(nodes, shown)):
            x, y = pos[n.id]
            key = "count" if s.collapsed else level_key(s.level)
            a, b, c = _card_lines(s, text)
            inner = w - 16
            parts = [_node_attrs(k, s, x, y, text), _box(-w // 2, -h // 2, w, h, key, rx=14 if s.collapsed else 6,
                                                  unknown=s.unknown_source and not s.collapsed)]
            lines = [(a, FS, "700"), (b, FS, "400")] + ([(c, FS_SMALL, "400")] if c else [])
            top = -h // 2 + (17 if c else 24)
            spans = []
            for j, (line, size, weight) in enumerate(lines):
                width = inner - (14 if j == 0 and s.unknown_source else 0)
                if text_width(line, size) > width:  # a long name: a little smaller before it is cut
                    size = FS_SMALL - 0.5
                while j != 1 and size > FS_LEAST and text_width(line, size) > width:  # code, age, dates: whole
                    size -= 0.5
                while j == 2 and size > 7 and text_width(line, size) > width:  # key dates are never cut
                    size -= 0.5
                shown_line = fit_name(line, size, width) if j == 1 and not s.collapsed else fit(line, size, width)
                spans.append(f'<tspan x="{-w // 2 + 8}" y="{top + j * 17}" font-size="{size}" '
                             f'font-weight="{weight}">{esc(shown_line)}</tspan>')
            parts.append(f'<text class="lbl" fill="#1f2328">{"".join(spans)}</text>')
            if s.unknown_source and not s.collapsed:
                parts.append(f'<text x="{w // 2 - 12}" y="{-h // 2 + 17}" font-size="{FS}" font-weight="700" '
                             f'text-anchor="middle" fill="#1b1b1b">{esc(text["unknown_mark"])}</text>')
            parts.append("</g>")
            front.append("".join(parts))
            grow(x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        if pos:
            left = min(p[0] for p in pos.values()) - w / 2 - 14
            bands = _layout.tree_row_generations(data, pos)
            for y in sorted(bands):
                label = text["generation"].format(n=bands[y] + 1)
                back.append(f'<text class="row" x="{left}" y="{y + 5}" font-size="{FS}" font-weight="700" '
                            f'text-anchor="end" fill="#8c959f" data-g="{bands[y]}">{esc(label)}</text>')
                grow(left - text_width(label, FS), y - 10, left, y + 10)
    elif layout == "timeline":
        mw, mh = _layout.MARK_W, _layout.MARK_H
        x_min = min((p[0] for p in pos.values()), default=0)
        x_max = max((p[0] for p in pos.values()), default=0)
        label_x = x_min - mw / 2 - 20 - _layout.ROW_LABEL_W
        right = x_max + mw / 2 + 20
        rows = sorted({p[1] for p in pos.values()})
        for y in rows[::2]:  # zebra: every other row shaded, so a name leads the eye to its mark
            back.insert(0, f'<rect x="{label_x - 8}" y="{y - _layout.TIME_DY / 2}" width="{right - label_x + 8}" '
                           f'height="{_layout.TIME_DY}" fill="#f6f8fa"/>')
        axis_y = (min(rows) if rows else 0) - _layout.TIME_DY
        bottom = (max(rows) if rows else 0) + _layout.TIME_DY / 2
        cols = tick_columns(ticks, text)
        lines, labels = axis_marks(cols, axis_y, bottom)
        for line in lines:
            back.insert(0, line)
        back += labels
        grow(label_x - 8, axis_y - 34, right, bottom)
        names = [f'<rect class="rl-bg" x="{label_x - 8}" y="{axis_y + 8}" width="{_layout.ROW_LABEL_W}" '
                 f'height="{bottom - axis_y - 8}" fill="#ffffff" fill-opacity="0"/>']
        for k, (n, s) in enumerate(zip(nodes, shown)):
            x, y = pos[n.id]
            card, name = timeline_mark(k, s, x, y, text, label_x)
            names.append(name)
            front.append(card)
        front.append('<g class="rowlabels">' + "".join(names) + "</g>")
        label_left = label_x - 8
    else:
        for k, (n, s) in enumerate(zip(nodes, shown)):
            x, y = pos[n.id]
            front.append(network_mark(k, s, x, y, text))
            bw, bh, bdy = _layout.label_box(n, text.get("level_none", "F?"))
            grow(x - bw / 2, y + bdy - bh / 2, x + bw / 2, y + bdy + bh / 2)
    for n in nodes:
        x, y = pos[n.id]
        grow(x - 20, y - 20, x + 20, y + 20)
    bounds = (min(xs0, default=0) - 12, min(ys0, default=0) - 12, max(xs1, default=0) + 12, max(ys1, default=0) + 12)
    markup = '<g class="edges">' + "".join(back) + '</g><g class="nodes">' + "".join(front) + "</g>"
    edge_ids = {id(x) for x in edge_marks}
    cards = front[:len(nodes)]
    frame = ('<g class="edges">' + "".join(x for x in back if id(x) not in edge_ids) + '</g><g class="nodes">'
             + (f'<g class="rowlabels">{names[0]}</g>' if layout == "timeline" else "") + "</g>")
    trunks = {index[p]: t for p, t in timeline.trunks.items()} if timeline else {}
    return Drawing(markup, bounds, cols, [pos[n.id] for n in nodes], axis_y, label_left, cards, edge_marks,
                   names[1:] if layout == "timeline" else [], frame, trunks)


def axis_marks(cols: list[list], axis_y: float, bottom: float, x0: float = -math.inf, x1: float = math.inf,
               dx: float = 0) -> tuple[list[str], list[str]]:
    """The timeline's date axis drawn from its columns (:func:`tick_columns`): a line down each shown
    day's column from under the axis at ``axis_y`` to ``bottom``, and the day labels (every day that has
    room, the undated column always) with the month over the first day of each month. Only the columns
    with ``x0 <= x < x1``, moved ``dx`` (a printed sheet's days). Returns the lines and the labels."""
    stride = max(1, math.ceil((max((text_width(c[1], FS_SMALL) for c in cols), default=0) + 10) / _layout.TIME_DX))
    lines: list[str] = []
    labels: list[str] = []
    month = None
    for k, (x, day, mon) in enumerate(cols):
        if not x0 <= x < x1 or (mon and k % stride):
            continue
        x = round(x + dx, 1)
        lines.append(f'<line x1="{x}" y1="{axis_y + 6}" x2="{x}" y2="{bottom}" stroke="#d8dee4" stroke-width="1"/>')
        labels.append(f'<text class="tick" x="{x}" y="{axis_y}" font-size="{FS_SMALL}" font-weight="600" '
                      f'text-anchor="middle" fill="#24292f">{esc(day)}</text>')
        if mon and mon != month:
            labels.append(f'<text class="tick" x="{x}" y="{axis_y - 18}" font-size="{FS_SMALL}" '
                          f'fill="#57606a">{esc(mon)}</text>')
            month = mon
    return lines, labels


def timeline_mark(k: int, s, x: int, y: int, text: dict, label_x: float) -> tuple[str, str]:
    """One person's (or count node's) mark on the timeline at ``(x, y)`` and
    their name for the names column at ``label_x``: two SVG fragments."""
    mw, mh = _layout.MARK_W, _layout.MARK_H
    name_w = _layout.ROW_LABEL_W - 12
    key = "count" if s.collapsed else level_key(s.level)
    fill, stroke, width, dash, mark, ink = LEVEL_STYLE[key]
    name = (count_label(s, text) if s.collapsed else f"{s.name or s.id} · {s.id}")
    if s.collapsed and text_width(f"{name} · {text['count_sub']}", FS) <= name_w - 30:
        name += f" · {text['count_sub']}"
    # the names in a column of their own, which the page keeps in view when panning right
    size = FS  # a count node's levels are never cut: smaller type when they are many
    while s.collapsed and size > 6 and text_width(name, size) > name_w - 30:
        size -= 0.5
    label = (f'<text class="lbl rl" data-i="{k}" x="{label_x}" y="{y + 5}" font-size="{size}" '
             f'fill="#1f2328"><tspan font-weight="700">'
             f'{esc(_mark(s, text) if not s.collapsed else "+")}</tspan> '
             f'{esc(fit(name, size, name_w - 30) if s.collapsed else fit_name(s.name or s.id, size, name_w - 30, f" · {s.id}"))}</text>')
    parts = [_node_attrs(k, s, x, y, text),
             _box(-mw // 2, -mh // 2, mw, mh, key, rx=10 if s.collapsed else 4,
                  unknown=s.unknown_source and not s.collapsed).replace(f'fill="{fill}"', f'fill="{mark}"', 1),
             f'<text x="0" y="4.5" font-size="{FS_MARK - 1}" font-weight="700" text-anchor="middle" '
             f'fill="{ink}">{esc("+" if s.collapsed else _mark(s, text))}</text>',
             "</g>"]
    return "".join(parts), label


def network_mark(k: int, s, x: int, y: int, text: dict) -> str:
    """One person's (or count node's) circle and name in the network at ``(x, y)``: an SVG fragment."""
    key = "count" if s.collapsed else level_key(s.level)
    fill, stroke, width, dash, mark, ink = LEVEL_STYLE[key]
    r = 17 if s.level == 0 else 13
    dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
    label = count_label(s, text) if s.collapsed else (s.name or s.id)
    lines = (_layout.count_lines(_levels(s), text.get("level_none", "F?")) if s.collapsed
             else _layout.wrap_label(label))  # a count node's lines break between its levels
    spans = "".join(f'<tspan x="0" y="{r + 4 + (j + 1) * _layout.LINE_H - 6}">{esc(line)}</tspan>'
                    for j, line in enumerate(lines))
    unk = (f'<circle r="{r - 4}" fill="none" stroke="#1b1b1b" stroke-width="1.4"/>'
           if s.unknown_source and not s.collapsed else "")
    return (f'{_node_attrs(k, s, x, y, text)}<circle r="{r}" fill="{mark}" stroke="{stroke}" '
            f'stroke-width="{width}"{dash_attr}/>{unk}<text y="4.5" font-size="{FS}" '
            f'font-weight="700" text-anchor="middle" fill="{ink}">'
            f'{esc("+" if s.collapsed else _mark(s, text))}</text>'
            f'<text class="lbl" font-size="{_layout.LABEL_FONT}" text-anchor="middle" fill="#1f2328">'
            f'{spans}</text></g>')


def tick_columns(ticks: list[tuple[int, str]], text: dict) -> list[list]:
    """The timeline axis as ``[x, day label, month label]``: short day
    labels that fit side by side, the month and year given once above them;
    the undated column gets its word and no month.

    >>> tick_columns([(-320, ""), (0, "2021-11-25")], {"undated": "Không rõ ngày", "tick_day": "{d:02d}/{m:02d}",
    ...                                                 "tick_month": "Tháng {m}/{y}"})
    [[-320, 'Không rõ ngày', ''], [0, '25/11', 'Tháng 11/2021']]
    """
    import datetime as dt

    cols = []
    for x, iso in ticks:
        if not iso:
            cols.append([x, text["undated"], ""])
            continue
        day = dt.date.fromisoformat(iso)
        names = {"d": day.day, "m": day.month, "y": day.year, "mon": _MONTHS_EN[day.month - 1]}
        cols.append([x, text["tick_day"].format(**names), text["tick_month"].format(**names)])
    return cols
