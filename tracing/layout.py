"""Node positions for the HTML maps, computed in Python so a page is still
(physics off) and the same data always gives the same page.

Works on any object with ``nodes`` (each with ``id``, ``level``, dates),
``edges`` (each with ``source``, ``target``, ``primary``) and ``roots``, i.e.
:class:`tracing.render.MapData`. Positions are integer pixels ``(x, y)``.

>>> from tracing.render import MapData, MapNode, MapEdge
>>> data = MapData([MapNode("a", "An", 0), MapNode("b", "Bình", 1), MapNode("c", "Cúc", 1)],
...                [MapEdge("a", "b"), MapEdge("a", "c")], "demo", ["a"])
>>> generations(data)
{'a': 0, 'b': 1, 'c': 1}
>>> pos = tree_layout(data)
>>> pos["a"][0] == (pos["b"][0] + pos["c"][0]) // 2, pos["b"][1] > pos["a"][1]
(True, True)
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import unicodedata
from collections import defaultdict
from dataclasses import dataclass

#: tree: a person's card (px), the free space between two cards of a row,
#: the distance between two generations' rows (card centres)
CARD_W = 170
CARD_H = 60
CARD_GAP = 18
TREE_DY = 110
#: tree: a family of this many leaves or more is stacked in columns under its parent, at most
#: STACK_MAX cards tall in the last generation drawn and STACK_DEEP in one with a generation below it
#: (a generation's band grows to hold its tallest stack, so every deeper band moves down by it);
#: stacked cards are STACK_DY px apart (card centres)
STACK_MIN = 3
STACK_MAX = 12
STACK_DEEP = 6
STACK_DY = CARD_H + 14
#: timeline: pixels per day and per row; a person's mark; the left column of names
TIME_DX = 56
TIME_DY = 34
MARK_W = 30
MARK_H = 20
ROW_LABEL_W = 300
#: timeline: a parent's trunk (the vertical line its children's edges hang from) runs in a lane of
#: the gap between two days' marks: the gap's middle, else TRUNK_SEP px either side of it (5 px clear
#: of the marks), else the next gap out; two trunks that share a row are at least TRUNK_SEP px apart
TRUNK_SEP = 8
LANE_OFFSETS = (0, -TRUNK_SEP, TRUNK_SEP)
#: timeline, other-source edges: the track they run along between two rows lies this many px below a
#: mark (above the target's)
OTHER_TRACK = 4
#: an other-source edge longer than this (px; the timeline: up or down) is drawn as two stubs pointing
#: at each other, STUB px long (the timeline's: two days along the track between its rows)
LONG_EDGE = 1500
STUB = 90
#: network: above this many nodes a connected group is laid out as rings of generations (igraph's
#: tidy tree bent round a circle) snapped to a grid of GRID_W x GRID_H px cells, each cell held by
#: one name box, instead of networkx's spring layout and a pushing pass
SPRING_LIMIT = 400
#: network: a group of at most this many nodes is laid out as rings too (its tree bent round its root,
#: no iterations): a spring layout costs ~5 ms a group however small, and a cluster of many F0 folds
#: into hundreds of groups of two to four nodes (issue 16 point 5: 740 groups, 4 s of a 5.3 s page)
RING_SMALL = 8
GRID_W = 48
GRID_H = 32
#: network: names are drawn at this size (px) at most this wide (vis-network's
#: widthConstraint; the text itself wraps a little earlier); a space is
#: this wide, a line this tall
LABEL_FONT = 21
LABEL_MAX_W = 135
LABEL_WRAP = 120
SPACE_W = 7
LINE_H = 25
#: network: free space (px) around a name box, typical edge length, space between groups
LABEL_GAP = 8
EDGE_PX = 130
COMPONENT_GAP = 60


def _node_date(node) -> str | None:
    """The date a node is placed at (the epicurve convention): onset of
    symptoms for cases, else confirmation; exposure for traced persons; any
    other date as a fallback.

    >>> from tracing.render import MapNode
    >>> _node_date(MapNode("a", None, 0, is_case=True, onset="2021-05-02", confirmed="2021-05-05"))
    '2021-05-02'
    >>> _node_date(MapNode("b", None, 0, is_case=True, confirmed="2021-05-05", exposure="2021-05-01"))
    '2021-05-05'
    >>> _node_date(MapNode("c", None, 1, exposure="2021-05-03"))
    '2021-05-03'
    """
    if node.is_case or node.level == 0:
        order = (node.onset, node.confirmed, node.exposure)
    else:
        order = (node.exposure, node.onset, node.confirmed)
    for value in order:
        if value:
            return str(value)[:10]
    return None


def tree_parents(data) -> dict[str, str | None]:
    """The parent of each node in the drawn tree: the source of its primary
    edge (breadth-first from the roots, so the shallowest one wins when the
    data has several), else None for roots and unlinked persons.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("a", None, 0), MapNode("b", None, 1), MapNode("z", None, None)],
    ...             [MapEdge("a", "b"), MapEdge("z", "b", primary=False)], "t", ["a"])
    >>> tree_parents(d)
    {'a': None, 'b': 'a', 'z': None}
    """
    ids = [n.id for n in data.nodes]
    known = set(ids)
    children: dict[str, list[str]] = defaultdict(list)
    has_parent: set[str] = set()
    for e in data.edges:
        if e.primary and e.source in known and e.target in known and e.source != e.target:
            children[e.source].append(e.target)
            has_parent.add(e.target)
    for kids in children.values():
        kids.sort()
    parent: dict[str, str | None] = {}
    starts = [r for r in data.roots if r in known]
    first = set(starts)  # once: a set per node made this quadratic in the roots (1,230 roots: seconds)
    starts += sorted(i for i in ids if i not in has_parent and i not in first)
    # a cycle of primary edges (bad data) leaves nodes unreached: start there too
    pending = sorted(known)
    queue: list[str] = []
    while True:
        for s in starts:
            if s not in parent:
                parent[s] = None
                queue.append(s)
        head = 0
        while head < len(queue):
            cur = queue[head]
            head += 1
            for kid in children.get(cur, ()):
                if kid not in parent:
                    parent[kid] = cur
                    queue.append(kid)
        queue = []
        while pending and pending[-1] in parent:
            pending.pop()
        if not pending:
            break
        starts = [pending.pop()]
    return {i: parent[i] for i in ids}


def generations(data) -> dict[str, int]:
    """Generation of each node: its depth along primary edges from the root(s);
    roots and persons without a primary source in the data are generation 0.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode(i, None, None) for i in "abcd"],
    ...             [MapEdge("a", "b"), MapEdge("b", "c"), MapEdge("a", "c", primary=False)],
    ...             "t", ["a"])
    >>> generations(d)
    {'a': 0, 'b': 1, 'c': 2, 'd': 0}
    """
    gen = _depths(tree_parents(data))
    return {n.id: gen[n.id] for n in data.nodes}


def _depths(parent: dict[str, str | None]) -> dict[str, int]:
    """Each node's depth in the tree of ``parent`` (:func:`tree_parents`)."""
    gen: dict[str, int] = {}
    for node in parent:
        chain = []
        cur = node
        while cur not in gen and cur is not None:
            chain.append(cur)
            cur = parent[cur]
        depth = -1 if cur is None else gen[cur]
        for item in reversed(chain):
            depth += 1
            gen[item] = depth
    return gen


def _children(data, parent: dict[str, str | None]) -> dict[str | None, list[str]]:
    """Children per parent (None: the list of roots), ordered by date then id
    so the tree reads left to right in time."""
    by_id = {n.id: n for n in data.nodes}
    kids: dict[str | None, list[str]] = defaultdict(list)
    for node_id, p in parent.items():
        kids[p].append(node_id)
    root_rank = {r: i for i, r in enumerate(data.roots)}

    def key(i):
        n = by_id[i]
        return (root_rank.get(i, len(root_rank)), n.collapsed > 0, _node_date(n) or "9999", i)

    for lst in kids.values():
        lst.sort(key=key)
    return kids


def tree_layout(data) -> dict[str, tuple[int, int]]:
    """The sơ đồ cây: a tidy tree (Reingold–Tilford, from igraph) of boxed
    cards, one band per generation, each parent centred over its children,
    children left to right by date; ``(x, y)`` is a card's centre, ``y``
    grows downwards. Two cards of a row are at least :data:`CARD_W` +
    :data:`CARD_GAP` apart, so their texts never meet. A family of
    childless siblings stacked in columns (:func:`tree_plan`) stays in its
    generation's band, which is as tall as its tallest column: no card is
    ever drawn beside the label of another generation.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0), MapNode("x", None, 1), MapNode("y", None, 1)],
    ...             [MapEdge("r", "x"), MapEdge("r", "y")], "t", ["r"])
    >>> tree_layout(d)
    {'r': (94, 0), 'x': (0, 110), 'y': (188, 110)}
    """
    import igraph  # the one place igraph is used: its Reingold-Tilford tidy tree (C, O(n))

    plan = tree_plan(data)
    order, lparent = plan.order, plan.lparent
    if not order:
        return {}
    index = {node: k for k, node in enumerate(order)}
    # GraphBase, igraph's C class: the same layout as igraph.Graph, whose constructor imports numpy only to
    # ask whether the edges are an array (0.1 s of a render's start-up: issue 13 point 11)
    g = igraph.GraphBase(len(order), [(index[lparent[i]], index[i]) for i in order if lparent[i] is not None],
                         True)
    roots = [index[i] for i in order if lparent[i] is None]
    coords = g.layout_reingold_tilford(mode="out", root=roots)
    x0 = min(c[0] for c in coords)
    step = CARD_W + CARD_GAP
    pos: dict[str, tuple[int, int]] = {}
    for k, node in enumerate(order):
        x, top = int(round((coords[k][0] - x0) * step)), plan.tops[plan.gen[node]]
        for j, member in enumerate(plan.columns.get(node, (node,))):
            pos[member] = (x, top + j * STACK_DY)
    return {n.id: pos[n.id] for n in data.nodes}


def tree_row_generations(data, pos: dict[str, tuple[int, int]]) -> dict[int, int]:
    """The generation each labelled row of the tree names: ``{y: generation}``
    (0 for the roots), the top row of each generation's band (a person's
    generation is its depth along primary edges, :func:`generations`). The
    stacked cards below it are in the same band and get no label of their
    own; the next generation's band starts below the tallest column."""
    rows: dict[int, int] = {}
    for g, (top, _bottom) in tree_bands(data, pos).items():
        rows[top] = g
    return rows


def tree_bands(data, pos: dict[str, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """Each generation's band in a tree drawing: ``{generation: (y of its top row, y of its lowest
    card)}`` (card centres), from the positions of its persons."""
    gen = generations(data)
    bands: dict[int, tuple[int, int]] = {}
    for node_id, (_x, y) in pos.items():
        if node_id in gen:
            top, bottom = bands.get(gen[node_id], (y, y))
            bands[gen[node_id]] = (min(top, y), max(bottom, y))
    return dict(sorted(bands.items()))


def column_height(leaves: int, most: int) -> int:
    """How many cards tall the columns of a family of ``leaves`` stacked
    childless siblings are, at most ``most``: as few columns as that allows,
    evenly filled (40 at most 12 tall: 4 columns of 10).

    >>> column_height(40, 12), column_height(5, 6), column_height(13, 6)
    (10, 5, 5)
    """
    cols = -(-leaves // most)
    return -(-leaves // cols)


@dataclass
class TreePlan:
    """The tree the tidy layout is given (:func:`tree_plan`): its nodes in
    pre-order, each one's parent in it, the stacked columns (by their top
    card: the column's cards, top down), every stacked card, each node's
    generation, and the ``y`` of each generation's top row."""

    order: list[str]
    lparent: dict[str, str | None]
    columns: dict[str, list[str]]
    stacked: set[str]
    gen: dict[str, int]
    tops: list[int]


def tree_plan(data) -> TreePlan:
    """The drawn tree, except that the leaves of a family of
    :data:`STACK_MIN` or more leaves are stacked in columns under their
    parent, as org charts stack them, each column a single node of the tidy
    tree (its top card) in its generation. A generation's band is as tall as
    its tallest column; a family's columns are at most :data:`STACK_DEEP`
    cards tall when a generation is drawn below theirs (:data:`STACK_MAX` in
    the last), and no taller than the band needs: a family of 40 takes 7
    columns of 6 above a deeper generation, 4 of 10 in the last one."""
    parent = tree_parents(data)
    kids = _children(data, parent)
    gen = _depths(parent)
    deepest = max(gen.values(), default=0)
    families = {}
    rows: dict[int, int] = defaultdict(lambda: 1)
    for p, children in kids.items():
        leaves = [c for c in children if not kids.get(c)] if p is not None else []
        if len(leaves) >= STACK_MIN:
            families[p] = leaves
            g = gen[p] + 1
            rows[g] = max(rows[g], column_height(len(leaves), STACK_MAX if g == deepest else STACK_DEEP))
    lkids: dict[str | None, list[str]] = {}
    columns: dict[str, list[str]] = {}
    stacked: set[str] = set()
    for p, children in kids.items():
        leaves = families.get(p)
        if leaves:
            per = column_height(len(leaves), rows[gen[p] + 1])  # the band is that tall: as few columns as fit it
            chunks = [leaves[k:k + per] for k in range(0, len(leaves), per)]
            lkids[p] = [c for c in children if kids.get(c)] + [chunk[0] for chunk in chunks]
            columns.update((chunk[0], chunk) for chunk in chunks)
            stacked.update(leaves)
        else:
            lkids[p] = list(children)
    lparent = {c: p for p, children in lkids.items() for c in children}
    order: list[str] = []
    stack = list(reversed(lkids.get(None, [])))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(lkids.get(node, [])))
    tops = [0]
    for g in range(deepest):
        tops.append(tops[-1] + (rows[g] - 1) * STACK_DY + TREE_DY)
    return TreePlan(order, lparent, columns, stacked, gen, tops)


def _day(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return None


def timeline_layout(data) -> tuple[dict[str, tuple[int, int]], list[tuple[int, str]]]:
    """``x`` = date (onset for cases, else confirmation; exposure for the
    others; :data:`TIME_DX` px a day), ``y`` = row: every person on a row of
    their own (:data:`TIME_DY` px), in the order of the tree (a parent, then
    each child's branch in date order), so siblings never share a row and a
    chain reads downwards and left to right. Undated persons stand in a
    column two days left of the first date; a count node stands at its
    persons' earliest date (else at the date of the node it hangs from),
    never in that column. Returns the positions and the
    axis ticks ``[(x, label)]`` (one a day; the page thins them by zoom).

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0, is_case=True, confirmed="2021-05-01"),
    ...              MapNode("x", None, 1, exposure="2021-05-02"),
    ...              MapNode("y", None, 1, exposure="2021-05-03")],
    ...             [MapEdge("r", "x"), MapEdge("r", "y")], "t", ["r"])
    >>> pos, ticks = timeline_layout(d)
    >>> pos
    {'r': (0, 0), 'x': (56, 34), 'y': (112, 68)}
    >>> ticks[0]
    (0, '2021-05-01')
    """
    parent = tree_parents(data)
    kids = _children(data, parent)
    by_id = {n.id: n for n in data.nodes}
    days = {i: _day(_node_date(n)) for i, n in by_id.items()}
    known = [d for d in days.values() if d is not None]
    first = min(known) if known else dt.date(2020, 1, 1).toordinal()
    last = max(known) if known else first
    undated_x = -2 * TIME_DX
    row: dict[str, int] = {}
    stack = list(reversed(kids.get(None, [])))
    while stack:
        node = stack.pop()
        row[node] = len(row)
        stack.extend(reversed(kids.get(node, [])))
    for i in row:  # pre-order: a count node of undated persons stands at the date of the one it hangs from
        if days[i] is None and by_id[i].collapsed and parent[i] is not None:
            days[i] = days[parent[i]]
    pos = {i: ((days[i] - first) * TIME_DX if days[i] is not None else undated_x, row[i] * TIME_DY) for i in by_id}
    ticks = [((d - first) * TIME_DX, dt.date.fromordinal(d).isoformat()) for d in range(first, last + 1)]
    if any(d is None for d in days.values()):
        ticks.insert(0, (undated_x, ""))
    return pos, ticks


def elbow_routes(data, pos: dict[str, tuple[int, int]], layout: str) -> dict[tuple[str, str], list[tuple[int, int]]]:
    """Polylines of the primary (tree) edges, from the parent to the child,
    that cross no other node:

    - ``tree``: down from the bottom of the parent's card to the middle of
      the gap above the child's generation band, across, and down to the top
      of the child's card (that gap holds no card; a stacked child: down a
      spine beside its column, into the card's left edge);
    - ``timeline``: from the side of the parent's mark its trunk leaves by
      to the trunk's lane (between two days' marks, :func:`timeline_trunks`),
      down that lane to the child's row, then along the child's row (which
      holds the child only) into the side of its mark that faces the lane.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0), MapNode("x", None, 1)], [MapEdge("r", "x")], "t", ["r"])
    >>> elbow_routes(d, {"r": (0, 0), "x": (0, 34)}, "timeline")
    {('r', 'x'): [(15, 0), (28, 0), (28, 34), (15, 34)]}
    """
    parent = tree_parents(data)
    routes: dict[tuple[str, str], list[tuple[int, int]]] = {}
    if layout == "tree":
        stacked = tree_plan(data).stacked
        mid_gap = (TREE_DY - CARD_H) // 2
        gen = generations(data)
        tops = {g: top for g, (top, _bottom) in tree_bands(data, pos).items()}
        for child, p in parent.items():
            if p is None:
                continue
            (px, py), (cx, cy) = pos[p], pos[child]
            mid = tops[gen[child]] - CARD_H // 2 - mid_gap  # the gap above the child's band
            if child in stacked:  # down the left side of the column, into the card's left edge
                spine = cx - CARD_W // 2 - CARD_GAP // 2
                routes[(p, child)] = [(px, py + CARD_H // 2), (px, mid), (spine, mid), (spine, cy),
                                      (cx - CARD_W // 2, cy)]
            else:
                routes[(p, child)] = [(px, py + CARD_H // 2), (px, mid), (cx, mid), (cx, cy - CARD_H // 2)]
        return routes
    return timeline_routes(data, pos).tree


#: tree, other-source edges: the lane they run along lies this many px below the upper card's row
#: (half the gap between stacked cards), well above the children's bars (in the middle of the gap), and
#: they leave and enter a card this far from its middle (its own stem and drop are at the middle)
OTHER_LANE = (STACK_DY - CARD_H) // 2
OTHER_SIDE = CARD_W // 4


def other_route(source: tuple[float, float], target: tuple[float, float], card: tuple[float, float] = (CARD_W, CARD_H),
                lane_gap: float = OTHER_LANE) -> list[list[tuple[float, float]]]:
    """The tree's dashed line from an other source's card to the person's
    card, as polylines: out of the source's bottom (top when the person is
    above it) beside its middle, along a lane of its own just below the
    upper card's row, and into the person's card beside its middle, so it
    never runs along a primary edge (a children's bar, a stem, a drop) and
    two families' bars never read as one; further than LONG_EDGE: two
    stubs pointing at each other. ``source``, ``target``: the cards'
    centres; ``card``: their width and height (the print sheets' are
    smaller, :mod:`tracing.printbook`), ``lane_gap``: the lane's distance
    below the upper row.

    >>> other_route((0, 0), (400, 110))
    [[(42, 30), (49, 37), (351, 37), (358, 44), (358, 80)]]
    """
    (sx, sy), (tx, ty) = source, target
    h, way, side = card[1] // 2, 1 if tx >= sx else -1, card[0] // 4
    x0, x1 = sx + way * side, tx - way * side
    y0 = sy + h if ty >= sy else sy - h
    y1 = ty - h if ty > sy else ty + h
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    if length > LONG_EDGE:
        ux, uy = (x1 - x0) / length, (y1 - y0) / length
        return [[(x0, y0), (round(x0 + ux * STUB, 1), round(y0 + uy * STUB, 1))],
                [(round(x1 - ux * STUB, 1), round(y1 - uy * STUB, 1)), (x1, y1)]]
    lane = min(sy, ty) + h + lane_gap
    c = lane_gap  # the corners are cut, so the line reads as one route, not as a bar's elbow
    turn = way if x1 != x0 else 0
    points = [(x0, y0), (x0, lane - c if y0 < lane else lane + c), (x0 + turn * c, lane),
              (x1 - turn * c, lane), (x1, lane + c if y1 > lane else lane - c), (x1, y1)]
    return [[p for k, p in enumerate(points) if k == 0 or p != points[k - 1]]]


@dataclass
class TimelineRoutes:
    """Every edge of a timeline, routed (:func:`timeline_routes`): each
    parent's ``(stub_x, lane_x)`` (:func:`timeline_trunks`), the tree's
    edges as polylines (:func:`elbow_routes`) and the other edges as lists
    of polylines (:func:`timeline_other_routes`)."""

    trunks: dict[str, tuple[int, int]]
    tree: dict[tuple[str, str], list[tuple[int, int]]]
    others: dict[tuple[str, str], list[list[tuple[int, int]]]]


def timeline_routes(data, pos: dict[str, tuple[int, int]]) -> TimelineRoutes:
    """All the timeline's routes at once (the trunks are planned once for
    the tree's edges and the other ones)."""
    parent = tree_parents(data)
    trunks, spans = _trunk_plan(data, pos, parent)
    tree: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for child, p in parent.items():
        if p is None:
            continue
        stub, lane = trunks[p]
        (_px, py), (cx, cy) = pos[p], pos[child]
        end = cx - MARK_W // 2 if cx > lane else cx + MARK_W // 2
        tree[(p, child)] = [(stub, py), (lane, py), (lane, cy), (end, cy)]
    return TimelineRoutes(trunks, tree, _other_routes(data, pos, parent, trunks, spans))


def timeline_trunks(data, pos: dict[str, tuple[int, int]],
                    parent: dict[str, str | None] | None = None) -> dict[str, tuple[int, int]]:
    """Where each parent's edges leave it on the timeline: ``{parent:
    (stub_x, lane_x)}``, the side of its mark the edges leave from and the
    lane (``x``, px) of its trunk, the vertical line from its row down to its
    children's rows.

    Rules (so that no chain is misread):

    - a lane is in the gap between two days' columns (marks stand on whole
      days, :data:`MARK_W` wide), at its middle or :data:`TRUNK_SEP` px
      either side (:data:`LANE_OFFSETS`), so a trunk never crosses a mark;
    - a parent's trunk leaves its mark on the side its own incoming edge
      does not come in by (it comes from its parent's lane), so an F1's
      trunk never starts on, or runs along, the arrow into it; a root leaves
      on the side most of its children are;
    - a trunk holds its lane over its whole subtree's rows (so the count
      nodes of a folded branch hang from it too); two trunks that share a row
      never share a lane, so trunks of different parents that run side by
      side are at least :data:`TRUNK_SEP` px apart and none starts on
      another; the first free lane nearest the parent is taken.

    Parents are taken top row first (the timeline's rows are the tree's
    pre-order, so a parent's trunk is placed before its children's); the
    check is one number per lane (the lowest row it is held to), O(n log n).

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0), MapNode("x", None, 1), MapNode("y", None, 2)],
    ...             [MapEdge("r", "x"), MapEdge("x", "y")], "t", ["r"])
    >>> timeline_trunks(d, {"r": (56, 0), "x": (56, 34), "y": (112, 68)})
    {'r': (71, 84), 'x': (41, 28)}
    """
    return _trunk_plan(data, pos, tree_parents(data) if parent is None else parent)[0]


def _trunk_plan(data, pos, parent) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """:func:`timeline_trunks`, and the rows (``y``, top and bottom, px) each trunk's lane is held over."""
    family: dict[str, list[str]] = defaultdict(list)
    for child, p in parent.items():
        if p is not None:
            family[p].append(child)
    # each subtree's lowest row (breadth-first order reversed: children before their parent)
    bottom: dict[str, int] = {}
    order = [i for i, p in parent.items() if p is None]
    seen = set(order)
    k = 0
    while k < len(order):
        for c in family.get(order[k], ()):
            if c not in seen:
                seen.add(c)
                order.append(c)
        k += 1
    for node in reversed(order):
        bottom[node] = max([pos[node][1]] + [bottom[c] for c in family.get(node, ()) if c in bottom])
    held: dict[int, int] = {}  # lane x -> the lowest row it is held to
    trunks: dict[str, tuple[int, int]] = {}
    spans: dict[str, tuple[int, int]] = {}
    half, mark = TIME_DX // 2, MARK_W // 2
    for p in sorted(family, key=lambda i: (min([pos[i][1]] + [pos[c][1] for c in family[i]]), pos[i][1], i)):
        px, py = pos[p]
        top = min([py] + [pos[c][1] for c in family[p]])
        low = bottom[p]
        gp = parent.get(p)
        if gp is not None and gp in trunks and trunks[gp][1] != px:
            side = 1 if trunks[gp][1] < px else -1  # away from the edge coming in
        else:
            right = sum(1 for c in family[p] if pos[c][0] > px)
            side = 1 if right * 2 >= sum(1 for c in family[p] if pos[c][0] != px) else -1
        j = 0
        while True:
            middle = px + side * (half + j * TIME_DX)
            lane = next((middle + o for o in LANE_OFFSETS if held.get(middle + o, top - 1) < top), None)
            if lane is not None:
                break
            j += 1
        held[lane] = max(held.get(lane, low), low)
        trunks[p] = (px + side * mark, lane)
        spans[p] = (top, low)
    return trunks, spans


def timeline_other_routes(data, pos: dict[str, tuple[int, int]]) -> dict[tuple[str, str], list[list[tuple[int, int]]]]:
    """Routes of the timeline's other edges (an other source, dashed: any
    edge that is not the drawn tree's), as lists of polylines, so that they
    too cross no mark and run along no other edge:

    - out of the bottom of the source's mark, :data:`OTHER_TRACK` px down to
      a track between two rows (rows are :data:`TIME_DY` apart, marks
      :data:`MARK_H` tall, so no mark reaches it), along it to a lane of
      its own (a trunk lane, :func:`timeline_trunks`, that no trunk or other
      such edge holds within :data:`TRUNK_SEP` px of the rows it spans),
      along the lane to the track above the target's row, along that track
      and down into the top of the target's mark. A person's bottom is only
      left by its own other-source edges and its top only entered by those
      into it, so two persons' edges never share a track's end;
    - a route that would run more than :data:`LONG_EDGE` px up or down is
      drawn as two stubs instead, one out of the source and one into the
      target, each two days along its track towards the other (a diagram's
      off-page connectors), not a line across the whole map.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0), MapNode("x", None, 1), MapNode("y", None, 2)],
    ...             [MapEdge("r", "x"), MapEdge("r", "y"), MapEdge("x", "y", primary=False)], "t", ["r"])
    >>> timeline_other_routes(d, {"r": (0, 0), "x": (56, 34), "y": (112, 68)})
    {('x', 'y'): [[(56, 44), (56, 48), (84, 48), (84, 54), (112, 54), (112, 58)]]}
    """
    return timeline_routes(data, pos).others


def _other_routes(data, pos, parent, trunks, spans) -> dict[tuple[str, str], list[list[tuple[int, int]]]]:
    import bisect

    taken: dict[int, list[tuple[int, int]]] = defaultdict(list)  # lane x -> sorted (top, bottom) it is held over
    for p, (_stub, lane) in trunks.items():
        taken[lane].append(spans[p])
    for held in taken.values():
        held.sort()

    def free(lane: int, lo: int, hi: int) -> bool:
        # a lane's intervals never overlap, so sorted by top they are sorted by bottom too: the last one
        # that starts above hi + TRUNK_SEP is the only one that can reach down to lo - TRUNK_SEP
        held = taken.get(lane)
        k = bisect.bisect_right(held, (hi + TRUNK_SEP, math.inf)) if held else 0
        return k == 0 or held[k - 1][1] < lo - TRUNK_SEP

    routes: dict[tuple[str, str], list[list[tuple[int, int]]]] = {}
    half, drop = TIME_DX // 2, MARK_H // 2
    known = set(pos)
    for e in sorted(data.edges, key=lambda e: (pos.get(e.source, (0, 0))[1], e.source, e.target)):
        s, t = e.source, e.target
        if s == t or s not in known or t not in known or (s, t) in routes or (e.primary and parent.get(t) == s):
            continue
        (sx, sy), (tx, ty) = pos[s], pos[t]
        out_y, in_y = sy + drop + OTHER_TRACK, ty - drop - OTHER_TRACK
        start, end = [(sx, sy + drop), (sx, out_y)], [(tx, in_y), (tx, ty - drop)]
        if abs(in_y - out_y) > LONG_EDGE:
            way = (1 if tx >= sx else -1) * 2 * TIME_DX  # two days along: under a column, clear of every lane
            routes[(s, t)] = [start + [(sx + way, out_y)], [(tx - way, in_y)] + end]
            continue
        lo, hi = min(out_y, in_y), max(out_y, in_y)
        mid = (sx + tx) / 2
        first = math.floor((mid - half) / TIME_DX + 0.5) * TIME_DX + half  # the gap nearest the middle
        lane, j = None, 0
        while lane is None:  # that gap, then the gaps either side of it, outwards
            for gap in sorted({first + j * TIME_DX, first - j * TIME_DX}, key=lambda g: (abs(g - mid), g)):
                lane = next((gap + o for o in LANE_OFFSETS if free(gap + o, lo, hi)), None)
                if lane is not None:
                    break
            j += 1
        bisect.insort(taken[lane], (lo, hi))
        routes[(s, t)] = [start + [(lane, out_y), (lane, in_y)] + end]
    return routes


@functools.lru_cache(maxsize=1 << 16)
def _text_width(word: str) -> float:
    """About how wide (px) ``word`` is drawn at :data:`LABEL_FONT` px, on
    the generous side (DejaVu Sans, a wide font; the marks of Vietnamese
    letters add no width). Kept per word: a map of 10,000 persons measures
    its names' few hundred words some 200,000 times.

    >>> _text_width("Nguyễn") >= 81, _text_width("Thị") >= 32, _text_width("mm") > _text_width("ii")
    (True, True, True)
    """
    total = 0.0
    for ch in unicodedata.normalize("NFD", word):
        if unicodedata.combining(ch):
            continue
        if ch in "iljI.,:;'!|":
            total += 6.5
        elif ch in "tfr()[]- ":
            total += 9.5
        elif ch in "mwMW":
            total += 21.5
        elif ch.isupper() or ch in "Đđ":
            total += 15.5
        else:
            total += 13.5
    return total


def wrap_label(text) -> list[str]:
    """A network map's name in lines of at most :data:`LABEL_WRAP` px at
    :data:`LABEL_FONT` px (a word longer than that is cut into pieces).

    >>> wrap_label("Nguyễn Thị Minh Khai")
    ['Nguyễn', 'Thị Minh', 'Khai']
    """
    lines: list[str] = []
    cur, cur_w = "", 0.0
    for word in str(text).split() or [""]:
        w = _text_width(word)
        while w > LABEL_WRAP and len(word) > 1:  # a very long word: cut it
            cut = len(word)
            while cut > 1 and _text_width(word[:cut]) > LABEL_WRAP:
                cut -= 1
            if cur:
                lines.append(cur)
            lines.append(word[:cut])
            cur, cur_w = "", 0.0
            word = word[cut:]
            w = _text_width(word)
        if cur and cur_w + SPACE_W + w <= LABEL_WRAP:
            cur, cur_w = cur + " " + word, cur_w + SPACE_W + w
        else:
            if cur:
                lines.append(cur)
            cur, cur_w = word, w
    lines.append(cur)
    return lines


def level_counts(counts) -> list[tuple[int | None, int]]:
    """``{level: persons}`` -> ``[(level, persons), ...]``, lowest level first,
    None (no F level) last, levels with no person left out.

    >>> level_counts({2: 445, None: 3, 0: 1, 1: 0})
    [(0, 1), (2, 445), (None, 3)]
    """
    return sorted(((lv, k) for lv, k in counts.items() if k), key=lambda p: (p[0] is None, p[0] or 0))


def count_text(levels, none_word: str = "F?") -> str:
    """What a count node says it folds: its persons per level, every level
    one of them has and no other (``levels`` from :func:`level_counts`).

    >>> count_text([(0, 1), (1, 110), (2, 445)])
    '+1 F0 · 110 F1 · 445 F2'
    >>> count_text([(2, 37)]), count_text([(None, 2)], "No F level")
    ('+37 F2', '+2 No F level')
    """
    return "+" + " · ".join(f"{k} {none_word if lv is None else f'F{lv}'}" for lv, k in levels)


def count_lines(levels, none_word: str = "F?", width_chars: int = 17) -> list[str]:
    """:func:`count_text` cut at its " · " into lines of at most about
    ``width_chars`` characters (a card's line), never inside a level's count.

    >>> count_lines([(0, 1), (1, 110), (2, 445)])
    ['+1 F0 · 110 F1', '445 F2']
    """
    lines: list[str] = []
    for part in count_text(levels, none_word).split(" · "):
        if lines and len(lines[-1]) + 3 + len(part) <= width_chars:
            lines[-1] += " · " + part
        else:
            lines.append(part)
    return lines


def place_around(taken: list[tuple[tuple[float, float], tuple[int, int, int]]],
                 groups: list[tuple[tuple[float, float], list[tuple[str, tuple[int, int, int]]]]]
                 ) -> dict[str, tuple[int, int]]:
    """Places for the persons of the network's count nodes, so that they
    unfold around where their count node stands: ``taken`` are the nodes
    already drawn (their dot and :func:`label_box`), ``groups`` each count
    node's place and its persons ``(id, label_box)``. Each person goes on the
    free place of the name grid (:class:`_Grid`) nearest its count node, so
    no unfolded name ever lies on another one or on a drawn node's.
    Deterministic (groups and persons in the order given).

    >>> box = (60, 63, 14)
    >>> got = place_around([((0, 0), box)], [((0, 0), [("a", box), ("b", box)])])
    >>> got["a"] != (0, 0) and got["b"] != got["a"]
    True
    """
    grid = _Grid()
    for (x, y), box in taken:
        grid.hold(x, y, box)
    out: dict[str, tuple[int, int]] = {}
    golden = math.pi * (3 - math.sqrt(5))
    for (x, y), members in groups:
        if not members:
            continue
        # wanted on a sunflower spiral round the count node, a name box of room each, so a group of
        # thousands is not wanted on one spot (each would search past all the others: seconds)
        room = 1.2 * sum(w * h for _m, (w, h, _dy) in members) / len(members)
        for j, (m, box) in enumerate(members):
            r = math.sqrt(j * room / math.pi)
            out[m] = grid.place(x + r * math.cos(j * golden), y + r * math.sin(j * golden), box)
    return out


def label_box(node, none_word: str = "No F level") -> tuple[int, int, int]:
    """The room a node takes on the network map as ``(width, height, dy)``:
    its dot and the name written under it (vis-network draws names at
    :data:`LABEL_FONT` px, wrapped at :data:`LABEL_MAX_W` px), plus
    :data:`LABEL_GAP` of free space; ``dy`` is how far the box centre lies
    below the dot centre. An estimate on the generous side (no font
    metrics in Python). A count node's lines (:func:`count_lines`, with
    ``none_word``, the page's words for "No F level") are not wrapped to
    :data:`LABEL_MAX_W`, so its box is as wide as they are.

    >>> from tracing.render import MapNode
    >>> label_box(MapNode("a", "An", 1))
    (37, 63, 14)
    >>> w, h, dy = label_box(MapNode("b", "Nguyễn Thị Minh Khai", 0))
    >>> w <= LABEL_MAX_W + LABEL_GAP, h > label_box(MapNode("a", "An", 1))[1]
    (True, True)
    """
    if node.collapsed:
        lines = count_lines(node.levels or [(node.level, node.collapsed)], none_word)
    else:
        lines = wrap_label(node.name or node.id)
    widest = max(_text_width(line.replace(" ", "")) + SPACE_W * line.count(" ") for line in lines)
    width = widest if node.collapsed else min(widest, LABEL_MAX_W)
    lines = len(lines)
    r = 17 if node.level == 0 else 13
    top, bottom = -r, r + 4 + lines * LINE_H
    return (int(math.ceil(max(width, 2 * r))) + LABEL_GAP, bottom - top + LABEL_GAP, (top + bottom) // 2)


def _separate(xy, boxes, rounds: int = 400) -> bool:
    """Push apart (in place) every two nodes whose boxes overlap, along the
    axis that needs the smaller move, until no two overlap (or ``rounds``
    passes; every 30 passes the whole group also grows by 3%, so a long
    stack clears quickly). Deterministic: ties go by index. ``xy`` is an ``(n, 2)`` numpy
    array of dot centres, ``boxes`` the :func:`label_box` of each node.
    True when no two boxes overlap any more (else the caller snaps them, :func:`_snap`)."""
    import numpy as np

    n = len(xy)
    if n < 2:
        return True
    w = np.array([b[0] for b in boxes], dtype=float)
    h = np.array([b[1] for b in boxes], dtype=float)
    dy = np.array([b[2] for b in boxes], dtype=float)
    sw = (w[:, None] + w[None, :]) / 2
    sh = (h[:, None] + h[None, :]) / 2
    upper = np.triu(np.ones((n, n), dtype=bool), 1)
    for k in range(rounds):
        if k and k % 30 == 0:  # a crowd that settles slowly (a long stack): make room everywhere
            centre = xy.mean(axis=0)
            xy[:] = centre + (xy - centre) * 1.03
        cy = xy[:, 1] + dy
        ox = sw - np.abs(xy[:, 0][:, None] - xy[:, 0][None, :])
        oy = sh - np.abs(cy[:, None] - cy[None, :])
        a, b = np.nonzero((ox > 1) & (oy > 1) & upper)  # a pixel of overlap is no overlap
        if not len(a):
            return True
        ox, oy, pw, ph = ox[a, b], oy[a, b], sw[a, b], sh[a, b]
        ddx, ddy = xy[a, 0] - xy[b, 0], cy[a] - cy[b]
        horiz = ox / pw <= oy / ph
        # a < b: on a tie the first goes left/up; each moves half the overlap (and a bit, so it ends)
        sx = np.where(ddx == 0, -1.0, np.sign(ddx))
        sy = np.where(ddy == 0, -1.0, np.sign(ddy))
        px = np.where(horiz, sx * (ox / 2 + 0.5), 0.0)
        py = np.where(horiz, 0.0, sy * (oy / 2 + 0.5))
        crowd = np.sqrt(np.maximum(np.bincount(a, minlength=n) + np.bincount(b, minlength=n), 1))
        xy[:, 0] += (np.bincount(a, px, n) - np.bincount(b, px, n)) / crowd
        xy[:, 1] += (np.bincount(a, py, n) - np.bincount(b, py, n)) / crowd
    return False


def _lie_flat(xy, first: int):
    """Centre a group of points and turn it so its long axis is horizontal
    (a screen is wider than tall), with point ``first`` (its root) on the
    left half and the heavier tail downwards, so the same shape always faces
    the same way.

    >>> import numpy as np
    >>> flat = _lie_flat(np.array([[0.0, 0.0], [0.0, 10.0], [0.0, 20.0]]), 0)
    >>> [[round(v, 6) + 0.0 for v in p] for p in flat.tolist()]
    [[-10.0, 0.0], [0.0, 0.0], [10.0, 0.0]]
    """
    import numpy as np

    xy = xy - xy.mean(axis=0)
    if len(xy) < 2:
        return xy
    _vals, vecs = np.linalg.eigh(xy.T @ xy)
    out = xy @ vecs[:, ::-1]  # the axis of largest spread first
    if out[first, 0] > 0:
        out[:, 0] = -out[:, 0]
    if (out[:, 1] ** 3).sum() < 0:
        out[:, 1] = -out[:, 1]
    return out


def _shelves(sizes: list[tuple[float, float]], gap: float, aspect: float = 1.4) -> list[tuple[float, float]]:
    """Top-left corners that pack boxes ``(width, height)`` (biggest first)
    in rows, with the row width chosen so the whole is about ``aspect``
    times wider than tall (a screen), i.e. drawn as large as possible.

    >>> _shelves([(100, 50), (100, 50), (100, 50), (100, 50)], 0, aspect=2.0)
    [(0.0, 0.0), (100.0, 0.0), (0.0, 50.0), (100.0, 50.0)]
    """

    def pack(limit):
        out, x, y, row_h, right = [], 0.0, 0.0, 0.0, 0.0
        for w, h in sizes:
            if x and x + w > limit:
                x, y, row_h = 0.0, y + row_h + gap, 0.0
            out.append((x, y))
            right = max(right, x + w)
            x += w + gap
            row_h = max(row_h, h)
        return out, right, y + row_h

    limits, total = set(), 0.0
    for w, _h in sizes:
        total += w
        limits.add(total)
        total += gap
    best, widest = None, max(w for w, _ in sizes)
    for limit in sorted(limits):
        if limit < widest:
            continue
        # a row wraps only past the limit, so a packing wider than one row is at least this wide:
        # from here on every score is worse than the best (the same choice, without ~n packings of n)
        if best is not None and (limit - widest - gap) / aspect >= best[0]:
            break
        out, width, height = pack(limit)
        score = max(width / aspect, height)
        if best is None or score < best[0]:
            best = (score, out)
    return best[1]


def _rings(comp: list[str], parent: dict[str, str | None], kids: dict[str | None, list[str]],
           boxes: dict[str, tuple[int, int, int]]) -> tuple[dict[str, tuple[float, float]], dict[str, int]]:
    """Where a big connected group's persons are wanted, and their ring:
    igraph's Reingold-Tilford tidy tree of the group's drawn tree (several
    roots hang from an unseen centre) bent round a circle, so each branch
    keeps its own angle, the roots in the middle, each generation on a ring
    further out. A ring is as wide as its generation's name boxes need (an
    annulus of 1.6 times their area, at least :data:`EDGE_PX`), not as long:
    a crowded generation takes a wider band, and the drawing stays about as
    big as its names.

    Returns ``({id: (x, y)}, {id: ring})``, ring 0 the centre."""
    import igraph  # Reingold-Tilford (C, O(n)): the tidy tree the rings are bent from

    inside = set(comp)
    starts = [c for c in kids.get(None, []) if c in inside]
    order: list[str] = []
    stack = list(reversed(starts))
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(reversed(kids.get(node, [])))
    hub = int(len(starts) > 1)  # an unseen centre that several roots hang from
    index = {node: k + hub for k, node in enumerate(order)}
    edges = [(0, index[r]) for r in starts] if hub else []
    edges += [(index[parent[i]], index[i]) for i in order if parent[i] is not None]
    g = igraph.Graph(n=len(order) + hub, edges=edges, directed=True)
    coords = g.layout_reingold_tilford(mode="out", root=[0]).coords
    xs = [c[0] for c in coords]
    x0, span = min(xs), max(xs) - min(xs) + 1.0
    ring = {node: int(round(coords[index[node]][1])) for node in order}
    area: dict[int, float] = defaultdict(float)
    for node in order:
        w, h, _dy = boxes[node]
        area[ring[node]] += 1.6 * w * h
    outer = {0: max(boxes[order[0]][:2]) / 2 if not hub else 0.0}
    for r in range(1, max(ring.values()) + 1):
        outer[r] = max(math.sqrt(outer[r - 1] ** 2 + area[r] / math.pi), outer[r - 1] + EDGE_PX)
    # a ring holding more names than its middle circle does has them on a few circles in turn (one name
    # on the inner one, the next further out ...), so neighbours in the tree are not wanted on one spot
    by_ring: dict[int, list[str]] = defaultdict(list)
    for node in order:
        by_ring[ring[node]].append(node)
    wanted: dict[str, tuple[float, float]] = {}
    for r, nodes in by_ring.items():
        nodes.sort(key=lambda i: coords[index[i]][0])
        inner = outer[r - 1] if r else 0.0
        band = outer[r] - inner
        w = sum(boxes[i][0] for i in nodes) / len(nodes)
        h = sum(boxes[i][1] for i in nodes) / len(nodes)
        arc = 2 * math.pi * (inner + band / 2) / span  # the length of a unit of the tidy tree there
        layers = max(1, min(int(band // h), math.ceil(w / arc) if arc > 0 else 1))
        for k, node in enumerate(nodes):
            radius = 0.0 if r == 0 else inner + (k % layers + 0.5) * band / layers
            angle = 2 * math.pi * (coords[index[node]][0] - x0) / span
            wanted[node] = (radius * math.cos(angle), radius * math.sin(angle))
    return wanted, ring


class _Grid:
    """Cells of :data:`GRID_W` × :data:`GRID_H` px, each held by at most one
    name box, so boxes placed on it never overlap: a node takes the cells
    its :func:`label_box` covers, on the free place nearest where it is
    wanted (ties: upper, then left). The cells are a numpy array that grows
    as needed; a place is looked for in a window round the wanted one that
    doubles until it holds the nearest free place, so a crowd costs array
    operations, not a Python loop per cell."""

    def __init__(self):
        import numpy as np

        self._np = np
        self.cells = np.zeros((64, 64), dtype=np.int32)  # [row (y), column (x)]
        self.x0 = self.y0 = -32  # the cell coordinates of cells[0, 0]

    def _cover(self, cx0: int, cy0: int, cx1: int, cy1: int) -> None:
        """Grow the array so it holds cells ``cx0 <= x < cx1``, ``cy0 <= y < cy1``."""
        np = self._np
        h, w = self.cells.shape
        left, top = max(0, self.x0 - cx0), max(0, self.y0 - cy0)
        right, bottom = max(0, cx1 - (self.x0 + w)), max(0, cy1 - (self.y0 + h))
        if left or top or right or bottom:
            pad = lambda k, size: k and max(k, size // 2)  # noqa: E731 - grow by half at least: amortised
            left, right, top, bottom = pad(left, w), pad(right, w), pad(top, h), pad(bottom, h)
            self.cells = np.pad(self.cells, ((top, bottom), (left, right)))
            self.x0 -= left
            self.y0 -= top

    def _span(self, x: float, y: float, box: tuple[int, int, int]) -> tuple[int, int, int, int]:
        w, h, dy = box
        return (math.floor((x - w / 2) / GRID_W), math.floor((y + dy - h / 2) / GRID_H),
                math.ceil((x + w / 2) / GRID_W), math.ceil((y + dy + h / 2) / GRID_H))

    def hold(self, x: float, y: float, box: tuple[int, int, int]) -> None:
        """Mark every cell that the box of a node at ``(x, y)`` touches as taken."""
        cx0, cy0, cx1, cy1 = self._span(x, y, box)
        self._cover(cx0, cy0, cx1, cy1)
        self.cells[cy0 - self.y0:cy1 - self.y0, cx0 - self.x0:cx1 - self.x0] = 1

    def place(self, x: float, y: float, box: tuple[int, int, int]) -> tuple[int, int]:
        """Where a node wanted at ``(x, y)`` goes (its dot, integer px), its cells then taken."""
        np = self._np
        w, h, dy = box
        cols, rows = math.ceil(w / GRID_W), math.ceil(h / GRID_H)
        ax = round((x - cols * GRID_W / 2) / GRID_W)
        ay = round((y + dy - rows * GRID_H / 2) / GRID_H)
        reach = 2
        while True:
            self._cover(ax - reach, ay - reach, ax + reach + cols, ay + reach + rows)
            sub = self.cells[ay - reach - self.y0:ay + reach + rows - self.y0,
                             ax - reach - self.x0:ax + reach + cols - self.x0]
            s = np.zeros((sub.shape[0] + 1, sub.shape[1] + 1), dtype=np.int32)
            s[1:, 1:] = sub.cumsum(0).cumsum(1)
            taken = s[rows:, cols:] - s[:-rows, cols:] - s[rows:, :-cols] + s[:-rows, :-cols]  # per anchor
            oy, ox = np.nonzero(taken == 0)
            if len(ox):
                ox, oy = ox - reach, oy - reach
                d2 = (ox * GRID_W) ** 2 + (oy * GRID_H) ** 2
                best = np.lexsort((ox, oy, d2))[0]
                # a free place outside the window lies at least (reach + 1) cells away
                if d2[best] <= ((reach + 1) * min(GRID_W, GRID_H)) ** 2:
                    cx, cy = ax + int(ox[best]), ay + int(oy[best])
                    self.cells[cy - self.y0:cy + rows - self.y0, cx - self.x0:cx + cols - self.x0] = 1
                    return cx * GRID_W + cols * GRID_W // 2, cy * GRID_H + rows * GRID_H // 2 - dy
            reach *= 2


def _room(node, box: tuple[int, int, int]) -> tuple[int, int, int]:
    """The place a node takes on a big network's grid: its name box, or for
    a count node a square round its dot with room for every person it folds
    (a two-line name's box each), so they unfold there (:func:`place_around`)."""
    if not node.collapsed:
        return box
    w, h, dy = box
    side = math.ceil(math.sqrt(1.15 * node.collapsed * 3 * GRID_W * 3 * GRID_H))
    return max(side, w), max(side, 2 * (abs(dy) + h // 2 + 1)), 0


def _snap(xy, boxes, order: list[int]):
    """Every node of a group moved to the free place of a :class:`_Grid`
    nearest its own, in ``order`` (roots and early generations first, so
    they keep their places and later ones make room around them): no two
    name boxes overlap afterwards, whatever the start."""
    import numpy as np

    grid = _Grid()
    out = np.zeros_like(xy)
    for k in order:
        out[k] = grid.place(xy[k, 0], xy[k, 1], boxes[k])
    return out


def network_layout(data, seed: int = 7, none_word: str = "No F level") -> dict[str, tuple[int, int]]:
    """The contact graph: each connected group laid out on its own, the
    groups packed in rows; no two nodes' name boxes (:func:`label_box`, a
    count node's with ``none_word``, the page's words for "No F level")
    overlap, at any size.

    - from :data:`RING_SMALL` + 1 up to :data:`SPRING_LIMIT` nodes: a force-directed spring layout
      (networkx) from the radial tree as a seeded start, scaled so an edge is
      about :data:`EDGE_PX` long, then a pass that pushes apart any two
      nodes whose name boxes overlap;
    - bigger groups, and small ones (up to :data:`RING_SMALL` nodes, which a
      spring layout would cost ~5 ms each and hardly move): the group's tree
      as rings round its roots (:func:`_rings`), then each node
      on the free place of a grid nearest its own (:func:`_snap`), roots first
      and generation after generation, so a case keeps its place with its F1
      round it and their F2 further out; a group the pushing pass could not
      clear is snapped too.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode(i, None, 1) for i in "abc"], [MapEdge("a", "b"), MapEdge("b", "c")], "t", ["a"])
    >>> network_layout(d) == network_layout(d)
    True
    >>> pos = network_layout(MapData([MapNode("h", "Hub", 0)] + [MapNode(f"n{i}", f"Người {i}", 1) for i in range(12)],
    ...                      [MapEdge("h", f"n{i}") for i in range(12)], "t", ["h"]))
    >>> min(math.dist(p, q) for p in pos.values() for q in pos.values() if p != q) >= LINE_H
    True
    """
    n = len(data.nodes)
    if n == 0:
        return {}
    import networkx as nx
    import numpy as np

    by_id = {node.id: node for node in data.nodes}
    g = nx.Graph()
    ids = sorted(by_id)
    g.add_nodes_from(ids)
    weight = {"primary": 1.0, "source": 0.5, "contact": 0.3}
    for e in sorted(data.edges, key=lambda e: (e.source, e.target)):
        if e.source in g and e.target in g and e.source != e.target:
            w = weight.get(getattr(e, "kind", None) or ("primary" if e.primary else "source"), 0.5)
            if not g.has_edge(e.source, e.target) or g[e.source][e.target]["weight"] < w:
                g.add_edge(e.source, e.target, weight=w)
    start = radial_layout(data)
    gen = generations(data)
    parent = tree_parents(data)
    kids = _children(data, parent)
    rank = {r: k for k, r in enumerate(data.roots)}
    placed: list[tuple[dict[str, tuple[float, float]], tuple[float, float, float, float]]] = []
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    for comp in comps:
        # a count node holds room for the persons it folds (:func:`_room`), so they unfold round it, and
        # the group's extent holds that room, so no other group is packed into it (a cluster of many roots
        # folds them into small groups: without it, 8,000 persons searched for free cells between them, 37 s)
        boxes = [_room(by_id[i], label_box(by_id[i], none_word)) for i in comp]
        if len(comp) == 1:
            xy = np.zeros((1, 2))
        else:
            sub = g.subgraph(comp)
            init = np.array([start[i] for i in comp], dtype=float)
            first = comp.index(min(comp, key=lambda i: (rank.get(i, n), i)))
            # roots first, then generation after generation (count nodes after the persons of theirs)
            order = sorted(range(len(comp)), key=lambda k: (rank.get(comp[k], n), gen.get(comp[k], 0),
                                                            by_id[comp[k]].collapsed > 0, comp[k]))
            if RING_SMALL < len(comp) <= SPRING_LIMIT:
                init -= init.min(axis=0)
                init /= init.max() or 1.0
                # a little seeded jitter, so nodes the radial start put on one spot separate
                init += np.random.default_rng(seed).uniform(-1e-3, 1e-3, init.shape)
                local = nx.spring_layout(sub, pos={i: tuple(p) for i, p in zip(comp, init)},
                                         k=1.5 / math.sqrt(len(comp)),
                                         iterations=max(50, min(150, 15000 // len(comp))), seed=seed, scale=None)
                xy = np.array([local[i] for i in comp], dtype=float)
                lengths = [math.dist(local[a], local[b]) for a, b in sub.edges()]
                lengths.sort()
                typical = lengths[len(lengths) // 2] or 1e-9
                xy *= EDGE_PX / typical
                xy = _lie_flat(xy, first)
                if not _separate(xy, boxes):
                    xy = _snap(xy, boxes, order)
            else:
                wanted, ring = _rings(comp, parent, kids, dict(zip(comp, boxes)))
                xy = np.array([wanted[i] for i in comp], dtype=float)
                # the roots first, then ring after ring, each in the order of the tree (a branch together)
                where = {i: k for k, i in enumerate(wanted)}
                xy = _snap(xy, boxes, sorted(range(len(comp)), key=lambda k: (ring[comp[k]], where[comp[k]])))
        local_pos = {i: (float(p[0]), float(p[1])) for i, p in zip(comp, xy)}
        x0 = min(p[0] - b[0] / 2 for p, b in zip(xy, boxes))
        x1 = max(p[0] + b[0] / 2 for p, b in zip(xy, boxes))
        y0 = min(p[1] + b[2] - b[1] / 2 for p, b in zip(xy, boxes))
        y1 = max(p[1] + b[2] + b[1] / 2 for p, b in zip(xy, boxes))
        placed.append((local_pos, (x0, y0, x1, y1)))
    sizes = [(b[2] - b[0], b[3] - b[1]) for _, b in placed]
    corners = _shelves(sizes, COMPONENT_GAP)
    pos: dict[str, tuple[int, int]] = {}
    for (local_pos, (x0, y0, _x1, _y1)), (cx, cy) in zip(placed, corners):
        for i, (px, py) in local_pos.items():
            pos[i] = (int(round(cx + px - x0)), int(round(cy + py - y0)))
    return {node.id: pos[node.id] for node in data.nodes}


def radial_layout(data) -> dict[str, tuple[int, int]]:
    """Roots in the centre (several roots on a small circle), each generation
    on a ring, each subtree in an angle proportional to its number of leaves.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0), MapNode("x", None, 1)], [MapEdge("r", "x")], "t", ["r"])
    >>> radial_layout(d)["r"]
    (0, 0)
    """
    parent = tree_parents(data)
    kids = _children(data, parent)
    leaves: dict[str, int] = {}
    order: list[str] = []
    roots = kids.get(None, [])
    stack = list(roots)
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(kids.get(node, []))
    for node in reversed(order):
        ch = kids.get(node)
        leaves[node] = sum(leaves[c] for c in ch) if ch else 1
    total = sum(leaves[r] for r in roots) or 1
    ring = max(TREE_DY, int(math.sqrt(total) * 12))
    pos: dict[str, tuple[int, int]] = {}
    single = len(roots) == 1
    start = 0.0
    stack2: list[tuple[str, float, float, int]] = []
    for r in roots:
        width = 2 * math.pi * leaves[r] / total
        stack2.append((r, start, start + width, 0))
        start += width
    while stack2:
        node, a0, a1, depth = stack2.pop()
        if depth == 0 and single:
            pos[node] = (0, 0)
        else:
            radius = ring * (depth + (0 if single else 0.5))
            mid = (a0 + a1) / 2
            pos[node] = (int(round(radius * math.cos(mid))), int(round(radius * math.sin(mid))))
        a = a0
        for c in kids.get(node, []):
            w = (a1 - a0) * leaves[c] / leaves[node]
            stack2.append((c, a, a + w, depth + 1))
            a += w
    return {n.id: pos[n.id] for n in data.nodes}
