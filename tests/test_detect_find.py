import numpy as np
import pytest

from netprobe.detect.find import find_changes
from netprobe.detect.synthetic import NoiseModel, scenario


def test_scale_invariance_bits_and_gigabits():
    s = scenario("drop", seed=21)
    in_bits = find_changes(s.values, s.times)
    in_gbits = find_changes(s.values / 1e9, s.times)
    assert [c.index for c in in_bits.change_points] == [c.index for c in in_gbits.change_points]
    for a, b in zip(in_bits.change_points, in_gbits.change_points, strict=True):
        assert a.change == pytest.approx(b.change)
        assert a.before == pytest.approx(b.before * 1e9)
        assert a.p_value == pytest.approx(b.p_value)


def test_drop_with_heavy_lower_tail_found_within_two():
    noise = NoiseModel(bad_share=0.15, diurnal_depth=0.0)
    s = scenario("none", seed=5, noise=noise)
    values = s.values.copy()
    values[800:] *= 0.75
    (cp,) = find_changes(values).change_points
    assert abs(cp.index - 800) <= 2
    assert cp.kind == "drop"


def test_missing_values_keep_row_indices():
    s = scenario("none", seed=8, noise=NoiseModel(diurnal_depth=0.0, failure_share=0.0))
    values = s.values.copy()
    values[600:] *= 0.5
    values[590:600] = np.nan
    detection = find_changes(values)
    assert [c.index for c in detection.change_points] == [600]
    assert detection.segments[0].missing == 10
    assert detection.n == len(values)


def test_auto_transform_chooses_log_only_for_positive_series():
    rng = np.random.default_rng(0)
    positive = rng.lognormal(size=100)
    assert find_changes(positive).transform == "log"
    assert find_changes(positive - 1.0).transform == "none"
    assert find_changes(positive, transform="none").transform == "none"


@pytest.mark.parametrize(
    ("values", "transform", "message"),
    [
        ([1.0, np.inf, 2.0], "auto", "index 1 is infinite"),
        ([1.0, -2.0, 3.0], "log", "index 1 is -2: the log transform needs values > 0"),
        ([1.0, 0.0, 3.0], "log", "index 1 is 0"),
        ([np.nan, np.nan], "auto", "at least one observed"),
        ([1.0, 2.0], "sqrt", "expected transform"),
        ([[1.0, 2.0]], "auto", "1-D"),
    ],
)
def test_bad_values_are_refused(values, transform, message):
    with pytest.raises(ValueError, match=message):
        find_changes(np.array(values), transform=transform)


def test_times_must_match_and_increase():
    with pytest.raises(ValueError, match="expected 3 times"):
        find_changes(np.ones(3), np.arange(4.0))
    with pytest.raises(ValueError, match="strictly increasing"):
        find_changes(np.ones(3), np.array([0.0, 2.0, 2.0]))


def test_small_changes_are_pruned_on_log_series():
    rng = np.random.default_rng(2)
    values = np.exp(rng.normal(0, 0.01, 2000))
    values[1000:] *= 1.03  # real but too small to act on
    assert find_changes(values).change_points == []
    (kept,) = find_changes(values, min_change=0.0).change_points
    assert abs(kept.index - 1000) <= 5
