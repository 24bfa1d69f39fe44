"""The HTML map as a user gets it: one offline file, safe with any name,
the same bytes for the same data, redacted on request, big outbreaks folded."""

import json
import os
import random
import re
import subprocess
import sys
from pathlib import Path

import pytest

import browser
from browser import sample_map
from tracing.errors import InvalidValue, TracingError
from tracing.privacy import Redactor
from tracing.render import MapData, MapEdge, MapNode, collapse, render_html, render_svg, write_html

ROOT = Path(__file__).resolve().parents[1]
EVIL = '<img src=x onerror=alert(1)>'


def tags(page):
    return browser.page_tags(page)


def payload(page):
    m = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', page, re.S)
    return json.loads(m.group(1))


def small():
    return MapData(
        [MapNode("079201001234", "Nguyễn Văn An", 0, is_case=True, unknown_source=True, ward="Bến Nghé",
                 unit="Tổ 3", onset="2021-04-29", confirmed="2021-05-01", phone="0912345678",
                 national_id="079201001234", address="12 Lê Lợi"),
         MapNode("P2", "Đặng Thị Hồng", 1, ward="Đa Kao", exposure="2021-04-30",
                 sources=["079201001234"], primary_source="079201001234", phone="0987654321"),
         MapNode("P3", "Lê Văn Cường", 2, ward="Đa Kao", exposure="2021-05-02", sources=["P2"], primary_source="P2")],
        [MapEdge("079201001234", "P2", date="2021-04-30", setting="household"), MapEdge("P2", "P3"),
         MapEdge("P2", "GONE")],
        "Chùm ca bệnh của Nguyễn Văn An (079201001234)", ["079201001234"])


@pytest.mark.parametrize("layout", ["tree", "network", "timeline"])
def test_page_is_one_offline_file(layout):
    page = render_html(sample_map(120, seed=2), layout=layout)
    parsed = tags(page)
    for tag, attrs in parsed.tags:
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, key, value)
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), "external stylesheet"
        assert not (tag == "script" and attrs.get("src")), "external script"
        assert "url(" not in (attrs.get("style") or "")
    css = "".join(parsed.styles)
    for url in re.findall(r"url\(([^)]*)\)", css):
        assert not re.match(r"""\s*['"]?\s*(https?:)?//""", url), url
    for url in re.findall(r'url\(([^)]*)\)', page):  # the drawing refers to its own arrow heads only
        assert url.startswith("#"), url
    assert page.count("<svg") == 2  # the drawing is inline SVG, plus the axis band
    # its nodes and edges travel as SVG markup in the page's data, built when in view
    data = json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))
    assert len(data["cards"]) == len(data["nodes"]) and all(c.startswith('<g class="n ') for c in data["cards"])
    assert len(data["lines"]) == len(data["edges"]) and all(x.startswith('<path class="e ') for x in data["lines"])


def test_hostile_names_and_titles_stay_text():
    data = MapData([MapNode("x1", EVIL, 0, ward=EVIL, unit='"href"'),
                    MapNode("x2", '<a href="javascript:alert(1)">href</a>', 1, sources=["x1"], primary_source="x1"),
                    MapNode("</script><script>alert(2)</script>", "Trần </script>", 1)],
                   [MapEdge("x1", "x2", setting="<b>")], "<script>alert(3)</script> & co", ["x1"])
    page = render_html(data)
    assert "<img" not in page and "<script>alert" not in page and "</script><script>" not in page
    assert "<a href=\"javascript" not in page
    assert "&lt;script&gt;alert(3)&lt;/script&gt; &amp; co" in page  # <title> and heading escaped
    # errors hook, data, the tree's print sheets (JSON, not run), page
    assert [t for t, _ in tags(page).tags].count("script") == 4
    names = {r.get("name") for r in payload(page)["nodes"]}
    assert EVIL in names and "Trần </script>" in names  # the JSON decodes back to the same text
    ward_options = [a for t, a in tags(page).tags if t == "option"]
    assert EVIL in [a.get("value") for a in ward_options]


def test_same_data_same_bytes_whatever_the_order():
    data = sample_map(300, seed=7)
    first = render_html(data, layout="network")
    shuffled = MapData(list(data.nodes), list(data.edges), data.title, data.roots)
    random.Random(1).shuffle(shuffled.nodes)
    random.Random(2).shuffle(shuffled.edges)
    assert render_html(shuffled, layout="network") == first


def test_record_fields_tooltips_and_legend_in_both_languages():
    vi = render_html(small(), lang="vi")
    en = render_html(small(), lang="en")
    assert "F0 không rõ nguồn lây" in vi and "Tìm tên hoặc mã" in vi and 'lang="vi"' in vi
    assert "F0 with unknown source" in en and "Search name or id" in en and 'lang="en"' in en
    data = payload(vi)
    assert data["text"]["f_phone"] == "Điện thoại" and payload(en)["text"]["f_phone"] == "Phone"
    an = next(r for r in data["nodes"] if r.get("pid") == "079201001234")
    assert (an["name"], an["lv"], an["unk"], an["ward"], an["conf"], an["phone"]) == (
        "Nguyễn Văn An", 0, True, "Bến Nghé", "2021-05-01", "0912345678")
    assert len(data["edges"]) == 2  # the edge to a person outside the map is left out
    assert "29/04/2021 – 02/05/2021" in vi and "2021-04-29 – 2021-05-02" in en  # the date range, as each writes it


def test_redacted_page_has_no_names_ids_or_contact_details():
    key = Redactor(b"k" * 32)
    page = render_html(small(), redact=key, lang="vi")
    for secret in ("Nguyễn Văn An", "079201001234", "0912345678", "0987654321", "12 Lê Lợi", "Đặng Thị Hồng", '"P2"',
                   "N.V.A"):
        assert secret not in page, secret
    records = payload(page)["nodes"]
    assert {r["pid"] for r in records} == {key.token("079201001234"), key.token("P2"), key.token("P3")}
    assert not any("name" in r for r in records)  # the token is the label
    hong = next(r for r in records if r["pid"] == key.token("P2"))
    assert hong["src"] == [key.token("079201001234")] and hong["ward"] == "Đa Kao"
    assert f"Chùm ca bệnh của {key.token('079201001234')} ({key.token('079201001234')})" in page  # the title too
    assert "Bản ẩn danh" in page


def test_a_redacted_page_needs_the_database_key():
    with pytest.raises(TracingError, match="Redactor"):
        render_html(small(), redact=True)


@pytest.mark.parametrize("layout", ["tree"])
def test_collapse_keeps_the_opening_under_max_nodes_and_says_so(layout):
    # the page holds every person (up to PAGE_PERSONS) and opens on what --max-nodes draws, the rest folded
    # per branch and generation as collapse() folds them
    data = sample_map(5000, seed=3)
    page = render_html(data, max_nodes=500, lang="en", layout=layout)
    p = payload(page)
    assert sorted(r["pid"] for r in p["nodes"]) == sorted(n.id for n in data.nodes)
    small_map, hidden = collapse(data, 500)
    drawn = {n.id for n in small_map.nodes if not n.collapsed}
    assert {p["nodes"][i]["pid"] for i in p["fold"]} == {n.id for n in data.nodes} - drawn
    m = re.search(r'<p class="notice">This page opens on at most 500 nodes: (\d+) persons are folded into (\d+) count '
                  r'nodes', page)
    assert m and int(m.group(1)) == hidden == len(p["fold"])
    assert int(m.group(2)) == sum(1 for n in small_map.nodes if n.collapsed)
    assert len(drawn) + int(m.group(2)) <= 500


def test_collapse_draws_whole_generations_then_spends_the_rest_branch_by_branch():
    nodes = [MapNode("r", "R", 0)] + [MapNode(f"a{i}", None, 1) for i in range(3)]
    nodes += [MapNode(f"b{i}", None, 2) for i in range(9)]
    edges = [MapEdge("r", f"a{i}") for i in range(3)] + [MapEdge(f"a{i % 3}", f"b{i}") for i in range(9)]
    small_map, hidden = collapse(MapData(nodes, edges, "t", ["r"]), 8)
    kept = {n.id for n in small_map.nodes if not n.collapsed}
    # r and its 3 F1 (4) + one count node per F1 (3) = 7: one place left, for a0's first child
    assert kept == {"r", "a0", "a1", "a2", "b0"} and hidden == 8 and len(small_map.nodes) == 8
    counts = sorted((n.primary_source, n.collapsed, n.level) for n in small_map.nodes if n.collapsed)
    assert counts == [("a0", 2, 2), ("a1", 3, 2), ("a2", 3, 2)]
    assert {(e.source, e.target) for e in small_map.edges} >= {("a0", "+a0")}


def test_collapse_keeps_structure_per_branch_and_generation():
    # one case, 300 F1, each with 30 F2 (9,301 persons): never one count node for everything
    nodes = [MapNode("K", "Ca", 0, is_case=True)]
    edges = []
    for i in range(300):
        nodes.append(MapNode(f"F1-{i:03d}", None, 1, exposure="2021-05-01"))
        edges.append(MapEdge("K", f"F1-{i:03d}"))
        for j in range(30):
            nodes.append(MapNode(f"F2-{i:03d}-{j:02d}", None, 2, exposure="2021-05-02"))
            edges.append(MapEdge(f"F1-{i:03d}", f"F2-{i:03d}-{j:02d}"))
    data = MapData(nodes, edges, "t", ["K"])
    small_map, hidden = collapse(data, 2000)
    assert len(small_map.nodes) <= 2000
    drawn = {n.id for n in small_map.nodes if not n.collapsed}
    assert {n.id for n in nodes if n.level <= 1} <= drawn  # the case and every F1 are drawn
    groups = [n for n in small_map.nodes if n.collapsed]
    assert len(groups) >= 250  # one per F1 branch whose F2 are not all drawn
    by_id = {n.id: n for n in nodes}
    gen = {"K": 0, **{n.id: 1 for n in nodes if n.level == 1}, **{n.id: 2 for n in nodes if n.level == 2}}
    for g in groups:  # a count node holds one branch's persons of one generation
        assert len({gen[m] for m in g.members}) == 1
        assert {by_id[m].id[3:6] for m in g.members} == {g.primary_source[3:6]}
        assert g.collapsed == len(g.members)
    assert hidden + len(drawn) == len(nodes)


def many_roots(roots: int, seed: int = 3):
    """``roots`` F0 of unknown source (community spread), each with 0-3 F1 and, under some F1, F2:
    the shape of critic16b's 5,021-person cluster (1,731 F0)."""
    rnd = random.Random(seed)
    nodes, edges = [], []
    for r in range(roots):
        rid = f"R{r:04d}"
        nodes.append(MapNode(rid, None, 0, is_case=True, unknown_source=True, confirmed=f"2021-05-{1 + r % 28:02d}"))
        for a in range(rnd.randint(0, 3)):
            aid = f"{rid}-{a}"
            nodes.append(MapNode(aid, None, 1, exposure="2021-05-02", sources=[rid], primary_source=rid))
            edges.append(MapEdge(rid, aid))
            for b in range(rnd.choice([0, 0, 2])):
                nodes.append(MapNode(f"{aid}-{b}", None, 2, exposure="2021-05-03", sources=[aid], primary_source=aid))
                edges.append(MapEdge(aid, f"{aid}-{b}"))
    return MapData(nodes, edges, "t", [n.id for n in nodes if n.level == 0])


@pytest.mark.parametrize("roots, max_nodes", [(1731, 2000), (400, 120), (10, 8)])
def test_collapse_opens_on_the_first_roots_and_folds_the_others_per_generation(roots, max_nodes):
    # critic16b F2: more roots than --max-nodes can draw with their count nodes: the map opens on the first
    # roots (each with one count node per generation under it) and the others fold into one chain of count
    # nodes, one per generation ("+1,200 F0", "+800 F1"); never everything into one node
    data = many_roots(roots)
    depth = {n.id: n.level for n in data.nodes}  # here the tree's generation is the level
    tops = data.roots  # same confirmation order as the map's roots: the roots' order on the map

    below: dict[str, set[int]] = {r: set() for r in tops}
    for n in data.nodes:
        if n.level:
            below[n.id.split("-")[0]].add(n.level)

    def gens_below(r):
        return below[r]
    # the rule: root i drawn costs 1 + its generations below; the folded roots cost one node per generation
    after = [set() for _ in range(len(tops) + 1)]  # the generations under the roots from i on
    for i in range(len(tops) - 1, -1, -1):
        after[i] = after[i + 1] | gens_below(tops[i]) | {0}
    k, used = 0, 0
    for i, r in enumerate(tops):
        used += 1 + len(gens_below(r))
        if used + len(after[i + 1]) <= max_nodes:
            k = i + 1
    small, hidden = collapse(data, max_nodes)
    assert len(small.nodes) <= max_nodes
    drawn = [n.id for n in small.nodes if not n.collapsed]
    assert drawn == tops[:k] and hidden == len(data.nodes) - k
    chain = [next(n for n in small.nodes if n.collapsed and n.primary_source is None)]
    while nxt := [n for n in small.nodes if n.primary_source == chain[-1].id]:
        chain += nxt
    folded_roots = set(tops[k:])
    # the chain: one count node per generation under the folded roots, each holding exactly that generation
    assert [(n.level, sorted(n.members)) for n in chain] == [
        (g, sorted(x.id for x in data.nodes if depth[x.id] == g and x.id.split("-")[0] in folded_roots))
        for g in sorted({depth[x.id] for x in data.nodes if x.id.split("-")[0] in folded_roots})]
    assert chain[0].primary_source is None and chain[0].levels == [(0, len(folded_roots))]
    # each drawn root: a count node per generation under it, in a chain that hangs from it
    for r in tops[:k]:
        mine = [n for n in small.nodes if n.collapsed and n.members and n.members[0].startswith(r + "-")]
        assert [n.level for n in mine] == sorted(gens_below(r))
        assert [m for n in mine for m in n.members] == sorted(
            (x.id for x in data.nodes if x.id.startswith(r + "-")), key=lambda i: (depth[i], i))


def test_collapse_refuses_only_what_cannot_fit_even_with_its_roots_folded():
    # a root with a chain of 3 generations below it and nine other roots: the first root, its 3 count
    # nodes and the folded roots' one count node need 5 nodes
    nodes = [MapNode(f"r{i}", None, 0) for i in range(10)] + [MapNode(f"c{g}", None, g) for g in (1, 2, 3)]
    edges = [MapEdge("r0", "c1"), MapEdge("c1", "c2"), MapEdge("c2", "c3")]
    data = MapData(nodes, edges, "t", [f"r{i}" for i in range(10)])
    with pytest.raises(TracingError, match="--max-nodes 4 is too small .* needs 5 nodes; give --max-nodes 5 or more"):
        collapse(data, 4)
    small, hidden = collapse(data, 5)
    assert [(n.id, n.collapsed) for n in small.nodes] == [("r0", 0), ("+r0", 1), ("+r0+", 1), ("+r0++", 1),
                                                          ("+F0", 9)]


@pytest.mark.parametrize("kwargs, field", [({"layout": "radial"}, "layout"), ({"lang": "fr"}, "lang"),
                                           ({"max_nodes": 0}, "max_nodes")])
def test_bad_options_name_the_option(kwargs, field):
    with pytest.raises(InvalidValue, match=field):
        render_html(small(), **kwargs)


def test_duplicate_ids_are_refused():
    data = MapData([MapNode("a", "A", 0), MapNode("a", "B", 1)], [], "t", [])
    with pytest.raises(InvalidValue, match="'a'"):
        render_html(data)


def test_write_html_is_utf8_under_the_c_locale(tmp_path):
    target = tmp_path / "bản đồ.html"
    code = ("import sys; sys.path[:0] = [sys.argv[2], sys.argv[2] + '/tests']\n"
            "from browser import sample_map\nfrom tracing.render import render_html, write_html\n"
            "write_html(render_html(sample_map(20, seed=1), lang='vi'), sys.argv[1])\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHONUTF8", "PYTHONIOENCODING"))}
    env.update(LANG="C", LC_ALL="C", PYTHONUTF8="0")
    subprocess.run([sys.executable, "-c", code, str(target), str(ROOT)], env=env, check=True)
    text = target.read_bytes().decode("utf-8")
    assert "Sơ đồ cây" in text and "Chùm ca bệnh Quận 1" in text


def test_write_html_reports_an_unwritable_path(tmp_path):
    with pytest.raises(TracingError, match="no-such-folder"):
        write_html("<p>x</p>", tmp_path / "no-such-folder" / "map.html")
    with pytest.raises(TracingError, match="folder"):
        write_html("<p>x</p>", tmp_path)
    assert list(tmp_path.iterdir()) == []  # nothing half-written left behind


def test_2000_persons_are_all_drawn(tmp_path):
    # speed is measured in benchmarks/bench_render.py, not here
    data = sample_map(2000, seed=11)
    write_html(render_html(data), tmp_path / "m.html")
    assert len(payload((tmp_path / "m.html").read_text(encoding="utf-8"))["nodes"]) == 2000


def test_20000_persons_render_collapsed(tmp_path):
    # beyond PAGE_PERSONS the page holds count nodes that list their persons; it opens on --max-nodes
    from tracing.render import PAGE_PERSONS
    data = sample_map(20000, seed=12)
    write_html(render_html(data), tmp_path / "m.html")
    p = payload((tmp_path / "m.html").read_text(encoding="utf-8"))
    assert len(p["nodes"]) <= PAGE_PERSONS
    assert sum(r.get("col", 0) for r in p["nodes"]) == len(p["folded"]) == 20000 - sum(1 for r in p["nodes"] if "col" not in r)
    assert len(p["nodes"]) - len(p["fold"]) <= 2000


def test_timeline_axis_has_short_full_dates_and_the_month_once():
    data = MapData([MapNode("A", "An", 0, is_case=True, onset="2021-11-29", confirmed="2021-12-02"),
                    MapNode("B", "Bình", 1, exposure="2021-12-01", sources=["A"], primary_source="A"),
                    MapNode("C", "Cúc", None)],
                   [MapEdge("A", "B")], "t", ["A"])
    vi = payload(render_html(data, layout="timeline", lang="vi"))["decor"]["cols"]
    assert [c[1:] for c in vi] == [["Không rõ ngày", ""], ["29/11", "Tháng 11/2021"], ["30/11", "Tháng 11/2021"],
                                   ["01/12", "Tháng 12/2021"]]
    en = payload(render_html(data, layout="timeline", lang="en"))["decor"]["cols"]
    assert [c[1] for c in en] == ["No date", "29 Nov", "30 Nov", "1 Dec"] and en[-1][2] == "Dec 2021"
    assert all(len(c[1]) <= 6 for c in vi[1:] + en[1:])  # a label fits beside its neighbour
    records = {r["pid"]: r for r in payload(render_html(data, layout="timeline", lang="vi"))["nodes"]}
    assert records["A"]["x"] == vi[1][0]  # the case stands at its onset tick
    assert (records["A"]["onset"], records["A"]["conf"]) == ("2021-11-29", "2021-12-02")  # both dates in the record
    page = render_html(data, layout="timeline", lang="en")
    assert "cases at onset (else confirmation), traced persons at exposure" in page
    assert payload(render_html(data, layout="tree"))["decor"]["cols"] == []


@pytest.mark.skipif(not browser.available(), reason="chromium is not installed (/usr/bin/chromium)")
@pytest.mark.parametrize("n, lang", [(40, "vi"), (600, "en")])
def test_timeline_date_labels_are_whole_and_never_overlap_in_a_browser(tmp_path, n, lang):
    # the labels sit in a band at the top of the map, in screen pixels: each one
    # inside the map's width, apart from its neighbours, a full day and month
    page = tmp_path / "map.html"
    write_html(render_html(sample_map(n, seed=5), layout="timeline", lang=lang), page)
    dom, console = browser.dump_dom(page)
    status = browser.element(dom, "render-status")
    assert status["data-errors"] == "" and status["data-state"] == "drawn", (status, console)
    labels = status["data-ticks"].split(",")
    boxes = [tuple(map(int, b.split(":"))) for b in status["data-tick-boxes"].split(",")]
    width = int(status["data-axis-width"])
    assert len(labels) == len(boxes) >= 2
    pattern = r"\d\d/\d\d" if lang == "vi" else r"\d{1,2} [A-Z][a-z]{2}"
    assert all(re.fullmatch(pattern, label) for label in labels), labels
    assert all(0 <= left < right <= width for left, right in boxes), (boxes, width)
    assert all(a[1] < b[0] for a, b in zip(boxes, boxes[1:])), boxes


def test_contact_edges_are_their_own_kind_with_legend_and_tooltip_words():
    data = small()
    data.edges.append(MapEdge("079201001234", "P3", date="2021-05-02", setting="work", kind="contact"))
    for lang, word, other in (("vi", "Tiếp xúc", "Nguồn lây khác"), ("en", "Contact", "Other source")):
        page = render_html(data, layout="network", lang=lang)
        sent = payload(page)
        kinds = {(sent["nodes"][e["f"]]["pid"], sent["nodes"][e["t"]]["pid"]): (e["k"], e["p"]) for e in sent["edges"]}
        assert kinds == {("079201001234", "P2"): ("p", True), ("P2", "P3"): ("p", True),
                         ("079201001234", "P3"): ("c", False)}
        contact = next(e for e in sent["edges"] if e["k"] == "c")
        assert (contact["d"], contact["s"]) == ("2021-05-02", "work")  # the tooltip's date and setting
        assert sent["text"]["edge_contact"] == word and sent["text"]["edge_other"] == other
        legend = re.search(r'<div id="legend".*?</div>', page, re.S).group(0)
        assert word in legend and other in legend
    # the tree of the same people has no contact edge and no contact entry in its legend
    tree = render_html(small(), layout="tree", lang="en")
    assert "Contact</span>" not in re.search(r'<div id="legend".*?</div>', tree, re.S).group(0)


def test_edge_kind_defaults_from_primary_and_rejects_unknown_kinds():
    assert (MapEdge("a", "b").kind, MapEdge("a", "b", primary=False).kind) == ("primary", "source")
    assert MapEdge("a", "b", kind="contact").primary is False  # a contact is never the primary source
    assert MapEdge("a", "b", primary=False, kind="primary").primary is True
    with pytest.raises(InvalidValue, match="kind 'met'"):
        MapEdge("a", "b", kind="met")


@pytest.mark.parametrize("layout", ["tree", "network", "timeline"])
def test_primary_edges_are_solid_and_other_sources_dashed_in_every_layout(layout):
    def kinds(page):  # the edges as the page builds them (from its data)
        lines = "".join(json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))["lines"])
        return [(re.search(r'class="e k-(\w)"', tag).group(1), "stroke-dasharray" in tag)
                for tag in re.findall(r'<path class="e [^>]*>', lines)]

    assert ("p", False) in kinds(render_html(small(), layout=layout))
    data = small()
    data.edges.append(MapEdge("079201001234", "P3", primary=False))
    drawn = kinds(render_html(data, layout=layout))
    assert ("s", True) in drawn and ("p", True) not in drawn and ("s", False) not in drawn


def test_tree_row_labels_name_the_real_generation_even_under_stacked_leaves():
    # a root with 30 leaf F1 (stacked in columns) and one F1 with 20 leaf F2 (stacked too): three
    # generations, so the rows say "Thế hệ 1..3" and nothing deeper, each on a row of that generation
    from tracing.layout import generations, tree_layout
    nodes = [MapNode("R", "Gốc", 0, is_case=True, confirmed="2021-05-01"), MapNode("M", "Giữa", 1)]
    nodes += [MapNode(f"a{k:02}", f"Lá {k}", 1) for k in range(30)]
    nodes += [MapNode(f"b{k:02}", f"Cháu {k}", 2) for k in range(20)]
    edges = [MapEdge("R", "M")] + [MapEdge("R", f"a{k:02}") for k in range(30)]
    edges += [MapEdge("M", f"b{k:02}") for k in range(20)]
    data = MapData(nodes, edges, "t", ["R"])
    gens, pos = generations(data), tree_layout(data)
    from tracing.diagram import draw  # the tree as the page draws it (the SVG file is cut into sheets)
    from tracing.render import texts
    svg = draw(data, "tree", texts("vi")).markup
    labels = {int(float(y)) - 5: int(n) for y, n in re.findall(r'<text class="row" x="[^"]+" y="([^"]+)"[^>]*>Thế hệ (\d+)<', svg)}
    assert sorted(labels.values()) == sorted({g + 1 for g in gens.values()})
    rows = {}
    for node_id, (_x, y) in pos.items():
        rows.setdefault(y, set()).add(gens[node_id] + 1)
    assert len(rows) > 3  # the stacked leaves do take rows of their own
    for y, n in labels.items():
        assert n in rows[y]


@pytest.mark.parametrize("max_nodes", range(5, 16))
def test_collapse_never_folds_a_case_while_a_non_case_of_its_generation_is_drawn(max_nodes):
    # R (F0) -> A, B (F1); each has five F2 contacts (earlier) and two confirmed cases (later)
    from tracing.layout import generations
    nodes = [MapNode("R", "Gốc", 0, is_case=True, confirmed="2021-05-01"),
             MapNode("A", "An", 1, exposure="2021-05-02"), MapNode("B", "Bình", 1, exposure="2021-05-02")]
    edges = [MapEdge("R", "A"), MapEdge("R", "B")]
    for p in "AB":
        nodes += [MapNode(f"{p}{k}", f"Tiếp xúc {p}{k}", 2, exposure=f"2021-05-0{3 + k}") for k in range(5)]
        nodes += [MapNode(f"{p}F{k}", f"Ca {p}{k}", 0, is_case=True, confirmed="2021-05-20") for k in range(2)]
        edges += [MapEdge(p, f"{p}{k}") for k in range(5)] + [MapEdge(p, f"{p}F{k}") for k in range(2)]
    data = MapData(nodes, edges, "t", ["R"])
    small, _hidden = collapse(data, max_nodes)
    assert len(small.nodes) <= max_nodes
    drawn = {n.id for n in small.nodes if not n.collapsed}
    gens = generations(data)
    for g in set(gens.values()):
        cases = {n.id for n in data.nodes if gens[n.id] == g and (n.is_case or n.level == 0)}
        others = {n.id for n in data.nodes if gens[n.id] == g} - cases
        if others & drawn:
            assert cases <= drawn, (g, sorted(cases - drawn), sorted(others & drawn))


@pytest.mark.parametrize("max_nodes", [60, 300])
def test_timeline_puts_count_nodes_at_their_persons_dates_never_among_undated(max_nodes):
    # a count node stands at its persons' earliest date (the timeline's rule for each person:
    # onset/confirmation for cases, exposure for the others), never in the "no date" column
    import datetime as dt

    from tracing import layout
    data = sample_map(1000, seed=5)
    by_id = {n.id: n for n in data.nodes}
    shown, hidden = collapse(data, max_nodes)
    pos, ticks = layout.timeline_layout(shown)
    days = [layout._node_date(n) for n in data.nodes if layout._node_date(n)]
    first = min(dt.date.fromisoformat(d) for d in days)
    counts = [n for n in shown.nodes if n.collapsed]
    assert hidden and counts
    for c in counts:
        dated = [layout._node_date(by_id[m]) for m in c.members if layout._node_date(by_id[m])]
        if dated:
            expected = (dt.date.fromisoformat(min(dated)) - first).days * layout.TIME_DX
        else:  # none of its persons has a date: at the date of the node it hangs from
            expected = pos[c.primary_source][0]
        assert pos[c.id][0] == expected, c.id
        assert pos[c.id][0] != -2 * layout.TIME_DX


@pytest.mark.parametrize("n", [12, 20, 30, 50, 1000])
def test_svg_warns_when_its_whole_print_would_be_too_small_to_read(n):
    # the network's SVG is one drawing (a tree's and a timeline's are cut into sheets at print size:
    # tests/test_printbook.py, test_a_timeline_svg_is_cut_into_readable_sheets)
    from tracing.render import PRINT_MIN_PT, SVG_PRINT_AREA, svg_print_warning
    from tracing.diagram import FS
    svg = render_svg(sample_map(n, seed=5), layout="network", lang="en")
    m = re.search(r'<svg [^>]*width="([\d.]+)" height="([\d.]+)"', svg)
    w, h = float(m.group(1)), float(m.group(2))
    # a label is FS px; printed whole it is scaled to the paper's printable box (mm), 72 pt to the inch
    pt = {p: FS * min(a[0] / w, a[1] / h) * 72 / 25.4 for p, a in SVG_PRINT_AREA.items()}
    warning = svg_print_warning(svg)
    if pt["A4"] >= PRINT_MIN_PT:
        assert warning is None
    else:
        said = {p: "< 0.1" if v < 0.05 else f"{v:.1f}" for p, v in pt.items()}  # never "0 pt"
        assert warning is not None and f"{said['A4']} pt" in warning and f"{said['A3']} pt" in warning
        assert ("print it on A3" in warning) == (pt["A3"] >= PRINT_MIN_PT)
    if n == 1000:
        assert warning is not None


@pytest.mark.parametrize("layout", ["tree", "timeline", "network"])
def test_every_node_shows_its_level_as_text_and_border_so_grey_print_keeps_it(layout):
    # issue 16 point 3: level as text and as shape, not colour only; cards carry code, age and dates
    import xml.etree.ElementTree as ET

    from tracing.diagram import LEVEL_STYLE, level_key, level_name
    borders = {key: (style[2], style[3]) for key, style in LEVEL_STYLE.items()}  # width, dash: no colour
    assert len(set(borders.values())) == len(borders)  # every level's border differs without its colour
    data = sample_map(50, seed=5)
    data.nodes[5].age = 47
    by_id = {n.id: n for n in data.nodes}
    root = ET.fromstring(render_svg(data, layout=layout, lang="vi"))
    ns = "{http://www.w3.org/2000/svg}"
    groups = [g for g in root.iter(f"{ns}g") if (g.get("class") or "").startswith("n ")]
    assert len(groups) == len(data.nodes)
    for g in groups:
        node = by_id[g.find(f"{ns}title").text.split(" · ")[1]]
        text = "".join(t for el in g if el.tag != f"{ns}title" for t in el.itertext())
        assert level_name(node.level) in text, (node.id, text)
        shape = g.find(f"{ns}rect") if g.find(f"{ns}rect") is not None else g.find(f"{ns}circle")
        width, dash = borders[level_key(node.level)]
        assert float(shape.get("stroke-width")) == width and shape.get("stroke-dasharray") == dash
        if layout == "tree":
            assert node.id in text
            if node.age is not None:
                assert f"{node.age}t" in text
            if node.exposure and not node.is_case:
                assert "TX " in text


def _levels_said(text):
    """{level: persons} a count node's words state ("+1 F0 · 110 F1 · 3 No F level")."""
    found = re.findall(r"(\d+) (F\d+|No F level|F\?)", text)
    return {(None if lv in ("No F level", "F?") else int(lv[1:])): int(k) for k, lv in found}


@pytest.mark.parametrize("layout", ["tree", "timeline", "network"])
@pytest.mark.parametrize("max_nodes", [40, 300])
def test_every_count_node_says_how_many_of_each_level_it_folds(layout, max_nodes):
    # issue 16 (critic): "+556 F0" held 1 F0, 110 F1 and 445 F2: a count node's words (card, name column,
    # tooltip, the page's notice) give its persons per level, counted here from the data
    import xml.etree.ElementTree as ET
    from collections import Counter

    data = sample_map(1000, seed=5)
    by_id = {n.id: n for n in data.nodes}
    shown, hidden = collapse(data, max_nodes)
    counts = sorted((n for n in shown.nodes if n.collapsed), key=lambda n: n.id)
    assert hidden and counts
    expected = [dict(Counter(by_id[m].level for m in c.members)) for c in counts]
    assert any(len(e) > 1 for e in expected)  # mixed count nodes are tested, not only one-level ones
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(render_svg(data, layout=layout, lang="en", max_nodes=max_nodes))
    # (a tree's static SVG is cut into sheets: a count node whose branch goes on elsewhere is repeated
    # on top of that sheet, as "rep": the same node, not another one)
    groups = [g for g in root.iter(f"{ns}g") if "col" in (g.get("class") or "").split()
              and "rep" not in (g.get("class") or "").split()]
    assert len(groups) == len(counts)
    words = {}
    if layout == "timeline":  # the names column holds each row's words
        for t in root.iter(f"{ns}text"):
            if "rl" in (t.get("class") or "").split():
                words[t.get("data-i")] = "".join(t.itertext())
    drawn = sorted(shown.nodes, key=lambda n: n.id)
    for g in groups:
        k = int(g.get("data-i"))
        c = drawn[k]
        want = dict(Counter(by_id[m].level for m in c.members))
        assert sum(want.values()) == c.collapsed
        assert _levels_said(g.find(f"{ns}title").text) == want, c.id
        said = words[g.get("data-i")] if layout == "timeline" else \
            " ".join(t for el in g if el.tag != f"{ns}title" for t in el.itertext())
        assert _levels_said(said) == want, (c.id, said)
    page = render_html(data, layout=layout, lang="en", max_nodes=max_nodes)
    example = re.search(r"count nodes \(e\.g\. “([^”]*)”\)", page).group(1)
    big = max(counts, key=lambda n: (n.collapsed, n.id))
    assert _levels_said(example) == dict(Counter(by_id[m].level for m in big.members))
    for rec in payload(page)["nodes"]:
        if rec.get("col"):
            assert sum(k for _lv, k in rec["lvs"]) == rec["col"]
    p = payload(page)
    for g in p.get("groups", []):  # the timeline's and network's count nodes made for the page
        want = dict(Counter(by_id[p["nodes"][m]["pid"]].level for m in g["m"]))
        title = re.search(r"<title>([^<]*)</title>", g["card"]).group(1)
        assert _levels_said(title) == want and g["n"] == sum(want.values())
    assert ("groups" in p) == (layout != "tree")


@pytest.mark.parametrize("lang", ["en", "vi"])
def test_tree_cards_never_cut_a_key_date(lang):
    # issue 16 (critic): "73y · conf 06/05 · ons…": the dates line of a card is whole, every key date in it
    import xml.etree.ElementTree as ET
    from tracing.i18n import in_language
    from tracing.render import TEXT
    data = sample_map(50, seed=5)
    for k, n in enumerate(data.nodes):
        n.age = 40 + k % 60
        if n.is_case:
            n.onset = n.onset or n.confirmed
    words = TEXT[lang]
    by_id = {n.id: n for n in data.nodes}
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(render_svg(data, layout="tree", lang=lang))
    dm = lambda d: f"{d[8:10]}/{d[5:7]}"
    for g in root.iter(f"{ns}g"):
        if not (g.get("class") or "").startswith("n "):
            continue
        node = by_id[g.find(f"{ns}title").text.split(" · ")[1]]
        lines = [t.text for t in g.iter(f"{ns}tspan")]
        text = " · ".join(lines)
        assert "…" not in lines[-1], lines
        want = []
        if node.is_case or node.level == 0:
            want += [f"{words['d_conf']} {dm(node.confirmed)}"] if node.confirmed else []
            want += [f"{words['d_onset']} {dm(node.onset)}"] if node.onset else []
        elif node.exposure:
            want.append(f"{words['d_exp']} {dm(node.exposure)}")
        want.append(words["age"].format(n=node.age))
        for w in want:
            assert w in text, (node.id, w, lines)


@pytest.mark.parametrize("layout", ["timeline", "network"])
def test_an_f0_of_unknown_source_shows_its_question_mark_in_every_layout(layout):
    # docs/maps.md: a second, black border and a "?" (the tree card has it in its corner)
    import xml.etree.ElementTree as ET
    data = sample_map(50, seed=5)
    ns = "{http://www.w3.org/2000/svg}"
    root = ET.fromstring(render_svg(data, layout=layout, lang="en"))
    unknown = {n.id for n in data.nodes if n.unknown_source}
    assert unknown
    for g in root.iter(f"{ns}g"):
        if (g.get("class") or "").startswith("n "):
            node_id = g.find(f"{ns}title").text.split(" · ")[1]
            marks = [t.text for t in g.findall(f"{ns}text") if "lbl" not in (t.get("class") or "")]
            assert marks and marks[0].endswith("?") == (node_id in unknown), (node_id, marks)


@pytest.mark.parametrize("layout", ["tree", "timeline", "network"])
def test_a_redacted_page_holds_nothing_of_the_persons_it_folds(layout, monkeypatch):
    # the persons folded by --max-nodes are in the page now (to unfold in place), and those beyond
    # PAGE_PERSONS in its lists: redacted, nothing of theirs is there, only keyed tokens
    from tracing import render as R
    monkeypatch.setattr(R, "PAGE_PERSONS", 600)
    data = sample_map(1500, seed=9)
    key = Redactor(b"k" * 32)
    page = render_html(data, max_nodes=100, lang="en", layout=layout, redact=key)
    p = payload(page)
    assert p["fold"] and p["folded"]  # some folded in place, some beyond what the page holds
    for n in data.nodes:
        for value in (n.name, n.phone, n.national_id, n.address):
            assert not value or value not in page, (n.id, value)
        assert not re.search(rf"\b{n.id}\b", page), n.id
    tokens = {r["pid"] for r in p["nodes"] if "pid" in r} | {r["pid"] for r in p["folded"]}
    assert tokens == {key.token(n.id) for n in data.nodes}
