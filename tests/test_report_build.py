"""build_report, pure: per-segment rows, traces around a change, the summary and the facts."""

import base64
from datetime import UTC, datetime, timedelta

import numpy as np

from netprobe.analysis import analyze_link
from netprobe.model import Direction, Endpoint, Hop, Result, Status
from netprobe.plan import CapacityPlan, PlanStep
from netprobe.report import build_report
from netprobe.report.build import trace_change
from netprobe.report.plots import heatmap
from netprobe.store import Series

G = 1e9
T0 = datetime(2026, 1, 1, tzinfo=UTC)
PLAN = CapacityPlan((PlanStep(datetime(2025, 1, 1, tzinfo=UTC), 20 * G),))  # 16 expected
FAR = Endpoint("ncsa", "psb.ncsa.example.org", 5201)


def forward(values) -> Series:
    times = np.datetime64("2026-01-01T00:00", "us") + np.arange(len(values)) * np.timedelta64(
        1, "h"
    )
    status = np.where(np.isnan(values), "busy", "ok")
    return Series("ncsa", Direction.FORWARD, "throughput_bps", times, values, status)


def dropped() -> Series:
    rng = np.random.default_rng(3)
    values = np.r_[np.full(200, 17 * G), np.full(200, 10 * G)] * rng.normal(1, 0.02, 400)
    values[[10, 300, 301]] = np.nan  # one failure before the drop, two after
    return forward(values)


def report_of(series: Series, traces=()):
    end = T0 + timedelta(hours=len(series))
    analysis = analyze_link(series, PLAN, now=end, link="lyon-ncsa")
    return build_report(
        link="lyon-ncsa",
        site="cc-in2p3",
        endpoint=FAR,
        plan=PLAN,
        since=T0,
        until=end,
        analyses=[analysis],
        series={Direction.FORWARD: series},
        traces=list(traces),
    )


def trace(at: datetime, hops: list[str]) -> Result:
    return Result(
        probe="ncsa-trace",
        test="trace",
        tool="traceroute",
        endpoint="ncsa",
        direction=Direction.FORWARD,
        status=Status.OK,
        started=at,
        hops=[Hop(i + 1, a) for i, a in enumerate(hops)],
    )


def test_rows_count_failures_and_probes_below_the_expected_rate():
    (d,) = report_of(dropped()).directions
    before, after = d.rows
    assert (before.failures, after.failures) == (1, 2)
    assert (before.n, after.n) == (199, 198)
    assert before.below_share < 0.01 and after.below_share == 1.0  # 17 vs 10 against 16
    assert before.expected_bps == after.expected_bps == 16 * G
    assert 9.5 * G < after.median < 10.5 * G and before.p10 < before.median < before.p90


def test_summary_dates_the_drop_with_its_interval():
    text = report_of(dropped()).summary
    assert "lyon-ncsa between cc-in2p3 and psb.ncsa.example.org" in text
    assert "on 2026-01-09T08:00:00Z the median fell from 17 Gbit/s to 10 Gbit/s (-41%" in text
    assert "95% confidence interval" in text and "20 Gbit/s from 2025-01-01" in text


def test_facts_hold_both_ends_the_plan_and_the_rate_before():
    facts = {f.label: f.value for f in report_of(dropped()).facts}
    assert facts["Far end (host, port)"] == "psb.ncsa.example.org port 5201 (any)"
    assert facts["Rate before (forward)"] == "17 Gbit/s (median)"
    assert facts["Problem started (forward)"] == (
        "2026-01-09T08:00:00Z, median 17 Gbit/s → 10 Gbit/s"
    )
    assert facts["Ever reached the plan (forward)"] == "yes, from 2026-01-01T00:00:00Z"


def test_traces_around_the_change_mark_the_hops_that_differ():
    at = T0 + timedelta(hours=200)
    traces = [
        trace(at - timedelta(hours=30), ["198.18.0.1", "198.18.0.2"]),
        trace(at - timedelta(hours=3), ["198.18.0.1", "198.18.1.2"]),
        trace(at + timedelta(hours=1), ["198.18.0.1", "198.18.9.2", "198.18.9.3"]),
        trace(at + timedelta(hours=5), ["198.18.0.1"]),
    ]
    change = trace_change(Direction.FORWARD, at, traces)
    assert change.before is traces[1] and change.after is traces[2]
    assert change.changed == {2, 3}
    (reported,) = report_of(dropped(), traces).traces
    assert reported.before is traces[1]


def test_no_change_and_no_trace():
    rng = np.random.default_rng(4)
    report = report_of(forward(np.full(300, 17 * G) * rng.normal(1, 0.02, 300)))
    assert "no significant change (median 17 Gbit/s)" in report.summary
    assert report.traces == []


def test_empty_period_says_so():
    end = T0 + timedelta(days=1)
    report = build_report(
        link="lyon-ncsa",
        site="cc-in2p3",
        endpoint=FAR,
        plan=PLAN,
        since=T0,
        until=end,
        analyses=[],
        series={},
        traces=[],
    )
    assert "no throughput result of link lyon-ncsa" in report.summary
    assert report.directions == []


def test_heat_map_is_a_png():
    report = report_of(dropped())
    png = base64.b64decode(heatmap(report, report.directions[0]))
    assert png.startswith(b"\x89PNG") and len(png) > 5000
