"""Escalation reports: a link's analysis, series and traces as HTML or Markdown evidence.

``build_report`` assembles the facts (pure), ``plots.figures`` draws them,
``render_html`` / ``render_markdown`` write the page.
"""

from netprobe.report.build import DirectionReport, Report, SegmentRow, TraceChange, build_report
from netprobe.report.html import render_html
from netprobe.report.markdown import render_markdown

__all__ = [
    "DirectionReport",
    "Report",
    "SegmentRow",
    "TraceChange",
    "build_report",
    "render_html",
    "render_markdown",
]
