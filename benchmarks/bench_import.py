"""Benchmark: `tracing import persons` then `import contacts` of a
100,000-person / ~1,000,000-contact district, and `tracing check`, each
beside a plain indexed SQLite script doing the same rows (issue 13 point 11:
persons <= 3x, contacts <= 1.5x the plain script, check <= 1 s).

    python benchmarks/bench_import.py                  # 100,000 persons ≈ 1M contacts
    python benchmarks/bench_import.py --persons 20000  # quicker

Generates the file with tracing.synthetic (same seed, same bytes; kept in
--work for reruns), then runs in child processes (so peak memory is
measured per run with resource.getrusage(RUSAGE_CHILDREN)):

1. baseline: plain `csv` + `executemany` into the same schema (no validation):
   persons.csv, then contacts.csv into that database;
2. `tracing import persons FILE`, then `tracing import contacts FILE` (validated,
   one transaction each, levels re-derived), then `tracing check`.

Prints wall seconds, CPU seconds (user + system of the process: the machine is
shared, so CPU time is the fairer figure under load), peak RSS, and the load
average. ``--repeat N`` runs the whole sequence N times (the baseline and
tracing alternating) and prints each run, then the medians of the ratios.
Processes run with a bytecode cache, as an installed package has
(:func:`common.bench_env`; ``--no-bytecode`` keeps the sandbox's
PYTHONDONTWRITEBYTECODE: every tracing process then compiles its ~30 modules
again, ≈ +0.07 s CPU, which the baseline, importing only ``tracing.store``,
hardly pays).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

from common import bench_env

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))

BASELINE = r"""
import csv, sys, sqlite3
sys.path.insert(0, sys.argv[3])
from tracing.store import Store
store = Store.open(sys.argv[2], create=True)
c = store.conn
c.execute("BEGIN IMMEDIATE")
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    reader = csv.reader(fh)
    next(reader)
    batch, ids = [], set()
    def flush():
        c.executemany("INSERT OR IGNORE INTO persons (id, created_at) VALUES (?, '')", [(i,) for i in ids])
        c.executemany("INSERT OR IGNORE INTO contacts (a, b, date, setting, place, minutes, masked) "
                      "VALUES (?, ?, ?, ?, ?, ?, ?)", batch)
        batch.clear(); ids.clear()
    for a, b, date, setting, place, minutes, masked in reader:
        a, b = (a, b) if a < b else (b, a)
        batch.append((a, b, date or None, setting or None, place or None, minutes or None,
                      None if not masked else int(masked == "true")))
        ids.update((a, b))
        if len(batch) >= 5000:
            flush()
    flush()
c.execute("COMMIT")
print(c.execute("SELECT count(*) FROM contacts").fetchone()[0])
"""


BASELINE_PERSONS = r"""
import csv, sys, sqlite3
sys.path.insert(0, sys.argv[3])
from tracing.store import Store
store = Store.open(sys.argv[2], create=True)
c = store.conn
c.execute("BEGIN IMMEDIATE")
cols = ["id", "name", "phone", "national_id", "birth_year", "sex", "address", "unit", "ward", "district"]
with open(sys.argv[1], encoding="utf-8", newline="") as fh:
    reader = csv.DictReader(fh)
    batch = []
    def flush():
        c.executemany(f"INSERT OR IGNORE INTO persons ({','.join(cols)}, name_folded, created_at) "
                      f"VALUES ({','.join('?' * len(cols))}, ?, '')", batch)
        batch.clear()
    for row in reader:
        batch.append([row.get(k) or None for k in cols] + [(row.get("name") or "").lower()])
        if len(batch) >= 5000:
            flush()
    flush()
c.execute("COMMIT")
print(c.execute("SELECT count(*) FROM persons").fetchone()[0])
"""


WRAP = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print(u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); sys.exit(r.returncode)")


def _child(cmd: list[str], env: dict) -> tuple[float, str, float, float]:
    """Run ``cmd`` under a small wrapper process whose RUSAGE_CHILDREN is that
    one run only; returns (wall seconds, stdout, peak RSS in MB, CPU seconds)."""
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    peak_kb, cpu = out.stderr.strip().splitlines()[-1].split()  # ru_maxrss is in KB on Linux
    return took, out.stdout, int(peak_kb) / 1024, float(cpu)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000, help="synthetic persons (≈10 contacts each)")
    parser.add_argument("--work", default="/tmp/tracing-bench-import", help="folder for the files and databases")
    parser.add_argument("--repeat", type=int, default=1, help="run the whole sequence this many times")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep PYTHONDONTWRITEBYTECODE (every process compiles every module again)")
    args = parser.parse_args(argv)
    sys.path.insert(0, ROOT)
    os.makedirs(args.work, exist_ok=True)
    src = os.path.join(args.work, f"district-{args.persons}")
    contacts = os.path.join(src, "contacts.csv")
    if not os.path.exists(contacts):
        from tracing.synthetic import generate, write_csv_dir
        t = time.perf_counter()
        counts = write_csv_dir(generate(args.persons), src)
        print(f"generated {counts['contacts']:,} contacts in {time.perf_counter() - t:.1f} s -> {contacts}")
    persons = os.path.join(src, "persons.csv")
    env = bench_env("2021-12-31", bytecode=not args.no_bytecode)
    tracing = [sys.executable, "-c", "from cli.main import main; main()"]
    # compile once before timing (a first run would pay it: the cache is outside the checkout)
    subprocess.run([sys.executable, "-c", "import cli.main, cli.imports, tracing.importer, tracing.checks"],
                   env=env, check=True)
    ratios: dict[str, list[tuple[float, float]]] = {}
    for run in range(args.repeat):
        results = _run_once(args, env, tracing, persons, contacts)
        _print(args, results, run, ratios)
    if args.repeat > 1:
        print(f"medians of {args.repeat} runs (wall / cpu):")
        for step, got in ratios.items():
            print(f"  {step:10} {statistics.median(w for w, _c in got):5.2f}x / "
                  f"{statistics.median(c for _w, c in got):5.2f}x   (each run: "
                  + ", ".join(f"{w:.2f}/{c:.2f}" for w, c in got) + ")")
    return 0


def _run_once(args, env, tracing, persons, contacts) -> dict:
    results = {}
    for name in ("baseline", "tracing"):
        db = os.path.join(args.work, f"{name}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        if name == "baseline":
            steps = [("persons", [sys.executable, "-c", BASELINE_PERSONS, persons, db, ROOT]),
                     ("contacts", [sys.executable, "-c", BASELINE, contacts, db, ROOT])]
        else:
            steps = [("persons", [*tracing, "--db", db, "import", "persons", persons, "--format", "json"]),
                     ("contacts", [*tracing, "--db", db, "import", "contacts", contacts, "--format", "json"]),
                     ("check", [*tracing, "--db", db, "check", "--format", "json"])]
        for step, cmd in steps:
            took, out, peak, cpu = _child(cmd, env)
            if step == "check":
                rows = len(json.loads(out))
            elif name == "tracing":
                summary = json.loads(out)
                rows = summary["written"][step] + (summary["updated"].get(step, 0) if step == "persons" else 0)
            else:
                rows = int(out.strip())
            results[(name, step)] = (took, cpu, peak, rows)
    return results


def _print(args, results, run, ratios) -> None:
    load = os.getloadavg()
    print(f"run {run + 1}: {args.persons:,} persons; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} "
          f"on {os.cpu_count()} cores")
    print(f"{'step':26} {'wall s':>8} {'cpu s':>8} {'peak MB':>8} {'rows':>10} {'vs plain (wall / cpu)':>24}")
    targets = {"persons": 3.0, "contacts": 1.5}
    for (name, step), (took, cpu, peak, rows) in results.items():
        ratio = ""
        if name == "tracing" and ("baseline", step) in results:
            bt, bc = results[("baseline", step)][:2]
            ratio = f"{took / bt:5.2f}x / {cpu / bc:5.2f}x (<= {targets[step]}x)"
            ratios.setdefault(step, []).append((took / bt, cpu / bc))
        elif step == "check":
            ratio = "(target <= 1 s)"
        print(f"{name + ' ' + step:26} {took:8.2f} {cpu:8.2f} {peak:8.0f} {rows:10,} {ratio:>24}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
