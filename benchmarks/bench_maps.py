"""`tracing render --cluster` on one big cluster, from the database.

    python benchmarks/bench_maps.py [--sizes 2000,20000] [--background 50000] [--limit 120]

For each size builds a NEW database (``tracing.store.bulk`` + ``levels.rederive_all``,
fixed seed) holding one cluster of about that many persons: a tree of cases, each
with 10 F1 contacts who each met 4 F2 persons, some contacts among F2s and towards
the rest of the district, plus a background district of ``--background`` persons
with their own contacts (never part of the cluster). Then times:

* ``tracing render --cluster C1 -o FILE.html`` as a whole process (median of 3),
* in process: ``maps.build`` (counting its SQL statements) and
  ``maps.render_to_file`` (build + render + write),
* pyvis ``Network.from_nx`` + ``write_html`` on the same graph (the map's
  nodes and edges); ``from_nx`` is quadratic, so a size whose estimate (from
  the smaller run) exceeds ``--limit`` seconds is skipped.

Targets: 2,000 persons <= 2 s, 20,000 (collapsed to 2,000 drawn) <= 5 s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 20210505
F1_PER_CASE = 10
F2_PER_F1 = 4
START = dt.date(2021, 5, 1)
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Hà", "Hải", "Hoa", "Lan", "Long", "Mai", "Nam", "Sơn", "Tâm", "Yến"]
WARDS = ["Ngọc Lâm", "Bồ Đề", "Gia Thụy", "Long Biên", "Đức Giang"]


def _day(d: dt.date) -> str:
    return d.isoformat()


def outbreak_rows(size: int, background: int, seed: int = SEED):
    """Persons, contacts and cases of one cluster of about ``size`` persons
    in a district of ``background`` other persons."""
    rnd = random.Random(seed)
    per_case = 1 + F1_PER_CASE * (1 + F2_PER_F1)
    n_cases = max(2, size // per_case)
    persons, contacts, cases = [], [], []

    def person(pid):
        persons.append({"id": pid, "name": f"{rnd.choice(FAMILY)} Văn {rnd.choice(GIVEN)}",
                        "phone": f"09{rnd.randint(10**7, 10**8 - 1)}", "ward": rnd.choice(WARDS),
                        "unit": f"Tổ {rnd.randint(1, 40)}", "address": f"{rnd.randint(1, 300)} Nguyễn Văn Cừ"})

    conf: dict[str, dt.date] = {}
    for i in range(n_cases):
        cid = f"K{i:05d}"
        person(cid)
        if i == 0:
            conf[cid] = START
        else:
            parent = f"K{rnd.randrange(max(0, i - 30), i):05d}"
            conf[cid] = conf[parent] + dt.timedelta(days=3)
            contacts.append({"a": parent, "b": cid, "date": _day(conf[parent] - dt.timedelta(days=1)),
                             "setting": "household"})
        cases.append({"person": cid, "confirmed": _day(conf[cid]), "isolated": _day(conf[cid]),
                      "unknown_source": 1 if i == 0 else 0})
        for j in range(F1_PER_CASE):
            f1 = f"{cid}-{j}"
            person(f1)
            contacts.append({"a": cid, "b": f1, "date": _day(conf[cid] - dt.timedelta(days=1)),
                             "setting": rnd.choice(["household", "work", "venue"])})
            for k in range(F2_PER_F1):
                f2 = f"{f1}-{k}"
                person(f2)
                contacts.append({"a": f1, "b": f2, "date": _day(conf[cid]), "setting": "household"})
                if rnd.random() < 0.1:  # an F2 meets someone of the district: not traced, not drawn
                    contacts.append({"a": f2, "b": f"D{rnd.randrange(background or 1):06d}",
                                     "date": _day(conf[cid] + dt.timedelta(days=1)), "setting": "social"})
                if rnd.random() < 0.05 and len(persons) > 10:  # F2 meets F2
                    contacts.append({"a": f2, "b": persons[rnd.randrange(len(persons) - 1)]["id"],
                                     "date": _day(conf[cid] + dt.timedelta(days=1)), "setting": "social"})
    for i in range(background):
        person(f"D{i:06d}")
    for i in range(background * 3):
        a, b = rnd.randrange(background), rnd.randrange(background)
        if a != b:
            contacts.append({"a": f"D{a:06d}", "b": f"D{b:06d}",
                             "date": _day(START + dt.timedelta(days=rnd.randrange(60))), "setting": "work"})
    return persons, contacts, cases


def build_db(path: str, size: int, background: int) -> dict:
    from tracing import levels
    from tracing.store import Store, bulk

    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    t0 = time.perf_counter()
    persons, contacts, cases = outbreak_rows(size, background)
    store = Store.open(path, create=True)
    with store.write("bench maps build"):
        bulk.bulk_persons(store, persons)
        bulk.bulk_contacts(store, contacts)
        bulk.bulk_cases(store, cases)
        levels.rederive_all(store)
    counts = store.counts()
    store.close()
    return {"seconds": time.perf_counter() - t0, "counts": counts}


def time_cli(db: str, out: Path, runs: int = 3) -> tuple[float, str]:
    times, last = [], ""
    env = {**os.environ, "TRACING_DB": db, "PYTHONPATH": str(ROOT)}
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "cli.main", "render", "--cluster", "C1", "-o", str(out),
                               "--format", "json"], capture_output=True, text=True, env=env, cwd=str(ROOT))
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"render failed: {proc.stderr}")
        last = proc.stdout
    return statistics.median(times), last


def time_inprocess(db: str, out: Path) -> dict:
    from tracing import clusters, maps
    from tracing.store import Store

    store = Store.open(db)
    clusters.compute(store)  # ids stored once, as after `tracing clusters`
    statements = []
    store.conn.set_trace_callback(statements.append)
    t0 = time.perf_counter()
    data, _info = maps.build(store, cluster="C1")
    t1 = time.perf_counter()
    store.conn.set_trace_callback(None)
    result = maps.render_to_file(store, cluster="C1", path=out)
    t2 = time.perf_counter()
    store.close()
    return {"data": data, "build": t1 - t0, "queries": len(statements), "total": t2 - t1, "result": result}


def time_pyvis(data, out: Path) -> float:
    from bench_render import time_pyvis as pyvis_from_nx
    return pyvis_from_nx(data, out.parent, out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="2000,20000")
    ap.add_argument("--background", type=int, default=50000, help="other persons in the district")
    ap.add_argument("--limit", type=float, default=120.0, help="skip from_nx when its estimate exceeds this (s)")
    args = ap.parse_args(argv)
    os.environ["TRACING_TODAY"] = "2021-08-01"
    from tabulate import tabulate

    rows = []
    known: tuple[int, float] | None = None
    with tempfile.TemporaryDirectory(prefix="bench-maps-") as tmp:
        folder = Path(tmp)
        for size in sorted(int(s) for s in args.sizes.split(",")):
            db = str(folder / f"district-{size}.db")
            built = build_db(db, size, args.background)
            print(f"built {size}: {built['counts']} in {built['seconds']:.1f} s", file=sys.stderr)
            inproc = time_inprocess(db, folder / f"lib-{size}.html")
            cli_s, cli_out = time_cli(db, folder / f"cli-{size}.html")
            persons = len(inproc["data"].nodes)
            estimate = known[1] * (persons / known[0]) ** 2 if known else None
            if estimate is not None and estimate > args.limit:
                theirs, note = None, f"pyvis skipped: estimated {estimate:.0f} s > {args.limit:.0f} s"
            else:
                theirs = time_pyvis(inproc["data"], folder / f"pyvis-{size}.html")
                known = (persons, theirs)
                note = "pyvis draws every node" + ("" if persons <= 2000 else ", ours folds to 2,000")
            res = inproc["result"]
            target = 2.0 if persons <= 2000 else 5.0
            rows.append([persons, res["nodes"], res["hidden"], inproc["queries"], f"{inproc['build']:.2f}",
                         f"{inproc['total']:.2f}", f"{cli_s:.2f}", f"<= {target:.0f}",
                         "-" if theirs is None else f"{theirs:.2f}",
                         "-" if theirs is None else f"{theirs / inproc['total']:.1f}x", note])
    print(tabulate(rows, headers=["persons", "drawn", "folded", "SQL stmts", "build s", "build+render s",
                                  "CLI process s", "target s", "pyvis s", "pyvis / ours", "note"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
