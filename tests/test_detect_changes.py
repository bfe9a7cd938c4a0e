import numpy as np
import pytest

from netprobe.detect.changes import bootstrap_medians, describe, segments
from netprobe.detect.synthetic import scenario


def test_bootstrap_medians_match_resampling():
    rng = np.random.default_rng(1)
    for n in (7, 8, 60):
        x = rng.lognormal(size=n)
        exact = bootstrap_medians(x, 40_000, np.random.default_rng(2))
        resampled = np.median(x[rng.integers(0, n, size=(20_000, n))], axis=1)
        q = [0.05, 0.25, 0.5, 0.75, 0.95]
        assert np.quantile(exact, q) == pytest.approx(np.quantile(resampled, q), rel=0.03)


def test_drop_is_described_with_its_size_interval_and_test():
    rng = np.random.default_rng(0)
    x = np.concatenate(
        [rng.lognormal(np.log(10e9), 0.05, 300), rng.lognormal(np.log(7e9), 0.05, 300)]
    )
    x[5] = np.nan
    (cp,) = describe(x, [300], times=1e9 + 600.0 * np.arange(600))
    assert cp.kind == "drop"
    assert cp.index == 300
    assert cp.time.isoformat() == "2001-09-11T03:46:40+00:00"
    assert cp.before == pytest.approx(10e9, rel=0.02)
    assert cp.after == pytest.approx(7e9, rel=0.02)
    assert cp.ci[0] < cp.change < cp.ci[1]
    assert cp.ci[0] < -0.3 + 0.02 and cp.ci[1] > -0.3 - 0.02
    assert cp.p_value < 1e-50


def test_describe_is_deterministic_for_a_seed():
    s = scenario("drop", seed=4)
    assert describe(s.values, s.breakpoints, seed=3) == describe(s.values, s.breakpoints, seed=3)


@pytest.mark.parametrize(("kind", "expected"), [("rise", "rise"), ("instability", "instability")])
def test_kind_of_generated_changes(kind, expected):
    s = scenario(kind, seed=11)
    (cp,) = describe(s.values, s.breakpoints)
    assert cp.kind == expected
    assert cp.p_value < 1e-6


def test_calmer_series_at_same_median_is_not_an_instability():
    s = scenario("instability", seed=11)
    flipped = s.values[::-1].copy()
    (cp,) = describe(flipped, [len(flipped) - s.breakpoints[0]])
    assert cp.kind != "instability"


def test_segments_count_missing_rows_and_bad_runs():
    x = np.array([10.0, 10, 10, np.nan, 2, 10, 5, 5, 5, 5, 5, np.nan])
    first, second = segments(x, [6])
    assert (first.start, first.end, first.n, first.missing) == (0, 6, 5, 1)
    assert first.median == 10.0
    assert first.bad_share == pytest.approx(0.2)
    assert (second.n, second.missing, second.median, second.bad_share) == (5, 1, 5.0, 0.0)
    assert first.start_time is None


def test_relative_change_is_nan_for_a_non_positive_median():
    x = np.concatenate([np.zeros(20) + np.arange(20) % 3 - 1, np.arange(20) % 3 + 5.0])
    (cp,) = describe(x, [20])
    assert np.isnan(cp.change)
    assert cp.kind == "rise"


@pytest.mark.parametrize("bad", [[0], [12], [5, 5], [8, 3]])
def test_breakpoints_outside_or_unsorted_are_refused(bad):
    with pytest.raises(ValueError, match="breakpoints"):
        describe(np.ones(12), bad)


@pytest.mark.parametrize("decimals", [None, 0])  # continuous values, and many ties
def test_p_value_is_scipys_asymptotic_mann_whitney(decimals):
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(5)
    a = rng.lognormal(np.log(10), 0.3, 400)
    b = rng.lognormal(np.log(9), 0.3, 500)
    if decimals is not None:
        a, b = np.round(a, decimals), np.round(b, decimals)
    (cp,) = describe(np.concatenate([a, b]), [400])
    expected = mannwhitneyu(a, b, alternative="two-sided", method="asymptotic").pvalue
    assert cp.kind == "drop"
    assert cp.p_value == pytest.approx(expected, rel=1e-9)


def test_p_value_of_an_instability_is_a_rank_test_of_spread():
    from scipy.stats import mannwhitneyu

    rng = np.random.default_rng(6)
    a = rng.lognormal(np.log(10), 0.05, 400)
    b = rng.lognormal(np.log(10), 0.3, 400)
    (cp,) = describe(np.concatenate([a, b]), [400])
    ya, yb = np.log(a), np.log(b)
    expected = mannwhitneyu(
        np.abs(ya - np.median(ya)), np.abs(yb - np.median(yb)), method="asymptotic"
    ).pvalue
    assert cp.kind == "instability"
    assert cp.p_value == pytest.approx(expected, rel=1e-9)
