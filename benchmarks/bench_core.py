"""Core benchmark (issue 3.7): build a district, confirm one case, status.

    python benchmarks/bench_core.py                      # 100,000 persons, ~1M contacts
    python benchmarks/bench_core.py --persons 10000 --db /tmp/bench-10k/core.db
    python benchmarks/bench_core.py --reuse              # keep an already built --db

1. build: tracing.synthetic (seed 2021) through tracing.store.bulk inside one
   ``store.write``, then ``levels.rederive_all``;
2. confirm + derive: the best-connected F1 (not a case) is confirmed the day
   after its chain's case (PA1) with ``tracing.cases.confirm`` inside
   ``store.write(dry_run=True)``: in-process, median of 3 (warm: the store is
   open, modules imported); and the whole ``tracing case confirm --dry-run``
   process, median of 3;
3. status of that person: ``tracing.status.status`` in-process (median of 3)
   and the whole ``tracing status ID`` process (median of 3);
4. peak memory (RSS) of this process after 1-3;
5. the naive way: one process that loads every contact into networkx and
   walks breadth-first from the case with the time windows (median of
   ``--naive-repeat``), and the ratio naive / ours.

Targets: confirm+derive <= 0.2 s, status <= 50 ms (library call), peak <= 1 GB.
Exit status 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import common  # noqa: E402

TARGETS = {"confirm": 0.2, "status": 0.05, "peak_mb": 1024}


def _median_in_process(fn, repeat: int = 3) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return common.median(times), out


def _scale(persons: int) -> str:
    return f"{persons // 1000}k" if persons < 1_000_000 else f"{persons // 1_000_000}m"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--db", help="database path (default /tmp/bench-<scale>/core.db)")
    ap.add_argument("--reuse", action="store_true", help="use --db as it is if it exists (no build)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive-repeat", type=int, default=1)
    ap.add_argument("--no-bytecode", action="store_true",
                    help="keep PYTHONDONTWRITEBYTECODE (every process compiles every module again)")
    args = ap.parse_args(argv)
    db = args.db or f"/tmp/bench-{_scale(args.persons)}/core.db"
    os.makedirs(os.path.dirname(db), exist_ok=True)

    from bench_scenarios import _degree, pick_f1  # reuse: the best-connected F1
    from tracing import cases, status
    from tracing.store import Store

    info = common.machine()
    print(f"machine: {info['nproc']} cores, {info['cpu']}, {info['memory']}, Python {info['python']}; "
          f"load average {info['load']}")
    if args.reuse and os.path.exists(db):
        store = Store.open(db)
        last = store.conn.execute("SELECT max(date) FROM contacts").fetchone()[0]
        store.close()
        import datetime as dt
        os.environ["TRACING_TODAY"] = common.today_for(dt.date.fromisoformat(last))
        print(f"reusing {db}")
    else:
        built = common.build_district(db, args.persons)
        c = built["counts"]
        print(f"build: {built['seconds']['total']:.1f} s (generate + bulk write {built['seconds']['write']:.1f} s, "
              f"rederive_all {built['seconds']['derive']:.1f} s): {c['persons']:,} persons, "
              f"{c['contacts']:,} contacts, {c['checkins']:,} check-ins, {c['cases']:,} cases, "
              f"{c['levels']:,} traced -> {db}")
    today = os.environ["TRACING_TODAY"]
    env = common.bench_env(today, bytecode=not args.no_bytecode)
    common.run_process(common.tracing_cmd(db, "--help"), env)  # fill the bytecode cache

    store = Store.open(db)
    person, day = pick_f1(store)
    degree = _degree(store, person)

    def confirm():
        with store.write("bench confirm", dry_run=True):
            return cases.confirm(store, {"id": person, "confirmed": day})

    t_confirm, result = _median_in_process(confirm, args.repeat)
    t_status, st = _median_in_process(lambda: status.status(store, person), args.repeat)
    store.close()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    p_confirm, m_confirm, _, c_confirm = common.median_process(
        common.tracing_cmd(db, "case", "confirm", person, "--date", day, "--dry-run", "--format", "json"),
        env, args.repeat)
    p_status, m_status, _, c_status = common.median_process(
        common.tracing_cmd(db, "status", person, "--format", "json"), env, args.repeat)
    p_pass, _, _, c_pass = common.median_process([sys.executable, "-c", "pass"], env, args.repeat)
    p_help, _, _, c_help = common.median_process(common.tracing_cmd(db, "--help"), env, args.repeat)
    n_confirm, m_naive, out, c_naive = common.median_process(
        [sys.executable, os.path.join(HERE, "common.py"), "naive", "confirm", db, person, day], env,
        args.naive_repeat)
    naive_out = json.loads(out)

    changes = result["changes"]
    print(f"case: {person} ({degree} contacts, {st['level']} of {st['root']}) confirmed {day} (PA1), "
          f"{len(changes)} level changes, {len(result['schedule'])} schedules")
    rows = [
        ("confirm + derive, in-process (median of %d)" % args.repeat, t_confirm, None, None, TARGETS["confirm"]),
        ("confirm + derive, whole `tracing case confirm --dry-run`", p_confirm, c_confirm, m_confirm, None),
        ("status, in-process library call", t_status, None, None, TARGETS["status"]),
        ("status, whole `tracing status ID` process", p_status, c_status, m_status, None),
        ("python -c pass (start-up floor)", p_pass, c_pass, None, None),
        ("tracing --help (start-up + CLI imports)", p_help, c_help, None, None),
        ("naive: networkx load + BFS (one process, %d run)" % args.naive_repeat, n_confirm, c_naive, m_naive, None),
    ]
    print(f"{'step':62} {'seconds':>8} {'CPU s':>7} {'peak MB':>8}  target")
    for name, t, cpu, mb, target in rows:
        ok = "" if target is None else (f"<= {target:g} s " + ("ok" if t <= target else "MISSED"))
        print(f"{name:62} {t:8.4f} {('%.3f' % cpu) if cpu is not None else '':>7} "
              f"{('%.0f' % mb) if mb else '':>8}  {ok}")
    print(f"peak memory of this process (build + confirm + status): {peak_mb:.0f} MB  "
          f"<= {TARGETS['peak_mb']} MB {'ok' if peak_mb <= TARGETS['peak_mb'] else 'MISSED'}")
    print(f"naive found F1 {naive_out['F1']:,}, F2 {naive_out['F2']:,}")
    print(f"ratio naive / ours: {n_confirm / t_confirm:.0f}x in-process, {n_confirm / p_confirm:.1f}x whole process")
    print(f"load average after: {common.load()}")
    ok = t_confirm <= TARGETS["confirm"] and t_status <= TARGETS["status"] and peak_mb <= TARGETS["peak_mb"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
