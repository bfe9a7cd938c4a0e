"""How `netprobe analyze` shows its LinkAnalyses: JSON for scripts, a table for people.

Imported by the command only when it runs: the analysis loads numpy and the detector.
"""

import math

from netprobe.analysis import SEVERITY, Completeness, LinkAnalysis, Part
from netprobe.cli.detection_json import change_point_json, iso, number, segment_json
from netprobe.model import Verdict
from netprobe.units import format_rate, format_time


def _completeness(c: Completeness) -> dict:
    return {
        "slots": c.slots,
        "measured": c.measured,
        "failed": c.failed,
        "missed": c.missed,
        "share": number(c.share),
        "failure_share": number(c.failure_share),
        "by_status": c.by_status,
    }


def _part(p: Part) -> dict:
    e = p.expectation
    return {
        **segment_json(p.stats),
        "expected_bps": e.expected_bps if e else None,
        "capacity_bps": e.capacity_bps if e else None,
        "grace": bool(e and e.grace),
    }


def _verdict(v: Verdict) -> dict:
    return {
        "kind": v.kind,
        "since": iso(v.since),
        "until": iso(v.until),
        "summary": v.summary,
        "numbers": {k: x if isinstance(x, int) else number(x) for k, x in v.numbers.items()},
    }


def analysis_json(a: LinkAnalysis) -> dict:
    """One link and direction: counts, change points and segments as `netprobe detect`
    gives them (each segment with its parts under the plan and, when one rate covers it
    all, ``expected_bps``), and the verdicts, most severe first."""
    segments = []
    for i, s in enumerate(a.detection.segments if a.detection else []):
        parts = [_part(p) for p in a.parts if p.segment == i]
        rates = {p["expected_bps"] for p in parts}
        segments.append(
            {**segment_json(s), "expected_bps": rates.pop() if len(rates) == 1 else None}
            | {"parts": parts}
        )
    return {
        "link": a.link,
        "endpoint": a.endpoint,
        "direction": a.direction.value,
        "n": a.n,
        "start": iso(a.start),
        "end": iso(a.end),
        "completeness": _completeness(a.completeness),
        "recent": _completeness(a.recent),
        "transform": a.detection.transform if a.detection else None,
        "seasonal": a.detection.seasonal if a.detection else None,
        "change_points": [change_point_json(c) for c in a.detection.change_points]
        if a.detection
        else [],
        "segments": segments,
        "verdicts": [_verdict(v) for v in a.verdicts],
    }


def _share(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0%}"


def _numbers(v: Verdict) -> str:
    """The few numbers behind a verdict, short enough for a table cell."""
    n = v.numbers
    rate = format_rate
    if v.kind == "degraded":
        return (
            f"{n['change']:+.0%} [{n['ci_low']:+.0%}, {n['ci_high']:+.0%}] "
            f"{rate(n['before_bps'])} -> {rate(n['after_bps'])}, p={n['p_value']:.1g}"
        )
    if v.kind == "stale":
        hours = n["age_s"] / 3600
        return f"last result {hours:.1f} h ago, {n['slots_overdue']:.0f} slots overdue"
    if v.kind == "completeness":
        share = _share(n["completeness"])
        return f"{n['produced']:.0f} of {n['slots']:.0f} slots produced a result ({share})"
    if v.kind == "loss":
        return (
            f"loss {n['loss_ratio']:.1%} over {n['n']:.0f} results, worst {n['max_loss_ratio']:.0%}"
        )
    if v.kind == "path-changed":
        return (
            f"from hop {n['first_hop']:.0f}: {n['hops_added']:.0f} hops new, "
            f"{n['hops_removed']:.0f} gone"
        )
    if v.kind == "failing":
        return (
            f"{n['failed']:.0f} of {n['slots'] - n['missed']:.0f} failed, {n['missed']:.0f} missed"
        )
    if v.kind == "upgrade-not-delivered":
        return (
            f"median {rate(n['median_bps'])} < {rate(n['threshold_bps'])}, "
            f"expected {rate(n['expected_bps'])}"
        )
    if v.kind == "unstable":
        return f"{_share(n['bad_share'])} bad runs, p10 {rate(n['p10_bps'])}"
    if v.kind == "recovered":
        return f"median {rate(n['median_bps'])}, {_share(n['share_of_before'])} of before"
    if v.kind == "ok" and math.isnan(n["expected_bps"]):
        return f"median {rate(n['median_bps'])}, no plan"
    return f"median {rate(n['median_bps'])}, {_share(n['share_of_expected'])} of expected"


def analysis_table(analyses: list[LinkAnalysis]) -> str:
    """Per link: one line of counts; then one row per verdict; then the summaries."""
    lines = []
    for a in analyses:
        c = a.completeness
        changes = len(a.detection.change_points) if a.detection else 0
        if a.start is None or a.end is None:
            lines.append(f"{a.link} {a.direction.value}: no throughput result, only its probes")
            continue
        lines.append(
            f"{a.link} {a.direction.value}: {a.n} slots from {format_time(a.start)} to "
            f"{format_time(a.end)}, {_share(c.share)} measured ({c.failed} failed, "
            f"{c.missed} missed), {changes} change point{'s' * (changes != 1)}"
        )
    rows = [("LINK", "DIRECTION", "VERDICT", "SINCE", "NUMBERS")]
    for a in analyses:
        for v in a.verdicts:
            ended = v.kind in SEVERITY and not v.numbers["ongoing"]
            rows.append(
                (
                    a.link,
                    a.direction.value,
                    v.kind + (" (ended)" if ended else ""),
                    format_time(v.since),
                    _numbers(v),
                )
            )
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    lines.append("")
    lines += [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.append("")
    lines += [v.summary for a in analyses for v in a.verdicts]
    return "\n".join(lines)
