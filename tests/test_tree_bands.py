"""The sơ đồ cây's generation bands (critic16b F3, issue 16): a card is never drawn beside the label of
another generation. A reader takes the label of a card's band, the last "Thế hệ N" row at or above it,
for its generation; childless siblings stacked in columns must stay in their own band, which grows to
hold them. Expected generations come from the rule (depth along primary sources, roots generation 1)."""

from __future__ import annotations

import random
import re

import pytest

from browser import sample_map
from tracing import diagram, printbook as pb
from tracing.layout import CARD_H, generations
from tracing.render import MapData, MapEdge, MapNode, render_svg_sheets, texts


def wide_family() -> MapData:
    # critic16b F3: a root with 14 childless F1 (stacked) beside a chain five generations deep
    parent = {f"a{k:02}": "R" for k in range(14)} | {f"z{k}": f"z{k - 1}" if k else "R" for k in range(5)}
    depth = {"R": 0} | {i: 1 for i in parent if i[0] == "a"} | {f"z{k}": k + 1 for k in range(5)}
    nodes = [MapNode(i, f"Người {i}", min(d, 3), is_case=not d, confirmed="2021-05-01" if not d else None,
                     exposure="2021-04-29" if d else None) for i, d in depth.items()]
    return MapData(nodes, [MapEdge(p, c) for c, p in parent.items()], "Chùm", ["R"])


def band_errors(rows: list[tuple[float, int]], cards: list[tuple[str, float, int]], card_h: float) -> list:
    """Cards not in their generation's band: ``rows`` are the labelled rows ``(y of the row's card
    centres, generation)``, ``cards`` ``(id, y of its centre, generation)``. A card belongs to the band of
    the last labelled row at or above it, and ends above the first card row of the band below."""
    rows = sorted(rows)
    errors = []
    for node_id, y, gen in cards:
        above = [r for r in rows if r[0] <= y + 0.01]
        below = [r for r in rows if r[0] > y + 0.01]
        if not above or above[-1][1] != gen:
            errors.append((node_id, y, gen, above[-1] if above else None))
        elif below and y + card_h / 2 > below[0][0] - card_h / 2 + 0.01:
            errors.append((node_id, y, gen, below[0]))
    return errors


def screen_bands(data: MapData) -> tuple[list, list]:
    """The labelled rows and the cards of the tree as the page draws it (tracing.diagram)."""
    markup = diagram.draw(data, "tree", texts("vi")).markup
    rows = [(float(y) - 5, int(n) - 1)
            for y, n in re.findall(r'<text class="row" x="[^"]+" y="([^"]+)"[^>]*>Thế hệ (\d+)<', markup)]
    gens = generations(data)
    cards = [(data.nodes[int(k)].id, float(y), gens[data.nodes[int(k)].id])
             for k, y in re.findall(r'<g class="n[^"]*" data-i="(\d+)" transform="translate\([-\d.]+ ([-\d.]+)\)"',
                                    markup)]
    return rows, cards


CASES = {"wide-family": wide_family(), "50": sample_map(50, seed=5), "1000": sample_map(1000, seed=5)}


@pytest.mark.parametrize("name", CASES)
def test_every_card_on_screen_is_in_its_generations_band(name):
    data = CASES[name]
    rows, cards = screen_bands(data)
    assert len(cards) == len(data.nodes)
    assert sorted(g for _y, g in rows) == sorted(set(generations(data).values()))  # one label per generation
    assert band_errors(rows, cards, CARD_H) == []


def test_a_stacked_family_grows_its_band_and_no_other():
    data = wide_family()
    rows, cards = screen_bands(data)
    column = sorted(y for i, y, _g in cards if i.startswith("a"))
    assert len(set(column)) > 1  # the 14 F1 are stacked (in columns), not 14 cards side by side
    tops = dict((g, y) for y, g in rows)
    # generation 3 starts a row's step below the lowest stacked F1; the deeper ones keep the usual step
    assert tops[2] - column[-1] == tops[3] - tops[2] == tops[4] - tops[3]


def many_roots(n: int = 600, seed: int = 3) -> MapData:
    """Hundreds of F0 of unknown source, each with 0-2 contacts (the cluster that printed on ~156 near-empty
    sheets when the roots were measured as one family, each root's branch continued on a sheet of its own)."""
    rnd = random.Random(seed)
    nodes, edges = [], []
    for i in range(n):
        day = f"2021-07-{1 + i % 28:02d}"
        nodes.append(MapNode(f"R{i:04d}", f"Ca {i}", 0, is_case=True, unknown_source=True, confirmed=day))
        for j in range(rnd.choice([0, 0, 1, 2])):
            nodes.append(MapNode(f"R{i:04d}c{j}", f"Tiếp xúc {i}.{j}", 1, exposure=day))
            edges.append(MapEdge(f"R{i:04d}", f"R{i:04d}c{j}"))
    return MapData(nodes, edges, "Chùm", [n.id for n in nodes if n.level == 0])


SHEETS = [(sample_map(50, seed=5), "A4"), (sample_map(50, seed=5), "WORD"), (sample_map(1000, seed=5), "A4"),
          (sample_map(1000, seed=5), "WORD"), (wide_family(), "WORD"), (many_roots(), "A3")]


@pytest.mark.parametrize("data,paper", SHEETS, ids=[f"{len(d.nodes)}-{p}" for d, p in SHEETS])
def test_every_card_on_a_sheet_is_in_its_generations_band(data, paper):
    # the HTML "print the whole diagram" and the SVG file draw these sheets: each labelled row of a sheet
    # (sheet.rows, drawn in its margin) and each card where it is drawn
    book = pb.paginate(data, paper)
    gens = generations(data)
    for sheet in book.sheets:
        cards = [(c.id, c.y, gens[c.id]) for c in sheet.cards]
        assert band_errors(sheet.rows, cards, pb.CARD_H) == [], sheet.number
    if data.nodes[0].id == "R":  # the critic's family: its 14 F1 are stacked, in their own band
        assert len({c.y for c in book.sheets[0].cards if c.id[0] == "a"}) > 1


@pytest.mark.parametrize("paper", ["WORD", "A4", "A3"])
def test_small_branches_of_many_roots_fill_their_sheets(paper):
    # the rule (docs/maps.md): branches are packed side by side and one under another before a sheet is
    # started. So every sheet but the last holds at least half the cards its area holds in rows of cards
    # (CARD_H high, ROW apart) and is drawn down past its middle
    data = many_roots()
    book = pb.paginate(data, paper)
    room = book.height - pb.HEAD_H
    cols = int((book.width - pb.GUTTER + pb.GAP_X) // pb.COL)
    rows = int((room + pb.ROW) // (pb.CARD_H + pb.ROW))
    assert sum(len(s.cards) for s in book.sheets) == len(data.nodes)
    for sheet in book.sheets[:-1]:
        assert len(sheet.cards) >= cols * rows / 2, (sheet.number, len(sheet.cards), cols * rows)
        assert max(c.y + pb.CARD_H / 2 for c in sheet.cards) >= room / 2, sheet.number


def test_a_cluster_of_many_roots_folded_over_max_nodes_prints_on_full_sheets():
    # 1,500 F0 (2,600 persons) drawn at --max-nodes 2000 (the first roots, the others folded): the SVG sheets
    # `render --format svg` writes, each holding at least half a sheet of cards
    sheets = render_svg_sheets(many_roots(1500), lang="vi")
    cards = [s.count('<g class="n ') for s in sheets]
    book = pb.paginate(sample_map(1, seed=1), "WORD")
    cols = int((book.width - pb.GUTTER + pb.GAP_X) // pb.COL)
    rows = int((book.height - pb.HEAD_H + pb.ROW) // (pb.CARD_H + pb.ROW))
    assert sum(cards) >= 2000 and all(n >= cols * rows / 2 for n in cards[:-1]), cards
