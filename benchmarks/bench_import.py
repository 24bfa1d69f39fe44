"""Benchmark: `tracing import contacts` of a ~1,000,000-contact CSV.

    python benchmarks/bench_import.py                  # 100,000 persons ≈ 1M contacts
    python benchmarks/bench_import.py --persons 20000  # quicker

Generates the file with tracing.synthetic (same seed, same bytes; kept in
--work for reruns), then runs in child processes (so peak memory is
measured per run with resource.getrusage(RUSAGE_CHILDREN)):

1. baseline: plain `csv` + `executemany` into the same schema (no validation);
2. `tracing import contacts FILE` (validated, one transaction, levels re-derived).

Prints seconds and peak RSS of each; the target is <= 30 s for 1M contacts.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

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


WRAP = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(r.returncode)")


def _child(cmd: list[str], env: dict) -> tuple[float, str, float]:
    """Run ``cmd`` under a small wrapper process whose RUSAGE_CHILDREN is that
    one run only; returns (seconds, stdout, peak RSS in MB)."""
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    if out.returncode:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{out.stderr}")
    peak_kb = int(out.stderr.strip().splitlines()[-1])  # ru_maxrss is in KB on Linux
    return took, out.stdout, peak_kb / 1024


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000, help="synthetic persons (≈10 contacts each)")
    parser.add_argument("--work", default="/tmp/tracing-bench-import", help="folder for the files and databases")
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
    env = dict(os.environ, TRACING_TODAY="2021-12-31", PYTHONPATH=ROOT)
    results = []
    for name in ("baseline", "tracing"):
        db = os.path.join(args.work, f"{name}.db")
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        if name == "baseline":
            cmd = [sys.executable, "-c", BASELINE, contacts, db, ROOT]
        else:
            cmd = [sys.executable, "-c", "from cli.main import main; main()", "--db", db,
                   "import", "contacts", contacts, "--format", "json"]
        took, out, peak = _child(cmd, env)
        rows = json.loads(out)["written"]["contacts"] if name == "tracing" else int(out.strip())
        results.append((name, took, peak, rows))
    print(f"{'run':10} {'seconds':>8} {'peak MB':>8} {'contacts':>10}")
    for name, took, peak, rows in results:
        print(f"{name:10} {took:8.1f} {peak:8.0f} {rows:10,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
