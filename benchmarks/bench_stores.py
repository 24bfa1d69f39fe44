"""SQLite and PostgreSQL side by side (issue 17, point 6).

    python benchmarks/bench_stores.py postgresql://USER@HOST:PORT/postgres --scale 100k [--repeat 3]

1. the synthetic district (tracing.synthetic, seed 2021) is built into
   /tmp/bench-stores-<scale>/sqlite.db (kept for reruns; ``--rebuild``);
2. ``tracing copy`` moves it into a new PostgreSQL database
   ``bench_<scale>`` on the server of the address given (its user must be
   allowed to CREATE DATABASE), timed;
3. each command a user runs is timed as a whole process on both stores
   (median of ``--repeat``; peak RSS of the client process, the server's
   memory is not in it): confirm (PA1, dry run), PA2 candidates (dry run),
   status, tree, clusters, report.

The runs of the two stores alternate (SQLite, PostgreSQL, SQLite, …) so
that a change of the machine's load hits both alike. When the server runs
on this machine and its postmaster is readable (``/proc``), the CPU the
server spent for each command is measured too: a backend's CPU is added to
the postmaster's ``cutime + cstime`` when it exits, so the difference
before/after a command is that command's server CPU (plus any autovacuum
worker that ended meanwhile). Client + server CPU beside SQLite's CPU is the
comparison the load of a shared machine does not move.

Prints one table (Markdown) with the ratio PostgreSQL / SQLite; ``--json
FILE`` writes the figures. Targets (issue 17): interactive commands within
2x their SQLite time, clusters and report within 3 s at 100k.
``--reuse`` keeps a database ``bench_<scale>`` already on the server (no copy).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402

SCALES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
INTERACTIVE = ("confirm (PA1)", "PA2 candidates", "status", "tree")


def _cmd(db: str, *args: str) -> list[str]:
    """The installed ``tracing`` script, else ``cli.main`` of this checkout (whatever the current
    folder: ``python -m cli.main`` would run the checkout the benchmark was started from)."""
    cmd = common.tracing_cmd(db, *args)
    if os.path.exists(cmd[0]):
        return cmd
    return [sys.executable, "-c", f"import runpy, sys; sys.path.insert(0, {common.ROOT!r}); "
                                  "runpy.run_module('cli.main', run_name='__main__')", *cmd[1:]]


def _url_of(server: str, name: str) -> str:
    from urllib.parse import urlsplit, urlunsplit
    return urlunsplit(urlsplit(server)._replace(path="/" + name))


def _postmaster_stat(admin) -> str | None:
    """``/proc/<postmaster>/stat`` of the server ``admin`` is connected to, when it runs here."""
    try:
        data_dir = admin.execute("SHOW data_directory").fetchone()[0]
        with open(os.path.join(data_dir, "postmaster.pid")) as f:
            pid = int(f.readline())
        path = f"/proc/{pid}/stat"
        open(path).close()
        return path
    except Exception:  # noqa: BLE001 - another machine, or not readable: no server CPU column
        return None


def _reaped_cpu(stat: str | None) -> float:
    """CPU seconds of the postmaster's children that have exited (cutime + cstime)."""
    if stat is None:
        return 0.0
    with open(stat) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if len(values) % 2 else (values[len(values) // 2 - 1] + values[len(values) // 2]) / 2


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("server", help="postgresql:// address of a database whose user may CREATE DATABASE")
    ap.add_argument("--scale", choices=sorted(SCALES), default="10k")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--rebuild", action="store_true")
    ap.add_argument("--json")
    ap.add_argument("--reuse", action="store_true", help="keep bench_<scale> on the server when it is there")
    args = ap.parse_args(argv)

    import psycopg
    work = f"/tmp/bench-stores-{args.scale}"
    os.makedirs(work, exist_ok=True)
    lite = os.path.join(work, "sqlite.db")
    meta_file = os.path.join(work, "meta.json")
    if args.rebuild or not os.path.exists(meta_file) or not os.path.exists(lite):
        built = common.build_district(lite, SCALES[args.scale])
        with open(meta_file, "w") as f:
            json.dump(built, f)
    with open(meta_file) as f:
        built = json.load(f)
    env = common.bench_env(built["today"])
    os.environ["TRACING_TODAY"] = built["today"]
    common.run_process(_cmd(lite, "--help"), env)  # fill the bytecode cache

    name = f"bench_{args.scale}"
    pg = _url_of(args.server, name)
    admin = psycopg.connect(args.server, autocommit=True)
    stat = _postmaster_stat(admin)
    there = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
    t_copy = p_copy = None
    if not (args.reuse and there):
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        print(f"copying into {pg} (load {common.load()})", file=sys.stderr)
        t_copy, p_copy, _, c_copy = common.run_process(_cmd(lite, "copy", lite, pg), env)
        with psycopg.connect(pg, autocommit=True) as c:
            c.execute("VACUUM ANALYZE")  # what a server's autovacuum does after a bulk load
    admin.close()

    from bench_scenarios import pick_f1, pick_pa2
    from tracing.store import Store
    store = Store.open(lite)
    counts = store.counts()
    f1, f1_day = pick_f1(store)
    pa2, pa2_day = pick_pa2(store)
    root = store.levels([f1])[f1]["chain_case"]
    store.close()

    steps = [
        ("confirm (PA1)", ["case", "confirm", f1, "--date", f1_day, "--dry-run", "--format", "json"]),
        ("PA2 candidates", ["case", "confirm", pa2, "--date", pa2_day, "--unknown-source", "--dry-run",
                            "--format", "json"]),
        ("status", ["status", f1, "--format", "json"]),
        ("tree", ["tree", root, "--format", "json"]),
        ("clusters", ["clusters", "--format", "json"]),
        ("report", ["report", "--format", "json"]),
    ]
    import time
    rows = []
    for step, cmd in steps:
        runs = {"sqlite": [], "postgresql": []}
        outputs = {}
        loads = []
        for _ in range(args.repeat):  # alternate the stores: a change of load hits both
            for store_name, db in (("sqlite", lite), ("postgresql", pg)):
                before = _reaped_cpu(stat)
                t, p, out, c = common.run_process(_cmd(db, *cmd), env)
                server = 0.0
                if store_name == "postgresql" and stat:
                    time.sleep(0.2)  # the postmaster reaps the backend on SIGCHLD
                    server = _reaped_cpu(stat) - before
                runs[store_name].append((t, c, p, server))
                outputs[store_name] = out
            loads.append(os.getloadavg()[0])
        figures = {k: (_median([r[0] for r in v]), _median([r[1] for r in v]), max(r[2] for r in v),
                       _median([r[3] for r in v])) for k, v in runs.items()}
        same = outputs["sqlite"] == outputs["postgresql"]
        rows.append((step, figures, same, _median(loads)))
        print(f"  {step}: sqlite {figures['sqlite'][0]:.3f} s, postgresql {figures['postgresql'][0]:.3f} s"
              f"{'' if same else ' (OUTPUT DIFFERS)'} (load {_median(loads):.1f})", file=sys.stderr)

    info = common.machine()
    print(f"scale {args.scale}: {counts['persons']:,} persons, {counts['contacts']:,} contacts, "
          f"{counts['checkins']:,} check-ins, {counts['cases']:,} cases, {counts['levels']:,} traced")
    print(f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory']} RAM; load average {common.load()}; "
          f"median of {args.repeat}; PostgreSQL on the same machine (127.0.0.1)")
    if t_copy is not None:
        print(f"copy SQLite -> PostgreSQL: {t_copy:.1f} s (client peak {p_copy:.0f} MB)")
    print()
    print("| step | load | SQLite s | PostgreSQL s | ratio | SQLite CPU s | PG client CPU s | PG server CPU s | "
          "CPU ratio (client+server) | SQLite peak MB | PG client peak MB | same output | target |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for step, fig, same, ld in rows:
        (ts, cs, ps, _), (tp, cp, pp, sp) = fig["sqlite"], fig["postgresql"]
        if step in INTERACTIVE:
            target = "<= 2x " + ("ok" if tp <= 2 * ts else "MISSED")
        else:
            target = "<= 3 s " + ("ok" if tp <= 3 else "MISSED")
        server = f"{sp:.2f}" if stat else "-"
        cpu_ratio = f"{(cp + sp) / cs:.2f}x" if stat and cs else "-"
        print(f"| {step} | {ld:.1f} | {ts:.3f} | {tp:.3f} | {tp / ts:.2f}x | {cs:.2f} | {cp:.2f} | {server} | "
              f"{cpu_ratio} | {ps:.0f} | {pp:.0f} | {'yes' if same else 'NO'} | {target} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"scale": args.scale, "counts": counts, "copy_seconds": t_copy,
                       "steps": {s: {k: list(v) for k, v in fig.items()} | {"same": same, "load": ld}
                                 for s, fig, same, ld in rows}}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
