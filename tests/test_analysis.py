"""analyze_link on generated link series with known answers (no store: plain arrays)."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from netprobe.analysis import GRACE, SEVERITY, analyze_link
from netprobe.analysis.expectation import expectation_at, expectations
from netprobe.detect.synthetic import NoiseModel, link_series
from netprobe.model import Direction
from netprobe.plan import CapacityPlan, PlanStep
from netprobe.store import Series

G = 1e9
HOUR = 3600.0
START = datetime(2026, 1, 1, tzinfo=UTC)  # link_series' first probe
N = 1440  # 60 days of hourly probes


def series_of(values, epoch, status=None) -> Series:
    """A Series as the store returns it: failures are NaN with a failure status."""
    values = np.asarray(values, dtype=float)
    if status is None:
        status = np.where(np.isnan(values), "busy", "ok")
    times = np.round(np.asarray(epoch) * 1e6).astype(np.int64).astype("datetime64[us]")
    return Series("ncsa", Direction.FORWARD, "throughput_bps", times, values, np.asarray(status))


def link(levels, *, seed=1, capacity=20 * G, noise=None):
    """Probe values around ``levels`` (bit/s per hour) with the realistic noise."""
    levels = np.asarray(levels, dtype=float)
    values, epoch = link_series(
        levels,
        [noise or NoiseModel()],
        np.zeros(len(levels), dtype=int),
        capacity=np.full(len(levels), capacity),
        period=HOUR,
        rng=np.random.default_rng(seed),
    )
    return series_of(values, epoch)


def at(row: int) -> datetime:
    return START + timedelta(hours=row)


def plan(*steps, share=0.8):
    """A plan from (row, capacity) pairs; row 0 is the first probe."""
    return CapacityPlan(tuple(PlanStep(at(row), cap) for row, cap in steps), share)


def end(series) -> datetime:
    return series.time(len(series) - 1) + timedelta(hours=1)


def kinds(analysis):
    return [v.kind for v in analysis.verdicts]


def only(analysis, kind):
    (found,) = [v for v in analysis.verdicts if v.kind == kind]
    return found


def test_a_clean_series_is_ok_only():
    s = link(np.full(N, 17 * G))
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    assert kinds(a) == ["ok"]
    ok = a.verdicts[0]
    assert ok.numbers["median_bps"] > 16 * G and ok.numbers["share_of_expected"] > 1
    assert "as expected" in ok.summary and "Gbit/s" in ok.summary
    assert a.detection.change_points == []
    assert a.completeness.slots == N and 0.97 < a.completeness.share < 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_40_percent_drop_is_degraded_at_its_date(seed):
    levels = np.full(N, 18 * G)
    levels[900:] *= 0.6
    s = link(levels, seed=seed)
    a = analyze_link(s, plan((0, 20 * G), share=0.5), now=end(s))
    degraded = only(a, "degraded")
    assert abs(degraded.since - at(900)) <= timedelta(hours=2)
    assert abs(degraded.numbers["index"] - 900) <= 2
    n = degraded.numbers
    assert -0.45 < n["change"] < -0.35 and n["ci_low"] < n["change"] < n["ci_high"] < 0
    assert n["p_value"] < 1e-4 and n["after_bps"] < n["before_bps"] and n["ongoing"] == 1
    assert a.verdicts[0].kind == "degraded"  # the most severe comes first
    assert "ok" not in kinds(a)
    assert "dropped 40% on 2026-02-07T1" in degraded.summary


def test_a_series_under_the_plan_is_below_plan():
    s = link(np.full(N, 12 * G))  # 20 Gbit/s x 0.8 = 16 expected
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    below = only(a, "below-plan")
    assert below.numbers["expected_bps"] == 16 * G
    assert 0.65 < below.numbers["share_of_expected"] < 0.8
    assert below.numbers["ongoing"] == 1 and below.since == START
    assert "16 Gbit/s expected" in below.summary and "planned 20 Gbit/s" in below.summary
    assert kinds(a) == ["below-plan"]


def test_below_plan_is_judged_per_plan_step_inside_one_segment():
    # 14 Gbit/s all along: one segment, split at the plan step into two parts; under the
    # 16 Gbit/s expected of 20 Gbit/s, fine against the 12 expected after a downgrade to 15.
    s = link(np.full(N, 14 * G))
    a = analyze_link(s, plan((0, 20 * G), (600, 15 * G)), now=end(s))
    assert len(a.detection.segments) == 1
    assert [p.stats.start for p in a.parts] == [0, 600]
    assert [p.expected_bps for p in a.parts] == [16 * G, 12 * G]
    below = only(a, "below-plan")
    assert (below.since, below.until) == (START, at(599))
    assert below.numbers["expected_bps"] == 16 * G and below.numbers["ongoing"] == 0
    assert kinds(a) == ["ok", "below-plan"]


def test_any_rise_of_the_expected_rate_is_an_upgrade_to_deliver():
    s = link(np.full(N, 17 * G))
    a = analyze_link(s, plan((0, 20 * G), (600, 25 * G)), now=end(s), grace=timedelta(0))
    verdict = only(a, "upgrade-not-delivered")
    assert verdict.since == at(600) and verdict.numbers["grace_days"] == 0
    assert verdict.numbers["threshold_bps"] == 18 * G


UPGRADE_ROW = 600  # the plan steps 20 -> 40 Gbit/s 25 days in


@pytest.mark.parametrize("days_after", [10, 13])
def test_no_upgrade_verdict_within_the_grace(days_after):
    s = link(np.full(UPGRADE_ROW + 24 * days_after, 18 * G / 0.9))
    a = analyze_link(s, plan((0, 20 * G), (UPGRADE_ROW, 40 * G)), now=end(s))
    assert "upgrade-not-delivered" not in kinds(a)
    assert "below-plan" not in kinds(a)  # the old rate still applies during the grace
    assert a.parts[-1].expectation.grace


def test_an_upgrade_not_followed_after_the_grace_is_not_delivered():
    s = link(np.full(N, 18 * G / 0.9))  # a median near 18 Gbit/s, above the old 16
    a = analyze_link(s, plan((0, 20 * G), (UPGRADE_ROW, 40 * G)), now=end(s))
    verdict = only(a, "upgrade-not-delivered")
    assert verdict.since == at(UPGRADE_ROW)
    n = verdict.numbers
    assert n["expected_before_bps"] == 16 * G and n["expected_bps"] == 32 * G
    assert n["threshold_bps"] == 24 * G and 16 * G < n["median_bps"] < 20 * G
    assert n["grace_days"] == GRACE.days and n["ongoing"] == 1
    assert "from 20 Gbit/s to 40 Gbit/s on 2026-01-26T00:00:00Z" in verdict.summary
    assert "below-plan" not in kinds(a)  # the upgrade verdict says it once
    assert a.verdicts[0].kind == "upgrade-not-delivered"


def test_an_upgrade_delivered_on_the_plan_date_is_ok():
    # The change falls exactly on the plan date: the part boundary is the change point.
    levels = np.full(N, 18 * G)
    levels[UPGRADE_ROW:] = 36 * G
    s = link(levels, capacity=40 * G)
    p = plan((0, 20 * G), (UPGRADE_ROW, 40 * G))
    a = analyze_link(s, p, now=end(s))
    (rise,) = a.detection.change_points
    assert rise.kind == "rise" and rise.index == UPGRADE_ROW
    assert kinds(a) == ["ok"]
    # no sliver of a part between the change and the plan date; the grace keeps the old rate
    assert [(part.stats.start, part.expected_bps) for part in a.parts] == [
        (0, 16 * G),
        (UPGRADE_ROW, 16 * G),
        (UPGRADE_ROW + 24 * 14, 32 * G),
    ]


def test_a_drop_exactly_on_a_plan_date_belongs_to_the_new_step():
    levels = np.full(N, 17 * G)
    levels[UPGRADE_ROW:] = 11 * G
    s = link(levels)
    p = plan((0, 20 * G), (UPGRADE_ROW, 15 * G))  # a planned downgrade to 15 (12 expected)
    a = analyze_link(s, p, now=end(s))
    degraded = only(a, "degraded")
    assert degraded.numbers["index"] == UPGRADE_ROW and degraded.since == at(UPGRADE_ROW)
    assert degraded.numbers["expected_bps"] == 12 * G  # the drop's own probe is the new step's
    assert [(part.stats.start, part.expected_bps) for part in a.parts] == [
        (0, 16 * G),
        (UPGRADE_ROW, 12 * G),
    ]
    assert only(a, "below-plan").numbers["expected_bps"] == 12 * G


def test_a_drop_then_recovery_is_degraded_and_recovered():
    levels = np.full(N, 17 * G)
    levels[500:900] *= 0.5
    s = link(levels)
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    degraded, recovered = only(a, "degraded"), only(a, "recovered")
    assert abs(degraded.numbers["index"] - 500) <= 2 and degraded.numbers["ongoing"] == 0
    assert abs(recovered.numbers["index"] - 900) <= 2
    assert degraded.until == recovered.since
    assert recovered.numbers["share_of_before"] >= 0.95
    assert "recovered on" in degraded.summary
    # nothing is wrong now: the recovery and ok lead, the past drop (and the dip under
    # the plan it caused) come after
    assert kinds(a)[:2] == ["recovered", "ok"]
    assert set(kinds(a)[2:]) <= {"degraded", "below-plan"}


def test_many_recent_failures_are_failing_and_are_not_values():
    s = link(np.full(N, 17 * G))
    values, status = s.values.copy(), s.status.astype("<U16")
    recent = slice(N - 24 * 7, None)
    rng = np.random.default_rng(0)
    failed = np.flatnonzero(rng.random(N) < 0.4)
    failed = failed[failed >= N - 24 * 7]
    values[failed], status[failed] = np.nan, "unreachable"
    s = series_of(values, s.times.astype(np.int64) / 1e6, status)
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    failing = only(a, "failing")
    assert failing.numbers["failed"] == np.count_nonzero(status[recent] != "ok")
    assert 0.3 < failing.numbers["failure_share"] < 0.5
    assert failing.numbers["status_unreachable"] == len(failed)
    assert "unreachable" in failing.summary and kinds(a)[0] == "failing"
    assert a.detection.change_points == []  # failures are not a drop


def test_old_failures_are_not_failing_now():
    s = link(np.full(N, 17 * G))
    values, status = s.values.copy(), s.status.astype("<U16")
    values[100:400], status[100:400] = np.nan, "timeout"
    s = series_of(values, s.times.astype(np.int64) / 1e6, status)
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    assert kinds(a) == ["ok"] and a.completeness.failed >= 300


def test_no_result_in_the_recent_window_is_failing():
    s = link(np.full(N, 17 * G))
    a = analyze_link(s, plan((0, 20 * G)), now=end(s) + timedelta(days=10))
    assert kinds(a)[0] == "failing" and a.verdicts[0].numbers["slots"] == 0


def test_instability_is_unstable():
    levels = np.full(N, 17 * G)
    noisy = NoiseModel(sigma=0.12, bad_share=0.3)
    values, epoch = link_series(
        levels,
        [NoiseModel(), noisy],
        (np.arange(N) >= 800).astype(int),
        capacity=np.full(N, 20 * G),
        period=HOUR,
        rng=np.random.default_rng(4),
    )
    a = analyze_link(series_of(values, epoch), plan((0, 20 * G), share=0.6), now=at(N))
    unstable = only(a, "unstable")
    assert abs(unstable.numbers["index"] - 800) <= 5
    assert unstable.numbers["bad_share"] > 0.2 and unstable.numbers["ongoing"] == 1


def test_a_smooth_autocorrelated_link_still_shows_its_drop():
    # Why find_changes runs with model="level": on this series model="auto" takes the
    # first differences for a random walk and finds no change at all.
    levels = np.full(N, 16 * G)
    levels[300:] *= 0.37
    noise = NoiseModel(phi=0.95, bad_share=0.0, sigma=0.03)
    s = link(levels, seed=2, noise=noise)
    a = analyze_link(s, plan((0, 20 * G), share=0.3), now=end(s))
    assert abs(only(a, "degraded").numbers["index"] - 300) <= 2


def test_verdicts_are_ordered_by_severity():
    levels = np.full(N, 17 * G)
    levels[1000:] *= 0.5
    s = link(levels)
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    ranks = [SEVERITY.index(v.kind) for v in a.verdicts if v.numbers["ongoing"]]
    assert ranks == sorted(ranks) and kinds(a)[:2] == ["degraded", "below-plan"]


def test_naive_now_is_refused():
    s = link(np.full(100, 17 * G))
    with pytest.raises(ValueError, match="naive"):
        analyze_link(s, plan((0, 20 * G)), now=datetime(2026, 3, 1))


def test_a_series_with_no_measured_value_is_failing_without_detection():
    epoch = START.timestamp() + HOUR * np.arange(200)
    s = series_of(np.full(200, np.nan), epoch, np.full(200, "refused"))
    a = analyze_link(s, plan((0, 20 * G)), now=at(200))
    assert a.detection is None and kinds(a) == ["failing"]
    assert "refused 168" in a.verdicts[0].summary


def test_probes_sharing_a_time_are_analysed_without_the_time_of_day_step():
    levels = np.full(N, 17 * G)
    levels[700:] *= 0.5
    s = link(levels)
    epoch = s.times.astype(np.int64) / 1e6
    epoch[701] = epoch[700]  # two probes started in the same second
    s = series_of(s.values, epoch)
    a = analyze_link(s, plan((0, 20 * G)), now=end(s))
    assert not a.detection.seasonal
    assert abs(only(a, "degraded").since - at(700)) <= timedelta(hours=2)


def test_a_grace_longer_than_its_step_covers_the_whole_step():
    p = plan((0, 10 * G), (100, 20 * G), (200, 40 * G))
    steps = expectations(p, timedelta(days=14))
    assert [(s.start, s.expected_bps, s.grace) for s in steps] == [
        (at(0), 8 * G, False),
        (at(100), 8 * G, True),  # 20 Gbit/s never expected: 40 arrives within the grace
        (at(200), 8 * G, True),
        (at(200) + timedelta(days=14), 32 * G, False),
    ]
    assert expectation_at(steps, at(0) - timedelta(microseconds=1)) is None
    assert expectation_at(steps, at(200)).grace


def test_an_upgrade_not_delivered_ends_when_the_next_step_begins():
    s = link(np.full(N, 18 * G / 0.9))
    p = plan((0, 20 * G), (300, 40 * G), (1000, 100 * G))
    a = analyze_link(s, p, now=end(s))
    first, second = sorted(
        (v for v in a.verdicts if v.kind == "upgrade-not-delivered"), key=lambda v: v.since
    )
    assert (first.since, first.until, first.numbers["ongoing"]) == (at(300), at(999), 0)
    assert first.numbers["expected_bps"] == 32 * G
    assert second.since == at(1000) and second.numbers["ongoing"] == 1
    assert second.numbers["expected_before_bps"] == 32 * G  # 40 Gbit/s had fallen due
    # during the second grace the 32 Gbit/s of the first upgrade is still expected
    (grace,) = [v for v in a.verdicts if v.kind == "below-plan"]
    assert grace.since == at(1000) and grace.numbers["grace"] == 1
    assert grace.numbers["ongoing"] == 0
    assert kinds(a) == ["upgrade-not-delivered", "upgrade-not-delivered", "below-plan"]
    assert a.verdicts[0] is second  # what holds now before what ended
