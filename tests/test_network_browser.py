"""The contact network of a big cluster as an epidemiologist opens it, in
headless chromium at 1400×900: at 1,000 and 3,000 persons every text in the
opening view (names and the level written in each mark) is >= 10 CSS px and
lies on no other node's text or mark, with no name hidden to get there; a
count node unfolded in place puts its persons where nobody is. Boxes are
measured in the browser (getBoundingClientRect), not taken from the layout."""

from __future__ import annotations

import json

import pytest

import browser
from browser import sample_map
from tracing import layout as L
from tracing.render import collapse, render_html, write_html

pytestmark = pytest.mark.skipif(not browser.available(), reason="chromium is not installed (/usr/bin/chromium)")

SIZES = (1000, 3000)

# every text and every mark of the drawn nodes that lies in the map's box:
# [left, top, right, bottom, CSS px, node (data-i, or "c" + data-c for a count node), is a name, hidden]
NODE_BOXES = """(function () {
  var map = document.getElementById("map").getBoundingClientRect(), out = [];
  document.querySelectorAll("#diagram g.n").forEach(function (g) {
    if (g.classList.contains("off") || getComputedStyle(g).display === "none") { return; }
    var who = g.hasAttribute("data-i") ? g.getAttribute("data-i") : "c" + g.getAttribute("data-c");
    Array.prototype.slice.call(g.querySelectorAll("text, circle")).forEach(function (t) {
      var r = t.getBoundingClientRect();
      if (r.width === 0 || r.right <= map.left || r.left >= map.right || r.bottom <= map.top || r.top >= map.bottom) { return; }
      var size = 0;
      if (t.tagName === "text") {
        var spans = [t].concat(Array.prototype.slice.call(t.querySelectorAll("tspan")));
        size = Math.min.apply(null, spans.map(function (e) { return parseFloat(getComputedStyle(e).fontSize); })) * t.getScreenCTM().a;
      }
      out.push([r.left, r.top, r.right, r.bottom, size, who, t.classList.contains("lbl"),
                getComputedStyle(t).visibility === "hidden"]);
    });
  });
  return JSON.stringify(out);
})()"""


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("network")
    out = {}
    for n in SIZES:
        data = sample_map(n, seed=5)
        path = folder / f"network-{n}.html"
        write_html(render_html(data, layout="network", lang="vi"), path)
        out[n] = (path, data)
    return out


def readable_and_apart(chromium):
    boxes = json.loads(chromium.eval(NODE_BOXES))
    texts = [b for b in boxes if b[4]]
    assert texts and min(b[4] for b in texts) >= 10, min(b[4] for b in texts)  # names and level marks
    assert not any(b[7] for b in boxes), "no name is hidden to keep names apart"
    assert browser.box_overlaps(boxes, other_nodes_only=True) == []
    return boxes


@pytest.mark.parametrize("n", SIZES)
def test_big_network_opens_readable_with_no_text_or_mark_on_another(chromium, pages, n):
    path, data = pages[n]
    chromium.open(path)
    st = chromium.eval("JSON.stringify([document.getElementById('render-status').getAttribute('data-state'),"
                       "document.getElementById('render-status').getAttribute('data-crowded')])")
    assert json.loads(st) == ["drawn", "0"]
    boxes = readable_and_apart(chromium)
    names = {b[5] for b in boxes if b[6]}
    # a screenful of persons, the first root among them (it opens on the roots)
    records = json.loads(chromium.eval("document.getElementById('map-data').textContent"))["nodes"]
    first_root = next(i for i, r in enumerate(records) if r.get("pid") == data.roots[0])
    assert str(first_root) in names and len(names) >= 30, len(names)
    # the first generations are what is in view: most persons shown are of generation <= 2
    gen = L.generations(data)
    shown_gen = [gen[records[int(i)]["pid"]] for i in names if not i.startswith("c")]
    assert sum(1 for g in shown_gen if g <= 2) > len(shown_gen) / 2, sorted(shown_gen)


def test_a_count_node_of_a_big_network_unfolds_where_nobody_is(chromium, pages):
    path, data = pages[3000]
    chromium.open(path)
    counts = json.loads(chromium.eval("JSON.stringify(window.tracingMap.countNodes())"))
    live = json.loads(chromium.eval("JSON.stringify(window.tracingMap.positions())"))
    _shown, hidden = collapse(data, 2000)
    assert counts and sum(c["n"] for c in counts) == hidden  # the default --max-nodes folded some
    root = live[next(i for i, r in enumerate(json.loads(chromium.eval(
        "document.getElementById('map-data').textContent"))["nodes"]) if r.get("pid") == data.roots[0])]
    k, c = min(enumerate(counts), key=lambda kc: (kc[1]["x"] - root[0]) ** 2 + (kc[1]["y"] - root[1]) ** 2)
    chromium.eval(f"window.tracingMap.centre({c['x']}, {c['y']}); 1")
    browser.click_count(chromium, k)
    after = json.loads(chromium.eval("JSON.stringify(window.tracingMap.positions())"))
    unfolded = [b for a, b in zip(live, after) if a is None and b is not None]
    assert len(unfolded) == c["n"]
    # round where the count node stood: it held room for them (a two-line name's cells each), not outside
    # the drawing
    side = (1.15 * c["n"] * 3 * L.GRID_W * 3 * L.GRID_H) ** 0.5
    assert max(((x - c["x"]) ** 2 + (y - c["y"]) ** 2) ** 0.5 for x, y in unfolded) <= side
    readable_and_apart(chromium)


@pytest.mark.parametrize("n", SIZES)
def test_node_link_opens_the_network_centred_on_that_person(chromium, pages, tmp_path, n):
    # at 3,000 the person is one the default --max-nodes folded: the link unfolds the way to them
    path, data = pages[n]
    shown, _ = collapse(data, 2000)
    drawn = {x.id for x in shown.nodes if not x.collapsed}
    target = next(x for x in reversed(data.nodes) if x.name and (x.id not in drawn) == (n > 2000))
    page = tmp_path / path.name  # a file of its own: the same one with another hash would not load again
    page.write_bytes(path.read_bytes())
    chromium.open(page, fragment=f"node={target.id}")
    got = json.loads(chromium.eval("""(function () {
      var i = +document.getElementById("render-status").getAttribute("data-focus");
      var g = document.querySelector('#diagram g.n[data-i="' + i + '"]'), r = g.querySelector("circle").getBoundingClientRect();
      var m = document.getElementById("map").getBoundingClientRect();
      return JSON.stringify({x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2, cx: (m.left + m.right) / 2,
        cy: (m.top + m.bottom) / 2, panel: document.getElementById("panel-body").textContent});
    })()"""))
    assert abs(got["x"] - got["cx"]) <= 3 and abs(got["y"] - got["cy"]) <= 3, got
    assert target.name in got["panel"]
    readable_and_apart(chromium)
