"""Maps from the database: the data of ``tracing render`` (a cluster's sơ
đồ cây, contact network or timeline) as :class:`tracing.render.MapData`.

**What is drawn.** ``render ROOT`` draws ROOT's cluster (see
:mod:`tracing.clusters`; a traced person who is not a case belongs to the
cluster of a case up its primary chain). A ROOT in no cluster (a single
case, or a person traced from one) gets the tree from the top of its
primary chain. ``--cluster ID`` draws a cluster, ``--all`` every cluster of
2 or more cases; several choices draw their union.

For the chosen cases the nodes are the cases, every traced person whose
chain root is one of them (their F1, F2… down to the tracing depth, which
the levels already respect) and any person in between on a primary chain.
Edges are primary sources (solid, they make the tree) and the other derived
or recorded sources (dashed). The network layout adds the recorded contacts
among those nodes that are no source (``kind="contact"``: a thin grey line
without arrow, one per pair), and the exposures derived from check-ins with
an infectious case (setting ``venue``).

The data of a map comes from a fixed handful of queries
(:mod:`tracing.store.maps`), however large the cluster.

See :func:`build` for an example.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path

from . import checkins, clusters as _clusters, files
from .errors import InvalidValue, NotFound, TracingError
from .i18n import NP_, _, fmt_date, fmt_int, in_language, language, ngettext
from .people import age_on, no_person, record_day
from .store import maps as sql
from .store.areas import WardGroups

LAYOUTS = ("tree", "network", "timeline")
#: clusters named in a title before "and N more"
TITLE_CLUSTERS = 5

#: words of a map's title (msgctxt "map", translated in the catalog)
_WORDS = {"cluster": NP_("map", "Cluster"), "clusters": NP_("map", "Clusters"), "tree": NP_("map", "Tree from"),
          "more": NP_("map", "and {n} more")}
LANGS = ("vi", "en")


#: what ``render`` writes: an interactive page, or a static drawing (sơ đồ cây to print or paste)
FORMATS = ("html", "svg")


#: the file names ``render`` writes, per format: a name with another extension is refused (a
#: ``map.pdf`` holding a web page would lie about what it is; no PDF reader opens it)
EXTENSIONS = {"html": (".html", ".htm"), "svg": (".svg",)}


def file_format(path, fmt: str | None = None) -> str:
    """The format of the map file: ``fmt`` when given, else from the
    name's extension (``.svg`` -> svg, ``.html``/``.htm`` or none -> html).

    Raises :class:`InvalidValue` naming the extensions render writes when
    the name has another extension (``map.pdf``, ``map.png``), or one of the
    other format (``--format svg -o map.html``): nothing is written.

    >>> file_format("c1.SVG"), file_format("c1.html"), file_format("c1")
    ('svg', 'html', 'html')
    >>> file_format("c1.pdf")
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: -o c1.pdf: render does not write '.pdf' files; name the file .html or .htm (an interactive page) or .svg (a drawing to print or paste), e.g. c1.html
    """
    if fmt is not None and fmt not in FORMATS:
        raise InvalidValue(_("--format: '{fmt}' is not one of {FORMATS}").format(
                               fmt=fmt, FORMATS=', '.join(FORMATS)))
    p = Path(str(path))
    ext = p.suffix.lower()
    if not ext:
        return fmt or "html"
    known = next((f for f, exts in EXTENSIONS.items() if ext in exts), None)
    if known is None:
        raise InvalidValue(_("-o {path}: render does not write '{ext}' files; name the file .html or .htm (an "
                             "interactive page) or .svg (a drawing to print or paste), e.g. {example}").format(
                               path=path, ext=p.suffix, example=p.with_suffix(EXTENSIONS[fmt or "html"][0])))
    if fmt is not None and known != fmt:
        raise InvalidValue(_("-o {path}: --format {fmt} writes {exts} files, not '{ext}'; name the file "
                             "{example}").format(path=path, fmt=fmt, exts=" or ".join(EXTENSIONS[fmt]), ext=p.suffix,
                                                 example=p.with_suffix(EXTENSIONS[fmt][0])))
    return known


def check_output(path, fmt: str = "html") -> list[str]:
    """Refuse an output path that cannot be a new map file: a folder, or a
    file in a folder that does not exist (:func:`file_format` refuses the
    extensions render does not write). Returns warnings (a name without an
    extension: a browser or Word may not know what it is).

    >>> import os, tempfile
    >>> check_output(tempfile.gettempdir())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    tracing.errors.InvalidValue: -o ...: it is a folder; name a file in it, e.g. ...map.html
    >>> check_output(os.path.join(tempfile.mkdtemp(), "x"))[0].endswith("browsers may not open it as a web page")
    True
    """
    text = str(path)
    if not text.strip():
        raise InvalidValue(_("-o: the output file name is empty"))
    p = Path(text)
    if p.is_dir():
        raise InvalidValue(_("-o {value}: it is a folder; name a file in it, e.g. {html}").format(
                               value=p, html=p / 'map.html'))
    folder = p.parent if str(p.parent) else Path(".")
    if not folder.is_dir():
        raise InvalidValue(_("-o {value}: folder {folder} does not exist (create it first)").format(
                               value=p, folder=folder))
    if fmt == "svg" and p.suffix.lower() != ".svg":
        return [_("-o {path}: the name does not end in .svg; Word and browsers may not open it as a drawing")
                .format(path=p)]
    if fmt == "html" and p.suffix.lower() not in (".html", ".htm"):
        return [_("-o {path}: the name does not end in .html; browsers may not open it as a web page").format(path=p)]
    return []


# ------------------------------------------------------------------ choosing

def _norm_cluster(cid) -> str:
    return str(cid).strip().upper()


def _choose(store, roots: list[str], wanted: list[str], all_clusters: bool):
    """``(clusters, tops)``: the cluster records to draw and the persons at
    the top of the primary chain of the ROOTs that are in no cluster."""
    if wanted and not roots and not all_clusters:
        # clusters named by id: read each from its stored cases outwards (work locally), not the district
        local = {}
        for raw in wanted:
            cid = _norm_cluster(raw)
            local[cid] = local.get(cid) or _clusters.one(store, cid)
            if local[cid] is None:
                break
        else:
            return list(local.values()), []
    listing = _clusters.compute(store, min_size=1 if wanted else 2)
    by_id = {c["id"]: c for c in listing}
    of_case = {case: c for c in listing if c["size"] >= 2 for case in c["cases"]}
    chosen: dict[str, dict] = {}
    tops: list[str] = []
    if all_clusters:
        for c in listing:
            if c["size"] >= 2:
                chosen[c["id"]] = c
        if not chosen:
            raise NotFound(_("--all: there is no cluster of 2 or more cases yet (see `tracing clusters`)"))
    for raw in wanted:
        cid = _norm_cluster(raw)
        if cid in by_id:
            chosen.setdefault(cid, by_id[cid])
            continue
        known = _clusters.sql.cluster_ids(store).get(cid)
        if known and known["merged_into"]:
            raise NotFound(_("--cluster {cid}: it was merged into {merged_into} on {merged_at}; draw --cluster "
                             "{merged_into}").format(
                               cid=cid, merged_into=known['merged_into'], merged_at=known['merged_at']))
        raise NotFound(_("--cluster {cid}: no such cluster (see `tracing clusters`)").format(cid=cid))
    for root in roots:
        if store.get_person(root) is None:
            raise no_person(root, hint="find")
        chain = sql.primary_chain(store, root)
        found = next((of_case[p] for p in chain if p in of_case), None)
        if found is not None:
            chosen.setdefault(found["id"], found)
            continue
        traced, _src = sql.primary_source(store, root)
        if not traced and store.get_case(root) is None and not sql.children(store, [root]):
            raise InvalidValue(_("{root} is neither a case nor traced (no F level): nothing to draw (see "
                                 "`tracing status {root}`)").format(root=root))
        if chain[-1] not in tops:
            tops.append(chain[-1])
    return list(chosen.values()), tops


# ------------------------------------------------------------------ building

def _age(row: dict):
    """The person's age at their record's day (a case's confirmation, else
    onset; a traced person's exposure): :func:`tracing.people.age_on`."""
    return age_on(row, record_day(row, confirmed=row["confirmed"], onset=row["onset"], exposure=row["exposure"]))


def _node(MapNode, row: dict, sources: list[str], wards=None):
    """The node of ``row``; its ward is the ward's group name (``wards``:
    :class:`tracing.store.areas.WardGroups`: ``Phường 1, Quận 3`` when that
    name is in several districts), as ``level`` and ``report`` name it."""
    is_case = bool(row["is_case"])
    age = _age(row)
    level = row["level"]
    if is_case:
        level = 0
    return MapNode(row["id"], row["name"], level, is_case=is_case, unknown_source=bool(row["unknown_source"]),
                   ward=wards.label(row["district"], row["ward"]) if wards else row["ward"], unit=row["unit"], onset=row["onset"], confirmed=row["confirmed"],
                   exposure=None if is_case and not row["exposure"] else row["exposure"],
                   sources=sources, primary_source=row["primary_source"], phone=row["phone"],
                   national_id=row["national_id"], address=row["address"],
                   age=None if age is None else age.years, age_typed_on=None if age is None else age.typed_on)


def _rows(store, chosen: list[dict], tops: list[str]) -> dict[str, dict]:
    """Node rows by id: the chosen cases and their traced persons, the
    subtrees under the chain tops, and the persons in between."""
    case_seed = {c for cl in chosen for c in cl["cases"]}
    rows: dict[str, dict] = {}
    top_rows = {r["id"]: r for r in sql.nodes(store, tops)} if tops else {}
    case_seed |= {t for t, r in top_rows.items() if r["is_case"]}
    if case_seed:
        for r in sql.nodes_of_cases(store, case_seed):
            rows[r["id"]] = r
    # a chain top that is not a case (bad or partial data): its subtree, one query per generation
    frontier = [t for t, r in top_rows.items() if not r["is_case"]]
    for t in frontier:
        rows.setdefault(t, top_rows[t])
    while frontier:
        kids = [k for k in sql.children(store, frontier) if k not in rows]
        new = sql.nodes(store, kids)
        for r in new:
            rows[r["id"]] = r
        frontier = [r["id"] for r in new]
    # persons in between: primary sources up the chain that are not drawn yet
    missing = {r["primary_source"] for r in rows.values() if r["primary_source"] and r["primary_source"] not in rows}
    for _round in range(100):
        if not missing:
            break
        new = sql.nodes(store, missing)
        for r in new:
            rows[r["id"]] = r
        missing = {r["primary_source"] for r in new if r["primary_source"] and r["primary_source"] not in rows}
    return rows


def _title(chosen: list[dict], tops: list[str], rows: dict[str, dict], lang: str) -> str:
    with in_language(lang):
        w = {key: _(msg) for key, msg in _WORDS.items()}
        return _title_in(chosen, tops, rows, w)


def _title_in(chosen, tops, rows, w) -> str:
    parts = []
    if chosen:
        ids = [c["id"] for c in chosen]
        shown = ", ".join(ids[:TITLE_CLUSTERS])
        if len(ids) > TITLE_CLUSTERS:
            shown += " " + w["more"].format(n=len(ids) - TITLE_CLUSTERS)
        parts.append(f"{w['cluster'] if len(ids) == 1 else w['clusters']} {shown}")
    if tops:
        parts.append(f"{w['tree']} {', '.join(tops)}")
    title = " + ".join(parts)
    dates = sorted(r["confirmed"] for r in rows.values() if r["confirmed"])
    if dates:
        first, last = fmt_date(dates[0]), fmt_date(dates[-1])
        title += " · " + (first if first == last else f"{first} – {last}")
    return title


def build(store, *, roots: Iterable[str] = (), cluster=None, all_clusters: bool = False,
          layout: str = "tree", lang: str | None = None):
    """The map of ROOTs' clusters, of ``cluster`` (an id or a list of ids)
    and with ``all_clusters`` of every cluster of 2 or more cases, as
    ``(MapData, info)`` where ``info`` is ``{"clusters": [id], "tops": [id],
    "of_node": {node id: cluster id or None}}``.

    >>> import os, tempfile
    >>> from tracing.store import Store
    >>> from tracing import cases, encounters, people
    >>> os.environ["TRACING_TODAY"] = "2021-05-08"
    >>> store = Store.open(os.path.join(tempfile.mkdtemp(), "t.db"), create=True)
    >>> with store.write("example"):
    ...     for pid, name in (("A", "Nguyễn Văn An"), ("B", "Trần Thị Bình"), ("C", "Lê Văn Cường")):
    ...         _ = people.add_person(store, {"id": pid, "name": name})
    ...     _ = encounters.add_contact(store, {"a": "A", "b": "B", "date": "2021-05-03"})
    ...     _ = encounters.add_contact(store, {"a": "B", "b": "C", "date": "2021-05-04"})
    ...     _ = cases.confirm(store, {"id": "A", "confirmed": "2021-05-05"})
    ...     _ = cases.confirm(store, {"id": "B", "confirmed": "2021-05-07", "onset": "2021-05-05"})
    >>> data, info = build(store, roots=["C"], lang="en")
    >>> data.title, info["clusters"], sorted((e.source, e.target, e.primary) for e in data.edges)
    ('Cluster C1 · 2021-05-05 – 2021-05-07', ['C1'], [('A', 'B', True), ('B', 'C', True)])
    >>> [(n.id, n.level, n.is_case) for n in build(store, cluster="c1")[0].nodes]
    [('A', 0, True), ('B', 0, True), ('C', 1, False)]
    """
    from .render import MapData, MapEdge, MapNode

    if layout not in LAYOUTS:
        raise InvalidValue(_("--layout: '{layout}' is not one of {LAYOUTS}").format(
                               layout=layout, LAYOUTS=', '.join(LAYOUTS)))
    lang = lang or language()  # the global --lang / $TRACING_LANG / locale
    if lang not in LANGS:
        raise InvalidValue(_("--lang: '{lang}' is not one of {_WORDS}").format(
                               lang=lang, _WORDS=', '.join(LANGS)))
    roots = [str(r).strip() for r in roots]
    wanted = [cluster] if isinstance(cluster, str) else list(cluster or [])
    if not roots and not wanted and not all_clusters:
        raise InvalidValue(_("nothing to draw: give a ROOT person, --cluster ID or --all"))
    chosen, tops = _choose(store, roots, wanted, all_clusters)
    rows = _rows(store, chosen, tops)
    ids = set(rows)

    # sources: one (person, source) edge each, dated when any record is dated
    src_date: dict[tuple[str, str], str | None] = {}
    node_sources: dict[str, set[str]] = {}
    for person, source, date in sql.sources(store, ids):
        node_sources.setdefault(person, set()).add(source)
        key = (person, source)
        if key not in src_date or (date and not src_date[key]):
            src_date[key] = date
    pairs = sql.contacts_among(store, ids)
    # and the exposures derived from check-ins with an infectious case (DOMAIN.md 'QR check-ins'):
    # a source known only through them is a venue, and the network shows them like contacts
    cases = [p for p, r in rows.items() if r["is_case"]]
    derived = [(min(e.source, e.other), max(e.source, e.other), e.date, e.setting)
               for e in checkins.infectious_exposures(store, store.rules(), cases) if e.other in ids]
    if derived:
        pairs = sorted(pairs + derived, key=lambda r: (r[0], r[1], r[2] is None, r[2] or "", r[3] or ""))
    setting_of: dict[tuple[str, str], dict] = {}
    for a, b, date, setting in pairs:
        setting_of.setdefault((a, b), {}).setdefault(date, setting)
        setting_of[(a, b)].setdefault("first", setting)

    def setting(x: str, y: str, date) -> str | None:
        found = setting_of.get((x, y) if x < y else (y, x))
        if not found:
            return None
        return found.get(date) or found["first"]

    nodes = []
    edges = []
    linked: set[tuple[str, str]] = set()
    wards = WardGroups.of(store) if any(r["ward"] for r in rows.values()) else None
    for pid in sorted(rows):
        r = rows[pid]
        srcs = node_sources.get(pid)
        primary = r["primary_source"]
        if not srcs:
            ordered = [primary] if primary else []
        elif len(srcs) == 1 and primary in srcs:
            ordered = [primary]
        else:
            ordered = ([primary] if primary else []) + sorted(srcs - {primary})
        nodes.append(_node(MapNode, r, ordered, wards))
        for s in ordered:
            if s not in ids or s == pid:
                continue
            # the exposure between these two persons, else none (never the first
            # exposure to another source: a linked source keeps its own date)
            date = src_date.get((pid, s))
            edges.append(MapEdge(s, pid, primary=(s == primary), date=date, setting=setting(s, pid, date)))
            linked.add((s, pid) if s < pid else (pid, s))
    if layout == "network":
        seen: set[tuple[str, str]] = set()
        for a, b, date, setting_ in pairs:
            if (a, b) in linked or (a, b) in seen:
                continue
            seen.add((a, b))
            edges.append(MapEdge(a, b, date=date, setting=setting_, kind="contact"))

    map_roots = []
    for c in chosen:
        map_roots += [r for r in c["roots"] if r in ids and r not in map_roots]
    map_roots += [t for t in tops if t in ids and t not in map_roots]
    cluster_of_case = {case: c["id"] for c in chosen for case in c["cases"]}
    of_node = {pid: cluster_of_case.get(pid) or cluster_of_case.get(r["chain_case"]) for pid, r in rows.items()}
    info = {"clusters": [c["id"] for c in chosen], "tops": tops, "of_node": of_node,
            "sizes": {c["id"]: c["size"] for c in chosen}}
    return MapData(nodes, edges, _title(chosen, tops, rows, lang), map_roots), info


def _too_big(info: dict, nodes: int, max_nodes: int) -> TracingError:
    counts: dict[str, int] = {}
    for cid in info["of_node"].values():
        if cid:
            counts[cid] = counts.get(cid, 0) + 1
    biggest = sorted(counts, key=lambda c: (-counts[c], int(c[1:]) if c[1:].isdigit() else 0, c))[:5]
    listing = ", ".join(_("{cluster} ({cases} cases, {persons} persons)").format(
        cluster=c, cases=info['sizes'][c], persons=counts[c]) for c in biggest)
    return TracingError(
        ngettext("--all: {clusters} cluster with {nodes} persons does not fit in --max-nodes {max_nodes} even folded "
                 "per branch and generation; the largest: {listing}; draw one with `--cluster {biggest}` or raise "
                 "--max-nodes",
                 "--all: {clusters} clusters with {nodes} persons do not fit in --max-nodes {max_nodes} even folded "
                 "per branch and generation; the largest: {listing}; draw one with `--cluster {biggest}` or raise "
                 "--max-nodes", len(info['clusters'])).format(
            clusters=fmt_int(len(info['clusters'])), nodes=nodes, max_nodes=max_nodes, listing=listing, biggest=biggest[0]))


def render_to_file(store, *, roots: Iterable[str] = (), cluster=None, all_clusters: bool = False,
                   layout: str = "tree", lang: str | None = None, redact: bool = False, max_nodes: int = 2000,
                   path, progress: Callable[[str], None] | None = None, fmt: str | None = None) -> dict:
    """Build the map (see :func:`build`), render it as an HTML page or, with
    ``fmt="svg"`` (or a path ending in ``.svg``), a static SVG drawing, and
    write it to ``path`` (atomically, UTF-8). Returns ``{"file", "format",
    "nodes" (drawn, count nodes included), "hidden" (persons folded into
    count nodes), "persons", "layout", "cluster" (the id when one cluster is
    drawn, else None), "clusters", "warnings", "sheets" (an SVG tree of
    several sheets: one file per sheet, ``NAME-1.svg``…; else empty),
    "seconds"}``. Nothing is
    written on error.
    """
    from . import render

    started = time.perf_counter()
    files.refuse_database(path, option="-o")  # before the name's extension: the plainer reason
    fmt = file_format(path, fmt)
    warnings = check_output(path, fmt)
    if not isinstance(max_nodes, int) or isinstance(max_nodes, bool) or max_nodes < 1:
        raise InvalidValue(_("--max-nodes: {max_nodes!r} must be a whole number >= 1").format(max_nodes=max_nodes))
    lang = lang or language()
    data, info = build(store, roots=roots, cluster=cluster, all_clusters=all_clusters, layout=layout, lang=lang)
    if progress:
        progress(_("Drawing {n} persons…").format(n=fmt_int(len(data.nodes))))
    try:
        shown, hidden = render.collapse(data, max_nodes)
    except TracingError:
        if all_clusters:
            raise _too_big(info, len(data.nodes), max_nodes) from None
        raise
    redactor = None
    if redact:
        from .privacy import Redactor
        redactor = Redactor.of(store)
    parts: list[str] = []
    if fmt == "svg" and layout in render.BOOK_LAYOUTS:  # laid out once: the file and, when several, one per sheet
        drawn, parts = render.render_svg_book(data, layout=layout, lang=lang, redact=redactor, max_nodes=max_nodes)
    else:
        draw = render.render_svg if fmt == "svg" else render.render_html
        drawn = draw(data, layout=layout, lang=lang, redact=redactor, max_nodes=max_nodes)
    if fmt == "svg" and layout not in render.BOOK_LAYOUTS and (small := render.svg_print_warning(drawn)):
        warnings.append(_("{path}: {warning}").format(path=path, warning=small))
    render.write_html(drawn, path)
    sheets: list[str] = []
    if len(parts) > 1:  # a tree or timeline of several sheets: one file per sheet too, to paste each
        stem = Path(path)
        for k, part in enumerate(parts, 1):
            sheet_path = stem.with_name(f"{stem.stem}-{k}{stem.suffix or '.svg'}")
            render.write_html(part, sheet_path)
            sheets.append(str(sheet_path))
        said = (_("{path}: the tree takes {n} sheets at print size (7.5 pt); each is also in its own "
                  "file to paste: {file_one} … {file_end}") if layout == "tree" else
                _("{path}: the timeline takes {n} sheets at print size (6.75 pt and larger); each is also in "
                  "its own file to paste: {file_one} … {file_end}"))
        warnings.append(said.format(path=path, n=fmt_int(len(parts)), file_one=sheets[0], file_end=sheets[-1]))
    # an earlier render's further sheets (maybe not redacted) never stay beside this one
    from .files import drop_stale_sheets
    removed, kept = drop_stale_sheets(path, len(sheets)) if fmt == "svg" else ([], [])
    if removed:
        warnings.append(_("{path}: removed {n} sheet files of an earlier render ({file} …)").format(
            path=path, n=fmt_int(len(removed)), file=removed[0]))
    for other in kept:
        warnings.append(_("{path}: {other} is not a sheet of this render (not an SVG file of this tool): left "
                          "as it is").format(path=path, other=other))
    ids = info["clusters"]
    return {"file": str(path), "format": fmt, "nodes": len(shown.nodes), "hidden": hidden, "persons": len(data.nodes),
            "layout": layout, "cluster": ids[0] if len(ids) == 1 and not info["tops"] else None,
            "clusters": ids, "warnings": warnings, "sheets": sheets, "seconds": round(time.perf_counter() - started, 3)}
