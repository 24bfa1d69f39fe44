"""`tracing render` as a user runs it: a small outbreak typed in with the
CLI, drawn into one offline HTML file (tree, network, timeline), redacted,
in English, with hostile names, and the errors that must write nothing."""

from __future__ import annotations

import json
import re

import pytest

import browser

EVIL = "<img src=x onerror=alert(1)>"

# id, name, phone, ward
PEOPLE = [
    ("BN1", "Nguyễn Văn An", "0912345601", "Ngọc Lâm"),
    ("P2", "Trần Thị Bình", "0912345602", "Ngọc Lâm"),
    ("P3", "Lê Văn Cường", "0912345603", "Ngọc Lâm"),
    ("P4", "Phạm Thị Dung", "0912345604", "Bồ Đề"),
    ("P5", "Hoàng Văn Em", "0912345605", "Bồ Đề"),
    ("P6", "Đặng Thị Hồng", "0912345606", "Gia Thụy"),
    ("P7", EVIL, "0912345607", "Gia Thụy"),
    ("Q1", "Vũ Văn Quang", "0912345608", "Gia Thụy"),  # met an F2 only: not traced
    ("S1", "Bùi Thị Sen", "0912345609", "Long Biên"),  # a case on its own
    ("S2", "Đỗ Văn Sơn", "0912345610", "Long Biên"),
    ("U1", "Ngô Văn Út", "0912345611", "Long Biên"),  # nobody
]
# BN1's cluster: BN1 -> P2 (later a case), BN1 -> P4 -> P5 (P4 also met P2), BN1 -> P3 -> P6, BN1 -> P7
CLUSTER = {"BN1", "P2", "P3", "P4", "P5", "P6", "P7"}
CONTACTS = [
    ("BN1", "P2", "2021-05-03", "household"),
    ("BN1", "P3", "2021-05-03", "household"),
    ("BN1", "P7", "2021-05-04", "work"),
    ("P3", "P6", "2021-05-04", "social"),
    ("P2", "P4", "2021-05-06", "work"),
    ("BN1", "P4", "2021-05-05", "venue"),
    ("P4", "P5", "2021-05-05", "household"),
    ("P5", "P6", "2021-05-06", "social"),  # two F2: a contact, not a source
    ("P5", "Q1", "2021-05-07", "social"),
    ("S1", "S2", "2021-05-10", "household"),
]


def outbreak(run):
    """Type the outbreak in with the CLI, as a tracing team would."""
    for pid, name, phone, ward in PEOPLE:
        run("person", "add", "--id", pid, "--name", name, "--phone", phone, "--ward", ward,
            "--address", f"{pid} Nguyễn Văn Cừ")
    for a, b, date, setting in CONTACTS:
        run("contact", "add", a, b, "--date", date, "--setting", setting)
    run("case", "confirm", "BN1", "--date", "2021-05-05", "--onset", "2021-05-04")
    # P2 was traced from 05-05 but, as recorded, isolated only on 05-08 (by
    # default a PA1 case's window ends when its quarantine started)
    run("case", "confirm", "P2", "--date", "2021-05-08", "--isolated", "2021-05-08")
    run("case", "confirm", "S1", "--date", "2021-05-11")


def payload(page: str) -> dict:
    return json.loads(re.search(r'id="map-data">(.*?)</script>', page, re.S).group(1))


def drawn_ids(page: str) -> set[str]:
    return {n["pid"] for n in payload(page)["nodes"] if "pid" in n}


def render(run, tmp_path, *args, name="map.html", ok=True):
    out = tmp_path / name
    result = run("render", *args, "-o", out, "--format", "json", ok=ok)
    if ok is not True:
        return result, out
    info = json.loads(result.stdout)
    return info, out.read_text(encoding="utf-8")


@pytest.fixture
def typed(run):
    outbreak(run)
    return run


def test_tree_of_a_small_outbreak_is_one_offline_file(typed, run_json, tmp_path):
    listed = {r["id"]: r for r in run_json("list")}
    assert {"P4", "P5", "P6", "P7"} <= set(listed) and "Q1" not in listed  # the fixture is what it says
    info, page = render(typed, tmp_path, "BN1", "--lang", "vi")
    assert drawn_ids(page) == CLUSTER
    assert info["nodes"] == len(CLUSTER) and info["hidden"] == 0
    assert info["layout"] == "tree" and info["cluster"] == "C1" and info["file"] == str(tmp_path / "map.html")
    parsed = browser.PageTags()
    parsed.feed(page)
    for tag, attrs in parsed.tags:
        for key in ("src", "href"):
            assert not re.match(r"\s*(https?:)?//", attrs.get(key) or ""), (tag, key, attrs)
        assert not (tag == "script" and attrs.get("src"))
    for url in re.findall(r"url\(([^)]*)\)", "".join(parsed.styles)):
        assert not re.match(r"""\s*['"]?\s*(https?:)?//""", url), url
    assert "Chùm C1 · 05/05/2021 – 08/05/2021" in page  # Vietnamese dates in a Vietnamese page
    assert "Nguyễn Văn An" in page and "0912345601" in page  # the panel shows the record


def test_tree_edges_follow_primary_sources_and_show_other_sources_dashed(typed, run_json, tmp_path):
    _info, page = render(typed, tmp_path, "BN1")
    data = payload(page)
    ids = [n.get("pid") for n in data["nodes"]]
    primary = {(ids[e["f"]], ids[e["t"]]) for e in data["edges"] if e["p"]}
    dashed = {(ids[e["f"]], ids[e["t"]]) for e in data["edges"] if not e["p"]}
    expected = {(run_json("status", p)["primary_source"], p) for p in CLUSTER if p != "BN1"}
    assert primary == expected
    others = {(s, p) for p in CLUSTER for s in run_json("status", p)["sources"]
              if s != run_json("status", p)["primary_source"] and s in CLUSTER}
    assert others and dashed == others  # P4 has two sources
    assert ("P5", "P6") not in primary | dashed and ("P6", "P5") not in primary | dashed


def test_any_member_draws_the_same_page(typed, tmp_path):
    _i, from_root = render(typed, tmp_path, "BN1", name="a.html")
    _i, from_f2 = render(typed, tmp_path, "P5", name="b.html")
    _i, by_id = render(typed, tmp_path, "--cluster", "c1", name="c.html")
    assert from_root == from_f2 == by_id


def test_network_adds_the_contacts_among_drawn_persons_only(typed, tmp_path):
    _i, tree = render(typed, tmp_path, "BN1", "--lang", "vi", name="t.html")
    info, net = render(typed, tmp_path, "BN1", "--layout", "network", "--lang", "vi", name="n.html")
    assert info["layout"] == "network" and drawn_ids(net) == CLUSTER
    ids = [n.get("pid") for n in payload(net)["nodes"]]
    pairs = {frozenset((ids[e["f"]], ids[e["t"]])) for e in payload(net)["edges"]}
    in_cluster = {frozenset((a, b)) for a, b, _d, _s in CONTACTS if a in CLUSTER and b in CLUSTER}
    assert pairs == in_cluster  # every recorded contact among them, none to Q1
    assert len(payload(net)["edges"]) > len(payload(tree)["edges"])
    # a contact that is no source is its own kind of edge (not "other source"), with its date and setting
    contacts = [e for e in payload(net)["edges"] if e["k"] == "c"]
    assert [({ids[e["f"]], ids[e["t"]]}, e["d"], e["s"], e["p"]) for e in contacts] == [
        ({"P5", "P6"}, "2021-05-06", "social", False)]
    assert {e["k"] for e in payload(tree)["edges"]} == {"p", "s"}
    legend = [re.search(r'<div id="legend".*?</div>', page, re.S).group(0) for page in (net, tree)]
    assert "Tiếp xúc" in legend[0] and "Tiếp xúc" not in legend[1]  # the legend names the contact line


def test_timeline_layout(typed, tmp_path):
    info, page = render(typed, tmp_path, "BN1", "--layout", "timeline")
    assert info["layout"] == "timeline" and drawn_ids(page) == CLUSTER


def test_redact_removes_names_phones_addresses_and_ids(typed, tmp_path):
    _info, page = render(typed, tmp_path, "BN1", "--redact")
    for pid, name, phone, _ward in PEOPLE:
        assert name not in page and phone not in page
        assert f"{pid} Nguyễn Văn Cừ" not in page
    assert "N.V.A" not in page  # not even initials: the token is the label
    assert not drawn_ids(page) & CLUSTER
    assert "Ngọc Lâm" in page  # the ward stays: it is needed for the response


def test_hostile_name_stays_escaped_through_the_cli(typed, tmp_path):
    _info, page = render(typed, tmp_path, "P7")
    assert EVIL not in page and "<img" not in page
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    assert EVIL in {n.get("name") for n in payload(page)["nodes"]}


def test_english_page(typed, tmp_path):
    _info, page = render(typed, tmp_path, "BN1", "--lang", "en")
    assert '<html lang="en">' in page and "Cluster C1 · 2021-05-05 – 2021-05-08" in page
    assert "Chùm" not in page


def test_the_page_follows_the_global_language_switch(typed, tmp_path, monkeypatch):
    """Issue 14 point 1: `render` has no language of its own: the global
    --lang, else $TRACING_LANG, else the locale (render --lang stays as an
    alias); the page's words come from the gettext catalog."""
    from tracing.render import texts

    def page(*args, env=None):
        out = tmp_path / "p.html"
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        typed(*args, "render", "BN1", "-o", out)
        return out.read_text(encoding="utf-8")

    vi, en = texts("vi"), texts("en")
    assert vi["layout_tree"] != en["layout_tree"]
    english = page()  # the tests' environment is English (conftest: TRACING_LANG=en)
    assert '<html lang="en">' in english and en["search"] in english and vi["search"] not in english
    for vietnamese in (page("--lang", "vi"), page(env={"TRACING_LANG": "vi"}),
                       page(env={"TRACING_LANG": "", "LC_ALL": "vi_VN.UTF-8"})):
        assert '<html lang="vi">' in vietnamese and vi["search"] in vietnamese and en["search"] not in vietnamese


def test_a_case_in_no_cluster_draws_its_own_tree(typed, tmp_path):
    info, page = render(typed, tmp_path, "S2", "--lang", "vi")
    assert drawn_ids(page) == {"S1", "S2"} and info["cluster"] is None and info["clusters"] == []
    assert "Sơ đồ cây từ S1 · 11/05/2021" in page


def test_several_roots_draw_the_union(typed, tmp_path):
    info, page = render(typed, tmp_path, "BN1", "S1")
    assert drawn_ids(page) == CLUSTER | {"S1", "S2"} and info["nodes"] == len(CLUSTER) + 2


def test_all_clusters_and_too_many(typed, tmp_path):
    info, page = render(typed, tmp_path, "--all")
    assert drawn_ids(page) == CLUSTER and info["clusters"] == ["C1"]  # S1 alone is no cluster
    result, out = render(typed, tmp_path, "--all", "--max-nodes", "1", name="all.html", ok=False)
    assert result.exit_code == 1 and not out.exists()
    assert "C1 (2 cases, 7 persons)" in result.stderr and "--cluster C1" in result.stderr


def test_max_nodes_folds_leaves_into_count_nodes(typed, tmp_path):
    info, page = render(typed, tmp_path, "BN1", "--max-nodes", "4")
    assert info["nodes"] <= 4 and info["hidden"] > 0
    # the page holds every person and opens on info["nodes"] (persons and count nodes): the hidden ones
    # wait folded, to unfold in place
    p = payload(page)
    assert len(p["nodes"]) == len(drawn_ids(page)) == len(CLUSTER)
    assert len(p["fold"]) == info["hidden"]
    assert len(CLUSTER) - info["hidden"] < info["nodes"]


def test_table_output_names_the_file_and_counts(typed, tmp_path):
    out = tmp_path / "c1.html"
    result = typed("render", "--cluster", "C1", "-o", out)
    assert str(out) in result.stdout and f"{len(CLUSTER)} nodes" in result.stdout


def test_errors_write_nothing(typed, tmp_path):
    before = sorted(p.name for p in tmp_path.iterdir())
    result = typed("render", "ZZ9", "-o", tmp_path / "z.html", ok=False)
    assert result.exit_code == 1 and "ZZ9" in result.stderr
    result = typed("render", "BN1", "-o", tmp_path / "missing" / "z.html", ok=False)
    assert result.exit_code == 1 and "missing" in result.stderr and not (tmp_path / "missing").exists()
    result = typed("render", "BN1", "-o", tmp_path, ok=False)
    assert result.exit_code == 1 and "folder" in result.stderr
    result = typed("render", "--cluster", "C99", "-o", tmp_path / "z.html", ok=False)
    assert result.exit_code == 1 and "C99" in result.stderr
    result = typed("render", "U1", "-o", tmp_path / "z.html", ok=False)
    assert result.exit_code == 1 and "U1" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert typed("render", "BN1", "--all", "-o", tmp_path / "z.html", ok=False).exit_code == 2
    assert typed("render", "-o", tmp_path / "z.html", ok=False).exit_code == 2
    assert typed("render", "BN1", ok=False).exit_code == 2  # -o is required


@pytest.mark.parametrize("name, fmt", [("map.pdf", None), ("map.PNG", None), ("map.txt", None),
                                       ("map.docx", "svg"), ("map.html", "svg"), ("map.svg", "html"),
                                       ("map.pdf", "html")])
def test_a_name_render_does_not_write_is_refused(typed, tmp_path, name, fmt):
    """critic16b F7: ``-o map.pdf`` wrote a web page into map.pdf (exit 0, a warning): no PDF reader
    opens it. A name whose extension is not one the format writes is refused, nothing written."""
    from tracing.maps import EXTENSIONS
    args = ("--format", fmt) if fmt else ()
    result = typed("render", "BN1", *args, "-o", tmp_path / name, ok=False)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    ext = "." + name.rsplit(".", 1)[1]
    assert f"'{ext}'" in result.stderr
    for written in EXTENSIONS[fmt] if fmt else [e for exts in EXTENSIONS.values() for e in exts]:
        assert written in result.stderr  # says what it does write
    assert not any(p.name.startswith("map") for p in tmp_path.iterdir())


def test_a_name_without_extension_is_written_with_a_warning(typed, tmp_path):
    result = typed("render", "BN1", "-o", tmp_path / "map")
    assert "does not end in .html" in result.stderr
    assert drawn_ids((tmp_path / "map").read_text(encoding="utf-8")) == CLUSTER
    result = typed("render", "BN1", "--format", "svg", "-o", tmp_path / "drawing")
    assert "does not end in .svg" in result.stderr
    assert (tmp_path / "drawing").read_text(encoding="utf-8").startswith("<?xml")


def test_an_existing_page_is_replaced(typed, tmp_path):
    out = tmp_path / "map.html"
    out.write_text("old", encoding="utf-8")
    typed("render", "BN1", "-o", out)
    assert drawn_ids(out.read_text(encoding="utf-8")) == CLUSTER


def test_render_needs_a_database(run, tmp_path):
    result = run("render", "BN1", "-o", tmp_path / "z.html", ok=False)
    assert result.exit_code == 1 and not (tmp_path / "z.html").exists()


@pytest.mark.skipif(not browser.available(), reason="chromium is not installed (/usr/bin/chromium)")
def test_cli_page_draws_every_node_in_chromium(typed, tmp_path):
    info, page = render(typed, tmp_path, "BN1")
    dom, console = browser.dump_dom(tmp_path / "map.html")
    status = browser.element(dom, "render-status")
    assert status is not None, "the page script did not run"
    assert status.get("data-errors") == "" and status.get("data-state") == "drawn"
    assert not [line for line in console if "Uncaught" in line or "Error" in line], console
    assert int(status["data-nodes"]) == info["nodes"] == len(CLUSTER)


def test_svg_is_a_static_tree_with_the_same_people_and_redacts(typed, tmp_path):
    import xml.etree.ElementTree as ET

    info, svg = render(typed, tmp_path, "BN1", "--format", "svg", "--lang", "vi", name="c1.svg")
    assert info["format"] == "svg" and info["nodes"] == len(CLUSTER)
    root = ET.fromstring(svg)  # valid XML
    text = "".join(root.itertext())
    for pid, name, _phone, _ward in PEOPLE:
        if pid in CLUSTER:
            assert name in text and pid in text  # every person, as text
    assert "<script" not in svg and "Chùm C1" in text
    info, svg = render(typed, tmp_path, "BN1", "--redact", name="shared.svg")  # the name says svg
    assert info["format"] == "svg"
    for pid, name, phone, _ward in PEOPLE:
        assert name not in svg and phone not in svg
    assert not {pid for pid in CLUSTER if f">{pid}<" in svg or f" {pid} " in svg}
    ET.fromstring(svg)
    for layout in ("timeline", "network"):
        info, svg = render(typed, tmp_path, "BN1", "--layout", layout, name=f"{layout}.svg")
        assert "Nguyễn Văn An" in "".join(ET.fromstring(svg).itertext())
    result, _out = render(typed, tmp_path, "BN1", "--format", "svg", "--format", "html", name="x.svg", ok=False)
    assert result.exit_code == 2 and "--format" in result.output


def _cards(svg_files) -> dict[str, str]:
    """Every drawn person's card words on paper, by id (the tooltip names the id second)."""
    import xml.etree.ElementTree as ET

    ns = "{http://www.w3.org/2000/svg}"
    cards = {}
    for path in svg_files:
        for g in ET.parse(path).getroot().iter(f"{ns}g"):
            title = g.find(f"{ns}title")
            if title is not None and " · " in (title.text or "") and "rep" not in g.get("class", ""):
                cards[title.text.split(" · ")[1]] = " · ".join(t.text or "" for t in g.iter(f"{ns}tspan"))
    return cards


def test_paper_cards_keep_every_key_date_and_the_age(run, tmp_path, monkeypatch):
    # critic16 F2: an F0 with an age typed in another year, a confirmation and an onset lost its onset
    # on paper (three date lines on a card that kept two)
    monkeypatch.setenv("TRACING_TODAY", "2026-12-02")  # the line list typed years after the cases
    people = [("K1", 33, "2021-05-25", "2021-05-23"), ("K2", 90, "2021-05-28", "2021-05-27")]
    for pid, age, _conf, _onset in people:
        run("person", "add", "--id", pid, "--name", "Công Tằng Tôn Nữ Thị Nguyệt", "--age", age)
    run("person", "add", "--id", "C3", "--name", "Lê Văn Ba", "--age", 40)
    run("contact", "add", "K1", "K2", "--date", "2021-05-20", "--setting", "household")
    run("contact", "add", "K2", "C3", "--date", "2021-05-27", "--setting", "household")
    for pid, _age, conf, onset in people:  # K1 of unknown source (its card is narrower), K2 from K1
        run("case", "confirm", pid, "--date", conf, "--onset", onset)
    run("render", "K1", "--format", "svg", "-o", tmp_path / "tree.svg")
    cards = _cards(sorted(tmp_path.glob("tree*.svg")))
    assert set(cards) >= {"K1", "K2", "C3"}
    for pid, age, conf, onset in people:
        words = cards[pid]
        dm = lambda iso: f"{iso[8:10]}/{iso[5:7]}"  # noqa: E731
        assert f"conf {dm(conf)}" in words and f"onset {dm(onset)}" in words, words
        assert f"{age}y" in words and "…" not in words.split(f"{age}y")[1], words  # nothing after the age cut


def test_a_long_name_keeps_its_given_name_and_the_id_everywhere_it_is_drawn(run, tmp_path):
    # critic16 F3, F7: names were cut from the end ("Công Tằng Tôn Nữ…"), dropping the tên that tells
    # persons apart, and the timeline's names column dropped the id after the name
    import xml.etree.ElementTree as ET

    names = {"L1": "Công Tằng Tôn Nữ Thị Ngọc Phương Nguyệt", "L2": "Công Tằng Tôn Nữ Thị Ngọc Phương Hằng",
             "L3": "Lê Minh Hoàng Long Vĩnh Khang Trường Giang"}
    for pid, name in names.items():
        run("person", "add", "--id", pid, "--name", name)
    run("contact", "add", "L1", "L2", "--date", "2021-05-03", "--setting", "household")
    run("contact", "add", "L1", "L3", "--date", "2021-05-03", "--setting", "household")
    run("case", "confirm", "L1", "--date", "2021-05-05", "--onset", "2021-05-04")
    ns = "{http://www.w3.org/2000/svg}"
    for layout in ("tree", "timeline"):
        out = tmp_path / layout
        out.mkdir()
        run("render", "L1", "--layout", layout, "--format", "svg", "-o", out / "m.svg")
        run("render", "L1", "--layout", layout, "-o", out / "m.html")
        page = (out / "m.html").read_text(encoding="utf-8")
        drawings = [ET.parse(p).getroot() for p in sorted(out.glob("m*.svg"))]
        # the page's labels (drawn from its data): every cut one ends with a tên
        cut = [f for f in re.findall(r'(?:>|\\u003e)([^<>\\"]{0,60}…[^<>\\"]{0,60})(?:<|\\u003c)', page) if "Công" in f or "Lê" in f]
        assert cut and all(any(n.split()[-1] in f.split("…")[-1] for n in names.values()) for f in cut), cut
        for root in drawings:
            seen = set()
            for text in root.iter(f"{ns}text"):
                words = " ".join(text.itertext())
                for pid, name in names.items():
                    given = name.split()[-1]
                    if re.search(rf"\b{pid}\b", words) and "…" in words:  # a cut name: "…", then the tên
                        seen.add(pid)
                        assert given in words.split("…")[-1], words
                        if layout == "timeline" and "lbl rl" in (text.get("class") or ""):
                            assert words.endswith(f"{given} · {pid}"), words
            assert seen, [("".join(t.itertext())) for t in root.iter(f"{ns}text")]


@pytest.mark.parametrize("typed_on", ["2021-06-01", "2026-12-02"], ids=["typed-same-year", "typed-years-later"])
def test_an_age_says_its_year_only_when_it_is_not_the_cards_year(run, tmp_path, monkeypatch, typed_on):
    # critic16 F1, F5: "33y (2021)" on every card of a 2021 diagram (no news to the reader) made the F0
    # date line full, and the type then went to 7 px instead of the age moving up beside the id
    monkeypatch.setenv("TRACING_TODAY", typed_on)  # the day the ages are typed
    people = {"A1": ("Công Tằng Tôn Nữ Thị Nguyệt", 33), "A2": ("Lê Văn Hai", 61), "A3": ("Trần Thị Ba", 7)}
    for pid, (name, age) in people.items():
        run("person", "add", "--id", pid, "--name", name, "--age", age)
    run("contact", "add", "A1", "A2", "--date", "2021-05-22", "--setting", "household")  # in A1's window
    run("contact", "add", "A1", "A3", "--date", "2021-05-21", "--setting", "household")
    run("case", "confirm", "A1", "--date", "2021-05-25", "--onset", "2021-05-23")
    _info, page = render(run, tmp_path, "A1")
    cards = {re.search(r"<title>[^<]* · (\w+) · ", c).group(1): c for c in payload(page)["cards"]
             if "<title>" in c and "lv-count" not in c}
    assert set(cards) == set(people)
    year_shown = typed_on[:4] != "2021"  # every card's day (confirmation, exposure) is in 2021
    for pid, (_name, age) in people.items():
        words = " ".join(re.findall(r">([^<]+)</tspan>", cards[pid]))
        assert (f"{age}y ({typed_on[:4]})" in words) is year_shown and f"{age}y" in words, words
        sizes = [float(s) for s in re.findall(r'<tspan[^>]*font-size="([0-9.]+)"', cards[pid])]
        assert min(sizes) >= 10, (words, sizes)  # issue 16: labels at least 10 px at the opening zoom
    assert "onset 23/05" in cards["A1"] and "conf 25/05" in cards["A1"]
    legend = re.search(r'<span class="item abbrev">(.*?)</span>', page).group(1)
    assert ("an age as typed in" in legend) is year_shown  # the legend explains the year only when one is shown
