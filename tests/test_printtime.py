"""The timeline on paper (issue 16 point 4): a timeline printed whole stays readable because it is drawn
at a fixed scale and cut into sheets (tracing.printtime). Expected values come from the rules: a sheet's
printable area, its header, date axis and foot, the timeline's rows (34 px) and days (56 px), 96 px = 72 pt."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest

from browser import sample_map
from tracing import printbook as pb
from tracing import printtime as pt
from tracing.layout import TIME_DX, TIME_DY, TRUNK_SEP, timeline_layout, timeline_routes, tree_parents
from tracing.render import render_svg, render_svg_sheets, texts

NS = "{http://www.w3.org/2000/svg}"


def sheets_by_rule(data, paper: str) -> tuple[int, int]:
    """How many sheets of ``paper`` the timeline of ``data`` takes, and how many rows a sheet holds:
    consecutive rows, as many as fit a sheet under its header, date axis and foot at SCALE; each band of
    rows on as many sheets as the stretches of days its marks fall in, the days right of the names column
    from a day before the band's first mark, or from the lanes that bring its edges in when further left."""
    width, height = (v * pb.PX_MM / pt.SCALE for v in pb.AREAS[paper])
    per = math.floor((height - pb.HEAD_H / pt.SCALE - pt.AXIS_H - pt.FOOT_H) / TIME_DY)
    span = width - pt.NAME_W - pt.RIGHT_PAD
    pos, _ticks = timeline_layout(data)
    routes = timeline_routes(data, pos)
    into = {}
    for (_s, t), line in routes.tree.items():
        into.setdefault(t, []).extend(line)
    for (_s, t), lines in routes.others.items():
        into.setdefault(t, []).extend(p for line in lines for p in line)
    rows = sorted({y for _x, y in pos.values()})
    total = 0
    for first in range(0, len(rows), per):
        band = set(rows[first:first + per])
        top, bottom = min(band) - TIME_DY / 2, max(band) + TIME_DY / 2
        ids = [i for i, (_x, y) in pos.items() if y in band]
        lanes = [x - TRUNK_SEP for i in ids for x, y in into.get(i, ()) if top <= y <= bottom]
        lo = min([min(pos[i][0] for i in ids) - TIME_DX] + lanes)
        total += len({math.floor((pos[i][0] - lo) / span) for i in ids})
    return total, per


def _sizes(element, scale: float = 1.0, out=None) -> list[float]:
    """Every text's size (px on the sheet): its font-size times the scale of the groups it is in."""
    out = [] if out is None else out
    m = re.search(r"scale\(([\d.]+)\)", element.get("transform") or "")
    scale *= float(m.group(1)) if m else 1.0
    if element.tag in (f"{NS}text", f"{NS}tspan") and element.get("font-size"):
        out.append(float(element.get("font-size")) * scale)
    for child in element:
        _sizes(child, scale, out)
    return out


@pytest.mark.parametrize("n", [50, 300, 1000])
def test_a_timeline_svg_is_cut_into_readable_sheets(n):
    # render --format svg of a timeline: as many WORD sheets as the rule cuts it into, each drawn 1:1 (its
    # width in mm is its viewBox in px at 96 per inch), no text under 6.75 pt, every person's mark on one
    # sheet, each sheet with the title, its page number, the legend and the date axis
    data = sample_map(n, seed=5)
    want, per = sheets_by_rule(data, "WORD")
    sheets = render_svg_sheets(data, layout="timeline", lang="vi")
    assert len(sheets) == want and want >= -(-n // per)
    marks: dict[str, int] = {}
    for k, svg in enumerate(sheets, 1):
        root = ET.fromstring(svg)
        width_mm = float(root.get("width").removesuffix("mm"))
        vb = [float(v) for v in root.get("viewBox").split()]
        assert abs(width_mm / (vb[2] * 25.4 / 96) - 1) < 0.001 and width_mm <= pb.AREAS["WORD"][0]
        sizes = _sizes(root)
        assert sizes and min(sizes) * 72 / 96 >= 6.75 - 0.001, (k, min(sizes))
        words = " ".join(root.itertext())
        assert f"Trang {k}/{want}" in words and "Chùm ca bệnh Quận 1" in words and "Nguồn lây chính" in words
        assert "Tháng" in words  # the date axis
        for g in root.iter(f"{NS}g"):
            if (g.get("class") or "").startswith("n "):
                pid = g.find(f"{NS}title").text.split(" · ")[1]
                assert pid not in marks, pid
                marks[pid] = k
    assert sorted(marks) == sorted(x.id for x in data.nodes)
    # the file is the sheets one under another
    whole = render_svg(data, layout="timeline", lang="vi")
    ET.fromstring(whole)
    assert sorted({int(a) for a in re.findall(r"Trang (\d+)/", whole)}) == list(range(1, want + 1))


def test_an_edge_to_another_sheet_says_where_it_goes_and_where_it_comes_from():
    # a person on sheet 1 whose children are on sheet 2: "continued p. 2" on sheet 1, "from page 1" on 2
    from tracing.render import MapData, MapEdge, MapNode
    nodes = [MapNode("R", "Gốc", 0, is_case=True, confirmed="2021-05-01")]
    edges = []
    for k in range(60):
        nodes.append(MapNode(f"K{k:02}", f"Con {k}", 1, exposure=f"2021-05-{2 + k % 5:02}"))
        edges.append(MapEdge("R", f"K{k:02}"))
    data = MapData(nodes, edges, "Chùm", ["R"])
    words = texts("en")
    sheets = render_svg_sheets(data, layout="timeline", lang="en")
    per = pt.rows_per_sheet("WORD")
    assert len(sheets) == -(-61 // per)
    for k, svg in enumerate(sheets, 1):
        text = " ".join(ET.fromstring(svg).itertext())
        if k == 1:  # the root's trunk goes on to every other sheet: one mark where it leaves
            assert text.count(words["print_more_many"].format(a=2, b=len(sheets))) == 1, text[-300:]
        if k > 1:  # where it comes in, one mark, and the header says so
            assert text.count(words["print_from"].format(n=1)) == 1, text[-300:]
            assert words["print_from"].format(n=1) in text
            assert words["print_continues"].format(n=1) in text  # said in the header too


def test_every_edge_between_two_sheets_is_marked_on_both():
    # the rule: for each tree edge whose ends are on two sheets, the parent's sheet names the child's sheet
    # ("continued p. N", or a range holding N) and the child's sheet names the parent's in its header
    from tracing.render import _prepare
    data = sample_map(300, seed=5)
    p = _prepare(data, "timeline", "en", None, 2000)
    book = pt.paginate(p.drawing, "A4")
    on = {p.nodes[i].id: s.number for s in book.sheets for i in s.nodes}
    parent = tree_parents(data)
    pairs = {(on[v], on[c]) for c, v in parent.items() if v is not None and on[v] != on[c]}
    assert pairs
    for a, b in pairs:
        told = [pages for (kind, _x, _y), pages in book.sheets[a - 1].marks.items() if kind == "more"]
        assert any(b in pages for pages in told), (a, b)
        assert a in book.sheets[b - 1].from_sheets, (a, b)


def test_redacted_timeline_sheets_hold_no_names():
    from tracing.privacy import Redactor
    data = sample_map(50, seed=5)
    for svg in render_svg_sheets(data, layout="timeline", lang="vi", redact=Redactor(b"k" * 32)):
        ET.fromstring(svg)
        for node in data.nodes:
            assert node.name not in svg and f">{node.id}<" not in svg and f" {node.id}<" not in svg
