"""The sơ đồ cây's generation bands (critic16b F3, issue 16): a card is never drawn beside the label of
another generation. A reader takes the label of a card's band, the last "Thế hệ N" row at or above it,
for its generation; childless siblings stacked in columns must stay in their own band, which grows to
hold them. Expected generations come from the rule (depth along primary sources, roots generation 1)."""

from __future__ import annotations

import re

import pytest

from browser import sample_map
from tracing import diagram
from tracing.layout import CARD_H, generations
from tracing.render import MapData, MapEdge, MapNode, texts


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
