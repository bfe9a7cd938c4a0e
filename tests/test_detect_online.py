import numpy as np
import pytest

from netprobe.detect.online import ARL0_PER_YEAR, OnlineDetector, _arl, calibrate, first_alarm
from netprobe.detect.synthetic import NoiseModel, link_series


def link(n, seed, drop_at=None, factor=0.7, period=3600.0, noise=None):
    rng = np.random.default_rng(seed)
    levels = np.full(n, 12e9)
    if drop_at is not None:
        levels[drop_at:] *= factor
    model = noise or NoiseModel()
    return link_series(
        levels, [model], np.zeros(n, int), capacity=np.full(n, 20e9), period=period, rng=rng
    )


def test_calibrated_threshold_gives_the_run_length_asked_for():
    rng = np.random.default_rng(0)
    increments = -np.clip(rng.standard_normal(4000), -3, 3) - 0.5
    h = calibrate(increments, 200)
    assert _arl(increments, h) == pytest.approx(200, rel=0.03)
    # simulate 2000 CUSUM runs side by side: their mean run length must be close
    sums, lengths = np.zeros(2000), np.zeros(2000)
    running = np.ones(2000, dtype=bool)
    step = 0
    while running.any():
        step += 1
        sums = np.maximum(0.0, sums + rng.choice(increments, size=sums.size))
        stopped = running & (sums >= h)
        lengths[stopped] = step
        running &= ~stopped
    assert lengths.mean() == pytest.approx(200, rel=0.1)


def test_calibration_refuses_an_upward_drift():
    with pytest.raises(ValueError, match="negative mean"):
        calibrate(np.array([0.5, -0.1, 0.2]), 100)


def test_a_30_percent_drop_alarms_within_six_probes_and_estimates_its_start():
    base = 14 * 24
    delays = []
    for seed in range(5):
        values, times = link(base + 400, seed, drop_at=base + 200)
        detector = OnlineDetector(values[:base], baseline_times=times[:base], arl0=8760)
        alarm = first_alarm(detector, values[base:], times[base:])
        assert alarm is not None and alarm.direction == "drop"
        delays.append(alarm.index - 200)
        assert alarm.level / alarm.baseline == pytest.approx(0.7, abs=0.1)
        assert 190 <= alarm.start <= alarm.index
    assert 0 <= np.median(delays) <= 6


def test_no_alarm_on_a_healthy_quarter_with_diurnal_dips_and_bad_runs():
    base = 14 * 24
    noise = NoiseModel(diurnal_depth=0.3, bad_share=0.05)
    values, times = link(base + 2190, 3, noise=noise)
    detector = OnlineDetector(values[:base], baseline_times=times[:base], arl0=ARL0_PER_YEAR["1h"])
    assert detector.profile is not None
    assert detector.scan(values[base:], times[base:]) == []
    with pytest.raises(ValueError, match="expected probe times"):
        detector.update(values[base])


def test_update_and_scan_agree_and_failed_probes_count_as_rows():
    values, _ = link(600, 4, drop_at=400, factor=0.5)
    values[395:405] = np.nan
    one = OnlineDetector(values[:300], arl0=2000)
    other = OnlineDetector(values[:300], arl0=2000)
    by_update = [a for x in values[300:] if (a := one.update(x)) is not None]
    assert by_update == other.scan(values[300:])
    assert by_update[0].index >= 105  # the first observed probe after the drop is row 105


def test_both_directions_watch_a_rise():
    values, _ = link(800, 5, drop_at=600, factor=1.6)
    assert OnlineDetector(values[:400], arl0=5000).scan(values[400:]) == []
    alarms = OnlineDetector(values[:400], arl0=5000, direction="both").scan(values[400:])
    assert alarms and alarms[0].direction == "rise"


@pytest.mark.parametrize(
    ("baseline", "options", "message"),
    [
        (np.full(50, 5.0), {}, "spread"),
        (np.arange(1.0, 10.0), {}, "at least 20"),
        (np.r_[np.arange(1.0, 30.0), -1.0], {}, "positive"),
        (np.arange(1.0, 30.0), {"direction": "up"}, "direction"),
        (np.arange(1.0, 30.0), {"shift": 1.5}, "shift"),
    ],
)
def test_bad_baselines_and_settings_are_refused(baseline, options, message):
    with pytest.raises(ValueError, match=message):
        OnlineDetector(baseline, **options)
