"""An analysis as points for dashboards: change points, the plan line, verdicts, health. Pure.

Every point is tagged ``site``, ``link``, ``endpoint`` and ``direction`` (the plan too, though
both directions share it: a dashboard joins it to each direction's throughput); rates are
bit/s, times aware UTC. docs/influxdb.md lists the measurements and their fields.
"""

from datetime import datetime

from netprobe.analysis.link import LinkAnalysis
from netprobe.model import AnalysisPoint

HEALTH = ("ok", "warning", "critical", "unknown")
"""The ``state`` field of ``health``, by value: 0 ok … 3 unknown (Nagios' own codes)."""


def _tags(analysis: LinkAnalysis, site: str) -> dict[str, str]:
    return {
        "site": site,
        "link": analysis.link,
        "endpoint": analysis.endpoint,
        "direction": analysis.direction.value,
    }


def changepoint_points(analysis: LinkAnalysis, site: str) -> list[AnalysisPoint]:
    """One ``changepoint`` per change found, at the first probe of the new regime."""
    if analysis.detection is None:
        return []
    starts = {p.stats.start: p.stats.start_time for p in analysis.parts}
    out = []
    for c in analysis.detection.change_points:
        at = c.time or starts.get(c.index)
        if at is None:
            continue
        low, high = c.ci
        text = f"{analysis.link} ({analysis.direction.value}) {c.kind} {c.change:+.0%}"
        out.append(
            AnalysisPoint(
                "changepoint",
                at,
                {**_tags(analysis, site), "kind": c.kind},
                {
                    "before_bps": float(c.before),
                    "after_bps": float(c.after),
                    "change": float(c.change),
                    "ci_low": float(low),
                    "ci_high": float(high),
                    "p_value": float(c.p_value),
                    "text": text,
                },
            )
        )
    return out


def plan_points(analysis: LinkAnalysis, site: str, now: datetime) -> list[AnalysisPoint]:
    """The expected rate and planned capacity at each expectation step and at ``now``, so a
    step line drawn through the points (and their newest value) is the plan of the day."""
    steps = [s for s in analysis.steps if s.start <= now]
    if not steps:
        return []
    return [
        AnalysisPoint(
            "plan",
            at,
            _tags(analysis, site),
            {
                "expected_bps": float(step.expected_bps),
                "capacity_bps": float(step.capacity_bps),
                "grace": step.grace,
            },
        )
        for at, step in [(s.start, s) for s in steps] + [(now, steps[-1])]
    ]


def verdict_points(analysis: LinkAnalysis, site: str) -> list[AnalysisPoint]:
    """One ``verdict`` per verdict, at the time it holds from."""
    return [
        AnalysisPoint(
            "verdict",
            v.since,
            {**_tags(analysis, site), "kind": v.kind},
            {
                "summary": v.summary,
                "ongoing": bool(v.numbers.get("ongoing", 1.0)),
                "until_s": v.until.timestamp(),
            },
        )
        for v in analysis.verdicts
    ]


def health_point(
    analysis: LinkAnalysis, site: str, now: datetime, state: int, worst: str
) -> AnalysisPoint:
    """The link direction's health at ``now``: ``state`` (an index of `HEALTH`) and the kind
    of its worst current verdict."""
    if not 0 <= state < len(HEALTH):
        raise ValueError(f"expected a health state 0..{len(HEALTH) - 1}, got {state}")
    return AnalysisPoint(
        "health",
        now,
        _tags(analysis, site),
        {"state": state, "health": HEALTH[state], "verdict": worst},
    )
