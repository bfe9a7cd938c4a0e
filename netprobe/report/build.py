"""Analyses, series and traces of one link → a `Report`: the facts an escalation needs.

Pure: no store, no clock, no rendering. ``html.py`` and ``markdown.py`` turn the record
into pages, ``plots.py`` draws its series.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from netprobe.analysis import LinkAnalysis
from netprobe.localize.evidence import Where
from netprobe.model import Direction, Endpoint, Result
from netprobe.plan import CapacityPlan
from netprobe.report.check import CheckItem, check_report
from netprobe.report.facts import Fact, Sources, pert_facts, plan_text
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

    ``facts`` answer the GÉANT PERT checklist (``checklist`` folds them); ``summary`` the
    paragraph a provider reads first; ``method`` how the numbers were made; ``paths`` the
    newest forward trace and the newest reverse one (from the far end), when stored;
    ``where`` the suspect segment and its evidence (None when localization did not run).
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
    facts: list[Fact]
    paths: list[Result] = field(default_factory=list)
    where: Where | None = None

    @property
    def checklist(self) -> list[CheckItem]:
        """What the report has and lacks of the support desk's list."""
        return check_report(self.facts)


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
    planned = plan_text(plan, since, until) or "no plan step in force"
    plan_sentence = f"The capacity plan is {planned}."
    if not dirs:
        return (
            f"{period}, no throughput result of link {link} between {site} and "
            f"{endpoint.host} is stored. {plan_sentence}"
        )
    counts = ", ".join(f"{d.analysis.n} {d.direction.value}" for d in dirs)
    head = (
        f"{period}, netprobe measured the throughput of link {link} between {site} and "
        f"{endpoint.host} (slots: {counts}). {plan_sentence}"
    )
    return " ".join([head, *(_direction_sentence(d) for d in dirs)])


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
    site_address: str | None = None,
    samples: Sequence[Result] = (),
    raw: int | None = None,
    where: Where | None = None,
) -> Report:
    """Assemble the report of one link over [since, until).

    Args:
        link, site: the link's and the site's names in the config.
        endpoint: the far end (host and port).
        plan: the link's capacity plan.
        since, until: the period reported (aware UTC).
        analyses: from ``netprobe.analysis.analyze`` for this link, one per direction.
        series: the throughput series each analysis was made on, by direction.
        traces: the stored trace results of the period, oldest first, each with the
            direction it describes: forward (run from the site), reverse (from the far end).
        rtt, retransmits: optional series of those metrics, by direction.
        site_address: the site's own address when the config knows it (``[site] bind``).
        samples: recent throughput results: the command line and the addresses they saw.
        raw: how many raw results go with the report (``--bundle``); None when none do.
        where: the localization evidence for this link (``locate.where_for``).
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
    sources = Sources(
        site_address=site_address,
        samples=samples,
        traces=traces,
        rtt={d: np.asarray(s.values, dtype=float) for d, s in rtt.items() if s is not None},
        raw=raw,
    )
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
        facts=pert_facts(
            site=site,
            endpoint=endpoint,
            plan=plan,
            since=since,
            until=until,
            directions=dirs,
            sources=sources,
        ),
        paths=newest_paths(traces),
        where=where,
    )


def newest_paths(traces: Sequence[Result]) -> list[Result]:
    """The newest trace with hops of each direction: forward first, then reverse."""
    newest = {t.direction: t for t in traces if t.hops}
    return [newest[d] for d in (Direction.FORWARD, Direction.REVERSE) if d in newest]
