"""The facts a network support desk asks for in a performance problem report (GÉANT PERT
and eduPERT guides), each one present, missing with the reason, or not needed.

Pure: the report's parts in, `Fact` records out. ``check.py`` folds them into the
checklist of ``netprobe report --check``.
"""

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

import numpy as np

from netprobe.localize.reverse import trace_ends
from netprobe.model import ChangePoint, Direction, Endpoint, Result
from netprobe.plan import CapacityPlan
from netprobe.units import format_rate, format_time

if TYPE_CHECKING:
    from netprobe.report.build import DirectionReport

PRESENT, MISSING, NOT_NEEDED = "present", "missing", "not-needed"

CHECKLIST = {
    "ends": "both end addresses and ports",
    "method": "how the measurement was made, and its units",
    "plan": "the expected rate (the plan)",
    "before": "the rate before the problem",
    "started": "when the problem started",
    "worked": "whether it ever worked",
    "rtt": "the round-trip time (RTT)",
    "forward-trace": "a traceroute from the site to the far end",
    "reverse-trace": "a traceroute from the far end back (where probes run both ways)",
    "raw": "the raw tool output",
}
"""Checklist item → what the desk asks, in the order of the guides."""


@dataclass(frozen=True)
class Fact:
    """One line of the facts table: the checklist ``item`` it answers, and its ``status``.

    ``value`` is the fact itself when present, else why it is missing or not needed.
    """

    item: str
    label: str
    value: str
    status: str = PRESENT


@dataclass(frozen=True)
class Sources:
    """What the facts are read from, besides the analyses.

    ``samples`` are recent throughput results (their command lines and the addresses the
    tool saw); ``traces`` the trace results with the direction they describe (forward: from
    the site; reverse: from the far end); ``rtt`` the RTT series' values (ms) by direction;
    ``raw`` how many raw results are attached (None: none are).
    """

    site_address: str | None = None
    samples: Sequence[Result] = ()
    traces: Sequence[Result] = ()
    rtt: dict[Direction, np.ndarray] | None = None
    raw: int | None = None


def first_drop(change_points: Sequence[ChangePoint]) -> ChangePoint | None:
    """The first change point that lowered the rate, or None."""
    return next((c for c in change_points if c.change < 0), None)


def plan_text(plan: CapacityPlan, since: datetime, until: datetime) -> str:
    """The plan steps in force over the period, with the rate a single probe should reach."""
    out = []
    for s in plan.steps_between(since, until):
        expected = plan.expected_rate(max(s.start, since))
        out.append(
            f"{format_rate(s.capacity_bps)} from {s.start:%Y-%m-%d} "
            f"(a single probe is expected to reach {format_rate(expected)})"
        )
    return "; ".join(out)


def pert_facts(
    *,
    site: str,
    endpoint: Endpoint,
    plan: CapacityPlan,
    since: datetime,
    until: datetime,
    directions: Sequence["DirectionReport"],
    sources: Sources,
) -> list[Fact]:
    """Every fact of the PERT checklist, present or not.

    Args:
        site: the site's name.
        endpoint: the far end as configured.
        plan, since, until: the link's plan and the period reported (aware UTC).
        directions: the report's ``DirectionReport`` records.
        sources: samples, traces, RTT and raw results (see `Sources`).
    """
    facts = [*_ends(site, endpoint, sources), _method(sources.samples)]
    planned = plan_text(plan, since, until)
    facts.append(
        Fact("plan", "Expected rate (plan)", planned)
        if planned
        else Fact(
            "plan",
            "Expected rate (plan)",
            "no capacity in force in the period: add a step to the link's plan",
            MISSING,
        )
    )
    dropped = any(_drop(d) for d in directions)
    for d in directions:
        facts += _history(d, another_dropped=dropped)
    if not directions:
        why = "no throughput result stored in the period"
        facts += [Fact(item, CHECKLIST[item], why, MISSING) for item in ("before", "started")]
        facts.append(Fact("worked", "Ever reached the plan", why, MISSING))
    facts.append(_rtt(sources.rtt or {}))
    facts += _traces(sources.traces, {d.direction for d in directions})
    facts.append(_raw(sources.raw))
    return facts


def _ends(site: str, endpoint: Endpoint, sources: Sources) -> list[Fact]:
    seen = [r.context for r in sources.samples]
    # iperf3's own socket addresses, else the addresses an archive recorded (ingest)
    near = (
        _most_common(c.get("local_host") or c.get("source_address") for c in seen)
        or sources.site_address
    )
    near_fact = (
        Fact("ends", "Near end (site)", f"{site}, address {near}")
        if near
        else Fact(
            "ends",
            "Near end (site)",
            f"{site}: its address is unknown (no throughput result records it and "
            "[site] bind is not set)",
            MISSING,
        )
    )
    far = f"{endpoint.host} port {endpoint.port} ({endpoint.family})"
    measured = _most_common(
        f"{c['remote_host']} port {c.get('remote_port', endpoint.port)}"
        if c.get("remote_host")
        else c.get("destination_address")
        for c in seen
    )
    if measured and not far.startswith(measured + " "):
        far += f", measured at {measured}"
    return [near_fact, Fact("ends", "Far end (host, port)", far)]


def _method(samples: Sequence[Result]) -> Fact:
    label = "Measurement"
    if not samples:
        return Fact("method", label, "no throughput result stored in the period", MISSING)
    tools = Counter(
        " ".join(
            str(p)
            for p in (r.tool, r.context.get("iperf3_version"), r.context.get("protocol"))
            if p
        )
        for r in samples
    )
    streams = _most_common(r.context.get("streams") for r in samples)
    command = next((" ".join(r.argv) for r in reversed(samples) if r.argv), None)
    text = ", ".join(t for t, _ in tools.most_common())
    text += f", {streams} stream(s)" if streams else ""
    text += "; throughput is the receiver's average over the test, in bit/s"
    text += f"; command: {command}" if command else ""
    return Fact("method", label, text)


def _drop(d: "DirectionReport") -> ChangePoint | None:
    return first_drop(d.analysis.detection.change_points if d.analysis.detection else [])


def _history(d: "DirectionReport", *, another_dropped: bool) -> list[Fact]:
    """Rate before, start of the problem and whether the plan was ever reached, one direction.

    A direction without a drop needs neither when another direction has one.
    """
    name = d.direction.value
    drop = _drop(d)
    if drop is None:
        why, status = "no drop found in the period: start the report before the problem", MISSING
        if another_dropped:
            why, status = f"no drop in the {name} direction", NOT_NEEDED
        before = Fact("before", f"Rate before ({name})", why, status)
        started = Fact("started", f"Problem started ({name})", why, status)
    else:
        when = format_time(drop.time) if drop.time else f"probe {drop.index}"
        before = Fact("before", f"Rate before ({name})", f"{format_rate(drop.before)} (median)")
        started = Fact(
            "started",
            f"Problem started ({name})",
            f"{when}, median {format_rate(drop.before)} → {format_rate(drop.after)}",
        )
    planned = [r for r in d.rows if r.expected_bps]
    label = f"Ever reached the plan ({name})"
    if not planned:
        worked = Fact("worked", label, "no plan in force to compare with", MISSING)
    else:
        good = next((r for r in planned if r.median >= r.expected_bps), None)
        if good is None:
            text = "no: no segment of the period reached its expected rate"
        else:
            text = f"yes, from {format_time(good.start)}" if good.start else "yes"
        worked = Fact("worked", label, text)
    return [before, started, worked]


def _rtt(rtt: dict[Direction, np.ndarray]) -> Fact:
    label = "Round-trip time"
    medians = {d: float(np.nanmedian(v)) for d, v in rtt.items() if len(v) and np.isfinite(v).any()}
    if not medians:
        return Fact("rtt", label, "no RTT stored in the period: add an rtt probe (ping)", MISSING)
    return Fact(
        "rtt",
        label,
        "; ".join(f"median {ms:.3g} ms ({d.value})" for d, ms in medians.items()),
    )


def _traces(traces: Sequence[Result], directions: set[Direction]) -> list[Fact]:
    def found(direction: Direction) -> list[Result]:
        return [t for t in traces if t.direction is direction and t.hops]

    forward, reverse = found(Direction.FORWARD), found(Direction.REVERSE)
    facts = [
        Fact("forward-trace", "Forward traceroute", _traces_text(forward))
        if forward
        else Fact(
            "forward-trace",
            "Forward traceroute",
            "no trace from the site stored in the period: add a trace probe",
            MISSING,
        )
    ]
    label = "Reverse traceroute"
    if reverse:
        facts.append(Fact("reverse-trace", label, _traces_text(reverse)))
    elif Direction.REVERSE in directions:
        facts.append(
            Fact(
                "reverse-trace",
                label,
                "throughput runs both ways but no trace from the far end is stored: import "
                "the far end's perfSONAR traces (netprobe import esmond|opensearch)",
                MISSING,
            )
        )
    else:
        facts.append(Fact("reverse-trace", label, "throughput was probed one way only", NOT_NEEDED))
    return facts


def _traces_text(traces: list[Result]) -> str:
    newest = traces[-1]
    return (
        f"{len(traces)} stored, newest {format_time(newest.started)} from "
        f"{trace_ends(newest)[0]} "
        f"({len(newest.hops)} hops, {newest.tool})"
    )


def _raw(raw: int | None) -> Fact:
    label = "Raw tool output"
    if raw is None:
        return Fact(
            "raw",
            label,
            "not attached: write the report with --bundle (results.json, results.csv)",
            MISSING,
        )
    return Fact(
        "raw",
        label,
        f"{raw} results in the bundle: results.json (command lines, every interval and hop "
        "as the tool reported it) and results.csv",
    )


def _most_common(values) -> str | None:
    counts = Counter(str(v) for v in values if v not in (None, ""))
    return counts.most_common(1)[0][0] if counts else None
