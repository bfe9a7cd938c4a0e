import numpy as np
import pytest

from netprobe.detect.synthetic import KINDS, NoiseModel, diurnal_factor, scenario, scenario_set


def test_same_seed_same_series_and_answers():
    a, b = scenario("drop", seed=9), scenario("drop", seed=9)
    np.testing.assert_array_equal(a.values, b.values)
    assert a.breakpoints == b.breakpoints and a.kinds == ["drop"]
    assert not np.array_equal(a.values, scenario("drop", seed=10).values)


def test_noise_has_a_lower_tail_failures_and_a_ceiling():
    noise = NoiseModel(diurnal_depth=0.0)
    s = scenario("none", seed=1, n=5000, noise=noise, capacity=10e9)
    x = s.values[~np.isnan(s.values)]
    median = np.median(x)
    assert 0.02 < np.mean(x < 0.7 * median) < 0.05  # bad runs
    assert 0.004 < np.mean(np.isnan(s.values)) < 0.02  # failures
    assert x.max() <= 0.97 * 10e9
    assert s.breakpoints == [] and s.kinds == []


@pytest.mark.parametrize("kind", ["drop", "rise", "instability"])
def test_changes_have_the_stated_effect(kind):
    s = scenario(kind, seed=3)
    (at,) = s.breakpoints
    before, after = s.values[:at], s.values[at:]
    ratio = np.nanmedian(after) / np.nanmedian(before)
    spread = np.nanstd(np.log(after)) / np.nanstd(np.log(before))
    if kind == "drop":
        assert 0.2 < ratio < 0.92
    elif kind == "rise":
        assert ratio > 1.25
    else:
        assert 0.85 < ratio < 1.05 and spread > 1.5


def test_diurnal_dip_is_deepest_at_the_busy_hour():
    noise = NoiseModel(diurnal_depth=0.3, busy_hour=20)
    times = np.arange(24) * 3600.0
    factor = diurnal_factor(times, noise)
    assert int(np.argmin(factor)) == 20
    assert factor.min() == pytest.approx(0.7)


def test_scenario_set_covers_every_kind_and_refuses_bad_requests():
    made = scenario_set(0, per_kind=2, n=600)
    assert sorted(s.name.split("-")[0] for s in made) == sorted(KINDS * 2)
    mixed = [s for s in made if s.name.startswith("mixed")]
    for s in mixed:
        assert sorted(s.kinds) == ["drop", "instability", "rise"]
        assert all(
            b - a >= 120 for a, b in zip([0, *s.breakpoints], [*s.breakpoints, 600], strict=True)
        )
    with pytest.raises(ValueError, match="kind"):
        scenario("collapse", seed=0)
    with pytest.raises(ValueError, match="n >="):
        scenario("drop", seed=0, n=100)
