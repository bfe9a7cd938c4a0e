"""The report's figures with matplotlib (Agg backend), as base64 PNG for inline ``<img>``.

matplotlib is imported inside the functions: commands that never draw do not load it.
"""

import base64
import io
from datetime import datetime

import numpy as np

from netprobe.report.build import DirectionReport, Report
from netprobe.store import Series

GBIT = 1e9


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _png(fig) -> str:
    """The figure as a base64 PNG; the figure is closed."""
    plt = _pyplot()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=96, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _times(series: Series) -> np.ndarray:
    return series.times.astype("datetime64[us]").astype(datetime)


def throughput(report: Report, d: DirectionReport) -> str:
    """Throughput of one direction in Gbit/s: probes, plan line, change points, medians.

    Returns:
        A base64 PNG.
    """
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 3.6))
    s = d.throughput
    ax.plot(_times(s), s.values / GBIT, ".", ms=2, color="tab:blue", label="probe")
    shown = [e for e in d.analysis.steps if e.start < report.until]
    if shown:
        xs = [max(e.start, report.since) for e in shown] + [report.until]
        ys = [e.expected_bps / GBIT for e in shown]
        ax.step(xs, [*ys, ys[-1]], where="post", color="tab:green", label="expected (plan)")
    for r in d.rows:
        if r.start and r.end and not np.isnan(r.median):
            ax.hlines(r.median / GBIT, r.start, r.end, colors="tab:orange", lw=2)
    cps = d.analysis.detection.change_points if d.analysis.detection else []
    for c in cps:
        if c.time:
            ax.axvline(c.time, color="tab:red", ls="--", lw=1)
    ax.plot([], [], color="tab:orange", lw=2, label="segment median")
    ax.plot([], [], color="tab:red", ls="--", label="change point")
    ax.set_ylabel("Gbit/s")
    ax.set_ylim(bottom=0)
    ax.set_title(f"{report.link} {d.direction.value}: throughput")
    ax.legend(loc="lower left", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def heatmap(report: Report, d: DirectionReport) -> str:
    """Median throughput (Gbit/s) by hour of day (rows) and day (columns); a base64 PNG."""
    plt = _pyplot()
    s = d.throughput
    days = s.times.astype("datetime64[D]")
    hours = (s.times.astype("datetime64[h]") - days).astype(int)
    first = days.min() if len(days) else np.datetime64("1970-01-01")
    cols = (days - first).astype(int)
    grid = np.full((24, int(cols.max()) + 1 if len(cols) else 1), np.nan)
    keep = ~np.isnan(s.values)
    key = (cols * 24 + hours)[keep]
    order = np.argsort(key, kind="stable")
    cells, first_rows = np.unique(key[order], return_index=True)
    for cell, chunk in zip(cells, np.split(s.values[keep][order], first_rows[1:]), strict=True):
        grid[cell % 24, cell // 24] = np.median(chunk) / GBIT
    fig, ax = plt.subplots(figsize=(11, 3.2))
    start = first.astype(datetime)
    im = ax.imshow(grid, aspect="auto", origin="lower", cmap="viridis", interpolation="nearest")
    ticks = np.linspace(0, grid.shape[1] - 1, min(8, grid.shape[1])).astype(int)
    ax.set_xticks(ticks, [str(np.datetime64(start) + int(t)) for t in ticks], fontsize=8)
    ax.set_ylabel("hour of day (UTC)")
    ax.set_title(f"{report.link} {d.direction.value}: median Gbit/s by hour and day")
    fig.colorbar(im, ax=ax, label="Gbit/s")
    return _png(fig)


def distribution(report: Report, d: DirectionReport) -> str:
    """ECDF of the measured throughput of each segment (Gbit/s), expected rates dotted."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 3.2))
    values = d.throughput.values
    for part, row in zip(d.analysis.parts, d.rows, strict=True):
        chunk = np.sort(values[part.stats.start : part.stats.end])
        chunk = chunk[~np.isnan(chunk)]
        if len(chunk):
            span = f"{row.start:%Y-%m-%d} to {row.end:%Y-%m-%d}" if row.start and row.end else ""
            y = np.arange(1, len(chunk) + 1) / len(chunk)
            ax.step(chunk / GBIT, y, where="post", label=span)
    for rate in {r.expected_bps for r in d.rows if r.expected_bps}:
        ax.axvline(rate / GBIT, color="tab:green", ls=":", lw=1)
    ax.set_xlabel("Gbit/s")
    ax.set_ylabel("share of probes")
    ax.set_title(f"{report.link} {d.direction.value}: distribution per segment")
    ax.legend(loc="upper left", fontsize=8)
    ax.grid(alpha=0.3)
    return _png(fig)


def metric(report: Report, d: DirectionReport, series: Series, label: str) -> str:
    """Another stored metric of one direction over the same time (RTT, retransmits)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(11, 2.6))
    ax.plot(_times(series), series.values, ".", ms=2, color="tab:purple")
    cps = d.analysis.detection.change_points if d.analysis.detection else []
    for c in cps:
        if c.time:
            ax.axvline(c.time, color="tab:red", ls="--", lw=1)
    ax.set_xlim(report.since, report.until)
    ax.set_ylabel(label)
    ax.set_title(f"{report.link} {d.direction.value}: {label}")
    ax.grid(alpha=0.3)
    return _png(fig)


def figures(report: Report) -> list[tuple[str, str]]:
    """Every figure of the report as (caption, base64 PNG), direction by direction."""
    out = []
    for d in report.directions:
        name = d.direction.value
        out.append((f"Throughput, {name}", throughput(report, d)))
        out.append((f"Time of day, {name}", heatmap(report, d)))
        out.append((f"Distribution per segment, {name}", distribution(report, d)))
        if d.rtt is not None and np.any(~np.isnan(d.rtt.values)):
            out.append((f"RTT, {name}", metric(report, d, d.rtt, "RTT (ms)")))
        if d.retransmits is not None and np.any(~np.isnan(d.retransmits.values)):
            out.append((f"Retransmits, {name}", metric(report, d, d.retransmits, "retransmits")))
    return out
