"""The benchmark table (issue 8.2): every step as a whole process, against the naive way.

    python benchmarks/run.py --scale 10k        # ~1 minute
    python benchmarks/run.py --scale 100k       # ~10 minutes (100,000 persons, ~1M contacts)
    python benchmarks/run.py --scale 1m --repeat 1 --import-repeat 1   # ~1 hour, no naive runs

1. the synthetic district (tracing.synthetic, seed 2021) is written as CSV
   files into /tmp/bench-<scale>/csv (kept for reruns);
2. import: ``tracing import persons|contacts|checkins|populations|cases``
   into a fresh /tmp/bench-<scale>/run.db (time = the five processes summed,
   peak = the largest);
3. on that database, each as the ``tracing`` command a user runs
   (``tracing --db DB ...``): confirm (PA1, ``--dry-run``), PA2 candidates
   (``case confirm --unknown-source --dry-run``), status, tree, clusters,
   report, render (one cluster's tree; the library when the CLI has no
   ``render`` command yet);
4. the naive way of each step, also a whole process
   (``python benchmarks/common.py naive STEP ...``): every contact loaded into
   networkx, breadth-first walks with the time windows, pyvis ``from_nx``.

Median of ``--repeat`` runs (import: ``--import-repeat``); peak = highest
RSS of the runs. Prints ONE table; ``--json FILE`` also writes the figures.
Targets (100k): interactive commands <= 0.3 s, district-wide <= 3 s;
1m: every command within 4 GB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
IMPORT_ORDER = ("persons", "contacts", "checkins", "populations", "cases")
INTERACTIVE, DISTRICT = 0.3, 3.0
MEMORY_MB = 4096

RENDER_LIB = r"""
import sys
sys.path.insert(0, sys.argv[4])
from tracing import tree
from tracing.render import MapData, MapEdge, MapNode, render_html, write_html
from tracing.store import Store
from tracing.levels import parse_level
store = Store.open(sys.argv[1])
t = tree.build(store, sys.argv[2])
nodes, edges = [], []
def walk(n, parent):
    level = parse_level(n["level"]) if n["level"] else None
    nodes.append(MapNode(n["id"], n["name"], level, is_case=level == 0, exposure=n["date"],
                         sources=n["sources"], primary_source=parent))
    if parent:
        edges.append(MapEdge(parent, n["id"]))
    for k in n["children"]:
        walk(k, n["id"])
walk(t, None)
write_html(render_html(MapData(nodes, edges, sys.argv[2], [sys.argv[2]]), layout="tree"), sys.argv[3])
print(len(nodes))
"""


def ensure_csv(folder: str, persons: int) -> dict:
    marker = os.path.join(folder, "counts.json")
    if os.path.exists(marker):
        with open(marker) as fh:
            return json.load(fh)
    from tracing.synthetic import generate, write_csv_dir

    t0 = time.perf_counter()
    district = generate(persons, seed=common.SEED)
    counts = write_csv_dir(district, folder)
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    counts["today"] = common.today_for(district.end)
    with open(marker, "w") as fh:
        json.dump(counts, fh)
    return counts


def import_all(db: str, folder: str, env: dict) -> tuple[float, float, dict]:
    common.remove_db(db)
    total, cpu, peak, parts = 0.0, 0.0, 0.0, {}
    for kind in IMPORT_ORDER:
        t, p, _, c = common.run_process(
            common.tracing_cmd(db, "import", kind, os.path.join(folder, f"{kind}.csv"), "--format", "json"), env)
        total += t
        cpu += c
        peak = max(peak, p)
        parts[kind] = (t, p)
    return total, peak, parts, cpu


def has_render_cli(db: str, env: dict) -> bool:
    import subprocess
    return subprocess.run(common.tracing_cmd(db, "render", "--help"), env=env, capture_output=True).returncode == 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", choices=sorted(SCALES), default="10k")
    ap.add_argument("--repeat", type=int, default=3, help="runs per step (median)")
    ap.add_argument("--import-repeat", type=int, default=None, help="import runs (default: --repeat)")
    ap.add_argument("--naive-repeat", type=int, default=None, help="naive runs per step (default: --repeat)")
    ap.add_argument("--no-naive", action="store_true", help="skip the naive networkx runs")
    ap.add_argument("--reuse-db", action="store_true", help="keep run.db from an earlier import (no import step)")
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE (every process compiles every module again)")
    ap.add_argument("--json", help="also write the figures to this file")
    args = ap.parse_args(argv)
    persons = SCALES[args.scale]
    work = f"/tmp/bench-{args.scale}"
    folder = os.path.join(work, "csv")
    db = os.path.join(work, "run.db")
    os.makedirs(work, exist_ok=True)
    import_repeat = args.import_repeat or args.repeat
    naive_repeat = args.naive_repeat or args.repeat
    naive_on = not args.no_naive and args.scale != "1m"

    info = common.machine()
    load_before = common.load()
    t0 = time.perf_counter()
    counts = ensure_csv(folder, persons)
    gen_note = f"generated in {time.perf_counter() - t0:.1f} s" if time.perf_counter() - t0 > 1 else "reused"
    env = common.bench_env(counts["today"], bytecode=not args.no_bytecode)
    common.run_process(common.tracing_cmd(db, "--help"), env)  # fill the bytecode cache
    os.environ["TRACING_TODAY"] = counts["today"]

    rows = []  # (step, command, seconds, cpu, peak, target, naive_s, naive_cpu, naive_peak)

    def naive(step, *nargs):
        if not naive_on:
            return None, None, None
        t, p, _, c = common.median_process(
            [sys.executable, os.path.join(HERE, "common.py"), "naive", step, db, *nargs], env, naive_repeat)
        return t, c, p

    # ---- import
    if args.reuse_db and os.path.exists(db):
        parts = {}
        rows.append(("import", "(reused run.db)", None, None, None, None, None, None, None))
    else:
        runs = [import_all(db, folder, env) for _ in range(import_repeat)]
        runs.sort(key=lambda r: r[0])  # (wall, peak, parts, cpu)
        t_imp, _, parts, c_imp = runs[len(runs) // 2]
        p_imp = max(r[1] for r in runs)
        nt, nc, np_ = (None, None, None)
        if naive_on:
            nt, np_, _, nc = common.median_process(
                [sys.executable, os.path.join(HERE, "common.py"), "naive", "import", db, folder], env, naive_repeat)
        rows.append(("import (5 files)", "tracing import KIND FILE x5", t_imp, c_imp, p_imp, None, nt, nc, np_))

    # ---- who to time
    from bench_scenarios import pick_f1, pick_pa2
    from tracing.store import Store

    store = Store.open(db)
    db_counts = store.counts()
    f1, f1_day = pick_f1(store)
    pa2, pa2_day = pick_pa2(store)
    root = store.levels([f1])[f1]["chain_case"]
    store.close()

    def step(name, cmd_args, target, naive_args, repeat=None):
        cmd = common.tracing_cmd(db, *cmd_args)
        t, p, _, c = common.median_process(cmd, env, repeat or args.repeat)
        nt, nc, np_ = naive(*naive_args)
        shown = "tracing " + " ".join(cmd_args)
        rows.append((name, shown, t, c, p, target, nt, nc, np_))
        print(f"  {name}: {t:.3f} s", file=sys.stderr)

    step("confirm (PA1)", ["case", "confirm", f1, "--date", f1_day, "--dry-run", "--format", "json"],
         INTERACTIVE, ("confirm", f1, f1_day))
    step("PA2 candidates", ["case", "confirm", pa2, "--date", pa2_day, "--unknown-source", "--dry-run",
                            "--format", "json"], INTERACTIVE, ("pa2", pa2, pa2_day))
    step("status", ["status", f1, "--format", "json"], INTERACTIVE, ("status", f1))
    step("tree", ["tree", root, "--format", "json"], INTERACTIVE, ("tree", root))
    step("clusters", ["clusters", "--format", "json"], DISTRICT, ("clusters",))
    step("report", ["report", "--format", "json"], DISTRICT, ("report",))
    html = os.path.join(work, "render.html")
    if has_render_cli(db, env):
        step("render (one cluster)", ["render", root, "-o", html], INTERACTIVE, ("render", root, html + ".naive.html"))
    else:
        t, p, _, c = common.median_process([sys.executable, "-c", RENDER_LIB, db, root, html, common.ROOT],
                                           env, args.repeat)
        nt, nc, np_ = naive("render", root, html + ".naive.html")
        rows.append(("render (one cluster)*", "library: tree.build + render_html (no CLI yet)", t, c, p,
                     INTERACTIVE, nt, nc, np_))
    t_pass, _, _, c_pass = common.median_process([sys.executable, "-c", "pass"], env, args.repeat)
    t_help, p_help, _, c_help = common.median_process(common.tracing_cmd(db, "--help"), env, args.repeat)
    rows.append(("start-up: python -c pass", "", t_pass, c_pass, None, None, None, None, None))
    rows.append(("start-up: tracing --help", "tracing --help", t_help, c_help, p_help, None, None, None, None))
    load_after = common.load()

    from tabulate import tabulate

    table = []
    f = lambda v, fmt: "-" if v is None else fmt % v  # noqa: E731
    for name, cmd, t, c, p, target, nt, nc, np_ in rows:
        ok = ""
        if target is not None and t is not None and args.scale == "100k":
            ok = f"<= {target:g} s " + ("ok" if t <= target else "MISSED") + (
                "" if t <= target or c > target else " (CPU ok)")
        elif args.scale == "1m" and p is not None:
            ok = "<= 4 GB " + ("ok" if p <= MEMORY_MB else "MISSED")
        table.append([name, f(t, "%.3f"), f(c, "%.3f"), f(p, "%.0f"), ok, f(nt, "%.2f"), f(nc, "%.2f"),
                      f(np_, "%.0f"), "-" if nt is None or not t else f"{nt / t:.1f}x",
                      "-" if nc is None or not c else f"{nc / c:.1f}x"])
    print(f"scale {args.scale}: {db_counts['persons']:,} persons, {db_counts['contacts']:,} contacts, "
          f"{db_counts['checkins']:,} check-ins, {db_counts['cases']:,} cases, {db_counts['levels']:,} traced; "
          f"CSV {gen_note}")
    print(f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory']} RAM, Python {info['python']}; "
          f"load average before {load_before}, after {load_after}; "
          f"median of {args.repeat} (import {'reused' if not parts else import_repeat}, naive {naive_repeat if naive_on else 'skipped'}); "
          f"bytecode cache {'off' if args.no_bytecode else 'on'}")
    print(f"persons timed: PA1 {f1} on {f1_day} (root {root}); PA2 {pa2} on {pa2_day}")
    print(tabulate(table, headers=["step", "wall s", "CPU s", "peak MB", "target (wall)", "naive wall s",
                                   "naive CPU s", "naive MB", "naive/ours wall", "naive/ours CPU"],
                   tablefmt="github"))
    if any(r[0].endswith("*") for r in rows):
        print("* the CLI has no `render` command yet: a python -c script does what it will do "
              "(tracing.tree.build + tracing.render.render_html + write_html)")
    if parts:
        print("import per file: " + ", ".join(f"{k} {t:.1f} s / {p:.0f} MB" for k, (t, p) in parts.items()))
    if not naive_on and args.scale == "1m":
        print("naive runs skipped at 1m: networkx needs ~350 B per edge plus the per-pair date lists "
              "(10M contacts: well over 4 GB)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"scale": args.scale, "date": dt.date.today().isoformat(), "machine": info,
                       "load": [load_before, load_after], "counts": db_counts,
                       "rows": [dict(zip(["step", "command", "seconds", "cpu_s", "peak_mb", "target", "naive_s",
                                          "naive_cpu_s", "naive_mb"], r)) for r in rows],
                       "import_parts": parts}, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
