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
import math
from collections import defaultdict

#: horizontal space per leaf in the tree, vertical space per generation (px)
TREE_DX = 110
TREE_DY = 200
#: in a crowded row every other node drops this far, so labels do not overlap
TREE_STAGGER = 66
#: a label needs about this much room (px) beside its node
LABEL_WIDTH = 150
#: timeline: pixels per day and per lane
TIME_DX = 160
TIME_DY = 90
#: above this many nodes the network layout is a radial tree (O(n)) instead of
#: a force-directed spring layout
SPRING_LIMIT = 400


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
    starts += sorted(i for i in ids if i not in has_parent and i not in set(starts))
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
    parent = tree_parents(data)
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
    return {n.id: gen[n.id] for n in data.nodes}


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
    """The sơ đồ cây: one row per generation, each parent centred over its
    children, leaves spaced evenly; ``y`` grows downwards.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0), MapNode("x", None, 1), MapNode("y", None, 1)],
    ...             [MapEdge("r", "x"), MapEdge("r", "y")], "t", ["r"])
    >>> tree_layout(d)  # y drops for every other node of a crowded row
    {'r': (55, 0), 'x': (0, 200), 'y': (110, 266)}
    """
    parent = tree_parents(data)
    kids = _children(data, parent)
    x: dict[str, float] = {}
    depth: dict[str, int] = {}
    slot = 0
    # iterative post-order walk (trees can be deeper than Python's recursion limit)
    for root in kids.get(None, []):
        stack: list[tuple[str, int, bool]] = [(root, 0, False)]
        while stack:
            node, d, done = stack.pop()
            if done:
                ch = kids.get(node)
                x[node] = (x[ch[0]] + x[ch[-1]]) / 2
                continue
            depth[node] = d
            ch = kids.get(node)
            if not ch:
                x[node] = slot
                slot += 1
                continue
            stack.append((node, d, True))
            for c in reversed(ch):
                stack.append((c, d + 1, False))
    pos = {n.id: (int(round(x[n.id] * TREE_DX)), depth[n.id] * TREE_DY) for n in data.nodes}
    rows: dict[int, list[str]] = defaultdict(list)
    for node_id, (px, py) in pos.items():
        rows[py].append(node_id)
    for py, members in rows.items():
        members.sort(key=lambda i: (pos[i][0], i))
        prev_x, prev_dropped = None, False
        for i in members:
            px = pos[i][0]
            drop = prev_x is not None and px - prev_x < LABEL_WIDTH and not prev_dropped
            if drop:
                pos[i] = (px, py + TREE_STAGGER)
            prev_x, prev_dropped = px, drop
    return pos


def _day(value: str | None) -> int | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10]).toordinal()
    except ValueError:
        return None


def timeline_layout(data) -> tuple[dict[str, tuple[int, int]], list[tuple[int, str]]]:
    """``x`` = date (onset for cases, else confirmation; exposure for the
    others), ``y`` = lane: a node continues its parent's lane when it comes later and the
    place is free, otherwise it takes the nearest free lane below its
    parent, so each chain of transmission reads left to right. Undated persons stand in a column left of the
    first date. Returns the positions and the axis ticks ``[(x, label)]``.

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode("r", None, 0, is_case=True, confirmed="2021-05-01"),
    ...              MapNode("x", None, 1, exposure="2021-05-02"),
    ...              MapNode("y", None, 1, exposure="2021-05-03")],
    ...             [MapEdge("r", "x"), MapEdge("r", "y")], "t", ["r"])
    >>> pos, ticks = timeline_layout(d)
    >>> pos
    {'r': (0, 0), 'x': (160, 0), 'y': (320, 0)}
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

    xs: dict[str, int] = {}
    queue = list(kids.get(None, []))
    head = 0
    while head < len(queue):  # parents before children
        i = queue[head]
        head += 1
        d, p = days[i], parent[i]
        if d is not None:
            xs[i] = (d - first) * TIME_DX
        else:  # undated: just right of the parent, or the undated column
            xs[i] = undated_x if p is None else xs[p] + TIME_DX // 2
        queue.extend(kids.get(i, []))
    lane_of: dict[str, int] = {}
    used: list[set[int]] = []  # x positions taken in each lane
    half = TIME_DX // 2

    def free(lane: int, x: int) -> bool:
        taken = used[lane]
        return x not in taken and x - half not in taken and x + half not in taken

    def take(lane: int, x: int) -> int:
        while lane >= len(used):
            used.append(set())
        used[lane].add(x)
        return lane

    for root in kids.get(None, []):
        stack = [root]
        while stack:
            node = stack.pop()
            p, x = parent[node], xs[node]
            lane = None
            if p is not None and x > xs[p] and free(lane_of[p], x):
                lane = lane_of[p]  # the chain goes on to the right in its parent's lane
            else:
                start_lane = lane_of[p] + 1 if p is not None else 0
                for cand in range(start_lane, min(len(used), start_lane + 60)):
                    if free(cand, x):
                        lane = cand
                        break
                if lane is None:
                    lane = max(len(used), start_lane)
            lane_of[node] = take(lane, x)
            for c in reversed(kids.get(node, [])):
                stack.append(c)
    span = last - first
    step = 1 if span <= 21 else 7 if span <= 150 else 30
    ticks = [((d - first) * TIME_DX, dt.date.fromordinal(d).isoformat()) for d in range(first, last + 1, step)]
    if any(d is None for d in days.values()):
        ticks.insert(0, (undated_x, ""))
    pos = {i: (xs[i], lane_of[i] * TIME_DY) for i in by_id}
    return pos, ticks


def network_layout(data, seed: int = 7) -> dict[str, tuple[int, int]]:
    """The contact graph: each connected group laid out on its own
    (Kamada-Kawai, or a seeded spring layout above 100 nodes) and the groups
    packed in rows; for more than :data:`SPRING_LIMIT` nodes a radial tree (generations
    on rings, each subtree in its own angle), which is O(n).

    >>> from tracing.render import MapData, MapNode, MapEdge
    >>> d = MapData([MapNode(i, None, 1) for i in "abc"], [MapEdge("a", "b"), MapEdge("b", "c")], "t", ["a"])
    >>> network_layout(d) == network_layout(d)
    True
    """
    n = len(data.nodes)
    if n == 0:
        return {}
    if n > SPRING_LIMIT:
        return radial_layout(data)
    import networkx as nx

    g = nx.Graph()
    ids = sorted(node.id for node in data.nodes)
    g.add_nodes_from(ids)
    for e in sorted(data.edges, key=lambda e: (e.source, e.target)):
        if e.source in g and e.target in g and e.source != e.target:
            g.add_edge(e.source, e.target, weight=1.0 if e.primary else 0.5)
    pos: dict[str, tuple[int, int]] = {}
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    # each component on its own (spring from a radial start), packed in rows
    row_x = row_y = row_h = 0
    width = 220 * math.sqrt(n) * 1.6
    for comp in comps:
        if len(comp) == 1:
            local = {comp[0]: (0.0, 0.0)}
            size = 1.0
        else:
            sub = g.subgraph(comp)
            if len(comp) <= 100:
                local = nx.kamada_kawai_layout(sub)
            else:
                local = nx.spring_layout(sub, seed=seed, iterations=60)
            size = 150 * math.sqrt(len(comp))
        xs = [p[0] for p in local.values()]
        ys = [p[1] for p in local.values()]
        x0, y0 = min(xs), min(ys)
        span = max(max(xs) - x0, max(ys) - y0) or 1.0
        box = size + 140
        if row_x and row_x + box > width:
            row_x, row_y, row_h = 0, row_y + row_h, 0
        for i, (px, py) in local.items():
            pos[i] = (int(round(row_x + (px - x0) / span * size)), int(round(row_y + (py - y0) / span * size)))
        row_x += box
        row_h = max(row_h, box)
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
