"""Transmission measures against brute force and simulated data."""

from __future__ import annotations

import math
import random

from tracing import measures


def nb_loglik(xs, k):
    m = sum(xs) / len(xs)
    return sum(math.lgamma(x + k) - math.lgamma(k) - math.lgamma(x + 1) + k * math.log(k / (k + m))
               + (x * math.log(m / (k + m)) if x else 0) for x in xs)


def test_dispersion_k_is_the_likelihood_maximum():
    xs = [0] * 12 + [1, 1, 2, 3, 7, 15]
    k = measures.dispersion_k(xs)
    grid = [math.exp(t / 200) for t in range(-1600, 1600)]
    best = max(grid, key=lambda g: nb_loglik(xs, g))
    assert abs(math.log(k) - math.log(best)) < 0.01
    assert nb_loglik(xs, k) >= nb_loglik(xs, k * 1.05) and nb_loglik(xs, k) >= nb_loglik(xs, k / 1.05)


def test_dispersion_k_recovers_a_simulated_superspreading_k():
    rng = random.Random(3)
    true_k, mean = 0.3, 1.2
    xs = []
    for _ in range(4000):  # gamma-Poisson mixture = negative binomial
        lam = rng.gammavariate(true_k, mean / true_k)
        x, p, limit = 0, 1.0, math.exp(-lam)
        while True:
            p *= rng.random()
            if p <= limit:
                break
            x += 1
        xs.append(x)
    assert abs(measures.dispersion_k(xs) - true_k) < 0.05
    assert measures.top_share(xs) < 0.3  # a few cases cause most transmission


def test_no_overdispersion_gives_none():
    assert measures.dispersion_k([1, 2, 1, 2, 1, 2]) is None
    assert measures.dispersion_k([0, 0, 0]) is None


def test_offspring_generations_serial_interval():
    tree = {"A": None, "B": "A", "C": "A", "D": "C", "E": "D"}
    assert measures.offspring(tree) == {"A": 2, "B": 0, "C": 1, "D": 1, "E": 0}
    assert measures.generations(tree) == 4
    si = measures.serial_intervals([("2021-06-01", "2021-06-04"), ("2021-06-04", "2021-06-10"), (None, "x")])
    assert (si["n"], si["mean"], si["median"], si["min"], si["max"]) == (2, 4.5, 4.5, 3, 6)
    assert measures.top_share([4, 1, 0, 0, 0]) == 0.2
    assert sorted(measures.to_graph(tree).edges()) == [("A", "B"), ("A", "C"), ("C", "D"), ("D", "E")]
