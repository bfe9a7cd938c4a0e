"""A `Report` as Markdown, for a ticket body: the text and tables, without the figures."""

import math

from netprobe.localize.reverse import trace_ends
from netprobe.model import Result
from netprobe.report.build import DirectionReport, Report, TraceChange
from netprobe.report.check import missing
from netprobe.report.where import HEADER, rows, sentences
from netprobe.units import format_rate, format_time


def _cell(text: str) -> str:
    """A value made safe for a Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _time(t) -> str:
    return format_time(t) if t else "-"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return [*out, ""]


def _segments(d: DirectionReport) -> list[str]:
    rows = [
        [
            _time(r.start),
            _time(r.end),
            str(r.n),
            format_rate(r.median),
            f"{format_rate(r.p10)} / {format_rate(r.p90)}",
            format_rate(r.expected_bps),
            "-" if math.isnan(r.below_share) else f"{r.below_share:.0%}",
            str(r.failures),
        ]
        for r in d.rows
    ]
    header = ["from", "to", "probes", "median", "p10 / p90", "expected", "below expected"]
    return [f"### {d.direction.value}", "", *_table([*header, "failed or missed"], rows)]


def _hops(label: str, result: Result | None, changed: frozenset[int]) -> list[str]:
    if result is None:
        return [f"{label}: no trace stored.", ""]
    rows = [
        [
            f"**{h.ttl}**" if h.ttl in changed else str(h.ttl),
            h.address or "*",
            h.name or "",
            "-" if h.rtt_ms is None else f"{h.rtt_ms:.1f} ms",
        ]
        for h in result.hops
    ]
    head = f"{label}: trace of {_time(result.started)} ({result.probe}, "
    head += " → ".join(trace_ends(result)) + ")"
    head += "; changed hops in bold." if changed else "."
    return [head, "", *_table(["TTL", "address", "name", "RTT"], rows)]


def _trace(t: TraceChange) -> list[str]:
    return [
        f"### Path around the change of {_time(t.at)} ({t.direction.value})",
        "",
        *_hops("Before", t.before, t.changed),
        *_hops("After", t.after, t.changed),
    ]


def _checklist(report: Report) -> list[str]:
    items = report.checklist
    lacking = [i.asked for i in missing(items)]
    head = (
        f"**Missing:** {'; '.join(lacking)}."
        if lacking
        else "Nothing the support desk asks for is missing."
    )
    rows = [[i.asked, i.status, "; ".join(i.details)] for i in items]
    return [head, "", *_table(["asked for", "status", "in this report"], rows)]


def _paths(report: Report) -> list[str]:
    if not report.paths:
        return ["No traceroute stored.", ""]
    side = {"forward": "from the site", "reverse": "from the far end"}
    lines: list[str] = []
    for t in report.paths:
        label = f"{t.direction.value.capitalize()} path ({side[t.direction.value]})"
        lines += _hops(label, t, frozenset())
    return lines


def render_markdown(report: Report) -> str:
    """The report as Markdown: summary, verdicts, facts, segment tables, traces, method."""
    lines = [
        f"# netprobe report: {report.link} ({report.site} ↔ {report.endpoint.host})",
        "",
        f"Period {_time(report.since)} to {_time(report.until)}.",
        "",
        "## Summary",
        "",
        report.summary,
        "",
        "## Verdicts",
        "",
        *(
            f"- **{v.kind}** ({d.direction.value}): {v.summary}"
            for d in report.directions
            for v in d.analysis.verdicts
        ),
        "",
        "## Where",
        "",
        *(line for sentence in sentences(report.where) for line in (sentence, "")),
        *(_table(HEADER, rows(report.where)) if report.where and report.where.links else []),
        "## Facts for the network support desk",
        "",
        *_checklist(report),
        "## Statistics per segment",
        "",
    ]
    for d in report.directions:
        lines += _segments(d)
    lines += ["## Paths", "", *_paths(report), "## Traceroute around each change", ""]
    for t in report.traces:
        lines += _trace(t)
    if not report.traces:
        lines += ["No trace stored around a change.", ""]
    lines += ["## Method", "", report.method, ""]
    return "\n".join(lines)
