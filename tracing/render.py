"""Interactive HTML maps of a cluster: the sơ đồ cây (tree), the contact
network and the timeline, as ONE self-contained, offline file.

The renderer works on plain data (:class:`MapData`), never on the database.
Positions come from :mod:`tracing.layout` and the drawing from
:mod:`tracing.diagram`: the page holds the same SVG as the static file of
``--format svg`` (:func:`render_svg`), plus a small script of its own for
panning, zooming, search, filters, the record panel and printing; nothing
is loaded from the network, and the same data gives the same bytes. User
strings are XML-escaped in the drawing and travel as JSON inside
``<script type="application/json">`` (with ``<``, ``>``, ``&`` escaped) for the
panel, which puts them on the page with ``textContent`` only, so a name such
as ``<img src=x onerror=alert(1)>`` shows as text.

>>> data = MapData([MapNode("A", "Nguyễn Văn An", 0, is_case=True, confirmed="2021-05-01"),
...                 MapNode("B", "Trần Thị Bình", 1, exposure="2021-04-30", sources=["A"], primary_source="A")],
...                [MapEdge("A", "B", date="2021-04-30")], "Chùm Bến Nghé", ["A"])
>>> page = render_html(data, lang="en")
>>> page.startswith("<!DOCTYPE html>") and "Chùm Bến Nghé" in page and "https://" not in page.split("<script")[0]
True
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from .i18n import NP_, _, fmt_date, fmt_decimal, fmt_int, in_language, language
from . import diagram as _diagram
from . import layout as _layout
from . import printbook as _printbook
from . import printtime as _printtime
from .files import write_text
from .errors import InvalidValue, TracingError
from .privacy import Redactor, redact_map

LAYOUTS = ("tree", "network", "timeline")
LANGS = ("vi", "en")


@dataclass
class MapNode:
    """One person on the map (or, with ``collapsed > 0``, a count node that
    stands for that many hidden persons). ``level``: 0 = F0, 1 = F1, ...,
    None = not infected / untraced. Dates are ISO ``YYYY-MM-DD`` text."""

    id: str
    name: str | None
    level: int | None
    is_case: bool = False
    unknown_source: bool = False
    ward: str | None = None
    unit: str | None = None
    onset: str | None = None
    confirmed: str | None = None
    exposure: str | None = None
    sources: list[str] = field(default_factory=list)
    primary_source: str | None = None
    phone: str | None = None
    national_id: str | None = None
    address: str | None = None
    collapsed: int = 0
    age: int | None = None
    #: the ISO day a typed age is an age at, when it is not this node's day (tracing.people.age_on): the
    #: age is then shown as typed with its year, "34y (2021)", never re-aged
    age_typed_on: str | None = None
    members: list[str] = field(default_factory=list)
    #: a count node's persons per level, lowest first, None (no F level) last:
    #: ``[(0, 1), (1, 110), (2, 445)]`` is drawn "+1 F0 · 110 F1 · 445 F2"
    levels: list[tuple[int | None, int]] = field(default_factory=list)


#: the kinds of edge: the primary source (solid arrow, makes the tree), another
#: source (dashed arrow), a recorded contact that is no source (thin grey line)
EDGE_KINDS = ("primary", "source", "contact")


@dataclass
class MapEdge:
    """``source`` exposed ``target`` (``kind`` ``primary`` or ``source``), or
    the two met (``kind="contact"``: a recorded contact, no direction).
    Without ``kind`` it follows ``primary``; with it, ``primary`` is set to
    ``kind == "primary"``.

    >>> MapEdge("a", "b").kind, MapEdge("a", "b", primary=False).kind
    ('primary', 'source')
    >>> e = MapEdge("a", "b", kind="contact", date="2021-05-02", setting="work")
    >>> e.kind, e.primary
    ('contact', False)
    >>> MapEdge("a", "b", kind="friend")
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: edge a-b: kind 'friend' is not one of primary, source, contact
    """

    source: str
    target: str
    primary: bool = True
    date: str | None = None
    setting: str | None = None
    kind: str | None = None

    def __post_init__(self):
        if self.kind is None:
            self.kind = "primary" if self.primary else "source"
        elif self.kind not in EDGE_KINDS:
            raise InvalidValue(_("edge {source}-{target}: kind {kind!r} is not one of {EDGE_KINDS}").format(
                                   source=self.source, target=self.target, kind=self.kind, EDGE_KINDS=', '.join(EDGE_KINDS)))
        self.primary = self.kind == "primary"


@dataclass
class MapData:
    nodes: list[MapNode]
    edges: list[MapEdge]
    title: str
    roots: list[str]


# ---------------------------------------------------------------- collapsing

def collapse(data: MapData, max_nodes: int) -> tuple[MapData, int]:
    """Fit a map into ``max_nodes`` drawn nodes and keep its structure: the
    first generations are drawn whole, as many as fit; each drawn person's
    hidden descendants are counted per generation in count nodes ("+37 F2")
    that hang under that person in a chain, one per generation (never one
    node for everything); the budget left is spent on persons of the first
    folded generation, branch by branch, its cases (F0) first (every
    parent's earliest case, then every parent's second…, then the non-cases
    likewise), so a case is never folded while a non-case of its generation
    is drawn. A count node lists its persons in
    ``members`` and carries their earliest date (as ``exposure``), so a
    timeline puts it among its generation's dates. When the roots themselves,
    each with its count nodes, do not fit, the map opens on the first roots
    and the others are folded into one chain of count nodes of their own,
    per generation ("+1,200 F0", "+800 F1"; :func:`_fold_roots`). Returns the new map and the number of hidden persons.
    Raises :class:`TracingError` when not even the first root and these chains fit.

    >>> nodes = [MapNode("r", "Root", 0), MapNode("a", "A", 1)] + [MapNode(f"c{i}", None, 2) for i in range(5)]
    >>> edges = [MapEdge("r", "a")] + [MapEdge("a", f"c{i}") for i in range(5)]
    >>> small, hidden = collapse(MapData(nodes, edges, "t", ["r"]), 4)
    >>> hidden, [(n.id, n.collapsed) for n in small.nodes]
    (4, [('r', 0), ('a', 0), ('c0', 0), ('+a', 4)])
    >>> collapse(MapData(nodes, edges, "t", ["r"]), 100)[1]
    0
    """
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise InvalidValue(_("max_nodes: {max_nodes!r} must be a whole number >= 1").format(max_nodes=max_nodes))
    if len(data.nodes) <= max_nodes:
        return data, 0
    parent = _layout.tree_parents(data)
    gen = _layout.generations(data)
    kids = _layout._children(data, parent)
    by_id = {n.id: n for n in data.nodes}
    order: list[str] = []  # pre-order: parents before children, children by date
    stack = list(reversed(kids.get(None, [])))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(kids.get(node, [])))
    # generations present under each person: {person: {generation: persons}}
    below: dict[str, dict[int, int]] = {i: {} for i in order}
    for node in reversed(order):
        p = parent[node]
        if p is not None:
            mine, theirs = below[node], below[p]
            theirs[gen[node]] = theirs.get(gen[node], 0) + 1
            for g, k in mine.items():
                theirs[g] = theirs.get(g, 0) + k

    # cost(d): the nodes drawn when generations 0..d are drawn whole, plus a count node per generation
    # folded under each person of generation d (per generation: one pass, not one per depth tried)
    per_gen: dict[int, int] = defaultdict(int)
    folds_at: dict[int, int] = defaultdict(int)
    for i in order:
        per_gen[gen[i]] += 1
        folds_at[gen[i]] += len(below[i])
    upto: dict[int, int] = {}
    running = 0
    for g in range(max(gen.values()) + 1):
        running += per_gen.get(g, 0)
        upto[g] = running

    def cost(depth: int) -> int:
        return upto[depth] + folds_at.get(depth, 0)

    deepest = max(gen.values())
    depth = next((d for d in range(deepest, -1, -1) if cost(d) <= max_nodes), None)
    if depth is None:
        drawn, counts = _fold_roots(kids.get(None, []), below, max_nodes)
    else:
        drawn, counts = _fold_deeper(order, kids, parent, gen, below, by_id, depth, max_nodes)
    counts = {key: k for key, k in counts.items() if k}
    hidden_ids = [i for i in order if i not in drawn]
    anchor: dict[str, str] = {}
    members: dict[tuple[str, int], list[str]] = defaultdict(list)
    for i in hidden_ids:  # pre-order: a parent's anchor is known before its children
        p = parent[i]
        anchor[i] = p if p is None or p in drawn else anchor[p]  # None: a folded root's chain
        members[(anchor[i], gen[i])].append(i)
    ids = set(by_id)
    nodes = [n for n in data.nodes if n.id in drawn]
    extra_edges = []
    made: dict[tuple[str, int], str] = {}
    folded_gens: dict[str, list[int]] = defaultdict(list)  # drawn anchor -> its folded generations
    for b, g in counts:
        folded_gens[b].append(g)
    for a in [*order, None]:  # None: the chain of the roots folded when not all of them fit
        if a is not None and a not in drawn:
            continue
        above = a
        for g in sorted(folded_gens.get(a, ())):
            group = members[(a, g)]
            known = [by_id[m].level for m in group if by_id[m].level is not None]
            per_level = Counter(by_id[m].level for m in group)
            wards = {by_id[m].ward for m in group}
            cid = "+" + (a or "F0") if above == a else f"{above}+"
            while cid in ids:
                cid = "+" + cid
            ids.add(cid)
            made[(a, g)] = cid
            dates = [d for d in (_layout._node_date(by_id[m]) for m in group) if d]
            nodes.append(MapNode(cid, None, min(known) if known else None,
                                 ward=next(iter(wards)) if len(wards) == 1 else None,
                                 exposure=min(dates) if dates else None,  # its generation's first date
                                 sources=[above] if above else [], primary_source=above, collapsed=len(group),
                                 members=list(group), levels=_layout.level_counts(per_level)))
            if above is not None:
                extra_edges.append(MapEdge(above, cid, primary=True))
            above = cid
    edges = [e for e in data.edges if e.source in drawn and e.target in drawn] + extra_edges
    return MapData(nodes, edges, data.title, list(data.roots)), len(hidden_ids)


def _fold_roots(tops: list[str], below: dict[str, dict[int, int]], max_nodes: int):
    """Roots too many to draw each with its folded generations: the page opens
    on the first roots (the map's roots first, then by date) with their
    branches folded per generation, and the roots beyond are folded into one
    chain of count nodes, one per generation ("+1,200 F0", "+800 F1"…).
    Returns the drawn ids and ``{(anchor, generation): hidden persons}``,
    ``None`` anchoring the chain of the folded roots. Raises
    :class:`TracingError` when not even the first root, its count nodes and
    that chain fit."""
    own = [1 + len(below[t]) for t in tops]
    # the chain of the roots from k on: one count node per generation present under them
    chain = [0] * (len(tops) + 1)
    for k in range(len(tops) - 1, -1, -1):
        chain[k] = max(chain[k + 1], 1 + max(below[tops[k]], default=0))
    fits, used = 0, 0
    for k in range(1, len(tops) + 1):
        used += own[k - 1]
        if used + chain[k] <= max_nodes:
            fits = k
    if not fits:
        need = own[0] + chain[1]
        raise TracingError(_("--max-nodes {max_nodes} is too small for this map: drawn with its first root alone, "
                             "the other roots folded per generation, it still needs {cost} nodes; give --max-nodes "
                             "{cost} or more").format(cost=need, max_nodes=max_nodes))
    drawn = set(tops[:fits])
    counts: dict[tuple[str | None, int], int] = {}
    for t in tops[:fits]:
        for g, k in below[t].items():
            counts[(t, g)] = k
    for t in tops[fits:]:
        for g, k in [(0, 1), *below[t].items()]:
            counts[(None, g)] = counts.get((None, g), 0) + k
    return drawn, counts


def _fold_deeper(order, kids, parent, gen, below, by_id, depth: int, max_nodes: int):
    """Generations 0..``depth`` drawn whole, the ones below folded per branch
    and generation, the nodes left spent on generation ``depth + 1`` (see
    :func:`collapse`). Returns the drawn ids and ``{(anchor, generation): hidden persons}``."""
    drawn = {i for i in order if gen[i] <= depth}
    counts: dict[tuple[str, int], int] = {}  # (drawn anchor, generation) -> hidden persons
    for i in order:
        if gen[i] == depth:
            for g, k in below[i].items():
                counts[(i, g)] = k
    used = len(drawn) + len(counts)
    # spend what is left on the next generation, branch by branch: its cases (F0) first, so a
    # case is never folded while a non-case of its generation is drawn
    def case(x: str) -> bool:
        return by_id[x].is_case or by_id[x].level == 0

    def spend(queues: list[list[str]]) -> bool:
        nonlocal used
        fitted = True
        turn = 0
        while queues:
            nxt = []
            for q in queues:
                if turn < len(q):
                    x = q[turn]
                    a = parent[x]
                    gone = sum(1 for g, k in below[x].items() if counts[(a, g)] == k) + (counts[(a, gen[x])] == 1)
                    delta = 1 + len(below[x]) - gone
                    if used + delta <= max_nodes:
                        used += delta
                        drawn.add(x)
                        counts[(a, gen[x])] -= 1
                        for g, k in below[x].items():
                            counts[(a, g)] -= k
                            counts[(x, g)] = k
                    else:
                        fitted = False
                    nxt.append(q)
            queues = [q for q in nxt if turn + 1 < len(q)]
            turn += 1
        return fitted

    parents = [p for p in order if gen[p] == depth and kids.get(p)]
    if spend([q for q in ([c for c in kids[p] if case(c)] for p in parents) if q]):
        spend([q for q in ([c for c in kids[p] if not case(c)] for p in parents) if q])
    return drawn, counts


# ---------------------------------------------------------------- text

#: The page's words: English messages with msgctxt "map", translated in the
#: gettext catalog like every other message (:func:`texts`).
_WORDS = {
    "layout_tree": NP_("map", "Transmission tree"),
    "layout_network": NP_("map", "Contact network"),
    "layout_timeline": NP_("map", "Timeline"),
    "persons": NP_("map", "{n} persons"),
    "persons_one": NP_("map", "1 person"),
    "range": NP_("map", "{a} – {b}"),
    "no_dates": NP_("map", "no dates yet"),
    "f0": NP_("map", "F0 (case)"),
    "f1": NP_("map", "F1"),
    "f2": NP_("map", "F2"),
    "f3": NP_("map", "F3 and deeper"),
    "none": NP_("map", "No F level"),
    "unknown": NP_("map", "F0 with unknown source (?)"),
    "count": NP_("map", "Count node (+persons)"),
    "edge_primary": NP_("map", "Primary source"),
    "edge_other": NP_("map", "Other source"),
    "edge_contact": NP_("map", "Contact"),
    "level_none": NP_("map", "No F level"),
    "search": NP_("map", "Search name or id (no diacritics needed)…"),
    "clear": NP_("map", "Clear"),
    "ward_all": NP_("map", "All wards"),
    "ward_label": NP_("map", "Ward"),
    "legend": NP_("map", "Legend (click to filter by level)"),
    "f_name": NP_("map", "Name"),
    "f_id": NP_("map", "Id"),
    "f_level": NP_("map", "Level"),
    "f_case": NP_("map", "Case"),
    "f_unknown": NP_("map", "Source"),
    "unknown_source": NP_("map", "unknown source"),
    "f_ward": NP_("map", "Ward"),
    "f_unit": NP_("map", "Unit"),
    "f_onset": NP_("map", "Onset"),
    "f_confirmed": NP_("map", "Confirmed"),
    "f_exposure": NP_("map", "Exposure"),
    "f_primary": NP_("map", "Primary source"),
    "f_sources": NP_("map", "Sources"),
    "f_phone": NP_("map", "Phone"),
    "f_national_id": NP_("map", "National id"),
    "f_address": NP_("map", "Address"),
    "f_hidden": NP_("map", "Hidden persons"),
    "f_age": NP_("map", "Age"),
    "f_date": NP_("map", "Date"),
    "f_setting": NP_("map", "Setting"),
    "yes": NP_("map", "yes"),
    "no": NP_("map", "no"),
    "panel_title": NP_("map", "Record"),
    "panel_empty": NP_("map", "Click a node on the map to see its record."),
    "close": NP_("map", "Close"),
    "matches": NP_("map", "{n} found"),
    "no_match": NP_("map", "No match"),
    "generation": NP_("map", "Generation {n}"),
    "undated": NP_("map", "No date"),
    "count_label": NP_("map", "+{n} {level}"),
    "count_tip": NP_("map", "{n} persons folded: {levels}"),
    "count_tip_one": NP_("map", "1 person folded: {levels}"),
    "count_sub": NP_("map", "folded persons"),
    "count_open": NP_("map", "click to unfold this branch"),
    "unfold_all": NP_("map", "Unfold all"),
    "print_cut_short": NP_("map", "⚠ print: the current view only"),
    "print_cut": NP_("map", "Printed whole on {paper}, the labels would be {pt} pt high (under {min} pt, unreadable), and this diagram is not cut into sheets (a network, or more persons than a page cuts): the current view is printed instead, its labels at least {min} pt. Zoom and pan to choose what is printed."),
    "print_enlarge_short": NP_("map", "⚠ print: enlarged"),
    "print_enlarge": NP_("map", "Printed on {paper}, the current view's labels would be {pt} pt high (under {min} pt, unreadable): the middle of the view is printed instead, enlarged to {min} pt labels."),
    "members": NP_("map", "Folded persons"),
    "folded_in": NP_("map", "Folded into node"),
    "notice_collapsed": NP_("map", "This page draws at most {max} nodes: {hidden} persons are folded into {groups} count nodes (e.g. “{example}”), per branch and generation; click a count node for its list."),
    "notice_unfold": NP_("map", "This page opens on at most {max} nodes: {hidden} persons are folded into {groups} count nodes (e.g. “{example}”), per branch and generation; click a count node to unfold it in place."),
    "notice_beyond": NP_("map", "The page holds at most {cap} persons: {hidden} more are only listed, in the count nodes they are folded into (render a deeper ROOT to draw them)."),
    "beyond": NP_("map", "Beyond what this page holds: these persons are only listed here (render a deeper ROOT to draw them)."),
    "notice_redacted": NP_("map", "Redacted: ids replaced by the database's keyed tokens; no names, ages, phones, national ids or addresses."),
    "fit": NP_("map", "Fit all"),
    "start": NP_("map", "Back to the start"),
    "zoom_in": NP_("map", "Zoom in"),
    "zoom_out": NP_("map", "Zoom out"),
    "filter_level": NP_("map", "F level"),
    "print": NP_("map", "Print"),
    "print_whole": NP_("map", "Print the whole diagram"),
    "print_page": NP_("map", "Page {n}/{total}"),
    "print_more": NP_("map", "▼ continued p. {n}"),
    "print_more_many": NP_("map", "▼ continued p. {a}–{b}"),
    "print_from": NP_("map", "▲ from page {n}"),
    "print_below": NP_("map", "▼ continued below"),
    "print_above": NP_("map", "▲ from above"),
    "print_continues": NP_("map", "continued from page {n}"),
    "print_view": NP_("map", "Print the current view"),
    "paper": NP_("map", "Paper"),
    "overview": NP_("map", "Overview (click to move)"),
    "timeline_note": NP_("map", "cases at onset (else confirmation), traced persons at exposure"),
    "d_conf": NP_("map", "conf"),
    "d_onset": NP_("map", "onset"),
    "d_exp": NP_("map", "exp"),
    "age": NP_("map", "{n}y"),
    "age_typed": NP_("map", "{n} (age on {day})"),
    "unknown_mark": NP_("map", "?"),
    "abbrev": NP_("map", "conf: confirmed · onset: first symptoms · exp: exposure · y: years of age"),
    "abbrev_typed": NP_("map", "34y (2021): an age as typed in 2021, not re-aged"),
}
#: how the timeline axis writes a day and a month: date formats, not messages
_TICKS = {"vi": {"tick_day": "{d:02d}/{m:02d}", "tick_month": "Tháng {m}/{y}"},
          "en": {"tick_day": "{d} {mon}", "tick_month": "{mon} {y}"}}


def texts(lang: str | None = None) -> dict[str, str]:
    """The page's words in ``lang`` (default: the language in force), from the catalog.

    >>> texts("vi")["layout_tree"], texts("en")["layout_tree"]
    ('Sơ đồ cây', 'Transmission tree')
    """
    lang = lang or language()
    with in_language(lang):
        words = {key: _(msg) for key, msg in _WORDS.items()}
    return {**words, **_TICKS[lang]}


class _Texts:
    """``TEXT[lang]``: the page's words in a language (:func:`texts`)."""

    def __getitem__(self, lang: str) -> dict[str, str]:
        return texts(lang)


TEXT = _Texts()

#: background and border of each level's swatch in the legend (the drawing's own styles)
STYLE = {key: {"bg": style[4], "border": style[1], "card": style[0], "dash": style[3], "width": style[2]}
         for key, style in _diagram.LEVEL_STYLE.items()}
#: paper sizes the print stylesheet offers (landscape), and the page's height on them (the short side less
#: two 8 mm margins and 1 mm for rounding: one sheet, never two)
PAPERS = {"A4": "193mm", "A3": "280mm"}
#: the printable area (mm) of each paper in landscape with 8 mm margins: the page's map box (under its
#: title and legend) and a whole SVG drawing; the smallest printed label (points) that stays readable
#: The map box is that high on paper whatever its header takes (at most 28 and 30 mm: title, subtitle,
#: legend; 180 mm was assumed and a 24 mm header left 170: a network printed 6 pt came out 5.6 pt)
PRINT_AREA = {"A4": (281.0, 165.0), "A3": (404.0, 250.0)}
SVG_PRINT_AREA = {"A4": (281.0, 194.0), "A3": (404.0, 281.0)}
PRINT_MIN_PT = 6.0
#: the most persons an HTML page holds (about 1.1 kB each: 11 MB) unless --max-nodes asks for more;
#: --max-nodes bounds what it draws on opening, count nodes unfold the rest in place
PAGE_PERSONS = 10000
#: a tree page holds its print sheets when it opens on at most this many nodes (about 2.8 kB each for
#: A4 and A3); beyond, "print the whole diagram" is one sheet as for the other layouts, and its warning
PRINT_BOOK_MAX = 2000
#: the layouts whose "print the whole diagram" and SVG file are cut into sheets at print size
BOOK_LAYOUTS = ("tree", "timeline")
#: the smallest zoom at which the page opens: labels are then >= 11 px (network: 21 px names, 13 px marks, * 0.8)
READABLE = {"tree": 1.0, "timeline": 1.0, "network": 0.8}


def _tick_labels(ticks: list[tuple[int, str]], text: dict) -> list[list]:
    """The timeline axis as ``[x, day label, month label]`` (see
    :func:`tracing.diagram.tick_columns`).

    >>> _tick_labels([(-320, ""), (0, "2021-11-25")], TEXT["vi"])
    [[-320, 'Không rõ ngày', ''], [0, '25/11', 'Tháng 11/2021']]
    >>> _tick_labels([(0, "2021-11-05")], TEXT["en"])
    [[0, '5 Nov', 'Nov 2021']]
    """
    return _diagram.tick_columns(ticks, text)


def _level_key(level: int | None) -> str:
    return _diagram.level_key(level)


def _fmt(template: str, **values) -> str:
    return template.format(**values)


def _json_for_script(value) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ---------------------------------------------------------------- rendering

def _date_range(nodes: list[MapNode]) -> tuple[str | None, str | None]:
    dates = sorted(str(d)[:10] for n in nodes for d in (n.onset, n.confirmed, n.exposure) if d)
    return (dates[0], dates[-1]) if dates else (None, None)


@dataclass
class _Prepared:
    """A map folded, ordered, redacted and drawn: what the page and the SVG file share."""

    layout: str
    text: dict
    title: str
    subtitle: str
    notices: list[str]
    nodes: list[MapNode]
    edges: list[MapEdge]
    index: dict[str, int]
    drawing: "_diagram.Drawing"
    counts: dict[str, int]
    hidden_nodes: list[MapNode]
    redacted: bool
    opening: set[str] | None = None  # the page: the persons (and count nodes) drawn on opening; None: all
    group_pos: dict = field(default_factory=dict)  # network: where each count node stands, by its members
    opened: MapData | None = None  # the map as drawn on opening (folded to --max-nodes), roots included


def _prepare(data: MapData, layout: str, lang: str, redact: Redactor | None, max_nodes: int,
             page: bool = False, drawn: bool = True) -> _Prepared:
    if redact is True or (redact and not isinstance(redact, Redactor)):
        raise TracingError(_("redact: pass the database's tracing.privacy.Redactor, not a flag"))  # a programming error
    if layout not in LAYOUTS:
        raise InvalidValue(_("layout: '{layout}' is not one of {LAYOUTS}").format(
                               layout=layout, LAYOUTS=', '.join(LAYOUTS)))
    lang = lang or language()  # the global --lang / $TRACING_LANG / locale
    if lang not in LANGS:
        raise InvalidValue(_("lang: '{lang}' is not one of {LANGS}").format(lang=lang, LANGS=', '.join(LANGS)))
    seen: set[str] = set()
    for n in data.nodes:
        if n.id in seen:
            raise InvalidValue(_("node id '{id}' appears twice in the map").format(id=n.id))
        seen.add(n.id)
    if redact:  # redacted as data before anything is drawn (tracing.privacy owns redaction)
        data = redact_map(data, redact)
    text = TEXT[lang]
    if any(_diagram.age_year_shown(n) for n in data.nodes if n.age is not None):  # the legend says what "34y (2021)" is
        text = {**text, "abbrev": f"{text['abbrev']} · {text['abbrev_typed']}"}
    first, last = _date_range(data.nodes)
    total = len(data.nodes)
    opening: set[str] | None = None
    if page:
        # the page holds every person up to PAGE_PERSONS (more when --max-nodes asks for more), laid out
        # whole, and opens on what --max-nodes draws: a count node then unfolds in place. Beyond that many
        # persons the rest is folded in the file too, into count nodes that list their persons
        shown_map, beyond = collapse(data, max(PAGE_PERSONS, max_nodes))
        drawn_map, _nodes_hidden = collapse(shown_map, max_nodes)
        # persons, not nodes: a count node made beyond PAGE_PERSONS and folded again holds many
        hidden = len(data.nodes) - sum(1 for n in drawn_map.nodes if not n.collapsed)
        page_ids = {n.id for n in shown_map.nodes}
        opening = {n.id for n in drawn_map.nodes if n.id in page_ids}
        groups_opening = sum(1 for n in drawn_map.nodes if n.collapsed and n.id not in page_ids)
        big_opening = max((n for n in drawn_map.nodes if n.collapsed), key=lambda n: (n.collapsed, n.id), default=None)
    else:
        shown_map, hidden = collapse(data, max_nodes)
    nodes = sorted(shown_map.nodes, key=lambda n: n.id)
    index = {n.id: i for i, n in enumerate(nodes)}
    known_edges = sorted((e for e in shown_map.edges if e.source in index and e.target in index and e.source != e.target),
                         key=lambda e: (e.source, e.target, EDGE_KINDS.index(e.kind), e.date or "", e.setting or ""))
    placed = MapData(nodes, known_edges, shown_map.title, [r for r in shown_map.roots if r in index])
    group_pos: dict[frozenset, tuple] = {}
    net_pos = None
    if opening is not None and layout == "network" and hidden:
        # the network opens as the folded map lays out; a count node's persons wait around it, on free places
        net_pos = _layout.network_layout(drawn_map, none_word=text["level_none"])
        counted = [n for n in drawn_map.nodes if n.collapsed and n.id not in page_ids]
        for n in counted:
            group_pos[frozenset(n.members)] = net_pos[n.id]
        net_pos = {i: xy for i, xy in net_pos.items() if i in opening}
        # every name box already drawn (count nodes too) holds its place on the grid the persons unfold on
        on_page = {n.id: n for n in shown_map.nodes}
        boxes = {n.id: _layout.label_box(n, text["level_none"]) for n in drawn_map.nodes}
        net_pos.update(_layout.place_around(
            [(group_pos[frozenset(n.members)], boxes[n.id]) for n in counted]
            + [(xy, boxes[i]) for i, xy in net_pos.items()],
            [(group_pos[frozenset(n.members)], [(m, _layout.label_box(on_page[m], text["level_none"]))
                                                 for m in n.members])
             for n in counted]))
    # the print sheets (tracing.printbook) lay the tree out themselves: no screen drawing for them
    drawing = _diagram.draw(placed, layout, text, pos=net_pos) if drawn else None
    counts: dict[str, int] = defaultdict(int)
    for n in data.nodes:
        counts[_level_key(n.level)] += 1
        if n.unknown_source:
            counts["unknown"] += 1
    groups = [n for n in nodes if n.collapsed]
    notices = []
    if hidden and page:
        example = _layout.count_text(big_opening.levels, text["level_none"])
        notices.append(_fmt(text["notice_unfold"], max=max_nodes, hidden=hidden, groups=groups_opening,
                            example=example))
        if beyond:
            notices.append(_fmt(text["notice_beyond"], cap=max(PAGE_PERSONS, max_nodes), hidden=beyond))
    elif hidden:
        big = max(groups, key=lambda n: (n.collapsed, n.id))
        example = _layout.count_text(big.levels, text["level_none"])
        notices.append(_fmt(text["notice_collapsed"], max=max_nodes, hidden=hidden, groups=len(groups),
                            example=example))
    if redact:
        notices.append(text["notice_redacted"])
    with in_language(lang):  # the page's dates and counts as its language writes them (29/04/2021, 1.234)
        shown_first, shown_last, shown_total = fmt_date(first), fmt_date(last), fmt_int(total)
    subtitle = " · ".join([
        text[f"layout_{layout}"] + (f" ({text['timeline_note']})" if layout == "timeline" else ""),
        _fmt(text["range"], a=shown_first, b=shown_last) if first else text["no_dates"],
        text["persons_one"] if total == 1 else _fmt(text["persons"], n=shown_total),
    ])
    by_id = {n.id: n for n in data.nodes}
    hidden_nodes = [by_id[m] for g in groups for m in g.members if m in by_id]
    return _Prepared(layout, text, data.title, subtitle, notices, nodes, known_edges, index, drawing, counts,
                     hidden_nodes, bool(redact), opening, group_pos, drawn_map if page else shown_map)


def _record(n: MapNode) -> dict:
    """A person's record for the page's panel (already redacted when asked)."""
    return {"lv": n.level, "pid": n.id, "name": n.name or None, "case": bool(n.is_case), "unk": bool(n.unknown_source),
            "ward": n.ward, "unit": n.unit, "onset": n.onset, "conf": n.confirmed, "exp": n.exposure,
            "src": list(n.sources), "psrc": n.primary_source,
            "phone": n.phone, "nid": n.national_id, "addr": n.address, "age": n.age,
            "agey": n.age_typed_on}


def render_html(data: MapData, *, layout: str = "tree", lang: str | None = None, redact: Redactor | None = None,
                max_nodes: int = 2000) -> str:
    """The map as one self-contained HTML page (text; save it with
    :func:`write_html`). ``layout``: ``tree``, ``network`` or ``timeline``;
    ``lang``: ``vi`` or ``en``; ``redact``: a :class:`tracing.privacy.Redactor`
    (the database's keyed tokens) to draw tokens instead of ids and no
    names, ages, phones, national ids or addresses (:func:`tracing.privacy.redact_map`);
    at most ``max_nodes`` nodes are drawn (see :func:`collapse`). The page opens on
    the roots at a zoom where labels are at least 12 px (the whole map when
    it fits at that zoom); ``#node=ID`` opens zoomed on that person.

    >>> tiny = MapData([MapNode("x", '"href" <b>', 0)], [], "<script>t</script>", ["x"])
    >>> page = render_html(tiny, lang="en", redact=Redactor(b"k" * 32))
    >>> "<script>t" in page, "&lt;script&gt;t" in page, '"href" <b>' in page
    (False, True, False)
    """
    lang = lang or language()
    p = _prepare(data, layout, lang, redact, max_nodes, page=True)
    text, nodes, index = p.text, p.nodes, p.index
    hidden_index = {n.id: j for j, n in enumerate(p.hidden_nodes)}
    records = []
    for k, n in enumerate(nodes):
        x, y = p.drawing.points[k]
        if n.collapsed:
            rec = {"lv": n.level, "col": n.collapsed, "mem": [hidden_index[m] for m in n.members if m in hidden_index],
                   "lvs": [[lv, k] for lv, k in n.levels]}
            if n.primary_source in index:
                rec["par"] = index[n.primary_source]
            if n.ward:
                rec["ward"] = n.ward
        else:
            rec = _record(n)
        rec.update({"x": x, "y": y})
        records.append({k2: v for k2, v in rec.items() if v not in (None, "", [])})
    folded = [{k2: v for k2, v in _record(n).items() if v not in (None, "", [])} for n in p.hidden_nodes]
    edges = []
    for e in p.edges:
        rec = {"f": index[e.source], "t": index[e.target], "p": bool(e.primary), "k": e.kind[0], "d": e.date,
               "s": e.setting}
        edges.append({k2: v for k2, v in rec.items() if v is not None})
    b = p.drawing.bounds
    payload = {"nodes": records, "edges": edges, "folded": folded, "text": text, "layout": layout,
               "decor": {"cols": p.drawing.cols, "bounds": [round(v, 1) for v in b], "axis_y": p.drawing.axis_y,
                         "label_left": p.drawing.label_left, "label_fs": _diagram.FS},
               "cards": p.drawing.cards, "lines": p.drawing.lines, "names": p.drawing.names,
               "readable": READABLE[layout], "print": {"area": PRINT_AREA, "min": PRINT_MIN_PT, "fs": _diagram.FS,
                                            "book_pt": _book_pt(layout)}, "card_w": _layout.CARD_W, "roots": [index[r] for r in data.roots if r in index]}
    if layout == "tree":  # the tree itself, so the page can fold and unfold branches (and lay them out again)
        payload["tree"] = _tree_payload(nodes, p.edges, [nodes[i].id for i in payload["roots"]], index)
    if p.opening is not None and len(p.opening) < len(nodes):
        # folded on opening (--max-nodes): the persons the page holds but does not draw until a count
        # node is clicked; other layouts than the tree get their count nodes from the page as made here
        payload["fold"] = [k for k, n in enumerate(nodes) if n.id not in p.opening]
        if layout != "tree":  # the tree's page makes its count nodes itself, as it lays the tree out again
            payload["groups"] = _fold_groups(nodes, p.edges, [nodes[i].id for i in payload["roots"]], index,
                                             p.opening, p.drawing, layout, text, p.group_pos)
            payload["geom"] = [_layout.MARK_W, _layout.TIME_DX, _layout.TIME_DY]
    book = ""
    if layout in BOOK_LAYOUTS and len(p.opened.nodes) <= PRINT_BOOK_MAX:
        # "print the whole diagram": the tree or timeline as it opens, at print size, in sheets
        notes = [text["notice_redacted"]] if p.redacted else []
        sheets, size = {}, {}
        if layout == "timeline":  # drawn as it opens (the page's drawing holds the folded persons too)
            opened = p.opened.nodes if len(p.opened.nodes) < len(nodes) else nodes
            drawing = p.drawing if opened is nodes else _diagram.draw(p.opened, "timeline", text)
        for paper in PAPERS:
            if layout == "timeline":
                bk = _printtime.paginate(drawing, paper, notes=len(notes))
                sheets[paper] = _printtime.sheets_markup(bk, drawing, opened, text, p.title, p.subtitle, notes)
            else:
                bk = _printbook.paginate(p.opened, paper, notes=len(notes))
                ids = {n.id: n for n in p.opened.nodes}
                sheets[paper] = [_printbook.sheet_markup(bk, s, ids, text, p.title, p.subtitle, notes)
                                 for s in bk.sheets]
            size[paper] = [round(bk.width, 1), round(bk.height, 1)]
        book = ('<div id="book" aria-hidden="true"></div><script type="application/json" id="print-book">'
                + _json_for_script({"sheets": sheets, "size": size, "pt": _book_pt(layout)}) + "</script>")
    wards = sorted({n.ward for n in nodes if n.ward and not n.collapsed})
    view = f"{b[0]:.0f} {b[1]:.0f} {b[2] - b[0]:.0f} {b[3] - b[1]:.0f}"
    parts = {
        "LANG": lang,
        "TITLE": html.escape(p.title),
        "SUBTITLE": html.escape(p.subtitle),
        "NOTICES": "".join(f'<p class="notice">{html.escape(t)}</p>' for t in p.notices),
        "CONTROLS": _controls_html(text, wards, layout),
        "LEGEND": _legend_html(text, p.counts, contacts=layout == "network" or any(e.kind == "contact" for e in p.edges),
                               layout=layout),
        "PANEL_TITLE": html.escape(text["panel_title"]),
        "PANEL_EMPTY": html.escape(text["panel_empty"]),
        "CLOSE": html.escape(text["close"]),
        "OVERVIEW": html.escape(text["overview"]),
        "TOTAL": str(len(nodes)),
        "LAYOUT": layout,
        "VIEWBOX": view,
        "FONT": html.escape(_diagram.FONT),
        "DEFS": _diagram.defs(),
        "DRAWING": p.drawing.frame,  # the nodes, edges and names come from the data, built when in view
        "PAGE_CSS": _PAGE_CSS,
        "PAGE_JS": _PAGE_JS,
        "DATA": _json_for_script(payload),
        "BOOK": book,
    }
    return re.sub(r"%%([A-Z_]+)%%", lambda m: parts[m.group(1)], _TEMPLATE)


def _book_pt(layout: str) -> float:
    """The smallest text (points) of a layout's print sheets."""
    return _printtime.least_pt() if layout == "timeline" else _printbook.printed_pt(_printbook.FS_MIN)


def _fold_groups(nodes: list[MapNode], edges: list[MapEdge], roots: list[str], index: dict[str, int],
                 opening: set[str], drawing: "_diagram.Drawing", layout: str, text: dict,
                 group_pos: dict) -> list[dict]:
    """The count nodes of a timeline or network page that opens folded
    (``--max-nodes``): the persons not drawn on opening, per nearest drawn
    ancestor in the tree and per generation, as :func:`collapse` groups
    them. Each: ``a`` anchor, ``g`` generation, ``n`` persons, ``m`` members
    (indices into ``nodes``, in the tree's pre-order), ``x``/``y`` where it
    stands (timeline: its persons' earliest date on its first person's row;
    network: its first person's place) and its markup (``card``, ``name``)."""
    placed = MapData(nodes, edges, "", roots)
    parent = _layout.tree_parents(placed)
    gen = _layout.generations(placed)
    kids = _layout._children(placed, parent)
    anchor: dict[str, str] = {}
    groups: dict[tuple[str, int], list[str]] = {}
    stack = list(reversed(kids.get(None, [])))
    while stack:
        node = stack.pop()
        stack.extend(reversed(kids.get(node, [])))
        if node in opening:
            continue
        p = parent[node]
        anchor[node] = p if p is None or p in opening else anchor[p]  # None: the roots folded on opening
        groups.setdefault((anchor[node], gen[node]), []).append(node)
    out = []
    for k, ((a, g), members) in enumerate(groups.items()):
        ms = [index[m] for m in members]
        known = [nodes[m].level for m in ms if nodes[m].level is not None]
        per_level: dict = defaultdict(int)  # its persons per level, a folded count node's by its own levels
        for m in ms:
            for lv, c in (nodes[m].levels if nodes[m].collapsed else [(nodes[m].level, 1)]):
                per_level[lv] += c
        count = MapNode(f"+{k}", None, min(known) if known else None, collapsed=sum(per_level.values()),
                        levels=_layout.level_counts(per_level))
        x, y = drawing.points[ms[0]]
        # "a": -1 for the roots folded on opening (no anchor: no edge to it)
        rec = {"a": index[a] if a is not None else -1, "g": g, "n": count.collapsed, "lv": count.level, "m": ms}
        if layout == "timeline":
            dated = [drawing.points[m][0] for m in ms if _layout._node_date(nodes[m])]
            x = min(dated) if dated else drawing.points[index[a] if a is not None else ms[0]][0]
            y = min(drawing.points[m][1] for m in ms)
            card, name = _diagram.timeline_mark(k, count, x, y, text, drawing.label_left + 8)
            rec["name"] = name.replace(' data-i="', ' data-c="', 1)
            if a is not None:
                rec["lane"] = list(drawing.trunks[index[a]])  # its edge hangs from its anchor's trunk
        else:
            x, y = group_pos.get(frozenset(members), (x, y))
            card = _diagram.network_mark(k, count, x, y, text)
        rec.update({"x": x, "y": y, "card": card.replace(' data-i="', ' data-c="', 1)})
        out.append(rec)
    return out


def _tree_payload(nodes: list[MapNode], edges: list[MapEdge], roots: list[str], index: dict[str, int]) -> dict:
    """What the page needs to fold the sơ đồ cây per branch and lay out what
    is unfolded: every node's parent in the drawn tree (``-1`` for a root),
    the nodes in pre-order (children by date, as :func:`tracing.layout.tree_layout`
    orders them) and the card geometry (px)."""
    placed = MapData(nodes, edges, "", roots)
    parent = _layout.tree_parents(placed)
    kids = _layout._children(placed, parent)
    order: list[int] = []
    stack = list(reversed(kids.get(None, [])))
    while stack:
        node = stack.pop()
        order.append(index[node])
        stack.extend(reversed(kids.get(node, [])))
    return {"order": order, "par": [index[parent[n.id]] if parent[n.id] is not None else -1 for n in nodes],
            "card": [_layout.CARD_W, _layout.CARD_H, _layout.CARD_GAP, _layout.TREE_DY],
            "stack": [_layout.STACK_MIN, _layout.STACK_MAX, _layout.STACK_DEEP, _layout.STACK_DY],
            "count_style": list(_diagram.LEVEL_STYLE["count"][:4]), "fs": _diagram.FS,
            "edge": [_diagram.LONG_EDGE, _diagram.STUB, _layout.OTHER_LANE, _layout.OTHER_SIDE]}


def render_svg(data: MapData, *, layout: str = "tree", lang: str | None = None, redact: Redactor | None = None,
               max_nodes: int = 2000) -> str:
    """The map as one static SVG document (a sơ đồ cây to print or paste
    into Word/LibreOffice): the title, subtitle, notices and legend above
    the same drawing as the HTML page (same layout, folding and redaction:
    ``redact`` as in :func:`render_html`),
    text as text in generic font families, no script. Valid XML.

    >>> svg = render_svg(MapData([MapNode("A", "An <&>", 0, is_case=True)], [], "Chùm C1", ["A"]), lang="en")
    >>> import xml.etree.ElementTree as ET
    >>> root = ET.fromstring(svg)
    >>> root.tag, "An <&>" in "".join(root.itertext()), "Chùm C1" in "".join(root.itertext())
    ('{http://www.w3.org/2000/svg}svg', True, True)
    """
    if layout in BOOK_LAYOUTS:  # the sơ đồ cây at print size, in sheets (tracing.printbook, tracing.printtime)
        return render_svg_book(data, layout=layout, lang=lang, redact=redact, max_nodes=max_nodes)[0]
    p = _prepare(data, layout, lang, redact, max_nodes)
    esc = _diagram.esc
    text = p.text
    x0, y0, x1, y1 = p.drawing.bounds
    width = max(x1 - x0, 900)
    head: list[str] = [f'<text x="0" y="24" font-size="22" font-weight="700" fill="#1f2328">{esc(p.title)}</text>',
                       f'<text x="0" y="48" font-size="14" fill="#57606a">{esc(p.subtitle)}</text>']
    y = 72
    for notice in p.notices:
        head.append(f'<text x="0" y="{y}" font-size="13" fill="#6f4e00">{esc(notice)}</text>')
        y += 20
    # the legend, in rows that fit the width
    items = []
    for key in ("f0", "f1", "f2", "f3", "none"):
        items.append((key, f"{text[key]} ({p.counts.get(key, 0)})"))
    items.append(("unknown", f"{text['unknown']} ({p.counts.get('unknown', 0)})"))
    if any(n.collapsed for n in p.nodes):
        items.append(("count", text["count"]))
    items.append(("primary", text["edge_primary"]))
    items.append(("source", text["edge_other"]))
    if layout == "network" or any(e.kind == "contact" for e in p.edges):
        items.append(("contact", text["edge_contact"]))
    drawn, row_y = _diagram.legend(items, width, y + 8, 13, 11)
    head += drawn
    if layout == "tree":
        row_y += 24
        head.append(f'<text x="0" y="{row_y + 4.5}" font-size="12" fill="#57606a">{esc(text["abbrev"])}</text>')
    top = row_y + 30
    total_w = width + 40
    total_h = top + (y1 - y0) + 20
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{total_w:.0f}" height="{total_h:.0f}" '
            f'viewBox="0 0 {total_w:.0f} {total_h:.0f}" font-family="{esc(_diagram.FONT)}">\n'
            f'<title>{esc(p.title)}</title>\n{_diagram.defs()}\n'
            f'<rect width="100%" height="100%" fill="#ffffff"/>\n'
            f'<g transform="translate(20 10)">{"".join(head)}</g>\n'
            f'<g transform="translate({20 - x0:.0f} {top - y0:.0f})">{p.drawing.markup}</g>\n</svg>\n')


def _svg_book(data: MapData, lang: str | None, redact: Redactor | None, max_nodes: int, paper: str = "WORD"):
    p = _prepare(data, "tree", lang, redact, max_nodes, drawn=False)
    placed = MapData(p.nodes, p.edges, p.title, [r for r in _redacted_roots(data, redact) if r in p.index])
    return p, placed, _printbook.paginate(placed, paper, notes=len(p.notices))


def _redacted_roots(data: MapData, redact: Redactor | None) -> list[str]:
    return redact_map(data, redact).roots if redact else list(data.roots)


def render_svg_sheets(data: MapData, *, layout: str = "tree", lang: str | None = None,
                      redact: Redactor | None = None, max_nodes: int = 2000) -> list[str]:
    """The tree (or timeline) of :func:`render_svg` as one SVG document per
    sheet (each 247 × 160 mm, the text area of an A4 landscape page in Word:
    pasted at page width, or printed at 100 %, its text is 7.5 pt, a
    timeline's 6.75 pt and more)."""
    return render_svg_book(data, layout=layout, lang=lang, redact=redact, max_nodes=max_nodes)[1]


def render_svg_book(data: MapData, *, layout: str = "tree", lang: str | None = None,
                    redact: Redactor | None = None, max_nodes: int = 2000) -> tuple[str, list[str]]:
    """The tree's or the timeline's SVG file (:func:`render_svg`) and its
    sheets (:func:`render_svg_sheets`), laid out once."""
    if layout == "timeline":  # the timeline cut into sheets at print size (tracing.printtime)
        p = _prepare(data, "timeline", lang, redact, max_nodes)
        book = _printtime.paginate(p.drawing, "WORD", notes=len(p.notices))
        markups = _printtime.sheets_markup(book, p.drawing, p.nodes, p.text, p.title, p.subtitle, p.notices)
        return _printbook.document_of("WORD", p.title, markups), _printbook.svgs_of("WORD", p.title, markups)
    p, placed, book = _svg_book(data, lang, redact, max_nodes)
    return (_printbook.document(book, placed, p.text, p.title, p.subtitle, p.notices),
            _printbook.sheet_svgs(book, placed, p.text, p.title, p.subtitle, p.notices))


def printed_label_pt(width: float, height: float, paper: str = "A4", area: dict | None = None) -> float:
    """The height (points) of a person's label when a drawing of ``width`` ×
    ``height`` px is printed whole, fitted to ``paper`` in landscape
    (``area``: :data:`SVG_PRINT_AREA` by default); the label is
    :data:`tracing.diagram.FS` px on screen.

    >>> round(printed_label_pt(1000, 500), 2)
    10.35
    """
    w, h = (area or SVG_PRINT_AREA)[paper]
    return _diagram.FS * min(w / max(width, 1), h / max(height, 1)) / (25.4 / 72)


def pt_text(pt: float) -> str:
    """A text size for people, in points: one decimal, never "0" (under 0.05: "< 0.1").

    >>> with in_language("en"):
    ...     pt_text(0.004), pt_text(6.04)
    ('< 0.1', '6.0')
    """
    return f"< {fmt_decimal(0.1, 1)}" if pt < 0.05 else fmt_decimal(pt, 1)


def svg_print_warning(svg: str) -> str | None:
    """A warning when a static SVG (:func:`render_svg`) printed whole would
    have labels under :data:`PRINT_MIN_PT` points on A4 (naming A3 when that
    is enough), else None."""
    m = re.search(r'<svg [^>]*width="([\d.]+)" height="([\d.]+)"', svg)
    if not m:
        return None
    width, height = float(m.group(1)), float(m.group(2))
    a4, a3 = printed_label_pt(width, height, "A4"), printed_label_pt(width, height, "A3")
    if a4 >= PRINT_MIN_PT:
        return None
    if a3 >= PRINT_MIN_PT:
        return _("printed whole on A4 the labels would be {a4} pt high, too small to read (under {min} pt): "
                 "print it on A3 ({a3} pt)").format(a4=pt_text(a4), a3=pt_text(a3),
                                                     min=fmt_decimal(PRINT_MIN_PT, 0))
    return _("printed whole the labels would be {a4} pt high on A4 and {a3} pt on A3, too small to read "
             "(under {min} pt): print parts of it from the HTML page (Print the current view) or draw fewer "
             "persons (--max-nodes, a ROOT deeper in the tree)").format(
                 a4=pt_text(a4), a3=pt_text(a3), min=fmt_decimal(PRINT_MIN_PT, 0))


def _level_name(level: int | None, text: dict) -> str:
    return text["level_none"] if level is None else f"F{level}"


def _controls_html(text: dict, wards: list[str], layout: str = "tree") -> str:
    esc = html.escape
    options = "".join(f'<option value="{esc(w)}">{esc(w)}</option>' for w in wards)
    papers = "".join(f'<option value="{p}">{p}</option>' for p in PAPERS)
    return (
        f'<input id="search" type="search" autocomplete="off" placeholder="{esc(text["search"])}" '
        f'aria-label="{esc(text["search"])}">'
        f'<button id="search-clear" type="button">{esc(text["clear"])}</button>'
        f'<label class="ward">{esc(text["ward_label"])} <select id="ward-filter">'
        f'<option value="">{esc(text["ward_all"])}</option>{options}</select></label>'
        f'<button id="zoom-in" type="button" title="{esc(text["zoom_in"])}" aria-label="{esc(text["zoom_in"])}">+</button>'
        f'<button id="zoom-out" type="button" title="{esc(text["zoom_out"])}" aria-label="{esc(text["zoom_out"])}">−</button>'
        f'<button id="start" type="button">{esc(text["start"])}</button>'
        f'<button id="fit" type="button">{esc(text["fit"])}</button>'
        + (f'<button id="unfold-all" type="button">{esc(text["unfold_all"])}</button>' if layout == "tree" else "")
        + f'<span class="print-opts"><select id="print-what" aria-label="{esc(text["print"])}">'
        f'<option value="whole">{esc(text["print_whole"])}</option>'
        f'<option value="view">{esc(text["print_view"])}</option></select>'
        f'<label>{esc(text["paper"])} <select id="paper">{papers}</select></label>'
        f'<button id="print" type="button">{esc(text["print"])}</button>'
        f'<span id="print-warning" class="print-warn" role="status"></span></span>'
        f'<span id="search-info" aria-live="polite"></span>'
    )


def _legend_html(text: dict, counts: dict[str, int], contacts: bool = False, layout: str = "tree") -> str:
    esc = html.escape

    def swatch(key: str, word: str, extra: str = "") -> str:
        st = STYLE[key]
        fill = st["card"] if layout == "tree" or key == "count" else st["bg"]
        style = f"background:{fill};border-color:{st['border']};border-style:{'dashed' if st['dash'] else 'solid'}"
        return f'<span class="sw{extra}" style="{style}">{esc(word)}</span>'

    items = []
    for key in ("f0", "f1", "f2", "f3", "none"):
        word = {"none": "–"}.get(key, key.upper())
        items.append(
            f'<label class="item" data-level="{key}"><input type="checkbox" class="level-filter" value="{key}" checked>'
            f'{swatch(key, word)}{esc(text[key])} <span class="n">({counts.get(key, 0)})</span></label>')
    items.append(f'<span class="item" data-level="unknown">{swatch("f0", "F0?", " unknown")}{esc(text["unknown"])} '
                 f'<span class="n">({counts.get("unknown", 0)})</span></span>')
    items.append(f'<span class="item" data-level="count">{swatch("count", "+")}{esc(text["count"])}</span>')
    items.append(f'<span class="item"><span class="line"></span>{esc(text["edge_primary"])}</span>')
    items.append(f'<span class="item"><span class="line dashed"></span>{esc(text["edge_other"])}</span>')
    if contacts:
        items.append(f'<span class="item" data-edge="contact"><span class="line contact"></span>'
                     f'{esc(text["edge_contact"])}</span>')
    if layout == "tree":
        items.append(f'<span class="item abbrev">{esc(text["abbrev"])}</span>')
    return f'<div id="legend" role="group" aria-label="{esc(text["legend"])}">{"".join(items)}</div>'


def write_html(html_text: str, path) -> None:
    """Save a page (or an SVG document) as UTF-8 whatever the locale,
    atomically (a reader never sees half a file) and private to its owner
    (0600). Raises :class:`TracingError` naming the path when it cannot be
    written."""
    write_text(path, html_text, what="map")  # private (0600): a map shows people and their contacts


_TEMPLATE = """<!DOCTYPE html>
<html lang="%%LANG%%">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<script>window.__mapErrors=[];function __mapError(m){window.__mapErrors.push(String(m));var s=document.getElementById("render-status");if(s){s.setAttribute("data-errors",window.__mapErrors.join(" | "));}}
window.addEventListener("error",function(e){__mapError(e.message||e);});
window.addEventListener("unhandledrejection",function(e){__mapError(e.reason);});</script>
<style>%%PAGE_CSS%%</style>
<style id="page-size">@page{size:A4 landscape;margin:8mm}@media print{html,body{height:193mm}#map{flex:none!important;height:165mm!important}}</style>
</head>
<body class="layout-%%LAYOUT%%">
<header>
<h1 id="map-title">%%TITLE%%</h1>
<p id="map-subtitle">%%SUBTITLE%%</p>
%%NOTICES%%
<div id="controls">%%CONTROLS%%</div>
%%LEGEND%%
<ul id="search-results" hidden></ul>
</header>
<main>
<div id="map">
<svg id="diagram" xmlns="http://www.w3.org/2000/svg" viewBox="%%VIEWBOX%%" preserveAspectRatio="xMidYMid meet" font-family="%%FONT%%" role="img" aria-labelledby="map-title">%%DEFS%%<g id="drawing">%%DRAWING%%</g></svg>
<svg id="axis" xmlns="http://www.w3.org/2000/svg" aria-hidden="true"></svg>
<canvas id="overview" width="220" height="140" title="%%OVERVIEW%%" aria-label="%%OVERVIEW%%"></canvas>
</div>
<aside id="panel" aria-live="polite">
<div class="panel-head"><h2>%%PANEL_TITLE%%</h2><button id="panel-close" type="button">%%CLOSE%%</button></div>
<div id="panel-body"><p class="empty">%%PANEL_EMPTY%%</p></div>
</aside>
</main>
<div id="render-status" hidden data-state="loading" data-total="%%TOTAL%%" data-nodes="" data-errors=""></div>
<script type="application/json" id="map-data">%%DATA%%</script>
%%BOOK%%
<script>%%PAGE_JS%%</script>
</body>
</html>
"""

_PAGE_CSS = """
html,body{margin:0;height:100%;font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2328;background:#fff}
body{display:flex;flex-direction:column}
header{padding:8px 14px 6px;border-bottom:1px solid #d0d7de;background:#f6f8fa;position:relative}
h1{font-size:20px;margin:0 0 2px}
#map-subtitle{margin:0 0 6px;color:#57606a;font-size:14px}
.notice{margin:4px 0;padding:4px 8px;background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;font-size:13px}
#controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:4px 0;font-size:14px}
#search{width:280px;padding:4px 8px;font-size:14px}
#controls button,#panel button,#controls select{font-size:13px;padding:3px 10px;cursor:pointer}
#zoom-in,#zoom-out{width:30px;padding:3px 0!important}
.print-warn{visibility:hidden;color:#6f4e00;background:#fff8c5;border:1px solid #d4a72c;
 border-radius:4px;padding:1px 6px;font-size:13px;cursor:help}
.print-warn.on{visibility:visible}
.print-opts{display:inline-flex;gap:6px;align-items:center;margin-left:8px;padding-left:10px;border-left:1px solid #d0d7de}
#search-info{color:#57606a;font-size:13px}
#legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;align-items:center}
#legend .item{display:inline-flex;align-items:center;gap:5px;cursor:default}
#legend label.item{cursor:pointer}
#legend .n,#legend .abbrev{color:#57606a}
.sw{display:inline-block;min-width:22px;height:16px;line-height:16px;border-radius:4px;border:2px solid #999;
 font-size:11px;font-weight:700;text-align:center;padding:0 2px;color:#1f2328}
.sw.unknown{outline:1.5px solid #1b1b1b;outline-offset:-5px}
.line{display:inline-block;width:26px;border-top:2px solid #57606a}
.line.dashed{border-top:2px dashed #8c959f}
.line.contact{border-top:1px solid #bcc3cb}
#search-results{position:absolute;z-index:10;left:14px;top:100%;margin:0;padding:4px 0;list-style:none;background:#fff;
 border:1px solid #d0d7de;box-shadow:0 4px 12px rgba(0,0,0,.15);max-height:320px;overflow:auto;min-width:300px}
#search-results li button{display:block;width:100%;text-align:left;border:0;background:none;padding:4px 10px;font-size:14px;cursor:pointer}
#search-results li button:hover{background:#eaeef2}
main{flex:1;display:flex;min-height:0}
#map{flex:1;min-width:0;position:relative;overflow:hidden;background:#fff}
#diagram{position:absolute;left:0;top:0;width:100%;height:100%;cursor:grab;touch-action:none;user-select:none}
#diagram.dragging{cursor:grabbing}
#diagram .n,#diagram .rl{cursor:pointer}
#diagram.far .lbl,#diagram.far .row{display:none}
#diagram .off{display:none}
#diagram .crowd{visibility:hidden}
body.layout-network #diagram g.n > text.lbl{paint-order:stroke;stroke:#fff;stroke-width:5px;stroke-linejoin:round}
#diagram text.rl{font-size:var(--rl,13px);transform:translateY(var(--rly,0px))}
#diagram .n.sel>rect:first-of-type,#diagram .n.sel>circle:first-of-type{stroke:#0969da;stroke-width:4;stroke-dasharray:none}
#diagram .n.hit>rect:first-of-type,#diagram .n.hit>circle:first-of-type{stroke:#0969da;stroke-width:3}
#axis{position:absolute;left:0;top:0;width:100%;height:44px;pointer-events:none;display:none}
body.layout-timeline #axis{display:block}
body.layout-timeline #diagram .tick{display:none}
#overview{position:absolute;right:10px;bottom:10px;width:220px;height:140px;background:rgba(255,255,255,.92);
 border:1px solid #d0d7de;border-radius:4px;cursor:pointer;box-shadow:0 1px 4px rgba(0,0,0,.12);opacity:.45}
#overview:hover,#overview.near{opacity:1}
#panel{width:300px;border-left:1px solid #d0d7de;overflow:auto;padding:8px 12px;font-size:14px;background:#fff}
.panel-head{display:flex;justify-content:space-between;align-items:center}
.panel-head h2{font-size:16px;margin:4px 0}
#panel dl{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;margin:8px 0}
#panel dt{color:#57606a}
#panel dd{margin:0;overflow-wrap:anywhere}
#panel .empty{color:#57606a}
#panel ol{padding-left:22px;margin:6px 0}
.tip{font-size:13px;line-height:1.35;max-width:320px;white-space:normal}
.tip-name{font-weight:600;font-size:14px;margin-bottom:2px;overflow-wrap:anywhere}
.tip-line{overflow-wrap:anywhere}
.src-link{border:0;background:none;color:#0969da;padding:0;cursor:pointer;text-decoration:underline;font:inherit;text-align:left}
@media print{
 /* one sheet: the page is exactly the paper's printable height (set per paper), the header takes what it
    needs and the map the rest, the drawing scaled into it (viewBox, meet); nothing flows onto a second sheet */
 html,body{background:#fff;overflow:hidden}
 body{display:flex;flex-direction:column;break-inside:avoid;page-break-inside:avoid}
 header{background:#fff;border:0;padding:0 0 4px;flex:none}
 #controls,#search-results,#panel,#overview,.notice,#legend input{display:none!important}
 main{display:flex;flex:1 1 auto;min-height:0;overflow:hidden}
 #map{flex:1 1 auto;width:100%;height:auto;min-height:0;box-sizing:border-box;border:1px solid #d0d7de;overflow:hidden}
 #diagram{cursor:default}
 #diagram.far .lbl,#diagram.far .row,body.layout-timeline #diagram .tick{display:inline}
 body.layout-timeline #axis{display:none}
 #legend{font-size:11px}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
 /* the whole tree: its sheets at print size (tracing.printbook), one per page, nothing of the screen */
 html.book-on,html.book-on body{height:auto!important;overflow:visible!important}
 html.book-on body{display:block}
 html.book-on header,html.book-on main{display:none!important}
 html.book-on #book{display:block}
 #book .sheet{width:100%;height:192mm;break-after:page;page-break-after:always;overflow:hidden;break-inside:avoid}
 #book .sheet:last-child{break-after:auto;page-break-after:auto}
 #book .sheet svg{display:block;width:100%;height:100%}
 html.paper-A3 #book .sheet{height:279mm}
}
#book{display:none}
"""

_PAGE_JS = r"""
(function () {
"use strict";
var STATUS = document.getElementById("render-status");
var DATA = JSON.parse(document.getElementById("map-data").textContent);
var T = DATA.text, P = DATA.nodes, H = DATA.folded || [], CARD_W = DATA.card_w || 0;
var SVG = document.getElementById("diagram"), MAP = document.getElementById("map");
var B = DATA.decor.bounds, COLS = DATA.decor.cols, AXIS = document.getElementById("axis");
var AXIS_H = COLS.length ? 44 : 0;

function fold(s) {
  return String(s || "").replace(/\u0111/g, "d").replace(/\u0110/g, "D").normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
}
function fmt(t, v) { return t.replace(/\{(\w+)\}/g, function (m, k) { return v[k] === undefined ? m : String(v[k]); }); }
function el(tag, text, cls) {
  var e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}
function levelName(lv) { return (lv === null || lv === undefined) ? T.level_none : "F" + lv; }
function levelKey(lv) { return (lv === null || lv === undefined) ? "none" : (lv >= 3 ? "f3" : "f" + Math.max(lv, 0)); }
// a count node's words: its persons per level, every level it folds and no other (tracing.layout.count_text)
function lvsOf(r) { return r.lvs || [[r.lv === undefined ? null : r.lv, r.col]]; }
function countParts(lvs) {
  return lvs.slice().sort(function (a, b) { return ((a[0] === null) - (b[0] === null)) || ((a[0] || 0) - (b[0] || 0)); })
    .filter(function (p) { return p[1] > 0; }).map(function (p) { return p[1] + " " + levelName(p[0]); });
}
function countText(lvs) { return "+" + countParts(lvs).join(" · "); }
function countLines(lvs) {  // as tracing.layout.count_lines: cut at " · ", about 17 characters a line
  var lines = [];
  countText(lvs).split(" · ").forEach(function (part) {
    if (lines.length && lines[lines.length - 1].length + 3 + part.length <= 17) { lines[lines.length - 1] += " · " + part; }
    else { lines.push(part); }
  });
  return lines;
}
function countTip(n, lvs) {
  return fmt(n === 1 ? T.count_tip_one : T.count_tip, {n: n, levels: countParts(lvs).join(", ")});
}
function label(r) { return r.col ? countText(lvsOf(r)) : (r.name || r.pid); }
// keyed by ids people typed: Maps, so an id such as __proto__ or toString is just an id
var byPid = new Map(), hiddenPid = new Map(), countOf = [];
P.forEach(function (r, i) {
  if (r.pid !== undefined) { byPid.set(r.pid, i); }
  (r.mem || []).forEach(function (j) { countOf[j] = i; });
});
H.forEach(function (r, j) { hiddenPid.set(r.pid, j); });
function who(pid) {
  var i = byPid.get(pid), r = i !== undefined ? P[i] : (hiddenPid.has(pid) ? H[hiddenPid.get(pid)] : null);
  return (r && r.name) ? r.name + " (" + pid + ")" : pid;
}
function place(r) { return [r.ward, r.unit].filter(Boolean).join(" / "); }

// ---- nodes and edges of the drawing, by index
// built from their markup the first time they are wanted (in view, found, filtered, printed): a page of
// 10,000 persons parses and lays out only the few hundred on screen when it opens
var NS = "http://www.w3.org/2000/svg", BOX = document.createElementNS(NS, "g"), MOVED = false, OFF = null, DPATH = [];
function build(markup) { BOX.innerHTML = markup; var e = BOX.firstElementChild; BOX.removeChild(e); return e; }
function lazy(markup, fix) {
  return new Proxy([], {get: function (made, key) {
    if (typeof key === "string" && key.charCodeAt(0) <= 57 && key.charCodeAt(0) >= 48) {
      var i = +key;
      if (made[i] === undefined && markup[i]) { made[i] = build(markup[i]); fix(made[i], i); }
      return made[i];
    }
    return key === "length" ? markup.length : made[key];
  }});
}
var G = lazy(DATA.cards, function (g, i) {
  if (MOVED) { g.setAttribute("transform", "translate(" + P[i].x + " " + P[i].y + ")"); }
  if (OFF && OFF[i]) { g.classList.add("off"); }
});
var HAS_NAMES = !!(DATA.names && DATA.names.length);
var L = lazy(DATA.names || [], function (t, i) {
  if (MOVED) { t.setAttribute("y", P[i].y + 5); }
  if (OFF && OFF[i]) { t.classList.add("off"); }
});
var ROWLABELS = SVG.querySelector("g.rowlabels"), RL_BG = SVG.querySelector("rect.rl-bg"), LABEL_LEFT = DATA.decor.label_left;
var RL_BG_W = RL_BG ? +RL_BG.getAttribute("width") : 0, RL_W = RL_BG_W, RL_FS = DATA.decor.label_fs || 13;
var EDGES = lazy(DATA.lines, function (e, k) {
  if (DPATH[k]) { e.setAttribute("d", DPATH[k]); }
  if (OFF && !(OFF.vis[EF[k]] && OFF.vis[ET[k]])) { e.classList.add("off"); }
});
// ---- culling: only what is in (or near) the view is in the document, so a map of 10,000
// persons opens and pans like a small one; print and "fit all" bring everything back
var EF = DATA.edges.map(function (e) { return e.f; }), ET = DATA.edges.map(function (e) { return e.t; });
var nodeIn = new Uint8Array(P.length), edgeIn = new Uint8Array(EF.length), labelIn = new Uint8Array(P.length);
var NODE_G = SVG.querySelector("g.nodes"), EDGE_G = SVG.querySelector("g.edges");
function cull(x0, y0, x1, y1) {
  var i, on, a, b, rows;
  for (i = 0; i < P.length; i++) {
    rows = P[i].y >= y0 - 100 && P[i].y <= y1 + 100;
    on = rows && P[i].x >= x0 - 200 && P[i].x <= x1 + 200 && (!SHOWN || SHOWN[i]) ? 1 : 0;
    if (on !== nodeIn[i]) {
      nodeIn[i] = on;
      if (on) { NODE_G.insertBefore(G[i], ROWLABELS && ROWLABELS.parentNode === NODE_G ? ROWLABELS : null); } else { G[i].remove(); }
    }
    rows = rows && (!SHOWN || SHOWN[i]);
    if (HAS_NAMES && (rows ? 1 : 0) !== labelIn[i]) {  // a timeline's name: by row only (it stays in view)
      labelIn[i] = rows ? 1 : 0;
      if (rows) { ROWLABELS.appendChild(L[i]); } else { L[i].remove(); }
    }
  }
  for (i = 0; i < EF.length; i++) {
    a = P[EF[i]]; b = P[ET[i]];
    on = Math.max(a.x, b.x) >= x0 - 200 && Math.min(a.x, b.x) <= x1 + 200 &&
         Math.max(a.y, b.y) >= y0 - 100 && Math.min(a.y, b.y) <= y1 + 100 &&
         (!SHOWN || (SHOWN[EF[i]] && SHOWN[ET[i]])) ? 1 : 0;
    if (on !== edgeIn[i]) { edgeIn[i] = on; if (on) { EDGE_G.appendChild(EDGES[i]); } else { EDGES[i].remove(); } }
  }
}

// ---- the view: a viewBox that matches the map's box, so one unit is k screen pixels
var view = {x: B[0], y: B[1], k: 1};
function size() { return {w: MAP.clientWidth || 800, h: MAP.clientHeight || 600}; }
// the tree's "Generation N" labels: left of the tree, or at the view's left edge when the tree's left is out
// of view, always whole (never "eration 1"), over the cards with a white halo
// on a white strip of their own above the cards (as the timeline's names column)
var ROWS = Array.prototype.slice.call(SVG.querySelectorAll("text.row")), ROW_G = null, ROW_BG = null;
if (ROWS.length) {
  ROW_G = document.createElementNS("http://www.w3.org/2000/svg", "g"); ROW_G.setAttribute("class", "rows");
  ROW_BG = document.createElementNS("http://www.w3.org/2000/svg", "rect");
  ROW_BG.setAttribute("fill", "#ffffff"); ROW_BG.setAttribute("stroke", "#d0d7de");
  ROW_G.appendChild(ROW_BG);
  ROWS.forEach(function (t) { ROW_G.appendChild(t); });
  SVG.querySelector("#drawing").appendChild(ROW_G);
}
function pinRows(left) {
  var pinned = false, widest = 0;
  ROWS.forEach(function (t) {
    if (t.x0 === undefined) { t.x0 = +t.getAttribute("x"); }
    if (t.style.display === "none") { return; }
    var w = t.w0 || (t.w0 = t.getComputedTextLength()), x = Math.max(t.x0, left + w + 6 / view.k);
    pinned = pinned || x > t.x0; widest = Math.max(widest, w);
    t.setAttribute("x", x.toFixed(1));
  });
  if (ROW_BG) {
    ROW_BG.setAttribute("display", pinned ? "inline" : "none");
    ROW_BG.setAttribute("x", left); ROW_BG.setAttribute("y", B[1] - 1e5); ROW_BG.setAttribute("height", B[3] - B[1] + 2e5);
    ROW_BG.setAttribute("width", (widest + 12 / view.k).toFixed(1));
  }
}
function apply() {
  var s = size();
  cull(view.x, view.y, view.x + s.w / view.k, view.y + s.h / view.k);
  SVG.setAttribute("viewBox", view.x + " " + view.y + " " + (s.w / view.k) + " " + (s.h / view.k));
  SVG.classList.toggle("far", view.k < 0.4);
  if (ROWLABELS && LABEL_LEFT !== null) {  // the timeline's names stay in view when panning right
    // zoomed in, the names keep their size on screen, so their column never grows over the marks
    var dx = Math.max(0, view.x - LABEL_LEFT), z = Math.min(1, 1 / view.k);
    ROWLABELS.setAttribute("transform", "translate(" + dx.toFixed(1) + " 0)");
    ROWLABELS.style.setProperty("--rl", (RL_FS * z).toFixed(2) + "px");
    ROWLABELS.style.setProperty("--rly", (5 * z - 5).toFixed(2) + "px");  // the baseline is 5 units below the row's middle
    RL_BG.setAttribute("width", (RL_W * z).toFixed(1));
    RL_BG.setAttribute("fill-opacity", dx > 0 ? "1" : "0");
  }
  pinRows(view.x);
  drawAxis(); drawOverview(); declutter(); printCheck();
  STATUS.setAttribute("data-scale", view.k.toFixed(3));
}
// ---- labels never lie on one another, whatever the layout: where two would, the one of the lower
// level (F0 before F1 ..., a selected or found person first) keeps its name; the other's shows on hover
// and comes back when zooming in makes room
function declutter() {
  var crowded = SVG.querySelectorAll("g.n > text.lbl.crowd"), k, boxes = [], kept = [];
  for (k = 0; k < crowded.length; k++) { crowded[k].classList.remove("crowd"); }
  if (SVG.classList.contains("far")) { return; }
  var texts = NODE_G.querySelectorAll("g.n > text.lbl");
  for (k = 0; k < texts.length; k++) {
    var g = texts[k].parentNode, i = g.getAttribute("data-i"), r = P[+i] || {};
    var rank = g.classList.contains("sel") || g.classList.contains("hit") ? -1 : (i === null || r.col ? 99 : (r.lv === undefined || r.lv === null ? 50 : r.lv));
    boxes.push({t: texts[k], rank: rank, k: k, b: texts[k].getBoundingClientRect()});
  }
  boxes.sort(function (a, b) { return a.rank - b.rank || a.k - b.k; });
  var cell = 200, grid = new Map();
  function put(b) {
    for (var cx = Math.floor(b.left / cell); cx <= Math.floor(b.right / cell); cx++) {
      for (var cy = Math.floor(b.top / cell); cy <= Math.floor(b.bottom / cell); cy++) {
        var key = cx + "," + cy; (grid.get(key) || grid.set(key, []).get(key)).push(b);
      }
    }
  }
  // the persons' marks (a circle, a timeline's box) are in the way too, except a label's own card
  Array.prototype.forEach.call(NODE_G.querySelectorAll("g.n > circle:first-of-type"), function (c) {
    var b = c.getBoundingClientRect();
    put({left: b.left, right: b.right, top: b.top, bottom: b.bottom, g: c.parentNode});
  });
  boxes.forEach(function (x) {
    var b = x.b, cx0 = Math.floor(b.left / cell), cx1 = Math.floor(b.right / cell), cy0 = Math.floor(b.top / cell),
      cy1 = Math.floor(b.bottom / cell), cx, cy, hit = false;
    if (b.width === 0) { return; }
    for (cx = cx0; cx <= cx1 && !hit; cx++) {
      for (cy = cy0; cy <= cy1 && !hit; cy++) {
        (grid.get(cx + "," + cy) || []).forEach(function (o) {
          if (o.g !== x.t.parentNode && Math.min(b.right, o.right) - Math.max(b.left, o.left) > 1 && Math.min(b.bottom, o.bottom) - Math.max(b.top, o.top) > 1) { hit = true; }
        });
      }
    }
    if (hit) { x.t.classList.add("crowd"); return; }
    kept.push(x);
    put({left: b.left, right: b.right, top: b.top, bottom: b.bottom, g: x.t.parentNode});
  });
  STATUS.setAttribute("data-crowded", String(boxes.length - kept.length));
}
function centreOn(x, y, k) {
  var s = size();
  view.k = k; view.x = x - s.w / 2 / k; view.y = y - (s.h + AXIS_H) / 2 / k; apply();
}
function fitScale() {
  var s = size();
  return Math.min(s.w / (B[2] - B[0]), (s.h - AXIS_H) / (B[3] - B[1])) * 0.96;
}
function fitAll() {
  var k = Math.min(fitScale(), 1.6), s = size();
  if (DATA.layout === "timeline" && k < DATA.readable) {
    // a timeline too tall to fit readably: all its dates across the width with the names column, from its
    // first row (the others by scrolling), never a column a few pixels wide with one date on its axis
    view.k = Math.min(s.w / (B[2] - B[0]) * 0.98, 1.6); view.x = B[0]; view.y = B[1] - AXIS_H / view.k; apply();
    return;
  }
  centreOn((B[0] + B[2]) / 2, (B[1] + B[3]) / 2, k);
}
function openView() {
  // the whole map when it is readable so; else the roots and first generations at a readable zoom
  var k = fitScale(), s = size();
  if (GROUPS) { SHOWN.set(INIT); regroup(); k = fitScale(); }  // back to the start
  if (TR) {
    if (folding || !atStart()) { SHOWN.set(INIT); relayout(); k = fitScale(); }  // back to the start
    if (k < DATA.readable) { openDepth(s.w / DATA.readable - TR.card[0]); k = fitScale(); }
  }
  if (k >= DATA.readable) { fitAll(); return; }
  k = DATA.readable;
  var root = DATA.roots.length ? P[DATA.roots[0]] : P[0];
  if (DATA.layout === "network") { centreOn(root ? root.x : 0, root ? root.y : 0, k); return; }
  view.k = k;
  view.y = B[1] - AXIS_H / k;
  if (DATA.layout === "tree" && root) {
    // the root's children band: the widest run of its children that fits the screen with the root
    var W = s.w / k - CARD_W, r0 = P.indexOf(root), xs = [], best = -1, mid = root.x, i, j;
    DATA.edges.forEach(function (e) { if (e.p && e.f === r0) { xs.push(P[e.t].x); } });
    xs.sort(function (a, b) { return a - b; });
    for (i = 0, j = 0; i < xs.length; i++) {
      if (j < i) { j = i; }
      while (j + 1 < xs.length && xs[j + 1] - xs[i] <= W) { j++; }
      var lo = Math.min(xs[i], root.x), hi = Math.max(xs[j], root.x);
      if (hi - lo <= W && j - i + 1 > best) { best = j - i + 1; mid = (lo + hi) / 2; }
    }
    view.x = mid - s.w / 2 / k;
  } else {
    view.x = B[0];
  }
  apply();
}
function openDepth(width) {
  // the deepest unfolding at which the first root and all its children fit a screen's width
  var deepest = 0, best = 1, d, r0 = DATA.roots.length ? DATA.roots[0] : TOPS[0];
  for (var i = 0; i < P.length; i++) { deepest = Math.max(deepest, GEN[i]); }
  for (d = 1; d <= deepest; d++) {
    foldBelow(d);
    var lo = P[r0].x, hi = P[r0].x;
    (KIDS[r0] || []).forEach(function (c) { lo = Math.min(lo, P[c].x); hi = Math.max(hi, P[c].x); });
    if (hi - lo > width) { break; }
    best = d;
  }
  if (best !== d) { foldBelow(best); }
}
function zoomAt(factor, cx, cy) {
  var k = Math.max(0.02, Math.min(6, view.k * factor));
  var ux = view.x + cx / view.k, uy = view.y + cy / view.k;
  view.k = k; view.x = ux - cx / k; view.y = uy - cy / k; apply();
}

// ---- folding (tree): a big tree opens on its first generations, the deeper ones folded into
// count nodes per branch and generation ("+37 F2") that unfold in place on a click; what is
// unfolded is laid out again (a tidy tree: each subtree as close to its left neighbour as its
// contour allows, leaf families stacked in columns, as tracing.layout does)
var ROOT_BATCH = 100;  // roots folded on opening that come out per click on their count node
var TR = DATA.tree || null, SHOWN = null, KIDS = [], GEN = null, TOPS = [], CNODES = [], CN_G = null, CN_E = null;
// INIT: what the page draws on opening (--max-nodes): the persons the page holds beyond it wait folded
// in count nodes, which unfold in place like any other
var INIT = new Uint8Array(P.length).fill(1);
(DATA.fold || []).forEach(function (i) { INIT[i] = 0; });
function atStart() { for (var i = 0; i < P.length; i++) { if (SHOWN[i] !== INIT[i]) { return false; } } return true; }
if (TR) {
  SHOWN = new Uint8Array(P.length).fill(1);
  GEN = new Int32Array(P.length);
  TR.order.forEach(function (i) {
    var p = TR.par[i];
    if (p < 0) { TOPS.push(i); GEN[i] = 0; } else { (KIDS[p] = KIDS[p] || []).push(i); GEN[i] = GEN[p] + 1; }
  });
  CN_E = document.createElementNS("http://www.w3.org/2000/svg", "g"); CN_E.setAttribute("class", "fold-edges");
  CN_G = document.createElementNS("http://www.w3.org/2000/svg", "g"); CN_G.setAttribute("class", "fold-nodes");
  EDGE_G.appendChild(CN_E); NODE_G.appendChild(CN_G);
}
var folding = false, TREE_EDGE = DATA.edges.map(function (e, k) { return TR && e.k === "p" && TR.par[ET[k]] === EF[k]; });
function elbow(a, b, stacked, top) {  // top: the y of b's generation band (its top row)
  var cw = TR.card[0], ch = TR.card[1], gap = TR.card[2], mid = top - ch / 2 - Math.floor((TR.card[3] - ch) / 2);
  if (stacked) {
    var spine = b.x - cw / 2 - gap / 2;
    return "M" + a.x + "," + (a.y + ch / 2) + " L" + a.x + "," + mid + " L" + spine + "," + mid + " L" + spine + "," + b.y +
      " L" + (b.x - cw / 2) + "," + b.y;
  }
  return "M" + a.x + "," + (a.y + ch / 2) + " L" + a.x + "," + mid + " L" + b.x + "," + mid + " L" + b.x + "," + (b.y - ch / 2);
}
function curve(a, b) {  // an other source: a lane of its own, or two stubs when far (tracing.layout.other_route)
  var h = TR.card[1] / 2, way = b.x >= a.x ? 1 : -1, c = TR.edge[2], x0 = a.x + way * TR.edge[3], x1 = b.x - way * TR.edge[3];
  var y0 = b.y >= a.y ? a.y + h : a.y - h, y1 = b.y > a.y ? b.y - h : b.y + h;
  var len = Math.hypot(x1 - x0, y1 - y0) || 1, ux = (x1 - x0) / len, uy = (y1 - y0) / len, st = TR.edge[1];
  if (len > TR.edge[0]) {
    return "M" + x0 + "," + y0 + " L" + (Math.round((x0 + ux * st) * 10) / 10) + "," + (Math.round((y0 + uy * st) * 10) / 10) +
      " M" + (Math.round((x1 - ux * st) * 10) / 10) + "," + (Math.round((y1 - uy * st) * 10) / 10) + " L" + x1 + "," + y1;
  }
  var lane = Math.min(a.y, b.y) + h + c, turn = x1 !== x0 ? way : 0;
  var pts = [[x0, y0], [x0, y0 < lane ? lane - c : lane + c], [x0 + turn * c, lane], [x1 - turn * c, lane],
             [x1, y1 > lane ? lane + c : lane - c], [x1, y1]];
  return "M" + pts.filter(function (p, k) { return !k || p[0] !== pts[k - 1][0] || p[1] !== pts[k - 1][1]; })
    .map(function (p) { return p[0] + "," + p[1]; }).join(" L");
}
function countCard(c) {
  var cw = TR.card[0], ch = TR.card[1], st = TR.count_style, g = document.createElementNS(NS, "g");
  g.setAttribute("class", "n lv-count col fold");
  g.setAttribute("data-c", String(c.k));
  var rect = document.createElementNS(NS, "rect");
  [["x", -cw / 2], ["y", -ch / 2], ["width", cw], ["height", ch], ["rx", 14], ["fill", st[0]], ["stroke", st[1]],
   ["stroke-width", st[2]]].forEach(function (a) { rect.setAttribute(a[0], a[1]); });
  if (st[3]) { rect.setAttribute("stroke-dasharray", st[3]); }
  var title = document.createElementNS(NS, "title");
  title.textContent = countTip(c.n, c.lvs) + " · " + T.count_open;
  var t = document.createElementNS(NS, "text");
  t.setAttribute("class", "lbl"); t.setAttribute("fill", "#1f2328");
  var words = countLines(c.lvs).concat([T.count_sub]);
  if (words.length > 3) { words = words.slice(0, 2).concat([words.slice(2, -1).join(" · ")]); }
  words.map(function (w, j) { return [w, j ? "400" : "700"]; }).forEach(function (line, j) {
    var s = document.createElementNS(NS, "tspan");
    s.setAttribute("x", -cw / 2 + 8); s.setAttribute("y", -ch / 2 + (words.length > 2 ? 17 : 24) + j * 17);
    s.setAttribute("font-size", j > 1 ? TR.fs - 1 : TR.fs);
    s.setAttribute("font-weight", line[1]); s.textContent = line[0]; t.appendChild(s);
  });
  g.appendChild(title); g.appendChild(rect); g.appendChild(t);
  g.setAttribute("transform", "translate(" + c.x + " " + c.y + ")");
  return g;
}
function relayout() {
  // count nodes: the hidden persons under each drawn one, per generation
  var anchor = new Int32Array(P.length).fill(-1), per = new Map();
  TR.order.forEach(function (i) {
    if (SHOWN[i]) { return; }
    var p = TR.par[i], a = p < 0 ? -1 : SHOWN[p] ? p : anchor[p];  // -1: the roots folded on opening
    anchor[i] = a;
    var m = per.get(a); if (!m) { m = new Map(); per.set(a, m); }
    var e = m.get(GEN[i]); if (!e) { e = {n: 0, lv: null, per: new Map()}; m.set(GEN[i], e); }
    e.n += P[i].col || 1;
    (P[i].col ? lvsOf(P[i]) : [[P[i].lv === undefined ? null : P[i].lv, 1]]).forEach(function (p) {
      e.per.set(p[0], (e.per.get(p[0]) || 0) + p[1]);
    });
    if (P[i].lv !== undefined && P[i].lv !== null && (e.lv === null || P[i].lv < e.lv)) { e.lv = P[i].lv; }
  });
  CNODES = [];
  var chains = new Map();
  per.forEach(function (m, a) {
    var chain = [];
    Array.from(m.keys()).sort(function (x, y) { return x - y; }).forEach(function (g) {
      var e = m.get(g), c = {k: CNODES.length, a: a, g: g, n: e.n, lv: e.lv, lvs: Array.from(e.per.entries()), x: 0, y: 0};
      CNODES.push(c); chain.push(c);
    });
    chains.set(a, chain);
  });
  // the tidy tree in slots (a card and a gap) and rows; contours: per depth, leftmost and rightmost slot
  var off = new Float64Array(P.length), ys = new Float64Array(P.length), stacked = new Uint8Array(P.length);
  var cols = [];  // [parent, offset, [members], are count nodes]
  var SMIN = TR.stack[0], SMAX = TR.stack[1], SDEEP = TR.stack[2], SDY = TR.stack[3], dy = TR.card[3];
  function visKids(i) { return (KIDS[i] || []).filter(function (k) { return SHOWN[k]; }); }
  function inner(i) { return visKids(i).length > 0 || chains.has(i); }
  function colH(n, most) { return Math.ceil(n / Math.ceil(n / most)); }
  // each generation's band is as tall as its tallest column of stacked leaves, so a stacked card never
  // stands beside another generation's label; columns are at most SDEEP tall above a deeper generation,
  // SMAX in the last one (as tracing.layout.tree_plan)
  var deepest = 0, band = [], TOPY = [0];
  TR.order.forEach(function (i) { if (SHOWN[i]) { deepest = Math.max(deepest, GEN[i]); } });
  CNODES.forEach(function (c) { deepest = Math.max(deepest, c.g); });
  TR.order.forEach(function (i) {
    if (!SHOWN[i]) { return; }
    var n = visKids(i).filter(function (k) { return !inner(k); }).length, g = GEN[i] + 1;
    if (n >= SMIN) { band[g] = Math.max(band[g] || 1, colH(n, g === deepest ? SMAX : SDEEP)); }
  });
  for (var g0 = 0; g0 < deepest; g0++) { TOPY.push(TOPY[g0] + ((band[g0] || 1) - 1) * SDY + dy); }
  function sub(i) {
    var kids = visKids(i), parts = [], inn = [], leaves = [];
    kids.forEach(function (k) { (inner(k) ? inn : leaves).push(k); });
    if (leaves.length >= SMIN) {  // columns as tall as the band, in date order
      var each = colH(leaves.length, band[GEN[i] + 1]);
      inn.forEach(function (k) { parts.push({node: k, c: sub(k)}); });
      for (var s = 0; s < leaves.length; s += each) { parts.push({col: leaves.slice(s, s + each), count: false}); }
    } else {
      kids.forEach(function (k) { parts.push({node: k, c: sub(k)}); });
    }
    if (chains.has(i)) { parts.push({col: chains.get(i), count: true}); }
    var L = [], R = [], at = [];
    parts.forEach(function (part) {
      // a column of stacked cards is one slot of its generation's band; a chain of count nodes one per generation
      if (part.col) { part.c = part.count ? {l: part.col.map(function () { return 0; }), r: part.col.map(function () { return 0; })}
                                          : {l: [0], r: [0]}; }
      var o = 0, d;
      if (at.length) {
        o = -Infinity;
        for (d = 0; d < Math.min(L.length, part.c.l.length); d++) { o = Math.max(o, R[d] - part.c.l[d] + 1); }
        if (o === -Infinity) { o = at[at.length - 1] + 1; }
      }
      for (d = 0; d < part.c.l.length; d++) {
        if (d >= L.length) { L.push(o + part.c.l[d]); R.push(o + part.c.r[d]); } else { R[d] = o + part.c.r[d]; }
      }
      at.push(o);
    });
    var mid = at.length ? (at[0] + at[at.length - 1]) / 2 : 0;
    parts.forEach(function (part, k) {
      if (part.col) { cols.push([i, at[k] - mid, part.col, part.count]); } else { off[part.node] = at[k] - mid; }
    });
    return {l: [0].concat(L.map(function (v) { return v - mid; })), r: [0].concat(R.map(function (v) { return v - mid; }))};
  }
  var L = [], R = [];
  TOPS.forEach(function (t, k) {
    var c = sub(t), o = 0, d;
    if (k) {
      o = -Infinity;
      for (d = 0; d < Math.min(L.length, c.l.length); d++) { o = Math.max(o, R[d] - c.l[d] + 1); }
    }
    off[t] = o;
    for (d = 0; d < c.l.length; d++) {
      if (d >= L.length) { L.push(o + c.l[d]); R.push(o + c.r[d]); } else { R[d] = Math.max(R[d], o + c.r[d]); L[d] = Math.min(L[d], o + c.l[d]); }
    }
  });
  var rootChain = chains.get(-1), rootAt = 0;  // the roots folded on opening: a column right of the drawn ones
  if (rootChain) {
    rootAt = TOPS.some(function (t) { return SHOWN[t]; }) ? -Infinity : 0;
    for (var d0 = 0; d0 < Math.min(R.length, rootChain.length); d0++) { rootAt = Math.max(rootAt, R[d0] + 1); }
    if (rootAt === -Infinity) { rootAt = 0; }
  }
  // absolute positions (pre-order: a parent before its children)
  var slot = TR.card[0] + TR.card[2], xs = new Float64Array(P.length);
  TR.order.forEach(function (i) {
    if (!SHOWN[i]) { return; }
    var p = TR.par[i];
    xs[i] = p < 0 ? off[i] : xs[p] + off[i];
    ys[i] = TOPY[GEN[i]];
  });
  var colOf = new Map();
  cols.forEach(function (c) { colOf.set(c[0], (colOf.get(c[0]) || []).concat([c])); });
  // columns hang from their parent, so place them once every parent is placed; a stacked person stands
  // SDY below the one above it, in its generation's band
  TR.order.forEach(function (i) {
    if (!SHOWN[i] || !colOf.has(i)) { return; }
    colOf.get(i).forEach(function (c) {
      c[2].forEach(function (m, j) {
        if (c[3]) { m.x = (xs[i] + c[1]) * slot; m.y = TOPY[m.g]; }
        else { xs[m] = xs[i] + c[1]; ys[m] = TOPY[GEN[m]] + j * SDY; stacked[m] = 1; }
      });
    });
  });
  if (rootChain) { rootChain.forEach(function (c) { c.x = rootAt * slot; c.y = TOPY[c.g]; }); }
  var minX = Infinity;
  TR.order.forEach(function (i) { if (SHOWN[i]) { minX = Math.min(minX, xs[i]); } });
  CNODES.forEach(function (c) { minX = Math.min(minX, c.x / slot); });
  var x0 = isFinite(minX) ? minX : 0;
  var b = [Infinity, Infinity, -Infinity, -Infinity], cw = TR.card[0], ch = TR.card[1];
  function grow(x, y) { b[0] = Math.min(b[0], x - cw / 2); b[1] = Math.min(b[1], y - ch / 2); b[2] = Math.max(b[2], x + cw / 2); b[3] = Math.max(b[3], y + ch / 2); }
  P.forEach(function (r, i) {
    if (!SHOWN[i]) { return; }
    r.x = Math.round((xs[i] - x0) * slot); r.y = ys[i];
    if (nodeIn[i]) { G[i].setAttribute("transform", "translate(" + r.x + " " + r.y + ")"); }  // the others: when built
    grow(r.x, r.y);
  });
  CNODES.forEach(function (c) { c.x = Math.round(c.x - x0 * slot); grow(c.x, c.y); });
  // row labels ("Generation N") left of the tree at the top row of their band, only for the bands drawn
  var left = b[0] - 14, widest = 90;
  Array.prototype.forEach.call(SVG.querySelectorAll("text.row"), function (t) {
    var g = +t.getAttribute("data-g");
    t.x0 = left; t.setAttribute("x", left); t.style.display = g > deepest ? "none" : "";
    if (g <= deepest) { t.setAttribute("y", TOPY[g] + 5); }
    widest = Math.max(widest, t.w0 || (t.w0 = t.getComputedTextLength()));
  });
  b[0] -= 14 + widest + 4;
  B[0] = b[0] - 12; B[1] = b[1] - 12; B[2] = b[2] + 12; B[3] = b[3] + 12;
  MOVED = true;
  for (var k = 0; k < EF.length; k++) {
    var f = EF[k], t = ET[k];
    if (!SHOWN[f] || !SHOWN[t]) { continue; }
    DPATH[k] = TREE_EDGE[k] ? elbow(P[f], P[t], stacked[t], TOPY[GEN[t]]) : curve(P[f], P[t]);
    if (edgeIn[k]) { EDGES[k].setAttribute("d", DPATH[k]); }
  }
  // the count nodes and their edges, drawn anew
  while (CN_G.firstChild) { CN_G.removeChild(CN_G.firstChild); }
  while (CN_E.firstChild) { CN_E.removeChild(CN_E.firstChild); }
  chains.forEach(function (chain, a) {
    var above = a < 0 ? null : P[a];
    chain.forEach(function (c) {
      c.el = countCard(c); CN_G.appendChild(c.el);
      if (!above) { above = c; return; }  // the roots folded on opening hang from nobody
      var e = document.createElementNS(NS, "path");
      e.setAttribute("class", "e k-p fold"); e.setAttribute("d", elbow(above, c, false, TOPY[c.g])); e.setAttribute("fill", "none");
      e.setAttribute("stroke", "#57606a"); e.setAttribute("stroke-width", "1.5"); e.setAttribute("marker-end", "url(#arrow-primary)");
      CN_E.appendChild(e);
      above = c;
    });
  });
  ovBase = null;
  folding = CNODES.length > 0;
  STATUS.setAttribute("data-folded", String(CNODES.reduce(function (s, c) { return s + c.n; }, 0)));
  STATUS.setAttribute("data-count-nodes", String(CNODES.length));
}
function foldBelow(depth) {
  for (var i = 0; i < P.length; i++) { SHOWN[i] = GEN[i] <= depth && INIT[i] ? 1 : 0; }
  showSingles();
  relayout();
}
function showSingles() {
  // a count node of one person ("+1 F2") hides a name and saves no room: the person is drawn (their
  // folded persons in count nodes under them, as many nodes as before), down a line of only children;
  // a page that opens on --max-nodes keeps the opening its budget made
  if ((DATA.fold || []).length) { return; }
  for (var again = true; again;) {
    again = false;
    var hidden = new Map();  // a drawn person (-1: the roots) -> their hidden children
    for (var i = 0; i < P.length; i++) {
      var p = TR.par[i];
      if (!SHOWN[i] && (p < 0 || SHOWN[p])) { var l = hidden.get(p); if (!l) { hidden.set(p, l = []); } l.push(i); }
    }
    hidden.forEach(function (l) {
      if (l.length === 1 && INIT[l[0]] && !(P[l[0]].col > 1)) { SHOWN[l[0]] = 1; again = true; }
    });
  }
}
function unfold(c, keep) {
  // the persons of this count node's branch down to its generation come out in place: the branch's
  // anchor stays where it is on the screen
  if (c.a < 0) { unfoldRoots(c, keep); return; }
  var a = P[c.a], sx = a.x, sy = a.y, stack = (KIDS[c.a] || []).slice();
  while (stack.length) {
    var i = stack.pop();
    if (GEN[i] > c.g) { continue; }
    SHOWN[i] = 1;
    (KIDS[i] || []).forEach(function (k) { stack.push(k); });
  }
  relayout();
  if (keep !== false) { view.x += a.x - sx; view.y += a.y - sy; apply(); }
}
function unfoldRoots(c, keep) {
  // the roots folded on opening come out ROOT_BATCH at a time, each with its branch down to this count
  // node's generation (their deeper persons in count nodes of their own); the count node stays on screen
  var sx = c.x, sy = c.y, k = 0, stack = [];
  TOPS.forEach(function (t) { if (!SHOWN[t] && k < ROOT_BATCH) { k++; stack.push(t); } });
  while (stack.length) {
    var i = stack.pop();
    if (GEN[i] > c.g) { continue; }
    SHOWN[i] = 1;
    (KIDS[i] || []).forEach(function (j) { stack.push(j); });
  }
  relayout();
  var still = CNODES.filter(function (o) { return o.a < 0 && o.g === c.g; })[0];
  if (keep !== false && still) { view.x += still.x - sx; view.y += still.y - sy; apply(); }
}
function reveal(i) {  // a folded person found by search or a link: unfold the way to them
  if (GROUPS && !SHOWN[i]) { unfoldGroup(CNODES.filter(function (c) { return c.m.indexOf(i) >= 0; })[0], false); return; }
  if (!TR || SHOWN[i]) { return; }
  for (var j = i; j >= 0 && !SHOWN[j]; j = TR.par[j]) { SHOWN[j] = 1; }
  relayout();
}

// ---- folding (timeline, network): a page that opens on --max-nodes persons keeps the others folded in
// the count nodes made for it (per branch and generation); a click brings a count node's persons out where
// they belong, and the timeline closes up its rows (each person on a row of their own, in the tree's order)
var GROUPS = TR ? null : (DATA.groups || null), ORIG_Y = null, ORIG_D = [], CN_NAMES = null;
if (GROUPS) {
  SHOWN = Uint8Array.from(INIT);
  ORIG_Y = P.map(function (r) { return r.y; });
  CN_E = document.createElementNS(NS, "g"); CN_E.setAttribute("class", "fold-edges");
  CN_G = document.createElementNS(NS, "g"); CN_G.setAttribute("class", "fold-nodes");
  EDGE_G.appendChild(CN_E); NODE_G.appendChild(CN_G);
  if (ROWLABELS) { CN_NAMES = document.createElementNS(NS, "g"); ROWLABELS.appendChild(CN_NAMES); }
}
function regroup() {
  // the count nodes whose persons are all still folded, and (timeline) every row closed up
  CNODES = GROUPS.filter(function (c) { return !c.m.some(function (i) { return SHOWN[i]; }); }).map(function (c, k) {
    return {k: k, a: c.a, g: c.g, n: c.n, lv: c.lv, m: c.m, x: c.x, y: c.y, oy: c.y, card: c.card, name: c.name,
            lane: c.lane};
  });
  if (DATA.layout === "timeline") {
    var items = [], i, DY = DATA.geom[2], newY = new Map();
    for (i = 0; i < P.length; i++) { if (SHOWN[i]) { items.push([ORIG_Y[i], i]); } }
    CNODES.forEach(function (c) { items.push([c.oy, -1 - c.k]); });
    items.sort(function (a, b) { return a[0] - b[0]; });
    var y0 = items.length ? items[0][0] : 0;
    items.forEach(function (it, rank) {
      var y = y0 + rank * DY;
      newY.set(Math.round(it[0] / DY), y);
      if (it[1] >= 0) { P[it[1]].y = y; } else { CNODES[-1 - it[1]].y = y; }
    });
    MOVED = true;
    for (i = 0; i < P.length; i++) {
      if (nodeIn[i]) { G[i].setAttribute("transform", "translate(" + P[i].x + " " + P[i].y + ")"); }
      if (labelIn[i]) { L[i].setAttribute("y", P[i].y + 5); }
    }
    // the edges keep their routes, each point moved with the row it lies on
    for (var k = 0; k < EF.length; k++) {
      if (!SHOWN[EF[k]] || !SHOWN[ET[k]]) { continue; }
      if (ORIG_D[k] === undefined) { var m = / d="([^"]*)"/.exec(DATA.lines[k]); ORIG_D[k] = m ? m[1] : ""; }
      DPATH[k] = ORIG_D[k].replace(/(-?[\d.]+),(-?[\d.]+)/g, function (all, x, y) {
        var r = Math.round(+y / DY), to = newY.get(r);
        return to === undefined ? all : x + "," + (+y - r * DY + to);
      });
      if (edgeIn[k]) { EDGES[k].setAttribute("d", DPATH[k]); }
    }
    B[3] = y0 + Math.max(0, items.length - 1) * DY + DY / 2 + 12;
  }
  while (CN_G.firstChild) { CN_G.removeChild(CN_G.firstChild); }
  while (CN_E.firstChild) { CN_E.removeChild(CN_E.firstChild); }
  if (CN_NAMES) { while (CN_NAMES.firstChild) { CN_NAMES.removeChild(CN_NAMES.firstChild); } }
  CNODES.forEach(function (c) {
    c.el = build(c.card.replace(/ data-c="\d+"/, ' data-c="' + c.k + '"'));
    c.el.setAttribute("transform", "translate(" + c.x + " " + c.y + ")");
    CN_G.appendChild(c.el);
    if (CN_NAMES && c.name) {
      var t = build(c.name.replace(/ data-c="\d+"/, ' data-c="' + c.k + '"')); t.setAttribute("y", c.y + 5); CN_NAMES.appendChild(t);
    }
    if (c.a < 0) { return; }  // the roots folded on opening: no anchor, no edge
    var a = P[c.a], e = document.createElementNS(NS, "path"), d;
    if (DATA.layout === "timeline") {  // as the timeline routes a child: down its anchor's trunk, along the row
      var half = DATA.geom[0] / 2, lane = c.lane[1], end = c.x > lane ? c.x - half : c.x + half;
      d = "M" + c.lane[0] + "," + a.y + " L" + lane + "," + a.y + " L" + lane + "," + c.y + " L" + end + "," + c.y;
    } else {  // from the count node of the generation above under the same person, as the map was laid out
      var up = CNODES.filter(function (o) { return o.a === c.a && o.g < c.g; }).pop() || a;
      d = "M" + up.x + "," + up.y + " L" + c.x + "," + c.y;
    }
    e.setAttribute("class", "e k-p fold"); e.setAttribute("d", d); e.setAttribute("fill", "none");
    e.setAttribute("stroke", "#57606a"); e.setAttribute("stroke-width", "1.5"); e.setAttribute("marker-end", "url(#arrow-primary)");
    CN_E.appendChild(e);
    c.d = d;
  });
  ovBase = null;
  folding = CNODES.length > 0;
  STATUS.setAttribute("data-folded", String(CNODES.reduce(function (s, c) { return s + c.n; }, 0)));
  STATUS.setAttribute("data-count-nodes", String(CNODES.length));
}
function unfoldGroup(c, keep) {
  if (!c) { return; }
  var a = c.a < 0 ? c : P[c.a], sy = a.y;  // the roots folded on opening: their count node stays put
  c.m.forEach(function (i) { SHOWN[i] = 1; });
  regroup();
  if (keep !== false && c.a >= 0) { view.y += a.y - sy; apply(); }
}

// ---- pan (drag), zoom (wheel, buttons, keys), click
var drag = null;
SVG.addEventListener("pointerdown", function (ev) {
  drag = {x: ev.clientX, y: ev.clientY, vx: view.x, vy: view.y, moved: false};
  SVG.setPointerCapture(ev.pointerId);
});
SVG.addEventListener("pointermove", function (ev) {
  if (!drag) { return; }
  var dx = ev.clientX - drag.x, dy = ev.clientY - drag.y;
  if (Math.abs(dx) + Math.abs(dy) > 4) { drag.moved = true; SVG.classList.add("dragging"); }
  if (drag.moved) { view.x = drag.vx - dx / view.k; view.y = drag.vy - dy / view.k; apply(); }
});
SVG.addEventListener("pointerup", function (ev) {
  var d = drag; drag = null; SVG.classList.remove("dragging");
  if (d && !d.moved) {
    var target = document.elementFromPoint(ev.clientX, ev.clientY);
    var g = target && target.closest ? target.closest("[data-i],[data-c]") : null;
    if (g && g.hasAttribute("data-c")) { (GROUPS ? unfoldGroup : unfold)(CNODES[+g.getAttribute("data-c")]); }
    else if (g) { select(+g.getAttribute("data-i")); showPanel(+g.getAttribute("data-i")); }
  }
});
SVG.addEventListener("wheel", function (ev) {
  ev.preventDefault();
  var r = SVG.getBoundingClientRect();
  if (ev.ctrlKey || !ev.shiftKey) { zoomAt(Math.exp(-ev.deltaY * 0.0015), ev.clientX - r.left, ev.clientY - r.top); }
  else { view.x += ev.deltaY / view.k; apply(); }
}, {passive: false});
document.addEventListener("keydown", function (ev) {
  if (ev.target && (ev.target.tagName === "INPUT" || ev.target.tagName === "SELECT")) { return; }
  var s = size(), step = 80 / view.k;
  if (ev.key === "+" || ev.key === "=") { zoomAt(1.25, s.w / 2, s.h / 2); }
  else if (ev.key === "-") { zoomAt(0.8, s.w / 2, s.h / 2); }
  else if (ev.key === "ArrowLeft") { view.x -= step; apply(); }
  else if (ev.key === "ArrowRight") { view.x += step; apply(); }
  else if (ev.key === "ArrowUp") { view.y -= step; apply(); }
  else if (ev.key === "ArrowDown") { view.y += step; apply(); }
  else { return; }
  ev.preventDefault();
});
document.getElementById("zoom-in").addEventListener("click", function () { var s = size(); zoomAt(1.25, s.w / 2, s.h / 2); });
document.getElementById("zoom-out").addEventListener("click", function () { var s = size(); zoomAt(0.8, s.w / 2, s.h / 2); });
document.getElementById("fit").addEventListener("click", fitAll);
document.getElementById("start").addEventListener("click", openView);
if (TR) {
  document.getElementById("unfold-all").addEventListener("click", function () {
    var keep = selected !== null ? selected : (DATA.roots.length ? DATA.roots[0] : TOPS[0]), a = P[keep], sx = a.x, sy = a.y;
    SHOWN.fill(1); relayout(); view.x += a.x - sx; view.y += a.y - sy; apply();
  });
}

// ---- overview: every node as a dot, the view as a rectangle; click or drag to move
var OV = document.getElementById("overview"), ovCtx = OV.getContext && OV.getContext("2d"), ovBase = null;
function ovScale() { return Math.min(OV.width / (B[2] - B[0]), OV.height / (B[3] - B[1])); }
function drawOverview() {
  if (!ovCtx) { return; }
  var s = ovScale();
  if (!ovBase) {
    ovBase = document.createElement("canvas"); ovBase.width = OV.width; ovBase.height = OV.height;
    var c = ovBase.getContext("2d"), colours = {f0: "#d62728", f1: "#ff8c1a", f2: "#e0b400", f3: "#8c959f", none: "#c0c0c0"};
    CNODES.forEach(function (r) { c.fillStyle = "#57606a"; c.fillRect((r.x - B[0]) * s - 1, (r.y - B[1]) * s - 1, 2.2, 2.2); });
    P.forEach(function (r, i) {
      if (SHOWN && !SHOWN[i]) { return; }
      c.fillStyle = r.col ? "#57606a" : colours[levelKey(r.lv)];
      c.fillRect((r.x - B[0]) * s - 1, (r.y - B[1]) * s - 1, 2.2, 2.2);
    });
  }
  ovCtx.clearRect(0, 0, OV.width, OV.height);
  ovCtx.drawImage(ovBase, 0, 0);
  var z = size();
  ovCtx.strokeStyle = "#0969da"; ovCtx.lineWidth = 1.5;
  ovCtx.strokeRect((view.x - B[0]) * s, (view.y - B[1]) * s, Math.max(3, z.w / view.k * s), Math.max(3, z.h / view.k * s));
}
function fromOverview(ev) {
  var r = OV.getBoundingClientRect(), s = ovScale();
  var x = B[0] + (ev.clientX - r.left) * (OV.width / r.width) / s, y = B[1] + (ev.clientY - r.top) * (OV.height / r.height) / s;
  centreOn(x, y, view.k);
}
var ovDrag = false;
OV.addEventListener("pointerdown", function (ev) { ovDrag = true; OV.setPointerCapture(ev.pointerId); fromOverview(ev); });
OV.addEventListener("pointermove", function (ev) { if (ovDrag) { fromOverview(ev); } });
OV.addEventListener("pointerup", function () { ovDrag = false; });

// ---- timeline axis: a band at the top in screen pixels, never scaled away; every
// stride-th day is labelled so the labels never overlap (the stride follows the zoom)
var widestDay = 0;
function drawAxis() {
  if (!COLS.length) { return; }
  var W = size().w;
  while (AXIS.firstChild) { AXIS.removeChild(AXIS.firstChild); }
  var bg = document.createElementNS(NS, "rect");
  bg.setAttribute("width", W); bg.setAttribute("height", AXIS_H); bg.setAttribute("fill", "#f6f8fa");  // opaque: nothing of the map shows through the dates
  AXIS.appendChild(bg);
  var line = document.createElementNS(NS, "line");
  line.setAttribute("x1", 0); line.setAttribute("x2", W); line.setAttribute("y1", AXIS_H - 0.5); line.setAttribute("y2", AXIS_H - 0.5);
  line.setAttribute("stroke", "#d0d7de"); AXIS.appendChild(line);
  var gap = Infinity;
  for (var k = 1; k < COLS.length; k++) { if (COLS[k][2] && COLS[k - 1][2]) { gap = Math.min(gap, (COLS[k][0] - COLS[k - 1][0]) * view.k); } }
  if (!widestDay) {
    var probe = document.createElementNS(NS, "text");
    probe.setAttribute("font-size", "14"); probe.setAttribute("font-weight", "600"); AXIS.appendChild(probe);
    COLS.forEach(function (c) { if (c[2]) { probe.textContent = c[1]; widestDay = Math.max(widestDay, probe.getComputedTextLength()); } });
    AXIS.removeChild(probe);
  }
  var widest = widestDay;
  var stride = gap === Infinity ? 1 : Math.max(1, Math.ceil((widest + 14) / gap));
  var boxes = [], labels = [], dayRight = -Infinity, monthRight = -Infinity, lastMonth = null;
  COLS.forEach(function (c, k) {
    if (c[2] && k % stride) { return; }
    var sx = (c[0] - view.x) * view.k;
    var t = document.createElementNS(NS, "text");
    t.textContent = c[1]; t.setAttribute("font-size", "14"); t.setAttribute("font-weight", "600"); t.setAttribute("fill", "#24292f");
    t.setAttribute("y", AXIS_H - 10); t.setAttribute("x", 0);
    AXIS.appendChild(t);
    var w = t.getComputedTextLength(), x0 = sx - w / 2;
    if (x0 + w < 0 || x0 > W) { AXIS.removeChild(t); return; }
    x0 = Math.max(2, Math.min(x0, W - 2 - w));  // a label at the edge slides in, never half shown
    if (x0 < dayRight + 8) { AXIS.removeChild(t); return; }
    t.setAttribute("x", x0.toFixed(1));
    boxes.push(Math.round(x0) + ":" + Math.round(x0 + w)); labels.push(c[1]);
    dayRight = x0 + w;
    if (c[2] && c[2] !== lastMonth) {
      var m = document.createElementNS(NS, "text");
      m.textContent = c[2]; m.setAttribute("font-size", "12"); m.setAttribute("fill", "#57606a"); m.setAttribute("y", 15);
      AXIS.appendChild(m);
      var mw = m.getComputedTextLength(), mx = Math.max(2, Math.min(x0, W - 2 - mw));
      if (mx >= monthRight + 12) { m.setAttribute("x", mx.toFixed(1)); monthRight = mx + mw; lastMonth = c[2]; }
      else { AXIS.removeChild(m); }
    }
  });
  STATUS.setAttribute("data-ticks", labels.join(","));
  STATUS.setAttribute("data-tick-boxes", boxes.join(","));
  STATUS.setAttribute("data-axis-width", String(Math.round(W)));
}

// ---- panel
var panelBody = document.getElementById("panel-body");
function row(dl, k, v) {
  if (v === undefined || v === null || v === "") { return; }
  dl.appendChild(el("dt", k));
  var dd = el("dd");
  if (v instanceof Node) { dd.appendChild(v); } else { dd.textContent = String(v); }
  dl.appendChild(dd);
}
function srcLinks(list) {
  if (!list || !list.length) { return null; }
  var span = el("span");
  list.forEach(function (pid, k) {
    if (k) { span.appendChild(document.createTextNode(", ")); }
    var i = byPid.get(pid);
    if (i === undefined) { span.appendChild(document.createTextNode(who(pid))); return; }
    var b = el("button", who(pid), "src-link");
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i); });
    span.appendChild(b);
  });
  return span;
}
// a person in a list (search results): two persons of one name told apart by id, age and ward
function listed(r) {
  if (r.col) { return label(r); }
  return [r.name ? r.name + " · " + r.pid : r.pid, levelName(r.lv), r.age !== undefined && r.age !== null ? fmt(T.age, {n: r.age}) + (r.agey ? " (" + r.agey.slice(0, 4) + ")" : "") : null,
          r.ward].filter(function (x) { return x !== null && x !== undefined && x !== ""; }).join(" · ");
}
function card(r) {
  var box = el("div", null, "tip");
  box.appendChild(el("div", label(r), "tip-name"));
  if (r.col) { box.appendChild(el("div", countTip(r.col, lvsOf(r)), "tip-line")); }
  return box;
}
function record(dl, r) {
  row(dl, T.f_name, r.name); row(dl, T.f_id, r.pid); row(dl, T.f_level, levelName(r.lv));
  row(dl, T.f_case, r.case ? T.yes : T.no);
  if (r.unk) { row(dl, T.f_unknown, T.unknown_source); }
  row(dl, T.f_age, r.agey && r.age !== null && r.age !== undefined ? fmt(T.age_typed, {n: r.age, day: r.agey}) : r.age);
  row(dl, T.f_ward, r.ward); row(dl, T.f_unit, r.unit);
  row(dl, T.f_onset, r.onset); row(dl, T.f_confirmed, r.conf); row(dl, T.f_exposure, r.exp);
  row(dl, T.f_primary, r.psrc ? srcLinks([r.psrc]) : null);
  row(dl, T.f_sources, srcLinks(r.src));
  row(dl, T.f_phone, r.phone); row(dl, T.f_national_id, r.nid); row(dl, T.f_address, r.addr);
}
function showPanel(i) {
  var r = P[i];
  panelBody.textContent = "";
  panelBody.appendChild(card(r));
  var dl = el("dl");
  if (r.col) {
    row(dl, T.f_hidden, r.col);
    row(dl, T.f_level, countParts(lvsOf(r)).join(", "));
    if (r.par !== undefined) { row(dl, T.f_primary, srcLinks([P[r.par].pid || label(P[r.par])])); }
    panelBody.appendChild(dl);
    panelBody.appendChild(el("p", T.beyond, "beyond"));  // the page folds what it holds in place
    panelBody.appendChild(el("h3", T.members));
    var ol = el("ol");
    (r.mem || []).forEach(function (j) {
      var m = H[j], li = el("li"), b = el("button", label(m) + " · " + levelName(m.lv) + (m.ward ? " · " + m.ward : ""), "src-link");
      b.type = "button"; b.addEventListener("click", function () { showHidden(j); });
      li.appendChild(b); ol.appendChild(li);
    });
    panelBody.appendChild(ol);
  } else {
    record(dl, r);
    panelBody.appendChild(dl);
  }
  document.getElementById("panel").setAttribute("data-node", String(i));
}
function showHidden(j) {
  var r = H[j];
  panelBody.textContent = "";
  panelBody.appendChild(card(r));
  var dl = el("dl");
  record(dl, r);
  var c = countOf[j];
  if (c !== undefined) {
    var b = el("button", label(P[c]), "src-link"); b.type = "button";
    b.addEventListener("click", function () { focusNode(c); });
    row(dl, T.folded_in, b);
  }
  panelBody.appendChild(dl);
  document.getElementById("panel").setAttribute("data-node", "h" + j);
}
var selected = null;
function select(i) {
  if (selected !== null && G[selected]) { G[selected].classList.remove("sel"); }
  selected = i;
  if (i !== null && G[i]) { G[i].classList.add("sel"); }
}
function focusNode(i) {
  reveal(i);
  if (OFF && OFF[i]) { OFF[i] = 0; OFF.vis[i] = true; }
  if (G[i] && G[i].classList.contains("off")) { G[i].classList.remove("off"); }
  select(i);
  centreOn(P[i].x, P[i].y, Math.max(view.k, 1.2));
  showPanel(i);
  STATUS.setAttribute("data-focus", String(i));
}
document.getElementById("panel-close").addEventListener("click", function () {
  panelBody.textContent = ""; panelBody.appendChild(el("p", T.panel_empty, "empty"));
  select(null);
});

// ---- search (drawn persons and folded ones)
var folded = P.map(function (r) { return r.col ? "" : fold((r.name || "") + " " + (r.pid || "")); });
var foldedH = H.map(function (r) { return fold((r.name || "") + " " + (r.pid || "")); });
var input = document.getElementById("search"), results = document.getElementById("search-results");
var info = document.getElementById("search-info"), hitNodes = [];
function runSearch(q) {
  var f = fold(q), hits = [], hitsH = [];
  results.textContent = "";
  hitNodes.forEach(function (i) { G[i].classList.remove("hit"); });
  hitNodes = [];
  if (!f) { results.hidden = true; info.textContent = ""; STATUS.setAttribute("data-matches", "0"); return hits; }
  folded.forEach(function (s, i) { if (s && s.indexOf(f) >= 0) { hits.push(i); } });
  foldedH.forEach(function (s, j) { if (s && s.indexOf(f) >= 0) { hitsH.push(j); } });
  var n = hits.length + hitsH.length;
  STATUS.setAttribute("data-matches", String(n));
  info.textContent = n ? fmt(T.matches, {n: n}) : T.no_match;
  hits.slice(0, 30).forEach(function (i) {
    var r = P[i], li = el("li"), b = el("button", listed(r));
    b.type = "button";
    b.addEventListener("click", function () { results.hidden = true; focusNode(i); });
    li.appendChild(b); results.appendChild(li);
  });
  hitsH.slice(0, Math.max(0, 30 - hits.length)).forEach(function (j) {
    var r = H[j], li = el("li"), b = el("button", listed(r) + " · " + label(P[countOf[j]]));
    b.type = "button";
    b.addEventListener("click", function () { results.hidden = true; focusNode(countOf[j]); showHidden(j); });
    li.appendChild(b); results.appendChild(li);
  });
  results.hidden = n === 0;
  hits.forEach(function (i) { G[i].classList.add("hit"); });
  hitNodes = hits;
  return hits;
}
input.addEventListener("input", function () { runSearch(input.value); });
input.addEventListener("keydown", function (ev) {
  if (ev.key === "Enter") { var h = runSearch(input.value); if (h.length) { results.hidden = true; focusNode(h[0]); } }
  if (ev.key === "Escape") { results.hidden = true; }
});
document.getElementById("search-clear").addEventListener("click", function () { input.value = ""; runSearch(""); });

// ---- filters: a hidden person takes its edges with it
var wardSel = document.getElementById("ward-filter");
function applyFilters() {
  var on = Object.create(null);
  Array.prototype.forEach.call(document.querySelectorAll(".level-filter"), function (c) { on[c.value] = c.checked; });
  var ward = wardSel.value, visible = [], count = 0;
  P.forEach(function (r, i) { if (!r.col) { visible[i] = on[levelKey(r.lv)] && (!ward || r.ward === ward); } });
  OFF = new Uint8Array(P.length); OFF.vis = visible;
  P.forEach(function (r, i) {
    var ok = r.col ? on[levelKey(r.lv)] && (!ward || r.ward === ward || (r.par !== undefined && visible[r.par])) : visible[i];
    visible[i] = ok;
    OFF[i] = ok ? 0 : 1;
    if (ok) { count++; }
    if (nodeIn[i]) { G[i].classList.toggle("off", !ok); }  // the others: when built
    if (labelIn[i]) { L[i].classList.toggle("off", !ok); }
  });
  for (var k = 0; k < EF.length; k++) { if (edgeIn[k]) { EDGES[k].classList.toggle("off", !(visible[EF[k]] && visible[ET[k]])); } }
  STATUS.setAttribute("data-visible", String(count));
}
Array.prototype.forEach.call(document.querySelectorAll(".level-filter"), function (c) { c.addEventListener("change", applyFilters); });
wardSel.addEventListener("change", applyFilters);

// ---- printing: the paper (A4/A3 landscape) and the whole diagram or the view on screen
var paper = document.getElementById("paper"), printWhat = document.getElementById("print-what");
// the page's height on paper: the sheet's short side less its two 8 mm margins, less 1 mm so that rounding
// never starts a second sheet
var PAPERS = {A4: "193mm", A3: "280mm"}, saved = null;
function setPaper() {
  document.getElementById("page-size").textContent = "@page{size:" + paper.value + " landscape;margin:8mm}" +
    "@media print{html,body{height:" + PAPERS[paper.value] + "}#map{flex:none!important;height:" +
    DATA.print.area[paper.value][1] + "mm!important}}";
}
paper.addEventListener("change", function () { setPaper(); printCheck(); fillBook(); });
printWhat.addEventListener("change", function () { printCheck(); fillBook(); });
// "the whole diagram" of a tree prints its sheets at print size (made with the page: #print-book), one per
// sheet of paper, with the title, page number, "continued on page N" marks and legend on each
var BOOK_EL = document.getElementById("book"), BOOK = null;
function fillBook() {
  if (!BOOK_EL) { return; }
  var on = printWhat.value === "whole";
  document.documentElement.classList.toggle("book-on", on);
  document.documentElement.className = document.documentElement.className.replace(/\bpaper-A\d\b/g, "").trim() +
    " paper-" + paper.value;
  if (!on || BOOK_EL.getAttribute("data-paper") === paper.value) { return; }
  if (!BOOK) { BOOK = JSON.parse(document.getElementById("print-book").textContent); }
  var wh = BOOK.size[paper.value], head = '<section class="sheet"><' + 'svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ' +
    wh[0] + " " + wh[1] + '" preserveAspectRatio="xMidYMin meet" font-family="' + SVG.getAttribute("font-family").replace(/"/g, "&quot;") + '">';
  BOOK_EL.innerHTML = BOOK.sheets[paper.value].map(function (s) { return head + s + "</" + "svg></section>"; }).join("");
  BOOK_EL.setAttribute("data-paper", paper.value);
  STATUS.setAttribute("data-print-sheets", String(BOOK.sheets[paper.value].length));
}
// never a sheet with labels under DATA.print.min pt: what a print puts on paper, and its labels' size (pt).
// The whole tree or timeline: its sheets. The whole of another drawing (a network cannot be cut into
// sheets; a page beyond PRINT_BOOK_MAX holds no sheets): fitted to the paper when readable so, else the
// current view. The current view: as it is when readable so, else its middle enlarged to that size
function printPlan() {
  var area = DATA.print.area[paper.value], s = size(), whole = printWhat.value === "whole", least = DATA.print.min;
  if (whole && BOOK_EL) { return {what: "book", pt: DATA.print.book_pt}; }
  // the map box on paper less 1 mm for its border and rounding
  function ptOf(w, h) { return DATA.print.fs * Math.min((area[0] - 1) / w, (area[1] - 1) / h) / (25.4 / 72); }
  var inView = ptOf(s.w / view.k, s.h / view.k), all = ptOf(B[2] - B[0], B[3] - B[1]);
  if (whole && all >= least) { return {what: "whole", pt: all}; }
  var plan = {what: "view", pt: Math.max(inView, least), zoom: Math.max(1, least / inView)};
  if (whole) { plan.wanted = all; plan.why = "cut"; } else if (inView < least) { plan.wanted = inView; plan.why = "enlarge"; }
  return plan;
}
// a label size for people: one decimal, never "0 pt" (under 0.05: "< 0.1")
function ptWords(pt, lang) {
  return pt < 0.05 ? "< " + (0.1).toLocaleString(lang) : pt.toLocaleString(lang, {maximumFractionDigits: 1});
}
// a print that cannot be what was asked for says so, and what it prints instead, beside the print button
var PRINT_WARN = document.getElementById("print-warning");
function printCheck() {
  if (!PRINT_WARN) { return; }
  var plan = printPlan(), lang = document.documentElement.lang;
  var words = {paper: paper.value, min: DATA.print.min.toLocaleString(lang), pt: ptWords(plan.wanted || plan.pt, lang)};
  // beside the print button, taking the same room whether shown or not (the map never jumps)
  PRINT_WARN.classList.toggle("on", !!plan.why);
  PRINT_WARN.textContent = fmt(T[plan.why === "enlarge" ? "print_enlarge_short" : "print_cut_short"], words);
  PRINT_WARN.title = plan.why ? fmt(T["print_" + plan.why], words) : "";
  STATUS.setAttribute("data-print-pt", plan.pt.toFixed(2));
  STATUS.setAttribute("data-print-what", plan.what);
  if (plan.wanted !== undefined) { STATUS.setAttribute("data-print-wanted-pt", plan.wanted.toFixed(4)); }
  else { STATUS.removeAttribute("data-print-wanted-pt"); }
  return plan;
}
window.addEventListener("beforeprint", function () {
  var plan = printCheck() || {what: printWhat.value};
  saved = {x: view.x, y: view.y, k: view.k};
  fillBook();
  if (plan.what === "view" && plan.zoom > 1) {  // the middle of the view, at the smallest readable size
    var s = size();
    centreOn(view.x + s.w / 2 / view.k, view.y + (s.h + AXIS_H) / 2 / view.k, view.k * plan.zoom);
  }
  if (plan.what === "whole") {
    SVG.setAttribute("viewBox", B[0] + " " + B[1] + " " + (B[2] - B[0]) + " " + (B[3] - B[1]));
    SVG.classList.remove("far");
    cull(-Infinity, -Infinity, Infinity, Infinity);
    if (ROWLABELS) {
      ROWLABELS.setAttribute("transform", ""); ROWLABELS.style.removeProperty("--rl"); ROWLABELS.style.removeProperty("--rly");
      RL_BG.setAttribute("fill-opacity", "0"); RL_BG.setAttribute("width", RL_BG_W);
    }
    AXIS.style.display = "none";
    pinRows(-Infinity);
    declutter();  // the whole diagram on paper: its labels never on one another either
  }
});
window.addEventListener("afterprint", function () {
  if (saved) { view = saved; saved = null; AXIS.style.display = ""; apply(); }
});
document.getElementById("print").addEventListener("click", function () { window.print(); });

// ---- deep links: #q=TEXT (search), #node=ID (open zoomed on a person), #ward=W, #hide=f2,none
function fromHash() {
  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var at = kv.indexOf("="); if (at < 0) { return; }
    var k = kv.slice(0, at), v = kv.slice(at + 1);
    try { v = decodeURIComponent(v); } catch (e) { /* a cut-off or hand-typed '%': keep it as typed */ }
    if (k === "q") { input.value = v; runSearch(v); }
    if (k === "node") {
      if (byPid.has(v)) { focusNode(byPid.get(v)); }
      else if (hiddenPid.has(v)) { focusNode(countOf[hiddenPid.get(v)]); showHidden(hiddenPid.get(v)); }
    }
    if (k === "ward") { wardSel.value = v; applyFilters(); }
    if (k === "hide") {
      v.split(",").forEach(function (key) { var c = document.querySelector('.level-filter[value="' + key.replace(/[^a-z0-9]/g, "") + '"]'); if (c) { c.checked = false; } });
      applyFilters();
    }
  });
}
// for scripts and tests driving the page: where each drawn node is now (null: folded), and the count nodes
window.tracingMap = {
  positions: function () { return P.map(function (r, i) { return SHOWN && !SHOWN[i] ? null : [r.x, r.y]; }); },
  centre: function (x, y) { centreOn(x, y, view.k); },
  countNodes: function () { return CNODES.map(function (c) { return {anchor: c.a, generation: c.g, n: c.n, x: c.x, y: c.y}; }); },
  // the edges drawn now, [from, to, path, class]: node indices, a count node's edge to "c" + its index
  edgePaths: function () {
    var out = [];
    for (var k = 0; k < EF.length; k++) {
      if (SHOWN && (!SHOWN[EF[k]] || !SHOWN[ET[k]])) { continue; }
      var m = / d="([^"]*)"/.exec(DATA.lines[k]), c = / class="([^"]*)"/.exec(DATA.lines[k]);
      out.push([EF[k], ET[k], DPATH[k] || (m ? m[1] : ""), c ? c[1] : ""]);
    }
    CNODES.forEach(function (c, k) { if (c.d) { out.push([c.a, "c" + k, c.d, "e k-p fold"]); } });
    return out;
  }
};
var opened = false;
function start() {
  if (opened) { return; }
  opened = true;
  printCheck();  // its words take their room in the header before the view is measured
  openView();
  // the sheets are made when printing begins (beforeprint), not on opening
  fromHash();
  STATUS.setAttribute("data-nodes", String(DATA.cards.length));
  STATUS.setAttribute("data-edges", String(EF.length));
  STATUS.setAttribute("data-state", "drawn");
}
start();
window.addEventListener("hashchange", fromHash);
window.addEventListener("resize", function () { if (!saved) { apply(); } });  // not while printing
// the map's box can change without the window's (the header's controls wrap): keep one unit = k pixels
if (window.ResizeObserver) {
  var boxSeen = size();
  new ResizeObserver(function () {
    var now = size();
    if (!saved && (now.w !== boxSeen.w || now.h !== boxSeen.h)) { boxSeen = now; apply(); }
  }).observe(MAP);
}
})();
"""
