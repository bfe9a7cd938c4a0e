"""Searches: exact PELT against brute force, and the fast default against exact PELT."""

import itertools

import numpy as np
import pytest

from netprobe.detect.costs import EmpiricalCost, L2Cost, NormalCost
from netprobe.detect.search import binseg, binseg_pelt, pelt


def _costs(x: np.ndarray):
    return {
        "normal": NormalCost(x, min_var=1e-3),
        "l2": L2Cost(x),
        "ed": EmpiricalCost(x),
    }


def _objective(cost, n: int, bkps, penalty: float) -> float:
    edges = [0, *bkps, n]
    return float(cost(np.array(edges[:-1]), np.array(edges[1:])).sum() + penalty * len(bkps))


def _brute_force(cost, n: int, penalty: float, min_size: int) -> tuple[float, list[int]]:
    best = (np.inf, [])
    for k in range(n):
        for bkps in itertools.combinations(range(1, n), k):
            edges = [0, *bkps, n]
            if min(b - a for a, b in itertools.pairwise(edges)) < min_size:
                continue
            value = _objective(cost, n, list(bkps), penalty)
            if value < best[0] - 1e-9:
                best = (value, list(bkps))
    return best


@pytest.mark.parametrize("name", ["normal", "l2", "ed"])
@pytest.mark.parametrize("seed", range(12))
def test_pelt_equals_brute_force_optimal_partition(name, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(6, 13))
    x = rng.normal(size=n) + rng.choice([0.0, 3.0], size=n).cumsum() * (seed % 2)
    cost = _costs(x)[name]
    min_size = int(rng.integers(1, 4))
    penalty = float(rng.uniform(0.1, 4.0)) * (x.var() if name == "l2" else 1.0)
    value, expected = _brute_force(cost, n, penalty, min_size)
    found = pelt(cost, n, penalty=penalty, min_size=min_size)
    assert _objective(cost, n, found, penalty) == pytest.approx(value, abs=1e-9)
    assert found == expected


@pytest.mark.parametrize("search", [pelt, binseg, binseg_pelt])
def test_min_size_is_respected(search):
    rng = np.random.default_rng(3)
    x = np.concatenate([rng.normal(0, 1, 40), [9.0, 9.0], rng.normal(0, 1, 40)])
    found = search(L2Cost(x), x.size, penalty=2.0, min_size=7)
    edges = [0, *found, x.size]
    assert found  # the spike is worth a change, but not a 2-sample segment
    assert min(b - a for a, b in itertools.pairwise(edges)) >= 7


@pytest.mark.parametrize("name", ["normal", "ed"])
def test_fast_default_finds_the_exact_optimum_on_steps(name):
    rng = np.random.default_rng(11)
    levels = rng.choice([-2.0, 0.0, 1.5, 3.0], size=8)
    x = np.concatenate([rng.normal(level, 1.0, 80) for level in levels])
    cost = _costs(x)[name]
    penalty = 4 * np.log(x.size)
    exact = pelt(cost, x.size, penalty=penalty, min_size=5)
    fast = binseg_pelt(cost, x.size, penalty=penalty, min_size=5)
    assert fast == exact


def test_series_shorter_than_two_segments_has_no_change():
    x = np.array([0.0, 10.0, 0.0])
    assert pelt(L2Cost(x), 3, penalty=0.0, min_size=2) == []


def test_fast_default_equals_exact_pelt_on_a_lower_tailed_link_series():
    rng = np.random.default_rng(21)
    rate = np.exp(rng.normal(0.0, 0.03, 600))
    bad = rng.random(600) < 0.08
    rate[bad] *= rng.uniform(0.1, 0.7, bad.sum())
    rate[250:] *= 0.7
    rate[400:430] *= 0.5
    x = np.log(rate)
    cost = EmpiricalCost(x)
    penalty = 4 * np.log(x.size)
    exact = pelt(cost, x.size, penalty=penalty, min_size=5)
    assert binseg_pelt(cost, x.size, penalty=penalty, min_size=5) == exact
    assert len(exact) == 3
