"""Issue 13 point 11: a real-shaped line list (cases only, a few source links),
each step as a whole process, beside its baseline in the same run.

    python benchmarks/bench_linelist.py                # 25,000 cases / 2,500 links, 30,000 rows
    python benchmarks/bench_linelist.py --repeat 5

The line list (seed 13, same bytes every run, kept in --work): ``id,
confirmed, onset, sex, age, ward, source`` like the Vietnamese 2020 list; one
cluster of exactly 100 cases (a tree), the other links in pairs and small
chains, about half the sources labels (``IMPORT``, country codes). Steps:

1. ``tracing import cases`` of 25,000 rows and of 30,000 rows (target <= 5 s);
2. ``tracing clusters`` (target <= 1 s) beside networkx connected components
   over the same CSV as a whole process (read + components);
3. ``tracing render --cluster C -o F`` of the 100-case cluster (target <= 1 s).

Median of ``--repeat`` runs, wall and CPU seconds (the machine is shared: CPU
time is the fairer figure under load); prints the load average. Processes run
with a bytecode cache, as an installed package has (:func:`common.bench_env`;
``--no-bytecode`` keeps the sandbox's PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import time

from common import bench_env

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
TODAY = "2020-12-31"

NETWORKX = r"""
import csv, sys
import networkx as nx
g = nx.Graph()
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    for row in csv.DictReader(fh):
        g.add_node(row["id"])
        for s in row["source"].split(";"):
            s = s.strip()
            if s.startswith("BN"):
                g.add_edge(row["id"], s)
parts = [c for c in nx.connected_components(g) if len(c) >= 2]
print(len(parts), max(len(c) for c in parts))
"""


def make(path: str, cases: int, links: int, seed: int = 13) -> dict:
    """Write the line list; returns facts (the big cluster's first case)."""
    rng = random.Random(seed)
    start = dt.date(2020, 3, 1)
    ids = [f"BN{i + 1}" for i in range(cases)]
    day = {cid: start + dt.timedelta(days=i * 270 // cases) for i, cid in enumerate(ids)}
    sources: dict[str, list[str]] = {cid: [] for cid in ids}
    # one cluster of 100 cases: a tree, each case infected by an earlier one of the cluster
    big = ids[1000:1100]
    for i, cid in enumerate(big[1:], 1):
        sources[cid].append(big[rng.randrange(max(0, i - 10), i)])
    made = len(big) - 1
    i = 2000
    while made < links:  # pairs and short chains elsewhere
        size = rng.choice((2, 2, 2, 3, 4))
        chain = ids[i:i + size]
        for k in range(1, len(chain)):
            sources[chain[k]].append(chain[k - 1])
            made += 1
        i += size + rng.randrange(1, 8)
    labels = ("IMPORT", "VN", "GB", "US", "FR", "BVBM", "KR", "JP")
    wards = [f"Phường {w}" for w in range(1, 30)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "confirmed", "onset", "sex", "age", "ward", "source"])
        for cid in ids:
            src = list(sources[cid])
            if not src and rng.random() < 0.5:
                src.append(rng.choice(labels))
            onset = day[cid] - dt.timedelta(days=rng.randrange(0, 5))
            w.writerow([cid, day[cid].isoformat(), onset.isoformat(), rng.choice("MF"), rng.randrange(1, 90),
                        rng.choice(wards), ";".join(src)])
    return {"big_first": big[0], "links": made}


def run(cmd: list[str], env: dict) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of ``cmd`` as a whole process."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", default="/tmp/bench-linelist")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE: every process compiles its modules again")
    args = ap.parse_args(argv)
    os.makedirs(args.work, exist_ok=True)
    small, large = os.path.join(args.work, "cases25k.csv"), os.path.join(args.work, "cases30k.csv")
    facts = make(small, 25_000, 2_500)
    make(large, 30_000, 3_000)
    env = bench_env(TODAY, bytecode=not args.no_bytecode)
    tracing = [sys.executable, "-m", "cli.main"]
    # compile once before timing (a first run would pay it: the cache is outside the checkout)
    subprocess.run([sys.executable, "-c", "import cli.main, cli.imports, cli.render, tracing.importer, tracing.maps, "
                    "tracing.render, tracing.layout, tracing.diagram, tracing.printbook"], env=env, check=True)
    load_before = os.getloadavg()
    out: dict[str, list[tuple[float, float]]] = {}

    def timed(name, cmd, before=None):
        for _ in range(args.repeat):
            if before:
                before()
            out.setdefault(name, []).append(run(cmd, env))

    def fresh(db):
        def clean():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(db + suffix):
                    os.remove(db + suffix)
        return clean

    db30 = os.path.join(args.work, "l30.db")
    timed("import cases 30,000 rows", [*tracing, "--db", db30, "import", "cases", large], fresh(db30))
    db = os.path.join(args.work, "l25.db")
    timed("import cases 25,000 rows", [*tracing, "--db", db, "import", "cases", small], fresh(db))
    timed("networkx components (baseline)", [sys.executable, "-c", NETWORKX, small])
    timed("tracing clusters", [*tracing, "--db", db, "clusters", "--format", "json"])
    found = json.loads(subprocess.run([*tracing, "--db", db, "clusters", "--format", "json"], env=env, check=True,
                                      capture_output=True, text=True).stdout)
    big = next(c for c in found if facts["big_first"] in c["cases"])
    html = os.path.join(args.work, "big.html")
    timed(f"tracing render --cluster ({big['size']} cases)",
          [*tracing, "--db", db, "render", "--cluster", big["id"], "-o", html])
    load = os.getloadavg()
    print(f"line list: 25,000 cases, {facts['links']} source links; load average {load_before[0]:.2f} "
          f"{load_before[1]:.2f} {load_before[2]:.2f} at the start, {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at "
          f"the end on {os.cpu_count()} cores; median of {args.repeat}; bytecode cache "
          f"{'off' if args.no_bytecode else 'on'}")
    targets = {"import cases 30,000 rows": 5.0, "tracing clusters": 1.0}
    print(f"  {'step':42s} {'wall s':>7} {'cpu s':>7}  target")
    for name, times in out.items():
        target = targets.get(name, 1.0 if name.startswith("tracing render") else None)
        wall = statistics.median(t for t, _c in times)
        cpu = statistics.median(c for _t, c in times)
        mark = "" if target is None else f"<= {target} s: wall {'ok' if wall <= target else 'MISS'}, " \
                                         f"cpu {'ok' if cpu <= target else 'MISS'}"
        print(f"  {name:42s} {wall:7.2f} {cpu:7.2f}  {mark}   runs (wall): "
              + ", ".join(f"{t:.2f}" for t, _c in times))
    return 0


if __name__ == "__main__":
    sys.exit(main())
