"""segment(): the public entry — input rules, NaN mapping, scale invariance, real-looking drops."""

import subprocess
import sys

import numpy as np
import pytest

from netprobe.detect import segment


def _throughput(rng, n: int, rate: float, tail: float = 0.08) -> np.ndarray:
    """bit/s with 3 % multiplicative noise and a heavy lower tail (probes at 10-70 %)."""
    x = rate * np.exp(rng.normal(0.0, 0.03, n))
    bad = rng.random(n) < tail
    x[bad] *= rng.uniform(0.1, 0.7, bad.sum())
    return x


@pytest.mark.parametrize("seed", range(3))
def test_drop_with_heavy_lower_tail_found_at_its_index(seed):
    rng = np.random.default_rng(seed)
    x = np.concatenate([_throughput(rng, 400, 40e9), _throughput(rng, 300, 28e9)])
    found = segment(np.log(x))
    assert len(found) == 1
    assert abs(found[0] - 400) <= 2


@pytest.mark.parametrize("cost", ["normal", "l2", "ed"])
def test_scale_invariance_bits_versus_gigabits(cost):
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(20e9, 2e9, 200), rng.normal(14e9, 3e9, 200)])
    assert segment(x, cost=cost) == segment(x / 1e9, cost=cost)
    assert segment(x, cost=cost)


def test_missing_values_are_dropped_and_indices_mapped_back():
    rng = np.random.default_rng(2)
    y = np.log(np.concatenate([_throughput(rng, 300, 40e9, 0), _throughput(rng, 300, 20e9, 0)]))
    with_gaps = np.insert(y, [10, 100, 100, 250], np.nan)  # 4 NaN before the step
    assert segment(y) == [300]
    assert segment(with_gaps) == [304]
    assert np.isfinite(with_gaps[304]) and np.isnan(with_gaps[:304]).sum() == 4


@pytest.mark.parametrize("bad", [np.inf, -np.inf])
def test_infinite_values_are_rejected(bad):
    x = np.ones(50)
    x[17] = bad
    with pytest.raises(ValueError, match="index 17"):
        segment(x)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"cost": "l1"}, "unknown cost"),
        ({"search": "dp"}, "unknown search"),
        ({"penalty": "aic"}, "unknown penalty"),
        ({"penalty": -1.0}, "penalty must be"),
        ({"min_size": 0}, "min_size"),
    ],
)
def test_bad_settings_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        segment(np.arange(20.0), **kwargs)


def test_two_dimensional_input_is_rejected():
    with pytest.raises(ValueError, match="1-D"):
        segment(np.zeros((10, 2)))


def test_negative_values_are_valid_input():
    rng = np.random.default_rng(9)
    x = np.concatenate([rng.normal(-5, 1, 100), rng.normal(5, 1, 100)])
    assert segment(x, cost="normal") == [100]
    # The ED cost sees ranks through K quantiles: a clean step is placed within a sample or two.
    (found,) = segment(x)
    assert abs(found - 100) <= 2


def test_short_or_constant_series_has_no_change():
    assert segment(np.array([1.0, 5.0, 1.0]), min_size=2) == []
    assert segment(np.full(100, 3.0)) == []
    assert segment(np.full(100, np.nan)) == []


@pytest.mark.parametrize("cost", ["normal", "ed"])
def test_random_walk_and_ar1_are_not_cut_into_a_staircase(cost):
    rng = np.random.default_rng(4)
    walk = np.cumsum(rng.normal(size=1500))
    ar = np.zeros(1500)
    noise = rng.normal(size=1500)
    for i in range(1, ar.size):
        ar[i] = 0.8 * ar[i - 1] + noise[i]
    assert len(segment(walk, cost=cost)) <= 2
    assert segment(ar, cost=cost) == []


def test_ar1_noise_is_not_cut_with_the_l2_cost():
    rng = np.random.default_rng(4)
    ar = np.zeros(1500)
    noise = rng.normal(size=1500)
    for i in range(1, ar.size):
        ar[i] = 0.8 * ar[i - 1] + noise[i]
    assert segment(ar, cost="l2") == []


def test_auto_model_finds_a_change_of_drift_in_a_random_walk():
    rng = np.random.default_rng(1)
    walk = np.cumsum(np.concatenate([rng.normal(0, 1, 500), rng.normal(1.5, 1, 500)]))
    (found,) = segment(walk)
    assert abs(found - 500) <= 5
    assert segment(walk, model="slope") == [found]


def test_level_model_keeps_level_shifts_that_slope_would_not_see():
    rng = np.random.default_rng(8)
    x = np.concatenate([rng.normal(0, 1, 300), rng.normal(3, 1, 300)])
    assert segment(x) == segment(x, model="level") == [300]
    assert segment(x, model="slope") == []


def test_unknown_model_is_rejected():
    with pytest.raises(ValueError, match="unknown model"):
        segment(np.arange(20.0), model="trend")


def test_importing_detect_stays_light():
    code = "import sys, netprobe.detect; print(sorted({m.split('.')[0] for m in sys.modules}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = out.stdout
    assert "numpy" in loaded
    assert "scipy" not in loaded and "numba" not in loaded
