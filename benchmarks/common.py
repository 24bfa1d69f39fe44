"""Shared helpers for the benchmark scripts (run.py, bench_core.py).

* :func:`build_district` writes a synthetic district (tracing.synthetic, fixed
  seed) straight through :mod:`tracing.store.bulk` in ONE ``store.write`` and
  re-derives every level (``levels.rederive_all``);
* :func:`run_process` runs a command as a child of a tiny wrapper process, so
  ``resource.getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the peak RSS of that one
  run; :func:`median_process` does it N times (median seconds, max peak);
* the *naive* way, used for the ratios: every contact loaded into a networkx
  graph, then a breadth-first walk with the time windows. Run as a whole
  process too: ``python benchmarks/common.py naive STEP DB [ARGS...]``.

>>> median([3.0, 1.0, 2.0])
2.0
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

SEED = 2021
INFECTIOUS_BEFORE_DAYS = 2      # rules: window.infectious_before_days (default)
INCUBATION_DAYS = 14            # how far back the naive PA2 looks for a source

WRAP = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:]); "
        "u = resource.getrusage(resource.RUSAGE_CHILDREN); "
        "print('\\nPEAK_KB', u.ru_maxrss, u.ru_utime + u.ru_stime, file=sys.stderr); "
        "sys.exit(r.returncode)")


# ---------------------------------------------------------------- machine
def median(values):
    return statistics.median(values)


def machine() -> dict:
    """nproc, CPU model, memory, load average, Python version."""
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = "?"
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
            mem = f"{kb / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {"nproc": os.cpu_count(), "cpu": cpu, "memory": mem, "load": load(),
            "python": platform.python_version()}


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def remove_db(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)


def today_for(district_end: dt.date) -> str:
    """The pinned TRACING_TODAY of a benchmark district: the day after its end."""
    return (district_end + dt.timedelta(days=1)).isoformat()


# ---------------------------------------------------------------- processes
def run_process(cmd: list[str], env: dict | None = None, *,
                check: bool = True) -> tuple[float, float, str, float]:
    """Run ``cmd`` once; returns (seconds, peak RSS in MB, stdout, CPU seconds).

    Seconds (wall clock) include the interpreter start-up of ``cmd`` (plus
    ~1 ms of the wrapper's fork); peak RSS and CPU seconds (user + system)
    are those of ``cmd`` (and its children) only. CPU seconds hardly change
    when other processes compete for the cores; wall seconds do."""
    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", WRAP, *cmd], env=env, capture_output=True, text=True)
    took = time.perf_counter() - began
    peak, cpu = None, 0.0
    for line in reversed(out.stderr.splitlines()):
        if line.startswith("PEAK_KB "):
            peak, cpu = int(line.split()[1]) / 1024, float(line.split()[2])
            break
    if check and out.returncode:
        raise SystemExit(f"failed ({out.returncode}): {' '.join(cmd)}\n{out.stderr[-3000:]}")
    return took, peak or 0.0, out.stdout, cpu


def median_process(cmd: list[str], env: dict | None = None, repeat: int = 3,
                   before=None) -> tuple[float, float, str, float]:
    """``repeat`` runs of ``cmd`` (``before()`` is called before each, e.g. a
    fresh database): median seconds, highest peak MB, stdout of the last
    run, median CPU seconds."""
    times, peaks, cpus, out = [], [], [], ""
    for _ in range(repeat):
        if before is not None:
            before()
        t, p, out, c = run_process(cmd, env)
        times.append(t)
        peaks.append(p)
        cpus.append(c)
    return median(times), max(peaks), out, median(cpus)


def tracing_cmd(db: str, *args: str) -> list[str]:
    """The installed ``tracing`` console script (what a user runs)."""
    exe = os.path.join(os.path.dirname(sys.executable), "tracing")
    if not os.path.exists(exe):
        import shutil
        exe = shutil.which("tracing") or exe
    return [exe, "--db", db, *args]


PYCACHE = "/tmp/bench-pycache"


def bench_env(today: str, *, bytecode: bool = True) -> dict:
    """Environment of the timed processes. ``bytecode``: let Python cache
    compiled modules (in :data:`PYCACHE`, outside the checkout), as an
    installed package has them; this sandbox sets PYTHONDONTWRITEBYTECODE=1,
    which makes every process compile every module again (~0.05-0.1 s CPU)."""
    env = dict(os.environ, TRACING_TODAY=today, PYTHONPATH=ROOT)
    if bytecode:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = PYCACHE
    return env


# ---------------------------------------------------------------- building
def _synthetic_rows(district):
    """The district's rows in the shapes the bulk writers take, validated by
    the importer's own cleaners."""
    from tracing import importer

    na = importer.NA_VALUES

    def persons():
        for row in district.persons:
            yield importer._person(dict(row), None)

    def contacts():
        clean = importer.ContactCleaner(na)
        for row in district.contacts:
            yield clean(row, None)

    def checkins():
        for row in district.checkin_rows():
            yield importer.clean_checkin(row)

    def cases():
        for c in district.cases:
            sources = importer.split_sources(c["source"])
            yield {"person": c["id"], "confirmed": c["confirmed"], "onset": c["onset"] or None,
                   "isolated": c["confirmed"], "unknown_source": int(c["unknown_source"] == "true"),
                   "sources": sources}

    def populations():
        for row in district.populations:
            yield importer.clean_population(row)

    return persons(), contacts(), checkins(), cases(), populations()


def build_district(path: str, persons: int, seed: int = SEED) -> dict:
    """Generate a district of ``persons`` and write it to a NEW database at
    ``path`` in one ``store.write``, then ``levels.rederive_all``. Pins
    TRACING_TODAY (the day after the district's last day) in os.environ.
    Returns ``{"seconds": {generate+write, derive, total}, "counts": ...}``."""
    from tracing import levels
    from tracing.store import Store, bulk
    from tracing.synthetic import generate

    t0 = time.perf_counter()
    district = generate(persons, seed=seed)
    os.environ["TRACING_TODAY"] = today_for(district.end)
    remove_db(path)
    store = Store.open(path, create=True)
    p, c, k, cs, pop = _synthetic_rows(district)
    with store.write("bench build"):
        bulk.bulk_persons(store, p)
        bulk.bulk_contacts(store, c)
        bulk.bulk_checkins(store, k)
        bulk.bulk_populations(store, pop)
        bulk.bulk_cases(store, cs)
        t1 = time.perf_counter()
        levels.rederive_all(store)
        t2 = time.perf_counter()
    t3 = time.perf_counter()
    counts = store.counts()
    store.close()
    return {"seconds": {"write": round(t1 - t0, 2), "derive": round(t2 - t1, 2), "total": round(t3 - t0, 2)},
            "counts": counts, "today": os.environ["TRACING_TODAY"], "end": district.end.isoformat()}


# ---------------------------------------------------------------- naive way
def _day(text: str, days: int = 0) -> str:
    return (dt.date.fromisoformat(text) + dt.timedelta(days=days)).isoformat()


def naive_graph(db: str):
    """Every contact of the database in a networkx graph (edge attribute
    ``dates``: the contact dates of that pair), every person a node with its
    ward; plus the cases ``{id: (confirmed, onset, isolated)}``."""
    import sqlite3

    import networkx as nx

    conn = sqlite3.connect(db)
    g = nx.Graph()
    g.add_nodes_from((pid, {"ward": ward}) for pid, ward in conn.execute("SELECT id, ward FROM persons"))
    for a, b, date in conn.execute("SELECT a, b, date FROM contacts"):
        data = g.get_edge_data(a, b)
        if data is None:
            g.add_edge(a, b, dates=[date])
        else:
            data["dates"].append(date)
    cases = {p: (c, o, i) for p, c, o, i in conn.execute("SELECT person, confirmed, onset, isolated FROM cases")}
    sources = conn.execute("SELECT case_id, source FROM case_sources").fetchall()
    conn.close()
    return g, cases, sources


def naive_derive(g, seeds: dict[str, tuple[str, str, str | None]], depth: int = 2) -> dict[str, tuple[int, str]]:
    """Breadth-first from the cases ``seeds`` ({id: (confirmed, onset,
    isolated)}) with the time windows: a contact dated inside the
    transmitter's window [exposure (or onset/confirmed - 2 days), quarantine
    (isolated or the root's confirmation)] makes the other person one level
    deeper. Returns {person: (level, exposure)}."""
    out: dict[str, tuple[int, str]] = {}
    frontier = {}
    for p, (confirmed, onset, isolated) in seeds.items():
        out[p] = (0, confirmed)
        frontier[p] = (_day(onset or confirmed, -INFECTIOUS_BEFORE_DAYS), isolated or confirmed)
    for level in range(1, depth + 1):
        nxt: dict[str, tuple[str, str]] = {}
        for t, (lo, hi) in frontier.items():
            for other, data in g[t].items():
                if other in out and out[other][0] < level:
                    continue
                hits = [d for d in data["dates"] if d is None or lo <= d <= hi]
                if not hits:
                    continue
                exposure = min((d for d in hits if d), default=lo)
                if other not in nxt or exposure < nxt[other][0]:
                    nxt[other] = (exposure, hi)
        for p, (exposure, hi) in nxt.items():
            out[p] = (level, exposure)
        frontier = nxt
    return out


def naive(step: str, db: str, *args: str) -> dict:
    """The naive way of one step, as one process would do it: load
    everything into networkx, then compute. Returns a small summary."""
    import networkx as nx

    if step == "import":  # CSV files -> networkx graph (the "database")
        import csv
        folder = args[0]
        g = nx.Graph()
        with open(os.path.join(folder, "persons.csv"), encoding="utf-8", newline="") as fh:
            g.add_nodes_from((r["id"], r) for r in csv.DictReader(fh))
        with open(os.path.join(folder, "contacts.csv"), encoding="utf-8", newline="") as fh:
            for r in csv.DictReader(fh):
                data = g.get_edge_data(r["from"], r["to"])
                if data is None:
                    g.add_edge(r["from"], r["to"], dates=[r["date"]])
                else:
                    data["dates"].append(r["date"])
        with open(os.path.join(folder, "cases.csv"), encoding="utf-8", newline="") as fh:
            cases = {r["id"]: (r["confirmed"], r["onset"] or None, r["confirmed"]) for r in csv.DictReader(fh)}
        levels = naive_derive(g, cases)
        return {"nodes": g.number_of_nodes(), "edges": g.number_of_edges(), "traced": len(levels)}
    g, cases, sources = naive_graph(db)
    if step == "confirm":  # args: person date
        person, date = args
        found = naive_derive(g, {person: (date, None, date)})
        return {"F1": sum(1 for lv, _ in found.values() if lv == 1), "F2": sum(1 for lv, _ in found.values() if lv == 2)}
    if step == "pa2":  # args: person date: cases met (directly or via one person) in the incubation window
        person, date = args
        lo = _day(date, -INCUBATION_DAYS)
        found = {}
        for other, data in g[person].items():
            if not any(d and lo <= d <= date for d in data["dates"]):
                continue
            if other in cases:
                found[other] = 1
            for far, d2 in g[other].items():
                if far in cases and far != person and any(d and lo <= d <= date for d in d2["dates"]):
                    found.setdefault(far, 2)
        return {"candidates": len(found)}
    if step == "status":  # args: person: derive the whole district, read one level
        levels = naive_derive(g, cases)
        return {"level": levels.get(args[0], (None,))[0]}
    if step == "tree":  # args: root
        levels = naive_derive(g, {args[0]: cases[args[0]]})
        return {"size": len(levels)}
    if step == "clusters":
        h = nx.Graph()
        h.add_edges_from(g.edges())
        h.add_edges_from(sources)
        h.add_nodes_from(cases)
        out = [c & cases.keys() for c in nx.connected_components(h)]
        return {"clusters": sum(1 for c in out if len(c) >= 2)}
    if step == "report":  # F0/F1/F2 per ward over the whole district
        levels = naive_derive(g, cases)
        wards: dict = {}
        for p, (lv, _) in levels.items():
            key = (g.nodes[p].get("ward") or "", lv)
            wards[key] = wards.get(key, 0) + 1
        return {"rows": len(wards)}
    if step == "render":  # args: root out.html: pyvis from_nx of the derived tree
        from pyvis.network import Network
        root, path = args
        levels = naive_derive(g, {root: cases[root]})
        sub = nx.Graph(g.subgraph(levels))
        for _, _, data in sub.edges(data=True):
            data.pop("dates", None)
        for n, data in sub.nodes(data=True):
            data.clear()
            data["label"] = n
        net = Network(cdn_resources="in_line")
        net.from_nx(sub)
        net.write_html(path)
        return {"nodes": sub.number_of_nodes()}
    raise SystemExit(f"unknown naive step {step}")


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "naive":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        print(json.dumps(naive(sys.argv[2], sys.argv[3], *sys.argv[4:])))
    else:
        raise SystemExit("usage: python benchmarks/common.py naive STEP DB [ARGS...]")
