"""Where a short command's time goes, SQLite beside PostgreSQL (issue 17, point 6).

    python benchmarks/bench_startup.py postgresql://USER@HOST:PORT/bench_100k [--sqlite FILE] [--repeat 11]

The interactive commands (status, tree, confirm, PA2) are whole processes
of 0.1-0.3 s, most of it start-up. This prints the CPU seconds (user +
system, median of ``--repeat``; CPU hardly moves with the machine's load,
wall time does) of:

* the bare interpreter (``python -c pass``), and ``python -I -S -c pass``
  (no site-packages ``.pth`` files: a sandbox may add some, e.g. certifi);
* ``import sqlite3`` and ``import psycopg`` alone (the driver's fixed cost);
* ``tracing status ID`` on each store, and the part of it spent importing
  the driver, connecting and running the statements (measured inside the
  process with ``time.process_time``/``perf_counter``).

The databases are those of ``bench_stores.py`` (``/tmp/bench-stores-100k/sqlite.db``
and the ``bench_100k`` database it copied to the server).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402

#: runs `tracing ARGS` in this process and reports, on stderr, the time of the
#: driver's import + connection and of the statements (PostgreSQL only)
PROBE = r"""
import json, runpy, sys, time
c0, w0 = time.process_time(), time.perf_counter()
spans = {"statements": [0, 0.0, 0.0], "open": [0, 0.0, 0.0]}
def timed(cls, name, key):
    orig = getattr(cls, name)
    def wrapper(*a, **k):
        c, w = time.process_time(), time.perf_counter()
        try:
            return orig(*a, **k)
        finally:
            s = spans[key]; s[0] += 1; s[1] += time.process_time() - c; s[2] += time.perf_counter() - w
    setattr(cls, name, wrapper)
from tracing.store import Store
timed(Store, "open", "open")
if sys.argv[2].startswith("postgres"):
    from tracing.store import postgres
    timed(postgres.Connection, "_run", "statements")
else:
    import sqlite3  # the SQLite store runs its statements in C: only opening is timed there
def report():
    spans["process"] = [1, time.process_time() - c0, time.perf_counter() - w0]
    print("SPANS " + json.dumps(spans), file=sys.stderr)
import atexit; atexit.register(report)
sys.argv = ["tracing", *sys.argv[1:]]
runpy.run_module("cli.main", run_name="__main__")
"""


def _spans(cmd, env) -> dict:
    import subprocess
    out = subprocess.run(cmd, env=env, capture_output=True, text=True)
    line = [x for x in out.stderr.splitlines() if x.startswith("SPANS ")]
    if out.returncode or not line:
        raise SystemExit(f"{cmd} failed: {out.stderr[-500:]}")
    return json.loads(line[-1][6:])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("server", help="postgresql:// address of the bench_100k database of bench_stores.py")
    ap.add_argument("--sqlite", default="/tmp/bench-stores-100k/sqlite.db")
    ap.add_argument("--repeat", type=int, default=11)
    ap.add_argument("--before", help="another checkout (e.g. `git archive COMMIT | tar -x -C DIR`): its "
                                     "status and confirm processes are timed too, runs interleaved with ours")
    args = ap.parse_args(argv)
    with open(os.path.join(os.path.dirname(args.sqlite), "meta.json")) as f:
        today = json.load(f)["today"]
    env = common.bench_env(today)
    sys.path.insert(0, common.ROOT)
    from bench_scenarios import pick_f1
    from tracing.store import Store
    os.environ["TRACING_TODAY"] = today
    store = Store.open(args.sqlite)
    person, day = pick_f1(store)
    store.close()

    py = sys.executable
    rows = []
    loads = []
    plain = {"python -c pass": [py, "-c", "pass"], "python -I -S -c pass (no .pth)": [py, "-I", "-S", "-c", "pass"],
             "import sqlite3": [py, "-c", "import sqlite3"], "import psycopg": [py, "-c", "import psycopg"]}
    for label, cmd in plain.items():
        cpu = [common.run_process(cmd, env)[3] for _ in range(args.repeat)]
        rows.append((label, common.median(cpu), None, None))
    for name, db in (("SQLite", args.sqlite), ("PostgreSQL", args.server)):
        cmd = [py, "-c", PROBE, "--db", db, "status", person, "--format", "json"]
        runs = []
        for _ in range(args.repeat):
            t, _peak, _out, cpu = common.run_process(cmd, env)
            runs.append((t, cpu, _spans(cmd, env)))
            loads.append(os.getloadavg()[0])
        rows.append((f"tracing status ({name}), whole process", common.median([r[1] for r in runs]),
                     common.median([r[0] for r in runs]), None))
        for key, label in (("open", "  Store.open (driver import + connection)"), ("statements", "  statements")):
            if any(r[2][key][0] for r in runs):
                rows.append((label, common.median([r[2][key][1] for r in runs]),
                             common.median([r[2][key][2] for r in runs]),
                             int(common.median([r[2][key][0] for r in runs]))))
    print(f"median of {args.repeat}; load average {common.load()} (median 1-min load during the status runs "
          f"{common.median(loads):.1f}); bytecode cache on")
    print()
    print("| what | CPU s | wall s | statements |")
    print("|---|---|---|---|")
    for label, cpu, wall, n in rows:
        print(f"| {label} | {cpu:.3f} | {'' if wall is None else f'{wall:.3f}'} | {'' if n is None else n} |")
    if args.before:
        trees = {"this checkout": common.ROOT, "before": os.path.abspath(args.before)}
        commands = {"status": ["status", person], "confirm (PA1, dry run)": ["case", "confirm", person, "--date", day,
                                                                          "--dry-run"]}
        runs = {}
        for _ in range(args.repeat):  # interleaved: a change of the machine's load hits all alike
            for label, cmd in commands.items():
                for tree_name, tree in trees.items():
                    for name, db in (("SQLite", args.sqlite), ("PostgreSQL", args.server)):
                        # not `python -m cli.main`: that puts the current folder first on sys.path
                        run_tree = f"import runpy, sys; sys.path.insert(0, {tree!r}); " \
                                   "runpy.run_module('cli.main', run_name='__main__')"
                        t, _peak, _out, cpu = common.run_process(
                            [py, "-c", run_tree, "--db", db, *cmd, "--format", "json"], dict(env, PYTHONPATH=tree))
                        runs.setdefault((label, tree_name, name), []).append((t, cpu))
        print()
        print(f"whole processes, median of {args.repeat} (interleaved); load average {common.load()}")
        print()
        print("| command | checkout | SQLite CPU s | PostgreSQL CPU s | CPU ratio | SQLite wall s | "
              "PostgreSQL wall s | wall ratio |")
        print("|---|---|---|---|---|---|---|---|")
        for label in commands:
            for tree_name in trees:
                lite, pg = runs[(label, tree_name, "SQLite")], runs[(label, tree_name, "PostgreSQL")]
                lc, pc = common.median([r[1] for r in lite]), common.median([r[1] for r in pg])
                lw, pw = common.median([r[0] for r in lite]), common.median([r[0] for r in pg])
                print(f"| {label} | {tree_name} | {lc:.3f} | {pc:.3f} | {pc / lc:.2f}x | {lw:.3f} | {pw:.3f} | "
                      f"{pw / lw:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
