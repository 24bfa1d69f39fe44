"""Ward teams writing at once to one database (issue 17, point 3).

    python benchmarks/bench_teams.py postgresql://USER@HOST:PORT/DBNAME [--seconds 120] [--writers 8]
    python benchmarks/bench_teams.py /tmp/teams.db --seconds 30        # the same on a SQLite file

WRITERS processes, each on its own connection, are ward teams: for SECONDS
they add persons, contacts (between their own people and a shared pool
every team touches, so writes collide on the same people) and confirm cases
among the shared pool, one command per transaction as the CLI does. READERS
processes read status and the list meanwhile, and one process takes backups
in a loop. Afterwards:

* ``errors``: anything that failed other than an expected refusal (a person
  already confirmed by another team), per process;
* ``lost``: acknowledged writes (persons, contacts, cases) not in the store;
* ``levels_equal_fresh_derivation``: the stored levels, built by many small
  local re-derivations racing each other, equal one fresh derivation of the
  whole district (a dry run, nothing written).

Prints a table, or with ``--json`` one JSON object (what tests/test_postgres.py reads).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import random
import sys
import tempfile
import time
import traceback

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

POOL = 120          # shared persons every team may touch


def _setup(db: str) -> None:
    from tracing.store import Store
    store = Store.open(db, create=True)
    with store.write("setup"):
        for i in range(POOL):
            store.insert_person({"id": f"S{i:04d}", "name": f"Người chung {i}", "ward": f"W{i % 8}"})
    store.close()


def _writer(db: str, lane: int, deadline: float, out) -> None:
    from tracing import cases, encounters
    from tracing.errors import Conflict, TracingError
    from tracing.store import Store
    rng = random.Random(lane)
    done = {"persons": [], "contacts": [], "cases": [], "errors": [], "refused": 0}
    try:
        store = Store.open(db)
        mine = []
        i = 0
        while time.time() < deadline:
            i += 1
            op = rng.random()
            try:
                if op < 0.25 or not mine:
                    pid = f"T{lane}-{i:05d}"
                    with store.write("person add"):
                        store.insert_person({"id": pid, "name": f"Đội {lane} người {i}", "ward": f"W{lane}"})
                    mine.append(pid)
                    done["persons"].append(pid)
                elif op < 0.93:
                    a = rng.choice(mine) if rng.random() < 0.5 else f"S{rng.randrange(POOL):04d}"
                    b = f"S{rng.randrange(POOL):04d}"
                    if a == b:
                        continue
                    fields = {"a": a, "b": b, "date": f"2021-06-{15 + rng.randrange(15):02d}",
                              "setting": rng.choice(["household", "work", "venue"]), "place": f"{lane}-{i}"}
                    with store.write("contact add"):
                        r = encounters.add_contact(store, fields)
                    if r.get("new", True):
                        done["contacts"].append([min(a, b), max(a, b), fields["date"], fields["place"]])
                else:
                    pid = f"S{rng.randrange(POOL):04d}"
                    try:
                        with store.write("case confirm"):
                            cases.confirm(store, {"id": pid, "confirmed": f"2021-06-{20 + rng.randrange(10):02d}"})
                        done["cases"].append(pid)
                    except Conflict:
                        done["refused"] += 1  # another team confirmed that person first
            except TracingError as e:
                done["errors"].append(f"{type(e).__name__}: {e}")
        store.close()
    except Exception:  # noqa: BLE001 - reported to the parent
        done["errors"].append(traceback.format_exc()[-2000:])
    out.put(("writer", lane, done))


def _reader(db: str, lane: int, deadline: float, out) -> None:
    from tracing import status
    from tracing.store import Store
    rng = random.Random(1000 + lane)
    done = {"reads": 0, "errors": []}
    try:
        store = Store.open(db)
        while time.time() < deadline:
            status.status(store, f"S{rng.randrange(POOL):04d}")
            status.listing(store, level=1)
            done["reads"] += 2
        store.close()
    except Exception:  # noqa: BLE001
        done["errors"].append(traceback.format_exc()[-2000:])
    out.put(("reader", lane, done))


def _backups(db: str, deadline: float, out) -> None:
    from tracing import maintenance
    from tracing.store import Store
    done = {"backups": 0, "errors": []}
    folder = tempfile.mkdtemp(prefix="teams-backup-")
    try:
        store = Store.open(db)
        while time.time() < deadline:
            dest = os.path.join(folder, f"b{done['backups']}.db")
            result = maintenance.backup(store, dest)
            copy = Store.open(result["file"])
            copy.close()
            os.remove(result["file"])
            done["backups"] += 1
        store.close()
    except Exception:  # noqa: BLE001
        done["errors"].append(traceback.format_exc()[-2000:])
    out.put(("backup", 0, done))


def _verify(db: str, results: list) -> dict:
    from tracing.levels import rederive_all
    from tracing.store import Store
    store = Store.open(db)
    persons = {r["id"] for r in store.query("SELECT id FROM persons")}
    contacts = {(r["a"], r["b"], r["date"], r["place"]) for r in store.query("SELECT a, b, date, place FROM contacts")}
    confirmed = {r["person"] for r in store.query("SELECT person FROM cases")}
    lost: dict[str, list] = {}
    for kind, _, done in results:
        if kind != "writer":
            continue
        for p in done["persons"]:
            if p not in persons:
                lost.setdefault("persons", []).append(p)
        for c in done["contacts"]:
            if tuple(c) not in contacts:
                lost.setdefault("contacts", []).append(c)
        for p in done["cases"]:
            if p not in confirmed:
                lost.setdefault("cases", []).append(p)

    def all_levels():
        rows = store.query("SELECT person FROM levels")
        return store.levels([r["person"] for r in rows])

    stored = all_levels()
    with store.write("verify", dry_run=True):
        rederive_all(store)
        fresh = all_levels()
    store.close()
    differences = []
    for p in sorted(set(stored) | set(fresh)):
        a, b = stored.get(p) or {}, fresh.get(p) or {}
        if a != b:
            fields = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            differences.append({"person": p, "is_case": p in confirmed, "fields": fields,
                                "stored": {k: a.get(k) for k in fields}, "fresh": {k: b.get(k) for k in fields}})
    return {"lost": lost, "levels_equal_fresh_derivation": stored == fresh, "traced": len(stored),
            "level_differences": differences}


def run(db: str, seconds: float, writers: int, readers: int) -> dict:
    _setup(db)
    ctx = mp.get_context("spawn")  # each process opens its own connection from scratch
    out = ctx.Queue()
    start = time.time()
    deadline = start + seconds + 3  # + the time a spawned process needs to start
    procs = [ctx.Process(target=_writer, args=(db, w, deadline, out)) for w in range(writers)]
    procs += [ctx.Process(target=_reader, args=(db, r, deadline, out)) for r in range(readers)]
    procs.append(ctx.Process(target=_backups, args=(db, deadline, out)))
    for p in procs:
        p.start()
    results = [out.get(timeout=seconds + 600) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    elapsed = time.time() - start
    check = _verify(db, results)
    writes = sum(len(d["persons"]) + len(d["contacts"]) + len(d["cases"]) for k, _, d in results if k == "writer")
    return {
        "store": "postgresql" if db.startswith(("postgresql://", "postgres://")) else "sqlite",
        "seconds": round(elapsed, 1), "writers": writers, "readers": readers,
        "writes": writes,
        "writes_per_second": round(writes / max(elapsed, 1e-9), 1),
        "persons": sum(len(d["persons"]) for k, _, d in results if k == "writer"),
        "contacts": sum(len(d["contacts"]) for k, _, d in results if k == "writer"),
        "confirmations": sum(len(d["cases"]) for k, _, d in results if k == "writer"),
        "refused_confirmations": sum(d["refused"] for k, _, d in results if k == "writer"),
        "reads": sum(d["reads"] for k, _, d in results if k == "reader"),
        "backups": sum(d["backups"] for k, _, d in results if k == "backup"),
        "errors": [e for _, _, d in results for e in d["errors"]],
        **check,
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("db", help="a postgresql:// address (a fresh database) or a SQLite file path")
    ap.add_argument("--seconds", type=float, default=120)
    ap.add_argument("--writers", type=int, default=8)
    ap.add_argument("--readers", type=int, default=2)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    os.environ.setdefault("TRACING_TODAY", "2021-06-30")
    result = run(args.db, args.seconds, args.writers, args.readers)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for k, v in result.items():
            print(f"{k:32} {len(v) if k in ('errors', 'level_differences') else v}")
        for d in result["level_differences"]:
            print(f"  differs: {d}")
    ok = not result["errors"] and not result["lost"] and result["levels_equal_fresh_derivation"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
