"""The map in a real browser (headless chromium): it draws every node,
shows the legend, runs without script errors, and hostile names stay text."""

import json
import re

import pytest

import browser
from browser import dump_dom, element, parse, sample_map, text_of
from tracing.render import MapData, MapEdge, MapNode, render_html, write_html
from tracing.values import fold

pytestmark = pytest.mark.skipif(not browser.available(), reason="chromium is not installed (/usr/bin/chromium)")

EVIL = '<img src=x onerror=alert(1)>'


def open_page(tmp_path, data, fragment="", **kwargs):
    page = tmp_path / "map.html"
    text = render_html(data, **kwargs)
    write_html(text, page)
    dom, console = dump_dom(page, fragment=fragment)
    records = json.loads(re.search(r'id="map-data">(.*?)</script>', text, re.S).group(1))["nodes"]
    return dom, console, records


def assert_clean(dom, console):
    status = element(dom, "render-status")
    assert status is not None, "the page script did not run"
    assert status.get("data-errors") == "", status.get("data-errors")
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console
    assert status.get("data-state") == "drawn"
    return status


@pytest.mark.parametrize("layout", ["tree", "network", "timeline"])
def test_every_node_is_drawn_with_legend_and_no_error(tmp_path, layout):
    data = sample_map(150, seed=5)
    dom, console, records = open_page(tmp_path, data, layout=layout, lang="en")
    status = assert_clean(dom, console)
    assert int(status["data-nodes"]) == len(data.nodes) == len(records)
    assert int(status["data-edges"]) == len(data.edges)
    legend = text_of(dom, "legend")
    for word in ("F0 (case)", "F1", "F2", "F3 and deeper", "F0 with unknown source", "Other source"):
        assert word in legend
    boxes = [a for t, a in parse(dom).tags if t == "input" and a.get("class") == "level-filter"]
    assert len(boxes) == 5
    assert any(t == "svg" for t, _ in parse(dom).tags)


def test_hostile_names_show_as_text_in_panel_search_and_title(tmp_path):
    data = MapData([MapNode("x1", EVIL, 0, is_case=True, ward=EVIL, confirmed="2021-05-01"),
                    MapNode("x2", '"href" <b>bold</b>', 1, sources=["x1"], primary_source="x1", exposure="2021-05-02")],
                   [MapEdge("x1", "x2")], EVIL + " & <script>alert(2)</script>", ["x1"])
    dom, console, _ = open_page(tmp_path, data, fragment="q=img&node=x2")
    assert_clean(dom, console)
    tags = parse(dom).tags
    assert not [a for t, a in tags if t in ("img", "b")], "an injected element exists"
    # no injected script element: the errors hook, the data, the tree's print sheets (JSON), the page
    assert [t for t, _ in tags].count("script") == 4
    assert EVIL in text_of(dom, "map-title")
    assert EVIL in text_of(dom, "search-results")
    panel = text_of(dom, "panel-body")
    assert '"href" <b>bold</b>' in panel  # the tooltip card and the record, as text
    assert EVIL in panel  # its source, by name


def test_search_matches_names_without_diacritics(tmp_path):
    data = sample_map(200, seed=8)
    dom, console, records = open_page(tmp_path, data, fragment="q=" + "dang thi")
    status = assert_clean(dom, console)
    expected = [r["name"] for r in records if "dang thi" in fold(r.get("name"))]
    assert expected and int(status["data-matches"]) == len(expected)
    assert all(name.startswith("Đặng Thị") for name in expected)
    assert expected[0] in text_of(dom, "search-results")


def test_level_and_ward_filters_hide_nodes(tmp_path):
    data = sample_map(200, seed=8)
    dom, console, records = open_page(tmp_path, data, fragment="hide=f2,f3,none&ward=Đa Kao")
    status = assert_clean(dom, console)
    expected = sum(1 for r in records if r.get("lv") in (0, 1) and r.get("ward") == "Đa Kao")
    assert expected and int(status["data-visible"]) == expected


def test_big_outbreak_is_drawn_collapsed_with_a_notice(tmp_path):
    data = sample_map(6000, seed=4)
    dom, console, records = open_page(tmp_path, data, max_nodes=400, lang="vi")
    status = assert_clean(dom, console)
    # the page holds all 6,000 and draws at most 400 nodes on opening, persons and count nodes
    assert int(status["data-nodes"]) == len(records) == 6000
    assert 6000 - int(status["data-folded"]) + int(status["data-count-nodes"]) <= 400
    notices = [a for t, a in parse(dom).tags if t == "p" and a.get("class") == "notice"]
    assert notices and "Trang mở ra với tối đa 400 nút" in dom


def test_redacted_page_shows_tokens_in_the_panel(tmp_path):
    data = sample_map(30, seed=1)
    from tracing.privacy import Redactor
    key = Redactor(b"k" * 32)
    root = data.nodes[0]
    dom, console, _ = open_page(tmp_path, data, fragment="node=" + key.token(root.id), redact=key)
    assert_clean(dom, console)
    panel = text_of(dom, "panel-body")
    assert key.token(root.id) in panel
    assert root.name not in dom and root.phone not in dom and root.national_id not in dom


@pytest.mark.parametrize("fragment", ["q=%E0%A4%A", "q=100%", "node=%&ward=%ZZ&q=dang%20thi"])
def test_a_malformed_link_hash_does_not_break_the_page(tmp_path, fragment):
    """A hand-edited or cut-off link (`#q=100%`) is read as typed: no script
    error, the map is drawn, and the well-formed parts still apply."""
    data = sample_map(60, seed=8)
    dom, console, records = open_page(tmp_path, data, fragment=fragment)
    assert_clean(dom, console)
    if "dang%20thi" in fragment:
        expected = [r for r in records if "dang thi" in fold(r.get("name"))]
        assert int(element(dom, "render-status")["data-matches"]) == len(expected)


@pytest.mark.parametrize("key", ["__proto__", "constructor", "toString", "hasOwnProperty", "valueOf"])
def test_ids_that_are_names_of_object_properties_are_just_ids(tmp_path, key):
    """`#node=__proto__` (or constructor, toString…) on a map without such a
    person opens nothing and throws nothing; a person whose id is one of
    these words opens from #node= and from a source link like anyone."""
    data = sample_map(30, seed=3)
    dom, console, _ = open_page(tmp_path, data, fragment="node=" + key)
    assert_clean(dom, console)
    assert key not in text_of(dom, "panel-body")
    data = MapData([MapNode(key, "Người có mã lạ", 0, is_case=True, confirmed="2021-05-01"),
                    MapNode("x2", "Trần Thị Bình", 1, sources=[key], primary_source=key, exposure="2021-05-02")],
                   [MapEdge(key, "x2")], "ids", [key])
    dom, console, _ = open_page(tmp_path, data, fragment="node=" + key)
    assert_clean(dom, console)
    assert "Người có mã lạ" in text_of(dom, "panel-body")
    dom, console, _ = open_page(tmp_path, data, fragment="node=x2")
    assert_clean(dom, console)
    assert "Người có mã lạ (" + key + ")" in text_of(dom, "panel-body")


def test_namesakes_in_search_results_are_told_apart_by_id_age_and_ward(tmp_path):
    # issue 16 (critic): identical "Bùi Văn Hải · F2" entries: each result names the id, age and ward
    # A2's age was typed for 2020-03-01, not its exposure day: said with its year (tests/test_ages.py)
    data = MapData([MapNode("R", "Gốc", 0, is_case=True, confirmed="2021-05-01"),
                    MapNode("A1", "Bùi Văn Hải", 2, age=34, ward="Bến Nghé", sources=["R"], primary_source="R"),
                    MapNode("A2", "Bùi Văn Hải", 2, age=61, ward="Đa Kao", sources=["R"], primary_source="R",
                            age_typed_on="2020-03-01")],
                   [MapEdge("R", "A1"), MapEdge("R", "A2")], "t", ["R"])
    dom, console, _ = open_page(tmp_path, data, fragment="q=bui van hai", lang="en")
    assert_clean(dom, console)
    items = [t for t in re.findall(r"<li>(.*?)</li>", re.search(r'id="search-results"[^>]*>(.*?)</ul>', dom, re.S)
                                   .group(1), re.S)]
    texts = [re.sub(r"<[^>]+>", "", t) for t in items]
    assert len(texts) == 2 and len(set(texts)) == 2
    for node in data.nodes[1:]:
        age = f"{node.age}y" + (f" ({node.age_typed_on[:4]})" if node.age_typed_on else "")
        assert any(node.id in t and age in t and node.ward in t for t in texts), texts


def test_the_record_panel_says_the_day_a_typed_age_is_an_age_at(tmp_path):
    # an age typed for another day than the person's own is shown as typed, with that day (tracing.people.age_on)
    data = MapData([MapNode("R", "Gốc", 0, is_case=True, confirmed="2021-05-01", age=40),
                    MapNode("A2", "Bùi Văn Hải", 1, age=61, sources=["R"], primary_source="R",
                            exposure="2021-04-30", age_typed_on="2020-03-01")],
                   [MapEdge("R", "A2")], "t", ["R"])
    dom, console, _ = open_page(tmp_path, data, fragment="node=A2", lang="en")
    assert_clean(dom, console)
    assert "61 (age on 2020-03-01)" in re.sub(r"<[^>]+>", "", dom)
