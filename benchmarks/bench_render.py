"""Render time of the HTML maps against pyvis' own path, and (``--browser``)
how long a page takes to be interactive in headless chromium.

    python benchmarks/bench_render.py [--sizes 2000,20000] [--limit 120]
    python benchmarks/bench_render.py --browser [--sizes 10000]

Builds synthetic outbreak trees (fixed seed), times ``render_html`` +
``write_html`` and the same graph through pyvis ``Network.from_nx`` +
``write_html``, and prints a table with the ratio. ``from_nx`` is quadratic:
a size whose estimated time (from the smaller runs) exceeds ``--limit``
seconds is skipped, and the table says so.

``--browser`` (issue 16, target: 10,000 persons interactive within 3 s, the
SVG written within 3 s): for each size and two clusters of that size, the
5-root tree of :func:`synthetic` and the line-list shape of :func:`many_roots`
(1,230 F0 of unknown source in 10,000), the tree, timeline and network pages
at the default ``--max-nodes`` (2,000 drawn on opening, the rest folded in the
page, up to 10,000 persons) and with every person drawn (up to 20,000), and
pyvis' page of the same graph (up to 20,000), each opened in one headless
chromium at 1400×900: seconds from navigation to the page's script having
run and the next frame painted (the page answers clicks from then on; for
pyvis: its load event and first frame, its physics still running after), and
the seconds to write ``--format svg``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tracing.render import MapData, MapEdge, MapNode, render_html, write_html  # noqa: E402

START = dt.date(2021, 11, 1)
#: the two clusters of ``--browser``: :func:`synthetic` and :func:`many_roots`
SHAPES = ("5 roots", "many roots")


def synthetic(n: int, seed: int = 20210501) -> MapData:
    """A random outbreak tree of n persons: 5 roots, each person exposed by
    an earlier one, levels down to F4, 3 % second sources."""
    rnd = random.Random(seed)
    nodes = [MapNode(f"R{i}", f"Ca gốc {i}", 0, is_case=True, confirmed="2021-05-01", ward=f"P{i % 7}") for i in range(5)]
    edges = []
    for i in range(5, n):
        parent = nodes[rnd.randrange(max(0, len(nodes) - 500), len(nodes))] if rnd.random() < 0.8 \
            else nodes[rnd.randrange(len(nodes))]
        level = min((parent.level or 0) + 1, 4) if parent.level is not None else None
        node = MapNode(f"N{i}", f"Người {i}", level, ward=f"P{i % 7}", exposure=f"2021-05-{1 + i % 28:02d}",
                       sources=[parent.id], primary_source=parent.id)
        nodes.append(node)
        edges.append(MapEdge(parent.id, node.id))
        if rnd.random() < 0.03:
            other = nodes[rnd.randrange(len(nodes) - 1)]
            if other.id != parent.id:
                edges.append(MapEdge(other.id, node.id, primary=False))
    return MapData(nodes, edges, f"Synthetic outbreak of {n}", [f"R{i}" for i in range(5)])


def many_roots(n: int, seed: int = 20211101) -> MapData:
    """A cluster of n persons shaped as a real line list gives one (the tester's
    13,893-person cluster of issue 16 point 5, scaled): 12.3 % of the persons are
    F0 of unknown source (1,230 of 10,000), linked into one cluster through shared
    contacts (each root's branch to an earlier one, as a second source, and 5 %
    of the traced persons have a second source in another branch);
    4 roots carry big branches (30 % of the persons, cases under cases down to F2),
    the other roots small ones (0-4 F1, some with F2, now and then an F1 that
    turned F0). Same n and seed, same map."""
    rnd = random.Random(seed)
    day = lambda k: (START + dt.timedelta(days=k)).isoformat()  # noqa: E731

    n_roots = max(1, round(n * 0.123))
    confirmed = sorted(rnd.randrange(42) for _ in range(n_roots))
    nodes = [MapNode(f"R{i:05d}", f"Ca {i}", 0, is_case=True, unknown_source=True, confirmed=day(c),
                     ward=f"P{rnd.randrange(14)}") for i, c in enumerate(confirmed)]
    edges: list[MapEdge] = []
    when = {x.id: c for x, c in zip(nodes, confirmed)}

    def child(parent: MapNode, level: int) -> MapNode:
        k = len(nodes)
        exp = max(0, when[parent.id] - rnd.randint(0, 3))
        case = level == 1 and rnd.random() < 0.12  # an F1 that turned positive: F0 under its source
        node = MapNode(f"N{k:05d}", f"Người {k}", 0 if case else level, is_case=case, exposure=day(exp),
                       confirmed=day(min(41, exp + 4)) if case else None, ward=parent.ward if rnd.random() < 0.7
                       else f"P{rnd.randrange(14)}", sources=[parent.id], primary_source=parent.id)
        when[node.id] = min(41, exp + 4)
        nodes.append(node)
        edges.append(MapEdge(parent.id, node.id, date=day(exp)))
        return node

    def grow(root: MapNode, budget: int, f1: tuple[int, int], f2: tuple[int, int]) -> None:
        queue, made = [root], 0
        while queue and made < budget and len(nodes) < n:
            src = queue.pop(0)
            if src.level != 0:
                continue
            for _ in range(rnd.randint(*f1)):
                if made >= budget or len(nodes) >= n:
                    break
                a = child(src, 1)
                made += 1
                if a.level == 0:
                    queue.append(a)
                    continue
                for _ in range(rnd.randint(*f2)):
                    if made >= budget or len(nodes) >= n:
                        break
                    child(a, 2)
                    made += 1

    big = n * 30 // 100
    bigs = sorted({r * n_roots // 4 for r in range(4)})
    for r in bigs:  # a few big branches
        grow(nodes[r], big // 4, (5, 12), (0, 4))
    small = [x for i, x in enumerate(nodes[:n_roots]) if i not in bigs] or nodes[:1]
    while len(nodes) < n:  # many small ones, until n persons
        for root in small:
            if len(nodes) >= n:
                break
            grow(root, rnd.choice([0, 1, 2, 3, 5, 8]), (0, 4), (0, 2) if rnd.random() < 0.4 else (0, 0))
    branch: dict[str, int] = {x.id: k for k, x in enumerate(nodes[:n_roots])}
    members: list[list[MapNode]] = [[x] for x in nodes[:n_roots]]
    for x in nodes[n_roots:]:
        branch[x.id] = branch[x.primary_source]
        members[branch[x.id]].append(x)

    def link(source: MapNode, person: MapNode) -> None:
        person.sources.append(source.id)
        edges.append(MapEdge(source.id, person.id, primary=False, date=person.exposure))

    # one cluster: every root's branch shares a contact with an earlier branch (a person of one exposed by
    # a case or F1 of the other, one generation up), and 5 % more second sources across branches
    for k in range(1, n_roots):
        earlier = members[rnd.randrange(k)]
        mine = [x for x in members[k] if x.level]
        up = [x for x in earlier if x.level == 0]
        if mine:
            person = rnd.choice(mine)
            link(rnd.choice(up if person.level == 1 else up + [x for x in earlier if x.level == 1]), person)
        else:  # a root alone: a traced person of an earlier branch (the first, a big one, if none) met it too
            traced = [x for x in earlier if x.level] or [x for x in members[0] if x.level]
            link(members[k][0], rnd.choice(traced))
    for x in nodes[n_roots:]:
        other = nodes[rnd.randrange(len(nodes))]
        if rnd.random() < 0.05 and branch[other.id] != branch[x.id] and other.level < max(x.level, 1):
            link(other, x)
    return MapData(nodes, edges, f"Many roots: {n} persons, {n_roots} F0 of unknown source",
                   [x.id for x in nodes[:n_roots]])


def many_roots_db(path: str, n: int) -> dict:
    """A NEW SQLite database holding :func:`many_roots` ``n`` as a line list gives
    it: its persons, its cases (the F0, with their sources) and a contact per
    edge dated inside the source's infectious window; levels derived by the
    rules (``levels.rederive_all``), clusters computed."""
    from tracing import clusters, levels
    from tracing.store import Store, bulk

    data = many_roots(n)
    by_id = {x.id: x for x in data.nodes}

    def contact_day(source: MapNode) -> str:  # a case: the day before its confirmation; an F1: its exposure
        if source.level == 0:
            return (dt.date.fromisoformat(source.confirmed) - dt.timedelta(days=1)).isoformat()
        return source.exposure

    store = Store.open(path, create=True)
    with store.write("bench render many roots"):
        bulk.bulk_persons(store, [{"id": x.id, "name": x.name, "ward": x.ward} for x in data.nodes])
        bulk.bulk_contacts(store, [{"a": e.source, "b": e.target, "date": contact_day(by_id[e.source]),
                                    "setting": "household"} for e in data.edges])
        bulk.bulk_cases(store, [{"person": x.id, "confirmed": x.confirmed, "isolated": x.confirmed,
                                 "unknown_source": int(x.unknown_source),
                                 "sources": [s for s in x.sources if by_id[s].level == 0]}
                                for x in data.nodes if x.level == 0])
        levels.rederive_all(store)
    with store.write("bench render clusters"):
        found = clusters.compute(store)
    counts = store.counts()
    store.close()
    return {"counts": counts, "cluster": found[0]["id"], "size": found[0]["size"]}


def time_cli(n: int, runs: int = 3) -> int:
    """``tracing render --cluster`` as a whole process on :func:`many_roots_db`
    (wall and CPU of the child, each run, and the median)."""
    import resource
    import statistics
    import subprocess

    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        db = str(Path(tmp) / "many.db")
        made = many_roots_db(db, n)
        print(f"database: {made}", file=sys.stderr)
        env = {**os.environ, "TRACING_DB": db, "PYTHONPATH": str(ROOT), "TRACING_TODAY": "2021-12-31"}
        for layout, fmt in (("tree", "html"), ("timeline", "html"), ("tree", "svg"), ("network", "html"),
                            ("network", "svg")):
            walls, cpus = [], []
            for _ in range(runs):
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                t0 = time.perf_counter()
                proc = subprocess.run([sys.executable, "-m", "cli.main", "render", "--cluster", made["cluster"],
                                       "--layout", layout, "-o", str(Path(tmp) / f"map.{fmt}")],
                                      capture_output=True, text=True, env=env, cwd=str(ROOT))
                walls.append(time.perf_counter() - t0)
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                if proc.returncode:
                    raise SystemExit(f"render failed: {proc.stderr}")
            print(f"tracing render --cluster {made['cluster']} ({made['size']} cases) --layout {layout} -o map.{fmt}: "
                  f"wall {' '.join(f'{w:.2f}' for w in walls)} (median {statistics.median(walls):.2f}), "
                  f"CPU {' '.join(f'{c:.2f}' for c in cpus)} (median {statistics.median(cpus):.2f})", flush=True)
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


def time_ours(data: MapData, folder: Path, layout: str) -> float:
    start = time.perf_counter()
    write_html(render_html(data, layout=layout), folder / f"ours-{layout}-{len(data.nodes)}.html")
    return time.perf_counter() - start


def time_pyvis(data: MapData, folder: Path, out: Path | None = None) -> float:
    """pyvis ``from_nx`` + ``write_html`` on the same graph (the naive way)."""
    import networkx as nx
    from pyvis.network import Network

    g = nx.DiGraph()
    for n in data.nodes:
        g.add_node(n.id, label=n.name or n.id, title=n.name or n.id)
    for e in data.edges:
        g.add_edge(e.source, e.target)
    start = time.perf_counter()
    net = Network(directed=True, cdn_resources="in_line")
    net.from_nx(g)
    net.write_html(str(out or folder / f"pyvis-{len(data.nodes)}.html"))
    return time.perf_counter() - start


#: a double requestAnimationFrame: resolves once the next frame after the page's script has been painted
PAINTED = "new Promise(function (r) { requestAnimationFrame(function () { requestAnimationFrame(function () { r(1); }); }); })"


def time_browser(page, path: Path) -> float:
    """Seconds from navigation to a painted, interactive page."""
    start = time.perf_counter()
    page.open(path)
    page.eval(PAINTED)
    return time.perf_counter() - start


def browser_table(sizes: list[int]) -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from browser import Page
    from tabulate import tabulate

    from tracing.render import render_svg

    rows, pyvis_rows = [], []
    with tempfile.TemporaryDirectory() as tmp, Page(timeout=120) as page:
        folder = Path(tmp)
        render_html(synthetic(10), layout="tree")
        for n, (shape, make) in ((n, shape) for n in sizes for shape in zip(SHAPES, (synthetic, many_roots))):
            data = make(n)
            # every person drawn: up to 20,000 (the page of 100,000 all drawn would be 110 MB)
            variants = ([(2000, "default (2,000 drawn)")] if n > 2000 else []) + ([(n, "all drawn")] if n <= 20000 else [])
            for layout in ("tree", "timeline", "network"):
                for max_nodes, label in variants:
                    html_path = folder / f"{shape[0]}-{layout}-{n}-{max_nodes}.html"
                    t0, c0 = time.perf_counter(), time.process_time()
                    write_html(render_html(data, layout=layout, max_nodes=max_nodes), html_path)
                    html_s, html_cpu = time.perf_counter() - t0, time.process_time() - c0
                    t0, c0 = time.perf_counter(), time.process_time()
                    write_html(render_svg(data, layout=layout, max_nodes=max_nodes), folder / "map.svg")
                    svg_s, svg_cpu = time.perf_counter() - t0, time.process_time() - c0
                    open_s = time_browser(page, html_path)
                    # drawn on opening (persons and count nodes) / held in the page (the rest unfolds in place)
                    drawn = page.eval("window.tracingMap.positions().filter(function (p) { return p; }).length + "
                                      "window.tracingMap.countNodes().length")
                    held = page.eval("+document.getElementById('render-status').getAttribute('data-nodes')")
                    rows.append([n, shape, f"ours {layout}", label, f"{drawn} / {held}", f"{html_s:.2f} ({html_cpu:.2f})",
                                 f"{open_s:.2f}", f"{svg_s:.2f} ({svg_cpu:.2f})", f"{html_path.stat().st_size / 1e6:.1f}"])
            if n > 20000:
                continue  # pyvis: its page of 10,000 already does not answer within the timeout
            pyvis_path = folder / f"pyvis-{shape[0]}-{n}.html"
            c0 = time.process_time()
            write_s = time_pyvis(data, folder, pyvis_path)
            write_s = f"{write_s:.2f} ({time.process_time() - c0:.2f})"
            pyvis_rows.append((n, shape, write_s, pyvis_path))
        # pyvis last: its page may not answer within the timeout (physics on 10,000 nodes)
        busy = False
        for n, shape, write_s, pyvis_path in pyvis_rows:
            if busy:  # the browser is still busy with the last one: no fair figure for this one
                open_s = "-"
            else:
                try:
                    open_s = f"{time_browser(page, pyvis_path):.2f}"
                except TimeoutError:
                    open_s, busy = f"> {page.timeout:.0f}", True
            rows.append([n, shape, "pyvis from_nx", "all drawn, physics on", n, write_s, open_s, "-",
                         f"{pyvis_path.stat().st_size / 1e6:.1f}"])
    print(tabulate(rows, headers=["persons", "shape", "page", "nodes", "drawn / in page", "write s (CPU)", "open->interactive s",
                                  "svg write s (CPU)", "MB"]))
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--limit", type=float, default=120.0, help="skip from_nx when its estimate exceeds this (s)")
    ap.add_argument("--browser", action="store_true", help="time the pages in headless chromium (issue 16)")
    ap.add_argument("--cli", action="store_true",
                    help="time `tracing render` as a whole process on the many-roots cluster in a database")
    args = ap.parse_args(argv)
    if args.cli:
        return time_cli(int(args.sizes.split(",")[0]))
    if args.browser:
        return browser_table([int(s) for s in args.sizes.split(",")])
    sizes = [int(s) for s in args.sizes.split(",")]
    from tabulate import tabulate

    rows = []
    known: tuple[int, float] | None = None  # (size, seconds) of the last pyvis run
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        render_html(synthetic(10), layout="tree")  # warm up: read the vis-network files once
        for n in sorted(sizes):
            data = synthetic(n)
            ours = {lay: time_ours(data, folder, lay) for lay in ("tree", "network", "timeline")}
            estimate = known[1] * (n / known[0]) ** 2 if known else None
            if estimate is not None and estimate > args.limit:
                theirs, note = None, f"skipped: estimated {estimate:.0f} s > {args.limit:.0f} s (quadratic)"
            else:
                theirs = time_pyvis(data, folder)
                known = (n, theirs)
                note = "all nodes drawn" if n <= 2000 else "pyvis draws all nodes, ours collapsed to 2,000"
            rows.append([n, f"{ours['tree']:.2f}", f"{ours['network']:.2f}", f"{ours['timeline']:.2f}",
                         "-" if theirs is None else f"{theirs:.2f}",
                         "-" if theirs is None else f"{theirs / ours['tree']:.1f}x", note])
    print(tabulate(rows, headers=["persons", "tree s", "network s", "timeline s", "pyvis from_nx s",
                                  "pyvis / tree", "note"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
