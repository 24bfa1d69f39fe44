"""Interactive HTML maps of a cluster: the sơ đồ cây (tree), the contact
network and the timeline, as ONE self-contained, offline file.

The renderer works on plain data (:class:`MapData`), never on the database.
Positions come from :mod:`tracing.layout` (physics is off, so the page is
still and the same data gives the same bytes). vis-network's script and CSS
are read from the pyvis package and inlined; nothing is loaded from the
network. Every user string travels as JSON inside
``<script type="application/json">`` (with ``<``, ``>``, ``&`` escaped) and is
put on the page with ``textContent`` only, so a name such as
``<img src=x onerror=alert(1)>`` shows as text.

>>> data = MapData([MapNode("A", "Nguyễn Văn An", 0, is_case=True, confirmed="2021-05-01"),
...                 MapNode("B", "Trần Thị Bình", 1, exposure="2021-04-30", sources=["A"], primary_source="A")],
...                [MapEdge("A", "B", date="2021-04-30")], "Chùm Bến Nghé", ["A"])
>>> page = render_html(data, lang="en")
>>> page.startswith("<!DOCTYPE html>") and "Chùm Bến Nghé" in page and "https://" not in page.split("<script")[0]
True
"""

from __future__ import annotations

import functools
import html
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from . import layout as _layout
from .files import write_text
from .errors import InvalidValue, TracingError
from .privacy import Redactor, redact_map

LAYOUTS = ("tree", "network", "timeline")
LANGS = ("vi", "en")
VIS_VERSION = "vis-9.1.2"


@dataclass
class MapNode:
    """One person on the map (or, with ``collapsed > 0``, a count node that
    stands for that many hidden persons). ``level``: 0 = F0, 1 = F1, ...,
    None = not infected / untraced. Dates are ISO ``YYYY-MM-DD`` text."""

    id: str
    name: str | None
    level: int | None
    is_case: bool = False
    unknown_source: bool = False
    ward: str | None = None
    unit: str | None = None
    onset: str | None = None
    confirmed: str | None = None
    exposure: str | None = None
    sources: list[str] = field(default_factory=list)
    primary_source: str | None = None
    phone: str | None = None
    national_id: str | None = None
    address: str | None = None
    collapsed: int = 0


#: the kinds of edge: the primary source (solid arrow, makes the tree), another
#: source (dashed arrow), a recorded contact that is no source (thin grey line)
EDGE_KINDS = ("primary", "source", "contact")


@dataclass
class MapEdge:
    """``source`` exposed ``target`` (``kind`` ``primary`` or ``source``), or
    the two met (``kind="contact"``: a recorded contact, no direction).
    Without ``kind`` it follows ``primary``; with it, ``primary`` is set to
    ``kind == "primary"``.

    >>> MapEdge("a", "b").kind, MapEdge("a", "b", primary=False).kind
    ('primary', 'source')
    >>> e = MapEdge("a", "b", kind="contact", date="2021-05-02", setting="work")
    >>> e.kind, e.primary
    ('contact', False)
    >>> MapEdge("a", "b", kind="friend")
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: edge a-b: kind 'friend' is not one of primary, source, contact
    """

    source: str
    target: str
    primary: bool = True
    date: str | None = None
    setting: str | None = None
    kind: str | None = None

    def __post_init__(self):
        if self.kind is None:
            self.kind = "primary" if self.primary else "source"
        elif self.kind not in EDGE_KINDS:
            raise InvalidValue(f"edge {self.source}-{self.target}: kind {self.kind!r} is not one of "
                               f"{', '.join(EDGE_KINDS)}")
        self.primary = self.kind == "primary"


@dataclass
class MapData:
    nodes: list[MapNode]
    edges: list[MapEdge]
    title: str
    roots: list[str]


# ---------------------------------------------------------------- collapsing

def collapse(data: MapData, max_nodes: int) -> tuple[MapData, int]:
    """Fit a map into ``max_nodes`` drawn nodes: leaves at level >= 2 (and
    not-infected leaves) are folded, deepest generation and biggest families
    first, into one count node per parent; if that is not enough, leaves at
    level >= 1, then secondary cases. Returns the new map and the number of
    hidden persons. A folded parent becomes a leaf itself, so whole subtrees
    fold into one count node.

    >>> nodes = [MapNode("r", "Root", 0), MapNode("a", "A", 1)] + [MapNode(f"c{i}", None, 2) for i in range(5)]
    >>> edges = [MapEdge("r", "a")] + [MapEdge("a", f"c{i}") for i in range(5)]
    >>> small, hidden = collapse(MapData(nodes, edges, "t", ["r"]), 4)
    >>> hidden, [(n.id, n.collapsed) for n in small.nodes]
    (5, [('r', 0), ('a', 0), ('+a', 5)])
    >>> collapse(MapData(nodes, edges, "t", ["r"]), 100)[1]
    0
    """
    if not isinstance(max_nodes, int) or max_nodes < 1:
        raise InvalidValue(f"max_nodes: {max_nodes!r} must be a whole number >= 1")
    if len(data.nodes) <= max_nodes:
        return data, 0
    parent = _layout.tree_parents(data)
    gen = _layout.generations(data)
    by_id = {n.id: n for n in data.nodes}
    by_gen: dict[int, list[str]] = defaultdict(list)
    visible_kids: dict[str, int] = defaultdict(int)
    for n in data.nodes:
        by_gen[gen[n.id]].append(n.id)
        if parent[n.id] is not None:
            visible_kids[parent[n.id]] += 1
    hidden: set[str] = set()
    bucket: dict[str, list] = {}  # parent -> [count, levels, wards]
    drawn = len(data.nodes)
    deepest = max(gen.values())
    for min_level in (2, 1, 0):
        for g in range(deepest, 0, -1):
            if drawn <= max_nodes:
                break
            groups: dict[str, list[str]] = defaultdict(list)
            for i in by_gen[g]:
                lv = by_id[i].level
                if i not in hidden and visible_kids[i] == 0 and (lv is None or lv >= min_level):
                    groups[parent[i]].append(i)
            for p, members in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0])):
                if drawn <= max_nodes:
                    break
                drawn += (0 if p in bucket else 1) - len(members) - sum(m in bucket for m in members)
                b = bucket.setdefault(p, [0, set(), set()])
                for m in members:
                    hidden.add(m)
                    b[0] += 1
                    b[1].add(by_id[m].level)
                    b[2].add(by_id[m].ward)
                    if m in bucket:
                        sub = bucket.pop(m)
                        b[0] += sub[0]
                        b[1] |= sub[1]
                        b[2] |= sub[2]
                visible_kids[p] -= len(members)
    if drawn > max_nodes:
        raise TracingError(f"the map still has {drawn} nodes after collapsing (max_nodes={max_nodes}): "
                           "draw fewer clusters or raise --max-nodes")
    ids = set(by_id)
    nodes = [n for n in data.nodes if n.id not in hidden]
    extra_edges = []
    for p in sorted(bucket):
        count, levels, wards = bucket[p]
        known = [lv for lv in levels if lv is not None]
        cid = "+" + p
        while cid in ids:
            cid = "+" + cid
        ids.add(cid)
        nodes.append(MapNode(cid, None, min(known) if known else None, ward=next(iter(wards)) if len(wards) == 1 else None,
                             sources=[p], primary_source=p, collapsed=count))
        extra_edges.append(MapEdge(p, cid, primary=True))
    edges = [e for e in data.edges if e.source not in hidden and e.target not in hidden] + extra_edges
    return MapData(nodes, edges, data.title, list(data.roots)), len(hidden)


# ---------------------------------------------------------------- text

TEXT = {
    "vi": {
        "layout_tree": "Sơ đồ cây", "layout_network": "Mạng tiếp xúc", "layout_timeline": "Dòng thời gian",
        "persons": "{n} người", "range": "{a} – {b}", "no_dates": "chưa có ngày",
        "f0": "F0 (ca bệnh)", "f1": "F1", "f2": "F2", "f3": "F3 trở xuống", "none": "Không xếp F",
        "unknown": "F0 không rõ nguồn lây", "count": "Nút gộp (số người ẩn)",
        "edge_primary": "Nguồn lây chính", "edge_other": "Nguồn lây khác", "edge_contact": "Tiếp xúc",
        "level_none": "Không xếp F", "search": "Tìm tên hoặc mã (không cần dấu)…", "clear": "Xoá",
        "ward_all": "Mọi phường/xã", "ward_label": "Phường/xã", "legend": "Chú giải (bấm để lọc theo mức F)",
        "f_name": "Họ tên", "f_id": "Mã", "f_level": "Mức", "f_case": "Ca bệnh", "f_unknown": "Nguồn lây",
        "unknown_source": "không rõ nguồn lây", "f_ward": "Phường/xã", "f_unit": "Tổ dân phố/khu",
        "f_onset": "Khởi phát", "f_confirmed": "Ngày xác nhận", "f_exposure": "Ngày tiếp xúc",
        "f_primary": "Nguồn lây chính", "f_sources": "Các nguồn lây", "f_phone": "Điện thoại",
        "f_national_id": "CCCD/CMND", "f_address": "Địa chỉ", "f_hidden": "Số người ẩn",
        "f_date": "Ngày", "f_setting": "Bối cảnh", "yes": "có", "no": "không",
        "panel_title": "Hồ sơ", "panel_empty": "Bấm vào một nút trên sơ đồ để xem hồ sơ.", "close": "Đóng",
        "matches": "{n} kết quả", "no_match": "Không tìm thấy", "generation": "Thế hệ {n}",
        "undated": "Không rõ ngày", "count_label": "+{n} {level}", "count_tip": "{n} người được gộp ({level} trở xuống)",
        "notice_collapsed": "Trang chỉ vẽ tối đa {max} nút: {hidden} người được gộp vào {groups} nút đếm (ví dụ “{example}”).",
        "notice_redacted": "Bản ẩn danh: mã người thay bằng mã bảo mật của cơ sở dữ liệu; không có tên, điện thoại, CCCD, địa chỉ.",
        "fit": "Xem toàn bộ", "filter_level": "Mức F",
        "tick_day": "{d:02d}/{m:02d}", "tick_month": "Tháng {m}/{y}",
        "timeline_note": "F0 theo ngày khởi phát (chưa có thì ngày xác nhận), người tiếp xúc theo ngày tiếp xúc",
    },
    "en": {
        "layout_tree": "Transmission tree", "layout_network": "Contact network", "layout_timeline": "Timeline",
        "persons": "{n} persons", "range": "{a} – {b}", "no_dates": "no dates yet",
        "f0": "F0 (case)", "f1": "F1", "f2": "F2", "f3": "F3 and deeper", "none": "No F level",
        "unknown": "F0 with unknown source", "count": "Count node (hidden persons)",
        "edge_primary": "Primary source", "edge_other": "Other source", "edge_contact": "Contact",
        "level_none": "No F level", "search": "Search name or id (no diacritics needed)…", "clear": "Clear",
        "ward_all": "All wards", "ward_label": "Ward", "legend": "Legend (click to filter by level)",
        "f_name": "Name", "f_id": "Id", "f_level": "Level", "f_case": "Case", "f_unknown": "Source",
        "unknown_source": "unknown source", "f_ward": "Ward", "f_unit": "Unit",
        "f_onset": "Onset", "f_confirmed": "Confirmed", "f_exposure": "Exposure",
        "f_primary": "Primary source", "f_sources": "Sources", "f_phone": "Phone",
        "f_national_id": "National id", "f_address": "Address", "f_hidden": "Hidden persons",
        "f_date": "Date", "f_setting": "Setting", "yes": "yes", "no": "no",
        "panel_title": "Record", "panel_empty": "Click a node on the map to see its record.", "close": "Close",
        "matches": "{n} found", "no_match": "No match", "generation": "Generation {n}",
        "undated": "No date", "count_label": "+{n} {level}", "count_tip": "{n} persons folded ({level} or deeper)",
        "notice_collapsed": "This page draws at most {max} nodes: {hidden} persons are folded into {groups} count nodes (e.g. “{example}”).",
        "notice_redacted": "Redacted: ids replaced by the database's keyed tokens; no names, phones, national ids or addresses.",
        "fit": "Fit all", "filter_level": "F level",
        "tick_day": "{d} {mon}", "tick_month": "{mon} {y}",
        "timeline_note": "cases at onset (else confirmation), traced persons at exposure",
    },
}

#: background, border, label colour inside boxes, per level key
STYLE = {
    "f0": {"bg": "#d62728", "border": "#8c1010"},
    "f1": {"bg": "#ff8c1a", "border": "#b35900"},
    "f2": {"bg": "#ffd92f", "border": "#a68a00"},
    "f3": {"bg": "#9e9e9e", "border": "#616161"},
    "none": {"bg": "#e0e0e0", "border": "#9e9e9e"},
    "unknown": {"bg": "#d62728", "border": "#1b1b1b"},
    "count": {"bg": "#ffffff", "border": "#616161"},
}


#: English month abbreviations (fixed, not the locale's)
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _tick_labels(ticks: list[tuple[int, str]], text: dict) -> list[list]:
    """The timeline axis as ``[x, day label, month label]``: short day
    labels ("25/11") that fit side by side, the month and year drawn once
    above them (the page shows it at the first visible tick and where the
    month changes); the undated column gets its word and no month.

    >>> _tick_labels([(-320, ""), (0, "2021-11-25")], TEXT["vi"])
    [[-320, 'Không rõ ngày', ''], [0, '25/11', 'Tháng 11/2021']]
    >>> _tick_labels([(0, "2021-11-05")], TEXT["en"])
    [[0, '5 Nov', 'Nov 2021']]
    """
    import datetime as dt

    cols = []
    for x, iso in ticks:
        if not iso:
            cols.append([x, text["undated"], ""])
            continue
        day = dt.date.fromisoformat(iso)
        names = {"d": day.day, "m": day.month, "y": day.year, "mon": _MONTHS_EN[day.month - 1]}
        cols.append([x, _fmt(text["tick_day"], **names), _fmt(text["tick_month"], **names)])
    return cols


def _level_key(level: int | None) -> str:
    if level is None:
        return "none"
    return "f3" if level >= 3 else f"f{max(level, 0)}"


def _fmt(template: str, **values) -> str:
    return template.format(**values)


# ---------------------------------------------------------------- assets

@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str]:
    """vis-network's script and CSS from the pyvis package (found without
    importing pyvis, which is slow to import)."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise TracingError("the pyvis package is missing: install it with 'pip install pyvis'")
    lib = Path(list(spec.submodule_search_locations)[0]) / "templates" / "lib" / VIS_VERSION
    try:
        js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
        css = (lib / "vis-network.css").read_text(encoding="utf-8")
    except OSError as exc:
        raise TracingError(f"cannot read vis-network from the pyvis package ({lib}): {exc.strerror}") from None
    if "</script" in js.lower() or "</style" in css.lower():  # pragma: no cover - a broken package
        raise TracingError(f"the vis-network files in {lib} cannot be inlined")
    return js, css


def _json_for_script(value) -> str:
    """JSON that is safe inside ``<script type="application/json">``."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


# ---------------------------------------------------------------- rendering

def _date_range(nodes: list[MapNode]) -> tuple[str | None, str | None]:
    dates = sorted(str(d)[:10] for n in nodes for d in (n.onset, n.confirmed, n.exposure) if d)
    return (dates[0], dates[-1]) if dates else (None, None)


def render_html(data: MapData, *, layout: str = "tree", lang: str = "vi", redact: Redactor | None = None,
                max_nodes: int = 2000) -> str:
    """The map as one self-contained HTML page (text; save it with
    :func:`write_html`). ``layout``: ``tree``, ``network`` or ``timeline``;
    ``lang``: ``vi`` or ``en``; ``redact``: a :class:`tracing.privacy.Redactor`
    (the database's keyed tokens) to draw tokens instead of ids and no
    names, phones, national ids or addresses (:func:`tracing.privacy.redact_map`);
    at most ``max_nodes`` nodes are drawn (see :func:`collapse`).

    >>> tiny = MapData([MapNode("x", '"href" <b>', 0)], [], "<script>t</script>", ["x"])
    >>> page = render_html(tiny, lang="en", redact=Redactor(b"k" * 32))
    >>> "<script>t" in page, "&lt;script&gt;t" in page, '"href" <b>' in page
    (False, True, False)
    """
    if redact is True or (redact and not isinstance(redact, Redactor)):
        raise TracingError("redact: pass the database's tracing.privacy.Redactor, not a flag")  # a programming error
    if layout not in LAYOUTS:
        raise InvalidValue(f"layout: '{layout}' is not one of {', '.join(LAYOUTS)}")
    if lang not in LANGS:
        raise InvalidValue(f"lang: '{lang}' is not one of {', '.join(LANGS)}")
    seen: set[str] = set()
    for n in data.nodes:
        if n.id in seen:
            raise InvalidValue(f"node id '{n.id}' appears twice in the map")
        seen.add(n.id)
    if redact:
        data = redact_map(data, redact)
    text = TEXT[lang]
    first, last = _date_range(data.nodes)
    total = len(data.nodes)
    shown, hidden = collapse(data, max_nodes)
    nodes = sorted(shown.nodes, key=lambda n: n.id)
    index = {n.id: i for i, n in enumerate(nodes)}
    known_edges = sorted((e for e in shown.edges if e.source in index and e.target in index and e.source != e.target),
                         key=lambda e: (e.source, e.target, EDGE_KINDS.index(e.kind), e.date or "", e.setting or ""))
    placed = MapData(nodes, known_edges, shown.title, [r for r in shown.roots if r in index])

    decor: dict = {"rows": [], "cols": []}
    if layout == "tree":
        pos = _layout.tree_layout(placed)
        gens = _layout.generations(placed)
        for g in sorted(set(gens.values())):
            decor["rows"].append([g * _layout.TREE_DY, _fmt(text["generation"], n=g + 1)])
    elif layout == "network":
        pos = _layout.network_layout(placed)
    else:
        pos, ticks = _layout.timeline_layout(placed)
        decor["cols"] = _tick_labels(ticks, text)
    if pos:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        decor["bounds"] = [min(xs), min(ys), max(xs), max(ys)]
    else:
        decor["bounds"] = [0, 0, 0, 0]

    records = []
    for n in nodes:
        rec = {"x": pos[n.id][0], "y": pos[n.id][1], "lv": n.level}
        if n.collapsed:
            rec["col"] = n.collapsed
            if n.primary_source in index:
                rec["par"] = index[n.primary_source]
            if n.ward:
                rec["ward"] = n.ward
        else:
            rec.update({
                "pid": n.id,
                "name": n.name or None,
                "case": bool(n.is_case), "unk": bool(n.unknown_source),
                "ward": n.ward, "unit": n.unit, "onset": n.onset, "conf": n.confirmed, "exp": n.exposure,
                "src": list(n.sources), "psrc": n.primary_source,
                "phone": n.phone, "nid": n.national_id, "addr": n.address,
            })
        records.append({k: v for k, v in rec.items() if v not in (None, "", [])})
    edges = []
    for e in known_edges:
        rec = {"f": index[e.source], "t": index[e.target], "p": bool(e.primary), "k": e.kind[0], "d": e.date,
               "s": e.setting}
        edges.append({k: v for k, v in rec.items() if v is not None})

    counts: dict[str, int] = defaultdict(int)
    for n in data.nodes:
        counts[_level_key(n.level)] += 1
        if n.unknown_source:
            counts["unknown"] += 1
    groups = sum(1 for n in nodes if n.collapsed)
    example = ""
    if groups:
        big = max((n for n in nodes if n.collapsed), key=lambda n: (n.collapsed, n.id))
        example = _fmt(text["count_label"], n=big.collapsed, level=_level_name(big.level, text))
    title = data.title
    smooth = {"tree": {"type": "cubicBezier", "forceDirection": "vertical", "roundness": 0.45},
              "network": False,
              "timeline": {"type": "cubicBezier", "forceDirection": "horizontal", "roundness": 0.45}}[layout]
    payload = {"nodes": records, "edges": edges, "text": text, "style": STYLE, "layout": layout,
               "decor": decor, "smooth": smooth}
    notices = []
    if hidden:
        notices.append(_fmt(text["notice_collapsed"], max=max_nodes, hidden=hidden, groups=groups, example=example))
    if redact:
        notices.append(text["notice_redacted"])
    subtitle = " · ".join([
        text[f"layout_{layout}"] + (f" ({text['timeline_note']})" if layout == "timeline" else ""),
        _fmt(text["range"], a=first, b=last) if first else text["no_dates"],
        _fmt(text["persons"], n=total),
    ])
    wards = sorted({n.ward for n in nodes if n.ward and not n.collapsed})
    js, css = _assets()
    parts = {
        "LANG": lang,
        "TITLE": html.escape(title),
        "SUBTITLE": html.escape(subtitle),
        "NOTICES": "".join(f'<p class="notice">{html.escape(t)}</p>' for t in notices),
        "CONTROLS": _controls_html(text, wards),
        "LEGEND": _legend_html(text, counts, contacts=layout == "network" or any(e.kind == "contact" for e in known_edges)),
        "PANEL_TITLE": html.escape(text["panel_title"]),
        "PANEL_EMPTY": html.escape(text["panel_empty"]),
        "CLOSE": html.escape(text["close"]),
        "TOTAL": str(len(nodes)),
        "VIS_CSS": css,
        "PAGE_CSS": _PAGE_CSS,
        "VIS_JS": js,
        "PAGE_JS": _PAGE_JS,
        "DATA": _json_for_script(payload),
    }
    return re.sub(r"%%([A-Z_]+)%%", lambda m: parts[m.group(1)], _TEMPLATE)


def _level_name(level: int | None, text: dict) -> str:
    return text["level_none"] if level is None else f"F{level}"


def _controls_html(text: dict, wards: list[str]) -> str:
    esc = html.escape
    options = "".join(f'<option value="{esc(w)}">{esc(w)}</option>' for w in wards)
    return (
        f'<input id="search" type="search" autocomplete="off" placeholder="{esc(text["search"])}" '
        f'aria-label="{esc(text["search"])}">'
        f'<button id="search-clear" type="button">{esc(text["clear"])}</button>'
        f'<label class="ward">{esc(text["ward_label"])} <select id="ward-filter">'
        f'<option value="">{esc(text["ward_all"])}</option>{options}</select></label>'
        f'<button id="fit" type="button">{esc(text["fit"])}</button>'
        f'<span id="search-info" aria-live="polite"></span>'
    )


def _legend_html(text: dict, counts: dict[str, int], contacts: bool = False) -> str:
    esc = html.escape
    items = []
    for key in ("f0", "f1", "f2", "f3", "none"):
        st = STYLE[key]
        items.append(
            f'<label class="item" data-level="{key}"><input type="checkbox" class="level-filter" value="{key}" checked>'
            f'<span class="sw" style="background:{st["bg"]};border-color:{st["border"]}"></span>'
            f'{esc(text[key])} <span class="n">({counts.get(key, 0)})</span></label>')
    st = STYLE["unknown"]
    items.append(f'<span class="item" data-level="unknown"><span class="sw unknown" style="background:{st["bg"]};'
                 f'border-color:{st["border"]}"></span>{esc(text["unknown"])} '
                 f'<span class="n">({counts.get("unknown", 0)})</span></span>')
    items.append(f'<span class="item" data-level="count"><span class="sw count"></span>{esc(text["count"])}</span>')
    items.append(f'<span class="item"><span class="line"></span>{esc(text["edge_primary"])}</span>')
    items.append(f'<span class="item"><span class="line dashed"></span>{esc(text["edge_other"])}</span>')
    if contacts:
        items.append(f'<span class="item" data-edge="contact"><span class="line contact"></span>'
                     f'{esc(text["edge_contact"])}</span>')
    return f'<div id="legend" role="group" aria-label="{esc(text["legend"])}">{"".join(items)}</div>'


def write_html(html_text: str, path) -> None:
    """Save a page as UTF-8 (whatever the locale), atomically (a reader
    never sees half a file) and private to its owner (0600). Raises :class:`TracingError` naming the path when
    it cannot be written."""
    write_text(path, html_text, what="map")  # private (0600): a map shows people and their contacts


_TEMPLATE = """<!DOCTYPE html>
<html lang="%%LANG%%">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>%%TITLE%%</title>
<script>window.__mapErrors=[];function __mapError(m){window.__mapErrors.push(String(m));var s=document.getElementById("render-status");if(s){s.setAttribute("data-errors",window.__mapErrors.join(" | "));}}
window.addEventListener("error",function(e){__mapError(e.message||e);});
window.addEventListener("unhandledrejection",function(e){__mapError(e.reason);});</script>
<style>%%VIS_CSS%%</style>
<style>%%PAGE_CSS%%</style>
</head>
<body>
<header>
<h1 id="map-title">%%TITLE%%</h1>
<p id="map-subtitle">%%SUBTITLE%%</p>
%%NOTICES%%
<div id="controls">%%CONTROLS%%</div>
%%LEGEND%%
<ul id="search-results" hidden></ul>
</header>
<main>
<div id="map"></div>
<aside id="panel" aria-live="polite">
<div class="panel-head"><h2>%%PANEL_TITLE%%</h2><button id="panel-close" type="button">%%CLOSE%%</button></div>
<div id="panel-body"><p class="empty">%%PANEL_EMPTY%%</p></div>
</aside>
</main>
<div id="render-status" hidden data-state="loading" data-total="%%TOTAL%%" data-nodes="" data-errors=""></div>
<script type="application/json" id="map-data">%%DATA%%</script>
<script>%%VIS_JS%%</script>
<script>%%PAGE_JS%%</script>
</body>
</html>
"""

_PAGE_CSS = """
html,body{margin:0;height:100%;font-family:system-ui,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2328;background:#fff}
body{display:flex;flex-direction:column}
header{padding:8px 14px 6px;border-bottom:1px solid #d0d7de;background:#f6f8fa;position:relative}
h1{font-size:20px;margin:0 0 2px}
#map-subtitle{margin:0 0 6px;color:#57606a;font-size:14px}
.notice{margin:4px 0;padding:4px 8px;background:#fff8c5;border:1px solid #d4a72c;border-radius:4px;font-size:13px}
#controls{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:4px 0;font-size:14px}
#search{width:300px;padding:4px 8px;font-size:14px}
#controls button,#panel button{font-size:13px;padding:3px 10px;cursor:pointer}
#search-info{color:#57606a;font-size:13px}
#legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;align-items:center}
#legend .item{display:inline-flex;align-items:center;gap:5px;cursor:default}
#legend label.item{cursor:pointer}
#legend .n{color:#57606a}
.sw{display:inline-block;width:13px;height:13px;border-radius:50%;border:2px solid #999}
.sw.unknown{border-width:3px;border-style:dashed}
.sw.count{border-radius:3px;background:#fff;border:2px dashed #616161;width:18px}
.line{display:inline-block;width:26px;border-top:2px solid #555}
.line.dashed{border-top:2px dashed #999}
.line.contact{border-top:1px solid #bcc3cb}
#search-results{position:absolute;z-index:10;left:14px;top:100%;margin:0;padding:4px 0;list-style:none;background:#fff;
 border:1px solid #d0d7de;box-shadow:0 4px 12px rgba(0,0,0,.15);max-height:320px;overflow:auto;min-width:300px}
#search-results li button{display:block;width:100%;text-align:left;border:0;background:none;padding:4px 10px;font-size:14px;cursor:pointer}
#search-results li button:hover{background:#eaeef2}
main{flex:1;display:flex;min-height:0}
#map{flex:1;min-width:0;position:relative}
#panel{width:300px;border-left:1px solid #d0d7de;overflow:auto;padding:8px 12px;font-size:14px;background:#fff}
.panel-head{display:flex;justify-content:space-between;align-items:center}
.panel-head h2{font-size:16px;margin:4px 0}
#panel dl{display:grid;grid-template-columns:auto 1fr;gap:3px 10px;margin:8px 0}
#panel dt{color:#57606a}
#panel dd{margin:0;overflow-wrap:anywhere}
#panel .empty{color:#57606a}
.tip{font-size:13px;line-height:1.35;max-width:320px;white-space:normal}
.tip-name{font-weight:600;font-size:14px;margin-bottom:2px;overflow-wrap:anywhere}
.tip-line{overflow-wrap:anywhere}
div.vis-tooltip{font-family:inherit;padding:6px 8px;background:#fff;border:1px solid #d0d7de;border-radius:4px;
 box-shadow:0 2px 8px rgba(0,0,0,.15);white-space:normal}
.src-link{border:0;background:none;color:#0969da;padding:0;cursor:pointer;text-decoration:underline;font:inherit}
"""

_PAGE_JS = r"""
(function () {
"use strict";
var STATUS = document.getElementById("render-status");
var DATA = JSON.parse(document.getElementById("map-data").textContent);
var T = DATA.text, STYLE = DATA.style, P = DATA.nodes;

function fold(s) {
  return String(s || "").replace(/\u0111/g, "d").replace(/\u0110/g, "D").normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/\s+/g, " ").trim();
}
function fmt(t, v) { return t.replace(/\{(\w+)\}/g, function (m, k) { return v[k] === undefined ? m : String(v[k]); }); }
function el(tag, text, cls) {
  var e = document.createElement(tag);
  if (text !== undefined && text !== null) { e.textContent = String(text); }
  if (cls) { e.className = cls; }
  return e;
}
function levelName(lv) { return (lv === null || lv === undefined) ? T.level_none : "F" + lv; }
function levelKey(lv) { return (lv === null || lv === undefined) ? "none" : (lv >= 3 ? "f3" : "f" + Math.max(lv, 0)); }
function label(r) { return r.col ? fmt(T.count_label, {n: r.col, level: levelName(r.lv)}) : (r.name || r.pid); }
var byPid = {};
P.forEach(function (r, i) { if (r.pid !== undefined) { byPid[r.pid] = i; } });
function who(pid) { var i = byPid[pid]; return (i !== undefined && P[i].name) ? P[i].name + " (" + pid + ")" : pid; }
function place(r) { return [r.ward, r.unit].filter(Boolean).join(" / "); }

function tooltip(r) {
  var box = el("div", null, "tip");
  box.appendChild(el("div", label(r), "tip-name"));
  var lines = r.col ? [[null, fmt(T.count_tip, {n: r.col, level: levelName(r.lv)})]] : [
    [T.f_level, levelName(r.lv) + (r.unk ? " · " + T.unknown_source : "")],
    [T.f_id, r.pid],
    [T.f_ward, place(r)],
    [T.f_onset, r.onset], [T.f_confirmed, r.conf], [T.f_exposure, r.exp],
    [T.f_sources, (r.src || []).map(who).join(", ")]
  ];
  lines.forEach(function (l) {
    if (l[1] === undefined || l[1] === null || l[1] === "") { return; }
    box.appendChild(el("div", l[0] ? l[0] + ": " + l[1] : l[1], "tip-line"));
  });
  return box;
}

var nodes = P.map(function (r, i) {
  var key = levelKey(r.lv), st = STYLE[key];
  var n = {id: i, x: r.x, y: r.y, label: label(r), title: tooltip(r), shape: "dot",
    size: r.lv === 0 ? 17 : 13, borderWidth: 2,
    color: {background: st.bg, border: st.border, highlight: {background: st.bg, border: "#0969da"},
            hover: {background: st.bg, border: "#0969da"}}};
  if (r.unk) {
    n.borderWidth = 4; n.color.border = STYLE.unknown.border; n.shapeProperties = {borderDashes: [4, 3]};
  }
  if (r.col) {
    n.shape = "box"; n.borderWidth = 2; n.shapeProperties = {borderDashes: [4, 3]};
    n.color = {background: "#ffffff", border: st.border, highlight: {background: "#f6f8fa", border: "#0969da"},
               hover: {background: "#f6f8fa", border: "#0969da"}};
    n.font = {color: "#1f2328", strokeWidth: 0};
  }
  return n;
});
// edge kinds: p = primary source (solid arrow), s = other source (dashed, curved arrow),
// c = recorded contact, no source (thin light grey line, no arrow)
var EDGE = {
  p: {word: "edge_primary", arrow: true, dashes: false, width: 1.6, color: "#57606a"},
  s: {word: "edge_other", arrow: true, dashes: true, width: 1.2, color: "#a0a7b0", curve: true},
  c: {word: "edge_contact", arrow: false, dashes: false, width: 1, color: "#bcc3cb"}
};
var edges = DATA.edges.map(function (e, k) {
  var kind = EDGE[e.k] ? e.k : (e.p ? "p" : "s"), st = EDGE[kind];
  var tip = el("div", null, "tip");
  tip.appendChild(el("div", label(P[e.f]) + (st.arrow ? " \u2192 " : " \u2014 ") + label(P[e.t]), "tip-name"));
  tip.appendChild(el("div", T[st.word], "tip-line"));
  if (e.d) { tip.appendChild(el("div", T.f_date + ": " + e.d, "tip-line")); }
  if (e.s) { tip.appendChild(el("div", T.f_setting + ": " + e.s, "tip-line")); }
  var ed = {id: k, from: e.f, to: e.t, arrows: {to: {enabled: st.arrow, scaleFactor: 0.5}}, title: tip,
    dashes: st.dashes, width: st.width, color: {color: st.color, highlight: "#0969da", hover: "#0969da"}};
  if (st.curve) { ed.smooth = {enabled: true, type: "curvedCW", roundness: 0.2}; }
  return ed;
});

var nodeSet = new vis.DataSet(nodes), edgeSet = new vis.DataSet(edges);
var big = P.length > 800;
var network = new vis.Network(document.getElementById("map"), {nodes: nodeSet, edges: edgeSet}, {
  physics: false,
  layout: {improvedLayout: false, randomSeed: 1},
  interaction: {hover: !big, tooltipDelay: 150, hideEdgesOnDrag: big, hideEdgesOnZoom: big, navigationButtons: false},
  nodes: {font: {size: 21, face: "system-ui, Segoe UI, Roboto, Arial, sans-serif", color: "#1f2328",
                 strokeWidth: 4, strokeColor: "#ffffff"},
          widthConstraint: {maximum: 135}},
  edges: {smooth: DATA.smooth === false ? {enabled: false} : DATA.smooth}
});

// ---- timeline axis: a band at the top of the map, in screen pixels, so the
// dates are never clipped or scaled away; every STRIDE-th tick is labelled so
// the labels never overlap (the stride follows the zoom)
var COLS = DATA.decor.cols, AXIS_H = COLS.length ? 44 : 0, AXIS_FONT = "600 14px system-ui, sans-serif";
var MONTH_FONT = "12px system-ui, sans-serif", stride = 1, dayW = 0;
function shownCol(k) { return COLS[k][2] === "" || k % stride === 0; }
network.on("beforeDrawing", function (ctx) {
  var d = DATA.decor, b = d.bounds;
  ctx.save();
  ctx.strokeStyle = "#eaeef2"; ctx.lineWidth = 1; ctx.fillStyle = "#8c959f"; ctx.font = "bold 20px system-ui, sans-serif";
  d.rows.forEach(function (r) {
    ctx.beginPath(); ctx.moveTo(b[0] - 160, r[0]); ctx.lineTo(b[2] + 80, r[0]); ctx.stroke();
    ctx.fillText(r[1], b[0] - 160, r[0] - 8);
  });
  if (COLS.length) {
    ctx.font = AXIS_FONT;
    dayW = 0;
    COLS.forEach(function (c) { if (c[2]) { dayW = Math.max(dayW, ctx.measureText(c[1]).width); } });
    var gap = Infinity, scale = network.getScale();
    for (var k = 1; k < COLS.length; k++) {
      if (COLS[k][2] && COLS[k - 1][2]) { gap = Math.min(gap, (COLS[k][0] - COLS[k - 1][0]) * scale); }
    }
    stride = gap === Infinity ? 1 : Math.max(1, Math.ceil((dayW + 14) / gap));
    var top = Math.min(b[1] - 50, network.DOMtoCanvas({x: 0, y: AXIS_H}).y);
    COLS.forEach(function (c, k) {
      if (!shownCol(k)) { return; }
      ctx.beginPath(); ctx.moveTo(c[0], top); ctx.lineTo(c[0], b[3] + 40); ctx.stroke();
    });
  }
  ctx.restore();
});
network.on("afterDrawing", function (ctx) {
  if (!COLS.length) { return; }
  ctx.save();
  var scale = network.getScale(), m = ctx.getTransform(), ratio = m.a / scale || 1;
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  var W = ctx.canvas.width / ratio;
  ctx.fillStyle = "rgba(246,248,250,0.94)"; ctx.fillRect(0, 0, W, AXIS_H);
  ctx.strokeStyle = "#d0d7de"; ctx.lineWidth = 1;
  ctx.beginPath(); ctx.moveTo(0, AXIS_H - 0.5); ctx.lineTo(W, AXIS_H - 0.5); ctx.stroke();
  ctx.textBaseline = "alphabetic";
  var boxes = [], labels = [], dayRight = -Infinity, monthRight = -Infinity, lastMonth = null;
  COLS.forEach(function (c, k) {
    if (!shownCol(k)) { return; }
    var sx = network.canvasToDOM({x: c[0], y: 0}).x;
    ctx.font = AXIS_FONT;
    var w = ctx.measureText(c[1]).width, x0 = sx - w / 2;
    if (x0 + w < 0 || x0 > W) { return; }
    x0 = Math.max(2, Math.min(x0, W - 2 - w));  // a label at the edge slides in, never half shown
    if (x0 < dayRight + 8) { return; }
    ctx.fillStyle = "#24292f"; ctx.fillText(c[1], x0, AXIS_H - 9);
    boxes.push(Math.round(x0) + ":" + Math.round(x0 + w)); labels.push(c[1]);
    dayRight = x0 + w;
    if (c[2] && c[2] !== lastMonth) {
      ctx.font = MONTH_FONT;
      var mw = ctx.measureText(c[2]).width, mx = Math.max(2, Math.min(x0, W - 2 - mw));
      if (mx >= monthRight + 12) {
        ctx.fillStyle = "#57606a"; ctx.fillText(c[2], mx, 15);
        monthRight = mx + mw; lastMonth = c[2];
      }
    }
  });
  ctx.restore();
  STATUS.setAttribute("data-ticks", labels.join(","));
  STATUS.setAttribute("data-tick-boxes", boxes.join(","));
  STATUS.setAttribute("data-axis-width", String(Math.round(W)));
});

function fitAll() {
  network.fit({animation: false});
  var s = network.getScale() * 0.92;
  if (AXIS_H) {  // leave the axis band free: shrink a little and centre the map below it
    var h = document.getElementById("map").clientHeight || 1;
    s *= Math.max(0.5, (h - AXIS_H - 10) / h);
    var c = network.getViewPosition();
    network.moveTo({position: {x: c.x, y: c.y - (AXIS_H + 10) / 2 / s}, scale: s, animation: false});
  } else {
    network.moveTo({scale: s, animation: false});
  }
}
fitAll();
window.addEventListener("load", fitAll);
window.addEventListener("resize", fitAll);
network.once("afterDrawing", function () {
  fitAll();
  STATUS.setAttribute("data-nodes", String(Object.keys(network.getPositions()).length));
  STATUS.setAttribute("data-edges", String(edgeSet.length));
  STATUS.setAttribute("data-state", "drawn");
});

// ---- panel
var panelBody = document.getElementById("panel-body");
function row(dl, k, v) {
  if (v === undefined || v === null || v === "") { return; }
  dl.appendChild(el("dt", k));
  var dd = el("dd");
  if (v instanceof Node) { dd.appendChild(v); } else { dd.textContent = String(v); }
  dl.appendChild(dd);
}
function srcLinks(list) {
  if (!list || !list.length) { return null; }
  var span = el("span");
  list.forEach(function (pid, k) {
    if (k) { span.appendChild(document.createTextNode(", ")); }
    var i = byPid[pid];
    if (i === undefined) { span.appendChild(document.createTextNode(pid)); return; }
    var b = el("button", who(pid), "src-link");
    b.type = "button";
    b.addEventListener("click", function () { focusNode(i); });
    span.appendChild(b);
  });
  return span;
}
function showPanel(i) {
  var r = P[i];
  panelBody.textContent = "";
  panelBody.appendChild(tooltip(r));
  var dl = el("dl");
  if (r.col) {
    row(dl, T.f_hidden, r.col);
    row(dl, T.f_level, levelName(r.lv));
    if (r.par !== undefined) { row(dl, T.f_primary, srcLinks([P[r.par].pid])); }
  } else {
    row(dl, T.f_name, r.name);
    row(dl, T.f_id, r.pid);
    row(dl, T.f_level, levelName(r.lv));
    row(dl, T.f_case, r.case ? T.yes : T.no);
    if (r.unk) { row(dl, T.f_unknown, T.unknown_source); }
    row(dl, T.f_ward, r.ward); row(dl, T.f_unit, r.unit);
    row(dl, T.f_onset, r.onset); row(dl, T.f_confirmed, r.conf); row(dl, T.f_exposure, r.exp);
    row(dl, T.f_primary, r.psrc ? srcLinks([r.psrc]) : null);
    row(dl, T.f_sources, srcLinks(r.src));
    row(dl, T.f_phone, r.phone); row(dl, T.f_national_id, r.nid); row(dl, T.f_address, r.addr);
  }
  panelBody.appendChild(dl);
  document.getElementById("panel").setAttribute("data-node", String(i));
}
function focusNode(i) {
  if (nodeSet.get(i).hidden) { nodeSet.update({id: i, hidden: false}); }
  network.selectNodes([i]);
  network.focus(i, {scale: Math.max(network.getScale(), 1.0), animation: false});
  showPanel(i);
}
network.on("click", function (p) { if (p.nodes.length) { showPanel(p.nodes[0]); } });
document.getElementById("panel-close").addEventListener("click", function () {
  panelBody.textContent = ""; panelBody.appendChild(el("p", T.panel_empty, "empty"));
  network.unselectAll();
});

// ---- search
var folded = P.map(function (r) { return r.col ? "" : fold((r.name || "") + " " + (r.pid || "")); });
var input = document.getElementById("search"), results = document.getElementById("search-results");
var info = document.getElementById("search-info");
function runSearch(q) {
  var f = fold(q), hits = [];
  results.textContent = "";
  if (!f) { results.hidden = true; info.textContent = ""; STATUS.setAttribute("data-matches", "0"); network.unselectAll(); return hits; }
  folded.forEach(function (s, i) { if (s && s.indexOf(f) >= 0) { hits.push(i); } });
  STATUS.setAttribute("data-matches", String(hits.length));
  info.textContent = hits.length ? fmt(T.matches, {n: hits.length}) : T.no_match;
  hits.slice(0, 30).forEach(function (i) {
    var r = P[i], li = el("li"), b = el("button", label(r) + " · " + levelName(r.lv) + (r.ward ? " · " + r.ward : ""));
    b.type = "button";
    b.addEventListener("click", function () { results.hidden = true; focusNode(i); });
    li.appendChild(b); results.appendChild(li);
  });
  results.hidden = hits.length === 0;
  network.selectNodes(hits.filter(function (i) { return !nodeSet.get(i).hidden; }));
  return hits;
}
input.addEventListener("input", function () { runSearch(input.value); });
input.addEventListener("keydown", function (ev) {
  if (ev.key === "Enter") { var h = runSearch(input.value); if (h.length) { results.hidden = true; focusNode(h[0]); } }
  if (ev.key === "Escape") { results.hidden = true; }
});
document.getElementById("search-clear").addEventListener("click", function () { input.value = ""; runSearch(""); });
document.getElementById("fit").addEventListener("click", fitAll);

// ---- filters
var wardSel = document.getElementById("ward-filter");
function applyFilters() {
  var on = {};
  Array.prototype.forEach.call(document.querySelectorAll(".level-filter"), function (c) { on[c.value] = c.checked; });
  var ward = wardSel.value, visible = {}, upd = [], count = 0;
  P.forEach(function (r, i) { if (!r.col) { visible[i] = on[levelKey(r.lv)] && (!ward || r.ward === ward); } });
  P.forEach(function (r, i) {
    var ok = r.col ? on[levelKey(r.lv)] && (!ward || r.ward === ward || (r.par !== undefined && visible[r.par])) : visible[i];
    if (ok) { count++; }
    upd.push({id: i, hidden: !ok});
  });
  nodeSet.update(upd);
  STATUS.setAttribute("data-visible", String(count));
}
Array.prototype.forEach.call(document.querySelectorAll(".level-filter"), function (c) { c.addEventListener("change", applyFilters); });
wardSel.addEventListener("change", applyFilters);

// ---- deep links: #q=TEXT (search), #node=ID (open a record), #ward=W, #hide=f2,none
function fromHash() {
  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var at = kv.indexOf("="); if (at < 0) { return; }
    var k = kv.slice(0, at), v = kv.slice(at + 1);
    try { v = decodeURIComponent(v); } catch (e) { /* a cut-off or hand-typed '%': keep it as typed */ }
    if (k === "q") { input.value = v; runSearch(v); }
    if (k === "node" && byPid[v] !== undefined) { focusNode(byPid[v]); }
    if (k === "ward") { wardSel.value = v; applyFilters(); }
    if (k === "hide") {
      v.split(",").forEach(function (key) { var c = document.querySelector('.level-filter[value="' + key.replace(/[^a-z0-9]/g, "") + '"]'); if (c) { c.checked = false; } });
      applyFilters();
    }
  });
}
fromHash();
window.addEventListener("hashchange", fromHash);
STATUS.setAttribute("data-state", STATUS.getAttribute("data-state") === "drawn" ? "drawn" : "ready");
})();
"""
