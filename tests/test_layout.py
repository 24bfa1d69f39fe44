"""Positions of the map: generations, the tree rows, the timeline, the network."""

import math

import pytest

from browser import sample_map
from tracing.layout import (LABEL_MAX_W, LINE_H, TIME_DX, generations, label_box, network_layout, timeline_layout,
                            tree_layout, tree_parents)
from tracing.render import MapData, MapEdge, MapNode


def chain():
    # A -> B -> C (primary), D -> C (other source), E unlinked, F a case with its own chain
    nodes = [MapNode("A", "An", 0, is_case=True, confirmed="2021-05-01"),
             MapNode("B", "Bình", 1, exposure="2021-05-03"),
             MapNode("C", "Cúc", 2, exposure="2021-05-06"),
             MapNode("D", "Dũng", 1, exposure="2021-05-02"),
             MapNode("E", "Em", None),
             MapNode("F", "Phúc", 0, is_case=True, confirmed="2021-05-04")]
    edges = [MapEdge("A", "B"), MapEdge("B", "C"), MapEdge("D", "C", primary=False),
             MapEdge("A", "D"), MapEdge("B", "F")]
    return MapData(nodes, edges, "t", ["A"])


def test_generation_is_depth_along_primary_edges():
    assert generations(chain()) == {"A": 0, "B": 1, "C": 2, "D": 1, "E": 0, "F": 2}
    assert tree_parents(chain())["C"] == "B"  # the dashed edge D -> C does not make the tree


def test_generations_survive_a_cycle_of_primary_edges():
    data = MapData([MapNode("a", None, 1), MapNode("b", None, 1)], [MapEdge("a", "b"), MapEdge("b", "a")], "t", [])
    gens = generations(data)
    assert sorted(gens.values()) == [0, 1]


def test_tree_has_one_row_per_generation_and_parents_over_children():
    data = chain()
    pos = tree_layout(data)
    gens = generations(data)
    rows = {}
    for node_id, (x, y) in pos.items():
        rows.setdefault(gens[node_id], []).append(y)
    # every row sits below the previous one (a staggered node never reaches the next row)
    for g in range(1, max(rows) + 1):
        assert min(rows[g]) > max(rows[g - 1])
    assert min(pos["B"][0], pos["D"][0]) <= pos["A"][0] <= max(pos["B"][0], pos["D"][0])


def test_tree_nodes_do_not_share_a_place():
    data = sample_map(300, seed=4)
    pos = tree_layout(data)
    assert len(set(pos.values())) == len(pos)


def test_timeline_x_is_the_date_and_chains_read_left_to_right():
    data = chain()
    pos, ticks = timeline_layout(data)
    assert pos["B"][0] - pos["A"][0] == 2 * TIME_DX  # exposure 05-03 vs confirmation 05-01
    assert pos["C"][0] > pos["B"][0]
    assert pos["F"][0] - pos["A"][0] == 3 * TIME_DX  # a case sits at its confirmation date
    assert pos["A"][1] < pos["D"][1] < pos["B"][1] < pos["C"][1]  # a row each, parent above, children by date
    assert len({y for _x, y in pos.values()}) == len(pos)
    assert ("2021-05-01" in dict((label, x) for x, label in ticks))


def test_timeline_places_a_case_at_its_onset_not_its_confirmation():
    # the epicurve convention: a case at onset of symptoms (sample date when
    # there is none), a traced person at exposure
    nodes = [MapNode("A", "An", 0, is_case=True, onset="2021-05-01", confirmed="2021-05-06"),
             MapNode("B", "Bình", 1, exposure="2021-05-02"),
             MapNode("C", "Cúc", 0, is_case=True, exposure="2021-05-03", onset="2021-05-05", confirmed="2021-05-09"),
             MapNode("D", "Dũng", 0, is_case=True, confirmed="2021-05-07")]
    data = MapData(nodes, [MapEdge("A", "B"), MapEdge("A", "C"), MapEdge("C", "D")], "t", ["A"])
    pos, ticks = timeline_layout(data)
    at = {label: x for x, label in ticks}
    assert pos["A"][0] == at["2021-05-01"]  # onset, four days before the confirmation
    assert pos["C"][0] == at["2021-05-05"]  # onset, not exposure or confirmation
    assert pos["D"][0] == at["2021-05-07"]  # no onset recorded: the sample date
    assert pos["A"][0] < pos["B"][0] < pos["C"][0] < pos["D"][0]  # the chain reads left to right
    assert len({p[1] for p in pos.values()}) == len(pos)  # a row each


def test_timeline_contacts_exposed_before_confirmation_are_right_of_the_case():
    # a case confirmed days after onset: its contacts of the days in between
    # stand right of it (at the confirmation date they all pointed backwards)
    nodes = [MapNode("A", "An", 0, is_case=True, onset="2021-05-01", confirmed="2021-05-05")]
    nodes += [MapNode(f"F{d}", None, 1, exposure=f"2021-05-0{d}") for d in range(1, 5)]
    data = MapData(nodes, [MapEdge("A", f"F{d}") for d in range(1, 5)], "t", ["A"])
    pos, _ = timeline_layout(data)
    assert all(pos[f"F{d}"][0] >= pos["A"][0] + (d - 1) * TIME_DX for d in range(1, 5))
    assert pos["F2"][0] > pos["A"][0]


def test_timeline_never_stacks_two_nodes_on_one_spot():
    pos, _ = timeline_layout(sample_map(500, seed=2))
    assert len(set(pos.values())) == len(pos)


def test_timeline_siblings_never_share_a_row_and_edges_cross_no_mark():
    from tracing.layout import MARK_H, MARK_W, elbow_routes

    data = sample_map(400, seed=3)
    pos, _ = timeline_layout(data)
    assert len({y for _x, y in pos.values()}) == len(pos)  # every person on a row of their own
    routes = elbow_routes(data, pos, "timeline")
    parent = tree_parents(data)
    assert len(routes) == sum(1 for p in parent.values() if p is not None)
    marks = [(x, y, i) for i, (x, y) in pos.items()]
    for (src, dst), line in routes.items():
        assert line[0][1] == pos[src][1] and line[-1][1] == pos[dst][1]
        for (x1, y1), (x2, y2) in zip(line, line[1:]):
            for x, y, i in marks:
                if i in (src, dst):
                    continue
                inside_x = min(x1, x2) <= x + MARK_W / 2 and max(x1, x2) >= x - MARK_W / 2
                inside_y = min(y1, y2) <= y + MARK_H / 2 and max(y1, y2) >= y - MARK_H / 2
                assert not (inside_x and inside_y), (src, dst, i)


def test_tree_cards_never_overlap_and_edges_cross_no_card():
    from tracing.layout import CARD_H, CARD_W, elbow_routes

    data = sample_map(600, seed=4)
    pos = tree_layout(data)
    boxes = sorted(pos.items(), key=lambda kv: kv[1])
    rows = {}
    for i, (x, y) in pos.items():
        rows.setdefault(y, []).append(x)
    for xs in rows.values():
        xs.sort()
        assert all(b - a >= CARD_W + 10 for a, b in zip(xs, xs[1:]))
    routes = elbow_routes(data, pos, "tree")
    cards = [(x, y, i) for i, (x, y) in boxes]
    for (src, dst), line in routes.items():
        for (x1, y1), (x2, y2) in zip(line, line[1:]):
            for x, y, i in cards:
                if i in (src, dst):
                    continue
                inside_x = min(x1, x2) < x + CARD_W / 2 and max(x1, x2) > x - CARD_W / 2
                inside_y = min(y1, y2) < y + CARD_H / 2 and max(y1, y2) > y - CARD_H / 2
                assert not (inside_x and inside_y), (src, dst, i)


def test_layouts_are_deterministic():
    data = sample_map(150, seed=9)
    assert network_layout(data) == network_layout(sample_map(150, seed=9))
    assert tree_layout(data) == tree_layout(sample_map(150, seed=9))
    assert timeline_layout(data) == timeline_layout(sample_map(150, seed=9))


def test_network_layout_spreads_nodes_out():
    data = sample_map(80, seed=3)
    pos = network_layout(data)
    points = list(pos.values())
    close = sum(1 for i, a in enumerate(points) for b in points[i + 1:]
                if abs(a[0] - b[0]) < 20 and abs(a[1] - b[1]) < 20)
    assert close <= len(points) // 20


def overlapping_boxes(data, pos, none_word="No F level"):
    """Pairs of nodes whose dot-and-name boxes overlap by more than a pixel (a sweep along x, for big maps)."""
    rects = []
    for n in data.nodes:
        (x, y), (w, h, dy) = pos[n.id], label_box(n, none_word)
        rects.append((x - w / 2, y + dy - h / 2, x + w / 2, y + dy + h / 2, n.id))
    rects.sort()
    bad = []
    for k, a in enumerate(rects):
        for b in rects[k + 1:]:
            if b[0] >= a[2] - 2:
                break
            if min(a[3], b[3]) - max(a[1], b[1]) > 2 and min(a[2], b[2]) - max(a[0], b[0]) > 2:
                bad.append((a[4], b[4]))
    return bad


@pytest.mark.parametrize("n", [401, 1000, 3000, 10000])
def test_big_network_names_and_marks_never_lie_on_one_another(n):
    # issue 16: at 1,000+ persons F2 marks piled up on F1s and level texts overlapped (a radial tree, rings
    # at fixed radii): every node's box (its dot and name, label_box) must be clear of every other one's
    data = sample_map(n, seed=5)
    pos = network_layout(data)
    assert len(pos) == n and overlapping_boxes(data, pos) == []
    # generations stay readable: the roots in the middle, each of the first generations (what opens on
    # screen) further out than the one before
    gen = generations(data)
    xs, ys = zip(*(pos[r] for r in data.roots))
    cx, cy = sum(xs) / len(xs), sum(ys) / len(ys)
    dist: dict[int, list[float]] = {}
    for i, (x, y) in pos.items():
        dist.setdefault(gen[i], []).append(math.hypot(x - cx, y - cy))
    middle = [sorted(d)[len(d) // 2] for g, d in sorted(dist.items()) if g <= 4]
    assert middle == sorted(middle) and len(middle) == 5, middle
    # and the drawing is about as big as its names, not a wheel of empty rings (at most 4x their area)
    span_x = max(x for x, _ in pos.values()) - min(x for x, _ in pos.values())
    span_y = max(y for _, y in pos.values()) - min(y for _, y in pos.values())
    area = sum(label_box(x)[0] * label_box(x)[1] for x in data.nodes)
    assert span_x * span_y <= 4 * area, (span_x * span_y / area)


def test_network_count_nodes_get_room_for_their_words_in_the_page_language():
    # "+3 F1 · 2 Không thuộc diện F" is wider than a wrapped name: its box is as wide as its words, so a
    # Vietnamese page's count nodes never lie on their neighbours' names
    nodes = [MapNode("R", "Gốc", 0, is_case=True)]
    edges = []
    for i in range(500):
        nodes.append(MapNode(f"C{i:03d}", None, None, collapsed=5, levels=[(1, 3), (None, 2)], members=[]))
        edges.append(MapEdge("R", f"C{i:03d}"))
    data = MapData(nodes, edges, "t", ["R"])
    word = "Không thuộc diện F"
    wide = label_box(nodes[1], word)
    assert wide[0] > label_box(nodes[1])[0] and wide[0] > LABEL_MAX_W
    assert overlapping_boxes(data, network_layout(data, none_word=word), word) == []


def test_a_star_of_many_leaves_is_spread_with_no_overlap():
    # one case with 2,000 F1 and nothing else: the crowd around a single dot, the hardest case for a grid
    nodes = [MapNode("K", "Ca bệnh", 0, is_case=True)] + [MapNode(f"F{i:04d}", f"Người {i}", 1) for i in range(2000)]
    data = MapData(nodes, [MapEdge("K", f"F{i:04d}") for i in range(2000)], "t", ["K"])
    pos = network_layout(data)
    assert overlapping_boxes(data, pos) == []
    # its F1 round it: the case is in the middle of the drawing
    xs = sorted(x for x, _ in pos.values())
    ys = sorted(y for _, y in pos.values())
    assert xs[0] < pos["K"][0] < xs[-1] and ys[0] < pos["K"][1] < ys[-1]


def overlapping_labels(data, pos):
    """Pairs of nodes whose dot-and-name boxes overlap by more than a pixel."""
    boxes = {n.id: label_box(n) for n in data.nodes}
    ids = sorted(pos)
    bad = []
    for k, a in enumerate(ids):
        (xa, ya), (wa, ha, da) = pos[a], boxes[a]
        for b in ids[k + 1:]:
            (xb, yb), (wb, hb, db) = pos[b], boxes[b]
            if abs(xa - xb) < (wa + wb) / 2 - 2 and abs(ya + da - yb - db) < (ha + hb) / 2 - 2:
                bad.append((a, b))
    return bad


def test_network_names_never_collide_around_a_busy_case():
    # two F0 with many F1 each (the demo's heap of names), the F1 of one also met each other
    nodes = [MapNode("A", "Nguyễn Thị Mai", 0, is_case=True), MapNode("B", "Trương Thị Hà", 0, is_case=True)]
    edges = [MapEdge("A", "B")]
    for case in "AB":
        for i in range(18):
            nodes.append(MapNode(f"{case}{i}", f"Nguyễn Văn Người{i}", 1))
            edges.append(MapEdge(case, f"{case}{i}"))
    edges += [MapEdge(f"A{i}", f"A{i + 1}", kind="contact") for i in range(17)]
    data = MapData(nodes, edges, "t", ["A"])
    pos = network_layout(data)
    assert overlapping_labels(data, pos) == []
    # a name box is wider than a dot and taller than a line, so the check above is about names
    assert all(label_box(n)[0] > 34 and label_box(n)[1] > 2 * LINE_H for n in nodes)


def test_hundred_node_network_keeps_node_centres_apart():
    data = sample_map(100, seed=6)
    pos = network_layout(data)
    points = sorted(pos.values())
    closest = min(((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for i, a in enumerate(points) for b in points[i + 1:])
    # two dots with their names under them: at least two lines of text apart
    assert closest >= 2 * LINE_H
    assert overlapping_labels(data, pos) == []


def test_network_layout_is_the_same_bytes_for_the_same_data_in_any_order():
    data = sample_map(120, seed=4)
    shuffled = MapData(list(reversed(data.nodes)), list(reversed(data.edges)), data.title, data.roots)
    assert network_layout(data) == network_layout(shuffled)


def test_a_big_family_of_leaves_is_stacked_in_a_few_short_columns():
    from tracing.layout import CARD_W, STACK_MAX

    nodes = [MapNode("K", "Ca", 0, is_case=True, confirmed="2021-05-01")]
    nodes += [MapNode(f"F{i:02d}", None, 1, exposure=f"2021-05-{1 + i % 9:02d}") for i in range(40)]
    data = MapData(nodes, [MapEdge("K", f"F{i:02d}") for i in range(40)], "t", ["K"])
    pos = tree_layout(data)
    columns = {}
    for i in range(40):
        columns.setdefault(pos[f"F{i:02d}"][0], []).append(pos[f"F{i:02d}"][1])
    assert len(columns) == 4 and all(len(ys) <= STACK_MAX for ys in columns.values())
    xs = sorted(columns)
    assert all(b - a >= CARD_W for a, b in zip(xs, xs[1:]))
    assert min(xs) <= pos["K"][0] <= max(xs)  # the case above its columns
