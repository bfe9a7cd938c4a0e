"""A `Report` as one self-contained HTML page: styles and figures inline, no network needed.

Every value that comes from data (names, hosts, reasons) goes through ``html.escape``.
"""

import math
from html import escape

from netprobe.localize.reverse import trace_ends
from netprobe.model import Result
from netprobe.report.build import DirectionReport, Report, TraceChange
from netprobe.report.check import missing
from netprobe.report.where import HEADER, rows, sentences
from netprobe.units import format_rate, format_time

STYLE = """
body{font-family:sans-serif;max-width:1100px;margin:1em auto;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #bbb;padding:2px 8px}
th{background:#eee;text-align:left}.num{text-align:right}tr.changed td{background:#fdd}
img{max-width:100%}.summary{background:#f4f7fb;border-left:4px solid #36c;padding:.5em 1em}
.missing{color:#a00;font-weight:bold}.paths{display:flex;gap:2em;flex-wrap:wrap}
"""


def _share(x: float) -> str:
    return "-" if math.isnan(x) else f"{x:.0%}"


def _time(t) -> str:
    return escape(format_time(t)) if t else "-"


def _table(header: list[str], rows: list[list[str]], classes: list[str] | None = None) -> str:
    """A table from already-escaped cells."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = []
    for i, row in enumerate(rows):
        cls = f' class="{classes[i]}"' if classes and classes[i] else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _segments(d: DirectionReport) -> str:
    rows = [
        [
            _time(r.start),
            _time(r.end),
            str(r.n),
            escape(format_rate(r.median)),
            escape(f"{format_rate(r.p10)} / {format_rate(r.p90)}"),
            escape(format_rate(r.expected_bps)),
            _share(r.below_share),
            str(r.failures),
        ]
        for r in d.rows
    ]
    header = ["from", "to", "probes", "median", "p10 / p90", "expected", "below expected"]
    return _table([*header, "failed or missed"], rows)


def _hops(result: Result | None, changed: frozenset[int]) -> str:
    if result is None:
        return "<p>No trace stored on this side of the change.</p>"
    rows, classes = [], []
    for h in result.hops:
        rtt = "-" if h.rtt_ms is None else f"{h.rtt_ms:.1f} ms"
        rows.append([str(h.ttl), escape(h.address or "*"), escape(h.name or ""), escape(rtt)])
        classes.append("changed" if h.ttl in changed else "")
    when = f"<p>Trace of {_time(result.started)} ({escape(result.probe)})</p>"
    return when + _table(["TTL", "address", "name", "RTT"], rows, classes)


def _trace(t: TraceChange) -> str:
    title = f"<h3>Path around the change of {_time(t.at)} ({escape(t.direction.value)})</h3>"
    note = "<p>Hops that differ are highlighted.</p>" if t.changed else ""
    return (
        title
        + note
        + "<h4>Before</h4>"
        + _hops(t.before, t.changed)
        + ("<h4>After</h4>" + _hops(t.after, t.changed))
    )


def _checklist(report: Report) -> str:
    items = report.checklist
    lacking = [i.asked for i in missing(items)]
    head = (
        f'<p class="missing">Missing: {escape("; ".join(lacking))}.</p>'
        if lacking
        else "<p>Nothing the support desk asks for is missing.</p>"
    )
    rows = [
        [
            escape(i.asked),
            f'<span class="{escape(i.status)}">{escape(i.status)}</span>',
            "<br>".join(escape(d) for d in i.details),
        ]
        for i in items
    ]
    return head + _table(["asked for", "status", "in this report"], rows)


def _paths(report: Report) -> str:
    if not report.paths:
        return "<p>No traceroute stored.</p>"
    side = {"forward": "from the site", "reverse": "from the far end"}
    cells = "".join(
        f"<div><h3>{escape(t.direction.value)} ({side[t.direction.value]}, "
        f"{escape(' → '.join(trace_ends(t)))})</h3>{_hops(t, frozenset())}</div>"
        for t in report.paths
    )
    return f'<div class="paths">{cells}</div>'


def _where(report: Report) -> str:
    text = "".join(f"<p>{escape(line)}</p>" for line in sentences(report.where))
    found = rows(report.where)
    table = _table(HEADER, [[escape(c) for c in row] for row in found]) if found else ""
    return text + table


def render_html(report: Report, figures: list[tuple[str, str]]) -> str:
    """The whole page.

    Args:
        report: from ``build_report``.
        figures: (caption, base64 PNG) pairs, from ``plots.figures``.
    """
    title = escape(f"netprobe report: {report.link} ({report.site} ↔ {report.endpoint.host})")
    figs = "".join(
        f'<figure><img alt="{escape(c)}" src="data:image/png;base64,{png}">'
        f"<figcaption>{escape(c)}</figcaption></figure>"
        for c, png in figures
    )
    segs = "".join(f"<h3>{escape(d.direction.value)}</h3>{_segments(d)}" for d in report.directions)
    verdicts = "".join(
        f"<li><b>{escape(v.kind)}</b> ({escape(d.direction.value)}): {escape(v.summary)}</li>"
        for d in report.directions
        for v in d.analysis.verdicts
    )
    traces = "".join(_trace(t) for t in report.traces) or "<p>No trace stored around a change.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f"<h1>{title}</h1>"
        f"<p>Period {_time(report.since)} to {_time(report.until)}.</p>"
        f'<h2>Summary</h2><p class="summary">{escape(report.summary)}</p>'
        f"<h2>Verdicts</h2><ul>{verdicts}</ul>"
        f"<h2>Where</h2>{_where(report)}"
        f"<h2>Facts for the network support desk</h2>{_checklist(report)}"
        f"<h2>Measurements</h2>{figs}"
        f"<h2>Statistics per segment</h2>{segs}"
        f"<h2>Paths</h2>{_paths(report)}"
        f"<h2>Traceroute around each change</h2>{traces}"
        f"<h2>Method</h2><p>{escape(report.method)}</p>"
        "</body></html>\n"
    )
