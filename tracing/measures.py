"""Epidemiological measures of a cluster's transmission tree: pure functions.

The tree is a mapping ``{case: infector or None}`` (the infector is a case of
the same cluster). None of Go.Data, SORMAS or epicontacts reports these per
cluster; supervisors asked for them:

* offspring (secondary cases) per case, their mean (the cluster's observed R);
* the dispersion ``k`` of a negative binomial fitted to the offspring counts
  by maximum likelihood (small ``k`` = superspreading), and the share of cases
  that caused 80 % of the transmission;
* the serial interval (infectee onset minus infector onset);
* the secondary attack rate by setting.

Everything is plain Python (no scipy): the NB maximum-likelihood ``k`` solves
the score equation by bisection on ``log k``. :func:`to_graph` gives the tree
as a networkx ``DiGraph`` for those who want to go further (networkx is
imported lazily there only).

>>> tree = {"A": None, "B": "A", "C": "A", "D": "B"}
>>> offspring(tree)
{'A': 2, 'B': 1, 'C': 0, 'D': 0}
>>> generations(tree)
3
>>> top_share(offspring(tree))
0.5
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Iterable, Mapping


def offspring(infector: Mapping[str, str | None]) -> dict[str, int]:
    """Secondary cases of each case: how many cases name it as infector.

    >>> offspring({"A": None, "B": "A"})
    {'A': 1, 'B': 0}
    """
    counts = {case: 0 for case in infector}
    for case, source in infector.items():
        if source is not None and source in counts and source != case:
            counts[source] += 1
    return counts


def generations(infector: Mapping[str, str | None]) -> int:
    """Number of generations of the tree (a lone case is 1, 0 for no case).
    A cycle in the sources is cut where it closes.

    >>> generations({"A": None, "B": "A", "C": "B"}), generations({}), generations({"A": "B", "B": "A"})
    (3, 0, 2)
    """
    depth: dict[str, int] = {}
    for start in infector:
        chain, seen = [], set()
        node = start
        while node is not None and node in infector and node not in depth and node not in seen:
            seen.add(node)
            chain.append(node)
            node = infector[node]
        base = depth.get(node, 0) if node is not None and node not in seen else 0
        for n in reversed(chain):
            base += 1
            depth[n] = base
    return max(depth.values(), default=0)


def mean(values: Iterable[float]) -> float | None:
    values = list(values)
    return sum(values) / len(values) if values else None


def dispersion_k(counts: Iterable[int], *, lo: float = 1e-4, hi: float = 1e4) -> float | None:
    """Maximum-likelihood dispersion ``k`` of a negative binomial fitted to
    offspring ``counts`` (mean fixed at the sample mean, its MLE). None when
    it cannot be estimated: fewer than 2 counts, no transmission, or no
    overdispersion (variance not above the mean: a Poisson fits, ``k`` = ∞).

    The score ``Σᵢ Σ_{j<xᵢ} 1/(k+j) + n·log(k/(k+m))`` falls from +∞ to 0 as
    ``k`` grows; its root is found by bisection on ``log k``.

    >>> round(dispersion_k([0, 0, 0, 0, 0, 0, 0, 1, 2, 10]), 2)
    0.16
    >>> dispersion_k([1, 1, 1, 1]) is None, dispersion_k([0, 0]) is None
    (True, True)
    """
    xs = [int(x) for x in counts]
    n = len(xs)
    if n < 2:
        return None
    m = sum(xs) / n
    if m == 0:
        return None
    var = sum((x - m) ** 2 for x in xs) / (n - 1)
    if var <= m:
        return None

    def score(k: float) -> float:
        return sum(sum(1.0 / (k + j) for j in range(x)) for x in xs) + n * math.log(k / (k + m))

    if score(hi) > 0:
        return None
    if score(lo) < 0:
        return lo
    a, b = math.log(lo), math.log(hi)
    for _ in range(80):
        mid = (a + b) / 2
        if score(math.exp(mid)) > 0:
            a = mid
        else:
            b = mid
    return math.exp((a + b) / 2)


def dispersion_k_moments(counts: Iterable[int]) -> float | None:
    """Method-of-moments ``k = m² / (s² − m)`` (None without overdispersion).

    >>> round(dispersion_k_moments([0, 0, 0, 4]), 3)
    0.333
    """
    xs = list(counts)
    if len(xs) < 2:
        return None
    m = sum(xs) / len(xs)
    var = sum((x - m) ** 2 for x in xs) / (len(xs) - 1)
    return m * m / (var - m) if var > m and m > 0 else None


def top_share(counts: Mapping[str, int] | Iterable[int], fraction: float = 0.8) -> float | None:
    """Smallest share of cases that caused ``fraction`` of all secondary cases
    (None when there was no transmission).

    >>> top_share([5, 3, 1, 1, 0, 0, 0, 0, 0, 0])
    0.2
    """
    xs = sorted(counts.values() if isinstance(counts, Mapping) else counts, reverse=True)
    total = sum(xs)
    if not xs or total == 0:
        return None
    running = 0
    for i, x in enumerate(xs, 1):
        running += x
        if running >= fraction * total - 1e-9:
            return i / len(xs)
    return 1.0


def serial_intervals(pairs: Iterable[tuple[str | None, str | None]]) -> dict:
    """Summary of ``infectee onset − infector onset`` in days over pairs
    ``(infector_onset, infectee_onset)`` (ISO dates; pairs missing one are
    skipped): ``{"n", "mean", "median", "min", "max", "values"}``.

    >>> serial_intervals([("2021-06-01", "2021-06-05"), ("2021-06-01", None), ("2021-06-02", "2021-06-04")])
    {'n': 2, 'mean': 3.0, 'median': 3.0, 'min': 2, 'max': 4, 'values': [2, 4]}
    """
    values = sorted((dt.date.fromisoformat(b) - dt.date.fromisoformat(a)).days
                    for a, b in pairs if a and b)
    if not values:
        return {"n": 0, "mean": None, "median": None, "min": None, "max": None, "values": []}
    return {"n": len(values), "mean": round(sum(values) / len(values), 2),
            "median": float(statistics.median(values)), "min": values[0], "max": values[-1], "values": values}


def attack_rates(exposures: Iterable[tuple[str, str, bool]]) -> list[dict]:
    """Secondary attack rate per setting from ``(setting, contact, became_case)``
    triples: the share of distinct contacts in that setting who became cases.

    >>> attack_rates([("household", "P1", True), ("household", "P2", False), ("work", "P3", False),
    ...               ("household", "P1", True)])
    [{'setting': 'household', 'contacts': 2, 'cases': 1, 'rate': 0.5}, {'setting': 'work', 'contacts': 1, 'cases': 0, 'rate': 0.0}]
    """
    seen: dict[str, dict[str, bool]] = {}
    for setting, person, became in exposures:
        bucket = seen.setdefault(setting or "unknown", {})
        bucket[person] = bucket.get(person, False) or bool(became)
    out = []
    for setting in sorted(seen):
        people = seen[setting]
        cases = sum(people.values())
        out.append({"setting": setting, "contacts": len(people), "cases": cases,
                    "rate": round(cases / len(people), 4)})
    return out


def to_graph(infector: Mapping[str, str | None]):
    """The tree as a networkx ``DiGraph`` (edges infector → infectee).

    >>> sorted(to_graph({"A": None, "B": "A"}).edges())
    [('A', 'B')]
    """
    import networkx as nx

    g = nx.DiGraph()
    g.add_nodes_from(sorted(infector))
    g.add_edges_from(sorted((s, c) for c, s in infector.items() if s is not None))
    return g
