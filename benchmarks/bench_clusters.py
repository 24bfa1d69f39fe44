"""Time `clusters` and `report` on a database, against a naive networkx
equivalent (every contact and source loaded into a graph, connected
components over the cases: what an epicontacts-style tool does).

    python benchmarks/bench_clusters.py DB
    python benchmarks/bench_clusters.py DB --make 100000   # build a synthetic district first

``--make N`` writes a district of N persons and ~10 N contacts (households,
teams, random encounters; 1 case per 1,000 persons in chains) straight
through the store, then derives levels. Targets (100k persons, 1M contacts):
clusters <= 3 s, report <= 2 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from tracing import clusters, levels, report  # noqa: E402
from tracing.store import Store  # noqa: E402


def make(path: str, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    store = Store.open(path, create=True)
    start = dt.date(2021, 11, 1)
    day = lambda k: (start + dt.timedelta(days=k)).isoformat()  # noqa: E731
    ids = [f"P{i:07d}" for i in range(n)]
    wards = [f"Phường {w}" for w in range(1, 15)]
    with store.write("bench make"):
        c = store.conn
        c.executemany(
            "INSERT INTO persons (id, name, name_folded, ward, unit, created_at) VALUES (?, ?, ?, ?, ?, '')",
            [(p, p, p.lower(), wards[i * 14 // n], f"TDP {(i // 40) % 40 + 1}") for i, p in enumerate(ids)])
        contacts = set()
        i = 0
        while i < n:  # households of 1-6, met every few days
            size = rng.randint(1, 6)
            hh = ids[i:i + size]
            for a in hh:
                for b in hh:
                    if a < b:
                        for k in range(0, 42, 21):
                            contacts.add((a, b, day(k + rng.randrange(21)), "household"))
            i += size
        target = 10 * n
        while len(contacts) < target:
            a, b = rng.sample(ids[: n], 2) if rng.random() < 0.3 else (
                lambda j: (ids[j], ids[min(n - 1, j + rng.randint(1, 30))]))(rng.randrange(n))
            if a != b:
                a, b = sorted((a, b))
                contacts.add((a, b, day(rng.randrange(42)), rng.choice(["work", "venue", "social", "transport"])))
        c.executemany("INSERT OR IGNORE INTO contacts (a, b, date, setting) VALUES (?, ?, ?, ?)", sorted(contacts))
        cases = []
        for k in range(max(1, n // 1000)):
            p = rng.choice(ids)
            d = rng.randrange(14, 42)
            cases.append((p, day(d)))
        seen = set()
        for j, (p, d) in enumerate(sorted(cases, key=lambda x: x[1])):
            if p in seen:
                continue
            seen.add(p)
            store.upsert_case({"person": p, "confirmed": d, "isolated": d, "unknown_source": 0})
            if j and rng.random() < 0.6:
                src = rng.choice([q for q, _ in cases[:j] if q in seen and q != p] or [None])
                if src:
                    store.add_case_sources(p, [src])
        levels.rederive_all(store)
    store.close()


def timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def naive(store):
    """epicontacts-style: the whole contact list in a networkx graph."""
    import networkx as nx

    g = nx.Graph()
    g.add_edges_from(store.conn.execute("SELECT a, b FROM contacts"))
    g.add_edges_from(store.conn.execute("SELECT case_id, source FROM case_sources"))
    cases = {r[0] for r in store.conn.execute("SELECT person FROM cases")}
    g.add_nodes_from(cases)
    out = []
    for comp in nx.connected_components(g):
        members = cases & comp
        if len(members) >= 2:
            out.append(sorted(members))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("db")
    ap.add_argument("--make", type=int, metavar="N", help="first build a synthetic district of N persons")
    args = ap.parse_args(argv)
    if args.make:
        if os.path.exists(args.db):
            sys.exit(f"{args.db} exists: remove it or drop --make")
        t, _ = timed(lambda: make(args.db, args.make))
        print(f"built {args.db} in {t:.1f} s")
    store = Store.open(args.db)
    counts = store.counts()
    print(f"persons {counts['persons']:,}  contacts {counts['contacts']:,}  cases {counts['cases']:,}  "
          f"traced {counts['levels']:,}")
    os.environ.setdefault("TRACING_TODAY", store.conn.execute("SELECT max(confirmed) FROM cases").fetchone()[0])
    t_first, _ = timed(lambda: clusters.compute(store))
    t_clusters, rows = timed(lambda: clusters.compute(store))
    t_report, rep = timed(lambda: report.build(store, None, None, "ward", "vi"))
    t_naive, naive_rows = timed(lambda: naive(store))
    print(f"clusters: {len(rows)} (largest {rows[0]['size'] if rows else 0})  first run {t_first:.2f} s "
          f"(stores ids), again {t_clusters:.2f} s   [target <= 3 s]")
    print(f"report:   {rep['new_cases']} new F0 in {rep['days']} days  {t_report:.2f} s   [target <= 2 s]")
    print(f"naive networkx over all contacts: {len(naive_rows)} clusters (largest "
          f"{max(map(len, naive_rows), default=0)})  {t_naive:.2f} s")
    print(f"ratio naive / clusters: {t_naive / t_clusters:.1f}x")
    store.close()


if __name__ == "__main__":
    main()
