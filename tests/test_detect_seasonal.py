import numpy as np
import pytest

from netprobe.detect.find import find_changes
from netprobe.detect.seasonal import deseasonalise, hour_profile
from netprobe.detect.synthetic import NoiseModel, scenario


def test_profile_finds_the_busy_hours():
    s = scenario("none", seed=1, noise=NoiseModel(diurnal_depth=0.25, busy_hour=20))
    profile = hour_profile(np.log(s.values), s.times)
    assert profile is not None
    assert int(np.argmin(profile.offsets)) in (19, 20, 21)
    assert profile.offsets.min() < np.log(0.8)


def test_no_profile_without_diurnal_structure_or_with_too_few_days():
    flat = scenario("none", seed=2, noise=NoiseModel(diurnal_depth=0.0))
    assert hour_profile(np.log(flat.values), flat.times) is None
    busy = scenario("none", seed=2, n=300)
    assert hour_profile(np.log(busy.values[:48]), busy.times[:48]) is None
    y, profile = deseasonalise(np.log(flat.values), flat.times)
    assert profile is None
    np.testing.assert_array_equal(y, np.log(flat.values))


def test_diurnal_series_without_change_has_no_change_point():
    for seed in range(3):
        s = scenario("none", seed=seed, noise=NoiseModel(diurnal_depth=0.35))
        assert find_changes(s.values, s.times).change_points == []


def test_diurnal_series_with_a_30_percent_drop_is_found_at_the_right_index():
    noise = NoiseModel(diurnal_depth=0.35, bad_share=0.05)
    s = scenario("none", seed=7, noise=noise, n=1440)
    values = s.values.copy()
    values[700:] *= 0.7
    detection = find_changes(values, s.times)
    assert detection.seasonal
    (cp,) = detection.change_points
    assert abs(cp.index - 700) <= 2
    assert cp.kind == "drop"
    assert cp.change == pytest.approx(-0.3, abs=0.03)


@pytest.mark.parametrize("count", [8, 400, 70_000])  # groups held in 8, 16 and 32 bits
def test_group_medians_match_numpy(count):
    from netprobe.detect.seasonal import _group_medians

    rng = np.random.default_rng(0)
    values = rng.normal(size=500)
    groups = rng.integers(0, count - 1, size=500)
    expected = [
        np.median(values[groups == g]) if np.any(groups == g) else np.nan for g in range(count)
    ]
    np.testing.assert_allclose(_group_medians(values, groups, count), expected)
