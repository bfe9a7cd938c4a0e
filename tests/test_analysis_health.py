"""The pure rules on a link's probes as scheduled: stale, completeness, loss, path-changed."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from test_report_build import trace

from netprobe.analysis import Rules
from netprobe.analysis.health import completeness, loss, merge, newest_ran, path_change, stale
from netprobe.config import Probe
from netprobe.cron import CronExpr
from netprobe.model import Direction, RttOptions, ThroughputOptions
from netprobe.store import Series

NOW = datetime(2026, 3, 2, 12, 0, 30, tzinfo=UTC)
HOURLY = Probe("ncsa-fwd", "throughput", "ncsa", "iperf3", ThroughputOptions(), every=3600.0)
PING = Probe("ncsa-rtt", "rtt", "ncsa", "ping", RttOptions(), every=600.0)
RULES = Rules()


def rows(times, status=None, values=None, direction=Direction.FORWARD) -> Series:
    times = list(times)
    return Series(
        endpoint="ncsa",
        direction=direction,
        metric="loss_ratio",
        times=np.array([t.replace(tzinfo=None) for t in times], dtype="datetime64[us]"),
        values=np.array(values if values is not None else [np.nan] * len(times), dtype=float),
        status=np.array(status or ["ok"] * len(times), dtype=str),
    )


def hours_before(now, n, step=timedelta(hours=1)):
    """n times one step apart, the last one step before the hour of ``now``."""
    last = now.replace(minute=0, second=0, microsecond=0) - step
    return [last - step * (n - 1 - i) for i in range(n)]


@pytest.mark.parametrize(
    ("age", "is_stale"),
    [
        (timedelta(minutes=30), False),  # the next slot is not due yet
        (timedelta(hours=1, minutes=30), False),  # one slot missed: not yet stale
        (timedelta(hours=2, minutes=30), True),  # two slots passed (stale_slots = 2)
        (timedelta(days=3), True),
    ],
)
def test_stale_counts_slots_passed_since_the_newest_result(age, is_stale):
    found = stale(HOURLY, Direction.FORWARD, last=NOW - age, run_seconds=12.0, now=NOW, rules=RULES)
    assert (found is not None) is is_stale
    if found:
        assert found.kind == "stale" and found.endpoint == "ncsa"
        assert found.numbers["age_s"] == pytest.approx(age.total_seconds())
        assert found.since > NOW - age and found.until == NOW
        assert "ncsa-fwd" in found.summary and "every 1h" in found.summary


def test_a_slot_still_running_is_not_overdue():
    """The slot at 12:00 has its jitter, run time and a minute before its result is late."""
    probe = Probe("p", "throughput", "ncsa", "iperf3", ThroughputOptions(), every=3600.0, jitter=60)
    last = datetime(2026, 3, 2, 11, 0, 40, tzinfo=UTC)  # the 11:00 slot's run
    at_1201 = datetime(2026, 3, 2, 12, 1, tzinfo=UTC)
    assert (
        stale(
            probe,
            Direction.FORWARD,
            last=last,
            run_seconds=30,
            now=at_1201,
            rules=Rules(stale_slots=1),
        )
        is None
    )
    at_1203 = datetime(2026, 3, 2, 12, 3, tzinfo=UTC)
    late = stale(
        probe, Direction.FORWARD, last=last, run_seconds=30, now=at_1203, rules=Rules(stale_slots=1)
    )
    assert late is not None and late.since == datetime(2026, 3, 2, 12, tzinfo=UTC)


def test_stale_knows_cron_schedules_and_nothing_known_is_not_stale():
    weekdays = Probe(
        "wd", "rtt", "ncsa", "ping", RttOptions(), cron=CronExpr.parse("0 9 * * mon-fri")
    )
    friday = datetime(2026, 2, 27, 9, 0, 5, tzinfo=UTC)
    monday_noon = datetime(2026, 3, 2, 12, tzinfo=UTC)  # only Monday 09:00 passed
    assert (
        stale(
            weekdays, Direction.FORWARD, last=friday, run_seconds=12, now=monday_noon, rules=RULES
        )
        is None
    )
    tuesday_noon = monday_noon + timedelta(days=1)
    found = stale(
        weekdays, Direction.FORWARD, last=friday, run_seconds=12, now=tuesday_noon, rules=RULES
    )
    assert found and "cron '0 9 * * mon-fri'" in found.summary
    assert stale(HOURLY, Direction.FORWARD, last=None, run_seconds=12, now=NOW, rules=RULES) is None


def test_newest_ran_skips_missed_slots():
    times = hours_before(NOW, 4)
    series = rows(times, ["ok", "busy", "missed", "missed"])
    assert newest_ran(series) == times[1]
    assert newest_ran(rows(times[:1], ["missed"])) is None


def test_completeness_is_the_share_of_slots_with_a_result():
    times = hours_before(NOW, 48)
    status = ["ok"] * 48
    for i in range(0, 48, 4):
        status[i] = "missed"
    status[1] = status[2] = "refused"
    found = completeness(
        HOURLY, rows(times, status), start=times[0], run_seconds=12, now=NOW, rules=RULES
    )
    assert found is not None and found.kind == "completeness"
    assert found.numbers["slots"] == 48 and found.numbers["produced"] == 34
    assert found.numbers["completeness"] == pytest.approx(34 / 48)
    assert "34 of the 48 slots" in found.summary
    full = rows(times)
    assert completeness(HOURLY, full, start=times[0], run_seconds=12, now=NOW, rules=RULES) is None


def test_completeness_needs_enough_slots():
    times = hours_before(NOW, 5)
    series = rows(times, ["missed"] * 5)
    assert (
        completeness(HOURLY, series, start=times[0], run_seconds=12, now=NOW, rules=RULES) is None
    )


def test_loss_is_the_mean_ratio_over_the_loss_window():
    times = [NOW - timedelta(minutes=m) for m in (130, 50, 40, 30, 20, 10)]
    ratios = [0.9, 0.0, 0.0, 0.1, 0.0, 0.05]  # the 0.9 is older than the hour
    found = loss(PING, rows(times, values=ratios), now=NOW, rules=RULES)
    assert found is not None and found.kind == "loss"
    assert found.numbers["loss_ratio"] == pytest.approx(0.03)
    assert found.numbers["max_loss_ratio"] == pytest.approx(0.1) and found.numbers["n"] == 5
    assert found.since == times[3]  # the first lossy result of the window
    assert loss(PING, rows(times, values=ratios), now=NOW, rules=Rules(loss_above=0.05)) is None
    clean = rows(times, values=[0.0] * 6)
    assert loss(PING, clean, now=NOW, rules=RULES) is None
    failed = rows(times, ["unreachable"] * 6, values=[np.nan] * 6)
    assert loss(PING, failed, now=NOW, rules=RULES) is None


def test_path_changed_compares_each_recent_trace_with_the_one_before():
    old = trace(NOW - timedelta(hours=2), ["10.0.0.1", "192.0.2.1", "198.51.100.9"])
    same = trace(NOW - timedelta(hours=1), ["10.0.0.1", "192.0.2.1", None])
    new = trace(NOW - timedelta(minutes=30), ["10.0.0.1", "203.0.113.7", "198.51.100.9"])
    again = trace(NOW - timedelta(minutes=5), ["10.0.0.1", "203.0.113.7", "198.51.100.9"])
    found = path_change([old, same, new, again], now=NOW, rules=RULES)
    assert found is not None and found.kind == "path-changed"
    assert found.since == new.started and found.direction is Direction.FORWARD
    assert found.numbers["first_hop"] == 2
    assert "from hop 2 on (+203.0.113.7 +198.51.100.9 -192.0.2.1)" in found.summary
    assert path_change([old, same], now=NOW, rules=RULES) is None  # a silent hop: same route
    assert path_change([new], now=NOW, rules=RULES) is None


def test_a_route_change_older_than_the_hold_is_settled():
    old = trace(NOW - timedelta(hours=3), ["10.0.0.1", "192.0.2.1"])
    new = trace(NOW - timedelta(hours=2), ["10.0.0.1", "203.0.113.7"])
    assert path_change([old, new], now=NOW, rules=RULES) is None  # path_hold = 1 h
    longer = Rules(path_hold=timedelta(hours=3))
    assert path_change([old, new], now=NOW, rules=longer).since == new.started


def test_merge_keeps_one_verdict_per_alert_the_worst_numbers_first():
    fwd = Direction.FORWARD
    young = stale(HOURLY, fwd, last=NOW - timedelta(hours=3), run_seconds=12, now=NOW, rules=RULES)
    old = stale(PING, fwd, last=NOW - timedelta(days=2), run_seconds=12, now=NOW, rules=RULES)
    [one] = merge([young, old])
    assert one.numbers["age_s"] == pytest.approx(2 * 86400)
    assert one.summary.index("ncsa-rtt") < one.summary.index("ncsa-fwd")
    assert one.since == old.since
    reverse = stale(
        HOURLY,
        Direction.REVERSE,
        last=NOW - timedelta(hours=3),
        run_seconds=12,
        now=NOW,
        rules=RULES,
    )
    assert len(merge([young, reverse])) == 2


def test_a_probe_silent_for_a_year_is_stale_with_a_week_of_slots_counted():
    minutely = Probe("m", "rtt", "ncsa", "ping", RttOptions(), every=60.0)
    last = NOW - timedelta(days=365)
    found = stale(minutely, Direction.FORWARD, last=last, run_seconds=12, now=NOW, rules=RULES)
    assert found is not None and found.numbers["age_s"] == pytest.approx(365 * 86400)
    assert found.numbers["slots_overdue"] == 7 * 1440
    assert f"since {last:%Y-%m-%dT%H:%M:%SZ}" in found.summary
