"""Analyses, series and traces of one link → a `Report`: the facts an escalation needs.

Pure: no store, no clock, no rendering. ``html.py`` and ``markdown.py`` turn the record
into pages, ``plots.py`` draws its series.
"""

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from netprobe.analysis import LinkAnalysis
from netprobe.model import Direction, Endpoint, Result
from netprobe.plan import CapacityPlan
from netprobe.store import Series
from netprobe.units import format_rate, format_time


@dataclass(frozen=True)
class SegmentRow:
    """One part of a direction's series: its dates, rates (bit/s) and failures.

    ``below_share`` is the share of measured probes under ``expected_bps`` (NaN without a
    plan or without a measured probe); ``failures`` counts failed and missed slots.
    """

    start: datetime | None
    end: datetime | None
    n: int
    median: float
    p10: float
    p90: float
    expected_bps: float | None
    below_share: float
    failures: int


@dataclass(frozen=True)
class DirectionReport:
    """One direction of the link: its analysis, raw series and per-segment statistics.

    ``rtt`` and ``retransmits`` are the stored series of those metrics (None when none).
    """

    analysis: LinkAnalysis
    throughput: Series
    rows: list[SegmentRow]
    rtt: Series | None = None
    retransmits: Series | None = None

    @property
    def direction(self) -> Direction:
        """The direction reported."""
        return self.analysis.direction


@dataclass(frozen=True)
class TraceChange:
    """The traceroute just before and just after a change; ``changed`` the TTLs that differ."""

    direction: Direction
    at: datetime
    before: Result | None
    after: Result | None
    changed: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Report:
    """Everything an escalation report shows, as values (rates bit/s, times aware UTC).

    ``facts`` are (label, value) pairs of the GÉANT PERT checklist; ``summary`` the
    paragraph a provider reads first; ``method`` how the numbers were made.
    """

    link: str
    site: str
    endpoint: Endpoint
    since: datetime
    until: datetime
    plan: CapacityPlan
    summary: str
    directions: list[DirectionReport]
    traces: list[TraceChange]
    method: str
    facts: list[tuple[str, str]]


METHOD = (
    "Each probe is one iperf3 TCP test of fixed duration between the two hosts; its rate is "
    "the receiver's average in bit/s. A failed or missed probe counts as missing, never as "
    "zero. Change points are found on the series (daily time-of-day profile removed when "
    "present) with a penalised search, then each change is kept only if a permutation test "
    "gives p < 1e-4 and the medians differ by at least 5 %; its size is the ratio of the "
    "medians after and before, with a 95 % bootstrap confidence interval. The expected rate "
    "is the planned capacity times the share a healthy single probe reaches, capped by the "
    "NIC, with a grace period after each upgrade."
)


def segment_rows(analysis: LinkAnalysis, series: Series) -> list[SegmentRow]:
    """The analysis' parts with the share of probes under the expected rate and failures.

    Args:
        analysis: the analysis of ``series``.
        series: the throughput series analysed (bit/s, NaN for failures).
    """
    values = np.asarray(series.values, dtype=float)
    failed = np.asarray(series.status) != "ok"
    rows = []
    for part in analysis.parts:
        s = part.stats
        chunk = values[s.start : s.end]
        measured = chunk[~np.isnan(chunk)]
        expected = part.expected_bps
        below = (
            float(np.mean(measured < expected))
            if expected is not None and len(measured)
            else float("nan")
        )
        rows.append(
            SegmentRow(
                start=s.start_time,
                end=s.end_time,
                n=s.n,
                median=s.median,
                p10=s.p10,
                p90=s.p90,
                expected_bps=expected,
                below_share=below,
                failures=int(np.sum(failed[s.start : s.end])),
            )
        )
    return rows


def trace_change(direction: Direction, at: datetime, traces: list[Result]) -> TraceChange:
    """The newest trace started before ``at`` and the first at or after it, hops compared."""
    ok = [t for t in traces if t.direction == direction and t.hops]
    before = next((t for t in reversed(ok) if t.started < at), None)
    after = next((t for t in ok if t.started >= at), None)
    changed: set[int] = set()
    if before and after:
        a = {h.ttl: h.address for h in before.hops}
        b = {h.ttl: h.address for h in after.hops}
        changed = {ttl for ttl in a.keys() | b.keys() if a.get(ttl) != b.get(ttl)}
    return TraceChange(direction, at, before, after, frozenset(changed))


def _pct(x: float) -> str:
    return f"{x:+.0%}"


def _direction_sentence(d: DirectionReport) -> str:
    a = d.analysis
    name = a.direction.value
    cps = a.detection.change_points if a.detection else []
    if not cps:
        medians = [r.median for r in d.rows if not np.isnan(r.median)]
        level = format_rate(float(np.median(medians))) if medians else "no measured value"
        return f"The {name} direction showed no significant change (median {level})."
    parts = []
    for c in cps:
        when = format_time(c.time) if c.time else f"row {c.index}"
        parts.append(
            f"on {when} the median {'fell' if c.change < 0 else 'rose'} from "
            f"{format_rate(c.before)} to {format_rate(c.after)} ({_pct(c.change)}, 95% "
            f"confidence interval {_pct(c.ci[0])} to {_pct(c.ci[1])}, p = {c.p_value:.1g})"
        )
    return f"In the {name} direction, " + "; ".join(parts) + "."


def _plan_text(plan: CapacityPlan, since: datetime, until: datetime) -> str:
    steps = plan.steps_between(since, until)
    out = []
    for s in steps:
        expected = plan.expected_rate(max(s.start, since))
        out.append(
            f"{format_rate(s.capacity_bps)} from {s.start:%Y-%m-%d} "
            f"(a single probe is expected to reach {format_rate(expected)})"
        )
    return "; ".join(out) or "no plan step in force"


def summary(
    link: str,
    site: str,
    endpoint: Endpoint,
    since: datetime,
    until: datetime,
    plan: CapacityPlan,
    dirs: list[DirectionReport],
) -> str:
    """The paragraph a provider reads first: period, link, plan, what changed, how sure."""
    period = f"From {format_time(since)} to {format_time(until)}"
    plan_text = f"The capacity plan is {_plan_text(plan, since, until)}."
    if not dirs:
        return (
            f"{period}, no throughput result of link {link} between {site} and "
            f"{endpoint.host} is stored. {plan_text}"
        )
    counts = ", ".join(f"{d.analysis.n} {d.direction.value}" for d in dirs)
    head = (
        f"{period}, netprobe measured the throughput of link {link} between {site} and "
        f"{endpoint.host} (slots: {counts}). {plan_text}"
    )
    return " ".join([head, *(_direction_sentence(d) for d in dirs)])


def _first_rate(d: DirectionReport) -> str:
    return format_rate(d.rows[0].median) if d.rows and not np.isnan(d.rows[0].median) else "-"


def pert_facts(
    site: str,
    endpoint: Endpoint,
    plan: CapacityPlan,
    since: datetime,
    until: datetime,
    dirs: list[DirectionReport],
) -> list[tuple[str, str]]:
    """The GÉANT PERT checklist: both ends, ports, how measured, expected and earlier rate."""
    facts = [
        ("Near end (site)", site),
        ("Far end (host, port)", f"{endpoint.host} port {endpoint.port} ({endpoint.family})"),
        ("Measurement", "iperf3 TCP throughput, receiver side, bit/s; RTT with ping, ms"),
        ("Expected rate (plan)", _plan_text(plan, since, until)),
    ]
    for d in dirs:
        cps = d.analysis.detection.change_points if d.analysis.detection else []
        started = format_time(cps[0].time) if cps and cps[0].time else "no change found"
        facts.append((f"Rate before ({d.direction.value})", _first_rate(d)))
        facts.append((f"Change started ({d.direction.value})", started))
        worked = any(r.expected_bps and r.median >= r.expected_bps for r in d.rows)
        facts.append((f"Ever reached the plan ({d.direction.value})", "yes" if worked else "no"))
    return facts


def build_report(
    *,
    link: str,
    site: str,
    endpoint: Endpoint,
    plan: CapacityPlan,
    since: datetime,
    until: datetime,
    analyses: list[LinkAnalysis],
    series: dict[Direction, Series],
    traces: list[Result],
    rtt: dict[Direction, Series] | None = None,
    retransmits: dict[Direction, Series] | None = None,
) -> Report:
    """Assemble the report of one link over [since, until).

    Args:
        link, site: the link's and the site's names in the config.
        endpoint: the far end (host and port).
        plan: the link's capacity plan.
        since, until: the period reported (aware UTC).
        analyses: from ``netprobe.analysis.analyze`` for this link, one per direction.
        series: the throughput series each analysis was made on, by direction.
        traces: the stored trace results of the period, oldest first.
        rtt, retransmits: optional series of those metrics, by direction.
    """
    rtt = rtt or {}
    retransmits = retransmits or {}
    dirs = [
        DirectionReport(
            analysis=a,
            throughput=series[a.direction],
            rows=segment_rows(a, series[a.direction]),
            rtt=rtt.get(a.direction),
            retransmits=retransmits.get(a.direction),
        )
        for a in analyses
    ]
    changes = []
    for d in dirs:
        cps = d.analysis.detection.change_points if d.analysis.detection else []
        for c in cps:
            if c.time is not None:
                changes.append(trace_change(d.direction, c.time, traces))
    return Report(
        link=link,
        site=site,
        endpoint=endpoint,
        since=since,
        until=until,
        plan=plan,
        summary=summary(link, site, endpoint, since, until, plan, dirs),
        directions=dirs,
        traces=[t for t in changes if t.before or t.after],
        method=METHOD,
        facts=pert_facts(site, endpoint, plan, since, until, dirs),
    )
