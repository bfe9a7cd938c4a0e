import numpy as np

from netprobe.detect.refine import refine


def spread_change(seed, at=500, n=1000):
    rng = np.random.default_rng(seed)
    y = rng.normal(0.0, 0.05, n)
    y[at:] = rng.normal(0.0, 0.15, n - at)
    bad = rng.random(n - at) < 0.25
    y[at:][bad] = np.log(rng.uniform(0.1, 0.7, int(bad.sum())))
    return y


def test_a_late_breakpoint_of_a_spread_change_moves_back():
    errors = []
    for seed in range(10):
        (moved,) = refine(spread_change(seed), [512])
        errors.append(abs(moved - 500))
    assert np.median(errors) <= 2
    assert max(errors) <= 12


def test_sharp_level_change_stays_and_missing_rows_are_skipped():
    rng = np.random.default_rng(3)
    y = rng.normal(0.0, 0.05, 600)
    y[300:] -= 0.4
    y[298:303] = np.nan
    assert refine(y, [303]) == [303]
    assert refine(y, [310]) == [303]  # first observed row of the new regime


def test_too_little_data_around_a_breakpoint_leaves_it_alone():
    y = np.r_[np.zeros(10), np.ones(10)] + np.random.default_rng(0).normal(0, 0.1, 20)
    assert refine(y, [10]) == [10]
