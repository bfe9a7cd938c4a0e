"""The host context compared across a change point: the pure note, and the verdicts it is for."""

from datetime import UTC, datetime, timedelta

import numpy as np

from netprobe.analysis import analyze_link
from netprobe.analysis.host_context import coinciding, context_change
from netprobe.model import Direction, Result, Status
from netprobe.plan import CapacityPlan, PlanStep
from netprobe.store import Series

DROP = datetime(2024, 3, 2, 10, tzinfo=UTC)
BASE = {"iperf3_version": "3.9", "congestion": "cubic", "mtu": 9000, "host_bound": False}


def results(changed: dict, *, at_row: int = 10, at: datetime = DROP) -> list[Result]:
    """20 hourly results, row 10 at ``at``; the context ``changed`` from row ``at_row`` on."""
    out = []
    for i in range(20):
        context = {**BASE, **(changed if i >= at_row else {})}
        out.append(
            Result(
                probe="ncsa-fwd",
                test="throughput",
                tool="iperf3",
                endpoint="ncsa",
                direction=Direction.FORWARD,
                status=Status.OK,
                started=at + timedelta(hours=i - 10),
                metrics={"throughput_bps": 1e9},
                context=context,
            )
        )
    return out


def test_an_iperf3_upgrade_on_the_day_of_the_drop_is_named():
    note = context_change(DROP, results({"iperf3_version": "3.12"}), event="the drop")
    assert note == "iperf3 3.9 → 3.12 on 2024-03-02, the day of the drop"


def test_several_facts_and_a_host_bound_sender():
    changed = {"congestion": "bbr", "mtu": 1500, "host_bound": True}
    note = context_change(DROP, results(changed), event="the change")
    assert note == (
        "congestion control cubic → bbr on 2024-03-02, the day of the change; "
        "path MTU 9000 → 1500 on 2024-03-02, the day of the change; "
        "the sender became CPU-bound on 2024-03-02, the day of the change"
    )


def test_a_switch_a_few_probes_off_the_change_point_still_coincides():
    """The detector places a change point within a few probes: the switch is dated."""
    early = results({"iperf3_version": "3.12"}, at_row=8)  # at 08:00, two probes early
    note = context_change(DROP, early, event="the drop")
    assert note == "iperf3 3.9 → 3.12 on 2024-03-02, the day of the drop"
    past_midnight = DROP.replace(hour=1)  # the switch two probes early is on 2024-03-01
    note = context_change(
        past_midnight, results({"mtu": 1500}, at_row=8, at=past_midnight), event="the drop"
    )
    assert note == "path MTU 9000 → 1500 on 2024-03-01, 1 day before the drop"
    assert context_change(DROP - timedelta(hours=20), early, event="the drop") is None


def test_nothing_changed_no_note_and_failures_do_not_count():
    assert context_change(DROP, results({}), event="the drop") is None
    rows = results({"iperf3_version": "3.12"})
    for r in rows[10:]:
        r.status, r.metrics = Status.REFUSED, {}
    assert context_change(DROP, rows, event="the drop") is None  # no OK result after
    assert context_change(DROP, [], event="the drop") is None


def test_the_note_is_for_current_problems_that_began_at_a_change_point():
    rng = np.random.default_rng(2)
    n, drop = 400, 300
    values = np.where(np.arange(n) < drop, 17e9, 9e9) * rng.uniform(0.98, 1.02, n)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    times = np.array(
        [np.datetime64((start + timedelta(hours=i)).replace(tzinfo=None), "us") for i in range(n)]
    )
    series = Series(
        "ncsa", Direction.FORWARD, "throughput_bps", times, values, np.array(["ok"] * n)
    )
    plan = CapacityPlan((PlanStep(datetime(2025, 1, 1, tzinfo=UTC), 20e9),), 0.8)
    analysis = analyze_link(series, plan, now=start + timedelta(hours=n))
    found = coinciding(analysis)
    assert {v.kind for v in found} >= {"degraded"}
    assert all(v.since == start + timedelta(hours=drop) for v in found)
