"""The timeline's edges cannot be misread (issue 16 point 2): each parent's
trunk runs in a lane of its own (trunks that share a row at least
TRUNK_SEP px apart), no trunk starts on or runs along another parent's edge
(an F1's trunk never branches off the arrow into it), no edge crosses a
mark, every person on a row of their own. Checked on what is drawn: the
layout, the HTML page's data and the SVG a user writes with
``tracing render --format svg --layout timeline``, and in a browser after
unfolding a page's count nodes."""

from __future__ import annotations

import json
import re

import pytest

import browser
from browser import sample_map
from routes import edge_routes, outbreak_files, page_routes, route_faults, svg_routes
from tracing.layout import (LANE_OFFSETS, LONG_EDGE, MARK_H, MARK_W, OTHER_TRACK, TIME_DX, elbow_routes, timeline_layout,
                            timeline_other_routes, timeline_trunks, tree_parents)
from tracing.render import MapData, MapEdge, MapNode, render_html, write_html

SIZES = (50, 300, 1000)


def layout_routes(data):
    """Positions and every edge's route (other sources too, a long one as two stubs)."""
    pos, _ = timeline_layout(data)
    routes = [(p, c, pts, "p") for (p, c), pts in elbow_routes(data, pos, "timeline").items()]
    routes += [(s, t, pts, "s") for (s, t), lines in timeline_other_routes(data, pos).items() for pts in lines]
    return pos, routes


def same_day_family():
    # F0 A (onset 05-03) with F1 on its own day (B, with F2 on that day too), before it (C: exposed on
    # 05-02, in A's infectious window) and after it; B's and C's children on both sides of them
    day = {"A": 3, "B": 3, "C": 2, "D": 5, "E": 3, "F": 4, "G": 1, "H": 3, "J": 3, "K": 2}
    par = {"B": "A", "C": "A", "D": "A", "E": "B", "F": "B", "G": "C", "H": "C", "J": "E", "K": "E"}
    nodes = [MapNode("A", "An", 0, is_case=True, onset="2021-05-03", confirmed="2021-05-05")]
    nodes += [MapNode(i, i, 1 if par[i] == "A" else 2, exposure=f"2021-05-0{d}") for i, d in day.items() if i != "A"]
    return MapData(nodes, [MapEdge(p, c) for c, p in par.items()], "t", ["A"])


def test_a_trunk_leaves_its_mark_on_the_side_away_from_the_arrow_into_it():
    data = same_day_family()
    pos, routes = layout_routes(data)
    parent = tree_parents(data)
    trunks = timeline_trunks(data, pos)
    into = {c: pts[-1] for _p, c, pts, _k in routes}
    for _p, c, pts, _k in routes:
        assert pts[0] == (trunks[_p][0], pos[_p][1]) and pts[1][0] == pts[2][0] == trunks[_p][1]
        # the arrow ends on the side of the child's mark that faces its parent's lane
        lane = trunks[_p][1]
        assert pts[-1] == (pos[c][0] + (MARK_W // 2 if lane > pos[c][0] else -MARK_W // 2), pos[c][1])
    for p, (stub, lane) in trunks.items():
        if parent[p] is not None:  # the other side than the arrow into it
            assert stub == 2 * pos[p][0] - into[p][0], p
        # a lane lies in the gap between two days: half a day from a column, or TRUNK_SEP either side of it
        assert (lane - pos[p][0]) % TIME_DX in {(TIME_DX // 2 + o) % TIME_DX for o in LANE_OFFSETS}
        assert (lane > pos[p][0]) == (stub > pos[p][0])  # the stub goes towards the lane
    # B stands on A's day and has children: its trunk is not A's (nor within 8 px of it where both run)
    assert trunks["B"][1] != trunks["A"][1]
    assert route_faults(pos, routes) == []


def test_nested_trunks_in_one_gap_take_lanes_apart_then_the_next_gap():
    # a chain of parents all on one day, each with a child on that day: every trunk needs the same gap;
    # they share rows (nested), so they take its lanes (middle, then TRUNK_SEP either side), then the
    # gap beyond
    nodes = [MapNode("n0", None, 0, is_case=True, confirmed="2021-05-01")]
    edges = []
    for k in range(1, 8):
        nodes.append(MapNode(f"n{k}", None, k, exposure="2021-05-01"))
        edges.append(MapEdge(f"n{k - 1}", f"n{k}"))
        nodes.append(MapNode(f"s{k}", None, k, exposure="2021-05-01"))  # a later sibling keeps the trunk long
        edges.append(MapEdge(f"n{k - 1}", f"s{k}"))
    data = MapData(nodes, edges, "t", ["n0"])
    pos, routes = layout_routes(data)
    assert route_faults(pos, routes) == []
    lanes = sorted(lane for _stub, lane in timeline_trunks(data, pos).values())
    assert len(set(lanes)) == len(lanes) == 7  # all of them share a row: a lane each
    assert all(b - a >= 8 for a, b in zip(lanes, lanes[1:]))
    # clear of every mark by 5 px: a mark is MARK_W wide on its day's column
    assert all(min(abs(lane - x) for x, _y in pos.values()) >= MARK_W // 2 + 5 for lane in lanes)


@pytest.mark.parametrize("n", SIZES)
def test_layout_routes_keep_the_rules(n):
    data = sample_map(n, seed=5)
    pos, routes = layout_routes(data)
    assert sum(1 for r in routes if r[3] == "p") == sum(1 for p in tree_parents(data).values() if p is not None)
    others = {(e.source, e.target) for e in data.edges if not e.primary}
    assert others and {(s, t) for s, t, _pts, k in routes if k == "s"} == others  # every other source routed too
    for s, t in others:  # one route, or two stubs when it would run further up or down than LONG_EDGE
        far = abs((pos[t][1] - MARK_H // 2 - OTHER_TRACK) - (pos[s][1] + MARK_H // 2 + OTHER_TRACK)) > LONG_EDGE
        assert sum(1 for r in routes if r[:2] == (s, t)) == (2 if far else 1)
    assert len({y for _x, y in pos.values()}) == len(pos)  # a row each: siblings never share one
    assert route_faults(pos, routes) == []


def test_folded_and_undated_persons_keep_the_rules():
    # count nodes (--max-nodes) stand on their persons' dates and hang from their anchor like a child;
    # undated persons stand in a column of their own, two days before the first date
    import dataclasses

    from tracing.render import collapse

    data = sample_map(1000, seed=7)
    folded, hidden = collapse(data, 150)
    assert hidden and any(n.collapsed for n in folded.nodes)
    small = sample_map(300, seed=7)
    undated = MapData([dataclasses.replace(n, onset=None, confirmed=None, exposure=None) if k % 7 == 3 else n
                       for k, n in enumerate(small.nodes)], small.edges, "t", small.roots)
    for case in (folded, undated):
        pos, routes = layout_routes(case)
        assert route_faults(pos, routes) == []
    assert min(x for x, _y in layout_routes(undated)[0].values()) == -2 * TIME_DX


@pytest.mark.sqlite_only("the drawing is the same whatever the store")
@pytest.mark.parametrize("n", SIZES)
def test_the_page_and_the_svg_a_user_renders_keep_the_rules(run, tmp_path, n):
    files = outbreak_files(n, tmp_path / "in")
    run("import", "contacts", files["contacts"])
    run("import", "cases", files["cases"])
    svg_file, page_file = tmp_path / "t.svg", tmp_path / "t.html"
    info = json.loads(run("render", files["root"], "--layout", "timeline", "--format", "svg", "--format", "json",
                          "-o", svg_file).stdout)
    run("render", files["root"], "--layout", "timeline", "-o", page_file)
    assert info["nodes"] == n and info["hidden"] == 0  # the whole outbreak is one cluster, all drawn
    page = page_file.read_text(encoding="utf-8")
    payload = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))
    nodes = payload["nodes"]
    # the fixture is what it says: many siblings, many of them exposed on one day
    same_day: dict = {}
    for e in payload["edges"]:
        if e["p"]:
            key = (e["f"], nodes[e["t"]]["x"])
            same_day[key] = same_day.get(key, 0) + 1
    assert max(same_day.values()) >= 5
    for marks, routes in (page_routes(payload), svg_routes(svg_file.read_text(encoding="utf-8"))):
        assert len(marks) == n and len({y for _x, y in marks.values()}) == n  # a row each
        # an elbow to everyone but the index case (on paper an edge between two sheets is drawn on
        # both, as its leaving and its arriving part: counted once per person it reaches)
        assert len({r[1] for r in routes if r[3] == "e k-p"}) == n - 1
        assert any(r[3] == "e k-s" for r in routes)  # other sources (dashed) are drawn and checked too
        assert route_faults(marks, routes) == []


@pytest.mark.skipif(not browser.available(), reason="chromium is not installed (/usr/bin/chromium)")
def test_a_folded_page_keeps_the_rules_as_its_count_nodes_unfold(tmp_path):
    # a page that opens on --max-nodes persons: its count nodes hang from their anchor's trunk and, as they
    # unfold (rows closing up around what is drawn), every edge drawn still keeps the rules
    data = sample_map(1000, seed=4)
    path = tmp_path / "folded.html"
    write_html(render_html(data, layout="timeline", max_nodes=150, lang="en"), path)
    with browser.Page() as page:
        page.open(path)
        for step in range(4):
            positions = json.loads(page.eval("JSON.stringify(window.tracingMap.positions())"))
            counts = json.loads(page.eval("JSON.stringify(window.tracingMap.countNodes())"))
            marks = {i: tuple(p) for i, p in enumerate(positions) if p is not None}
            marks.update({f"c{k}": (c["x"], c["y"]) for k, c in enumerate(counts)})
            edges = json.loads(page.eval("JSON.stringify(window.tracingMap.edgePaths())"))
            routes = edge_routes(edges)
            assert len({y for _x, y in marks.values()}) == len(marks)
            assert sum(1 for _f, t, _d, _c in edges if str(t).startswith("c")) == len(counts) > 0 or step
            assert route_faults(marks, routes) == [], step
            if not counts:
                break
            # unfold the biggest count node, as a click does
            k = max(range(len(counts)), key=lambda j: counts[j]["n"])
            page.eval(f"window.tracingMap.centre({counts[k]['x']}, {counts[k]['y']}); 1")
            page.eval(f"""(function () {{ var g = document.querySelector('#diagram g.n[data-c="{k}"]');
                var r = g.querySelector("rect").getBoundingClientRect(), o = {{clientX: r.left + r.width / 2,
                clientY: r.top + r.height / 2, bubbles: true, pointerId: 1}};
                document.getElementById("diagram").dispatchEvent(new PointerEvent("pointerdown", o));
                document.getElementById("diagram").dispatchEvent(new PointerEvent("pointerup", o)); }})()""")
