"""Time PA1 and PA2 on a tracing database.

    python benchmarks/bench_scenarios.py DB [--repeat 3]
    python benchmarks/bench_scenarios.py DB --build 10000      # make DB first (synthetic district)

PA1: the best-connected F1 (most contacts among up to 2,000 F1s) turns
positive the day after its chain's case was confirmed; the whole
``tracing.cases.confirm`` (re-derivation, schedules, follow-ups) runs as a dry
run. Target: <= 0.3 s on a 100k-person / 1M-contact district.

PA2: an untraced person with many contacts, living in a unit with cases, is
confirmed with no known source (dry run); the candidate ranking alone is timed
too. Target: ranking <= 1 s.

Nothing is written to DB by the timings (every run is a rolled-back dry run).
Prints one JSON document with the timings (best of ``--repeat``) and whether
each target is met; exit status 1 when one is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time

TARGETS = {"pa1_confirm": 0.3, "pa2_candidates": 1.0}


def build(path: str, persons: int, seed: int = 2021) -> dict:
    """A synthetic district straight into ``path`` (for trying the script)."""
    from tracing import levels
    from tracing.store import Store
    from tracing.synthetic import generate

    district = generate(persons, seed=seed)
    os.environ.setdefault("TRACING_TODAY", (district.end + dt.timedelta(days=60)).isoformat())
    store = Store.open(path, create=True)
    with store.write("bench build"):
        for row in district.persons:
            row = {k: (v if v != "" else None) for k, v in row.items()}
            row["vaccinated"] = int(row["vaccinated"]) if row.get("vaccinated") else None
            row["birth_year"] = int(row["birth_year"]) if row.get("birth_year") else None
            store.insert_person(row)
        for c in district.contacts:
            store.insert_contact({"a": c["from"], "b": c["to"], "date": c["date"] or None,
                                  "setting": c["setting"] or None, "place": c["place"] or None,
                                  "minutes": int(c["minutes"]) if c["minutes"] else None,
                                  "masked": None if c["masked"] == "" else c["masked"] == "true"})
        places = {}
        for c in district.checkin_rows():
            if c["place"] not in places:
                places[c["place"]] = store.place_id(c["place"])
            store.insert_checkin(c["person"], places[c["place"]], c["at"], c["until"] or None)
        for c in district.cases:
            store.upsert_case({"person": c["id"], "confirmed": c["confirmed"], "onset": c["onset"] or None,
                               "isolated": c["confirmed"], "unknown_source": int(c["unknown_source"] == "true")})
            sources = [s for s in c["source"].replace(",", ";").split(";") if s]
            store.add_case_sources(c["id"], sources)
        levels.rederive_all(store)
    counts = store.counts()
    store.close()
    return counts


def _pin_today(store) -> None:
    if os.environ.get("TRACING_TODAY"):
        return
    last = store.conn.execute("SELECT max(confirmed) FROM cases").fetchone()[0] or dt.date.today().isoformat()
    os.environ["TRACING_TODAY"] = (dt.date.fromisoformat(last) + dt.timedelta(days=60)).isoformat()


def _degree(store, person: str) -> int:
    return store.conn.execute(
        "SELECT (SELECT count(*) FROM contacts WHERE a = ?) + (SELECT count(*) FROM contacts WHERE b = ?)",
        (person, person)).fetchone()[0]


def pick_f1(store) -> tuple[str, str]:
    rows = store.conn.execute(
        "SELECT l.person, c.confirmed FROM levels l JOIN cases c ON c.person = l.chain_case "
        "WHERE l.level = 1 ORDER BY l.person LIMIT 2000").fetchall()
    if not rows:
        raise SystemExit("no F1 in this database: nothing to time for PA1")
    person, root_confirmed = max(rows, key=lambda r: (_degree(store, r[0]), r[0]))
    return person, (dt.date.fromisoformat(root_confirmed) + dt.timedelta(days=1)).isoformat()


def pick_pa2(store) -> tuple[str, str]:
    rows = store.conn.execute(
        """SELECT p.id FROM cases c JOIN persons u ON u.id = c.person
           JOIN persons p ON p.ward = u.ward AND p.unit = u.unit
           LEFT JOIN levels l ON l.person = p.id
           WHERE l.person IS NULL ORDER BY p.id LIMIT 2000""").fetchall()
    if not rows:
        raise SystemExit("no untraced person in a unit with cases: nothing to time for PA2")
    person = max((r[0] for r in rows), key=lambda p: (_degree(store, p), p))
    last = store.conn.execute(
        "SELECT max(date) FROM (SELECT max(date) AS date FROM contacts WHERE a = ? "
        "UNION ALL SELECT max(date) FROM contacts WHERE b = ?)", (person, person)).fetchone()[0]
    day = (dt.date.fromisoformat(last) + dt.timedelta(days=3)).isoformat() if last else os.environ["TRACING_TODAY"]
    return person, min(day, os.environ["TRACING_TODAY"])


def _best(fn, repeat: int) -> tuple[float, object]:
    best, out = None, None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        took = time.perf_counter() - t0
        best = took if best is None else min(best, took)
    return best, out


def bench(path: str, repeat: int = 3) -> dict:
    from tracing import cases, scenarios
    from tracing.store import Store

    store = Store.open(path)
    _pin_today(store)
    counts = store.counts()
    f1, f1_day = pick_f1(store)
    pa2, pa2_day = pick_pa2(store)

    def pa1():
        with store.write("bench PA1", dry_run=True):
            return cases.confirm(store, {"id": f1, "confirmed": f1_day})

    def pa2_confirm():
        with store.write("bench PA2", dry_run=True):
            return cases.confirm(store, {"id": pa2, "confirmed": pa2_day, "unknown_source": True})

    def pa2_rank():
        with store.write("bench PA2 ranking", dry_run=True):
            store.upsert_case({"person": pa2, "confirmed": pa2_day, "onset": None, "isolated": pa2_day,
                               "unknown_source": 1})
            t0 = time.perf_counter()
            ranked = scenarios.candidates(store, pa2)
            return time.perf_counter() - t0, ranked

    t_pa1, r1 = _best(pa1, repeat)
    t_pa2, r2 = _best(pa2_confirm, repeat)
    rank_times = [pa2_rank() for _ in range(repeat)]
    t_rank = min(t for t, _ in rank_times)
    degree = _degree(store, f1)
    store.close()
    timings = {"pa1_confirm": round(t_pa1, 4), "pa2_confirm": round(t_pa2, 4), "pa2_candidates": round(t_rank, 4)}
    return {
        "database": path, "counts": counts,
        "pa1": {"person": f1, "date": f1_day, "contacts": degree, "changes": len(r1["changes"]),
                "schedule": len(r1["schedule"]), "scenario": r1["scenario"]},
        "pa2": {"person": pa2, "date": pa2_day, "candidates": len(r2["candidates"]),
                "to_test": len((r2["zone"] or {}).get("to_test", []))},
        "seconds": timings,
        "targets": {k: {"limit": v, "ok": timings[k] <= v} for k, v in TARGETS.items()},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("db", help="the database file")
    parser.add_argument("--build", type=int, metavar="N", help="first build a synthetic district of N persons")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    if args.build:
        if os.path.exists(args.db):
            raise SystemExit(f"{args.db} exists: --build makes a new file")
        t0 = time.perf_counter()
        counts = build(args.db, args.build)
        print(f"built {args.db} in {time.perf_counter() - t0:.1f} s: {counts}", file=sys.stderr)
    out = bench(args.db, args.repeat)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0 if all(t["ok"] for t in out["targets"].values()) else 1


if __name__ == "__main__":
    sys.exit(main())
