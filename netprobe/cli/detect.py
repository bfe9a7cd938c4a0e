"""`netprobe detect FILE.csv`: change points of any series, for people or scripts."""

import json
import math

import click

from netprobe.cli.detection_json import change_point_json, iso, segment_json
from netprobe.errors import InputError

MIN_SIZE = 5  # shortest segment, observed values; a file needs two of them


def _as_json(detection) -> dict:
    return {
        "n": detection.n,
        "change_points": [change_point_json(c) for c in detection.change_points],
        "segments": [segment_json(s) for s in detection.segments],
    }


def _pct(value: float) -> str:
    return "-" if math.isnan(value) else f"{100 * value:+.1f}%"


def _table(path: str, detection) -> str:
    missing = sum(s.missing for s in detection.segments)
    lines = [
        f"{path}: {detection.n} rows ({missing} missing), transform {detection.transform}, "
        + ("time-of-day profile removed" if detection.seasonal else "no time-of-day profile"),
        "",
    ]
    if not detection.change_points:
        lines.append("No change point.")
    else:
        lines.append(
            f"{'row':>7}  {'time':<20}  {'kind':<11}  {'before':>10}  {'after':>10}  "
            f"{'change':>8}  {'95% interval':<17}  {'p-value':>7}"
        )
        for c in detection.change_points:
            interval = f"[{_pct(c.ci[0])}, {_pct(c.ci[1])}]"
            lines.append(
                f"{c.index:>7}  {iso(c.time) or '-':<20}  {c.kind:<11}  {c.before:>10.4g}  "
                f"{c.after:>10.4g}  {_pct(c.change):>8}  {interval:<17}  {c.p_value:>7.1e}"
            )
    lines += [
        "",
        f"{'rows':>15}  {'from':<20}  {'n':>6}  {'missing':>7}  {'median':>10}  "
        f"{'p10':>10}  {'p90':>10}  {'bad runs':>8}",
    ]
    for s in detection.segments:
        bad = "-" if math.isnan(s.bad_share) else f"{100 * s.bad_share:.1f}%"
        lines.append(
            f"{f'{s.start}-{s.end - 1}':>15}  {iso(s.start_time) or '-':<20}  {s.n:>6}  "
            f"{s.missing:>7}  {s.median:>10.4g}  {s.p10:>10.4g}  {s.p90:>10.4g}  {bad:>8}"
        )
    return "\n".join(lines)


@click.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option(
    "--transform",
    type=click.Choice(["auto", "log", "none"]),
    default="auto",
    show_default=True,
    help="log: changes are relative (throughput); auto: log when every value is > 0.",
)
def detect(file: str, as_json: bool, transform: str) -> None:
    """Find the change points of the series in FILE, a CSV with the header time,value.

    \b
    time   epoch seconds, or ISO 8601 (2026-01-01T12:00:00Z); a time without
           an offset is taken as UTC. Rows sorted by time, no duplicates.
    value  a number; empty for a missing observation (a failed probe), which
           the statistics skip while row numbers still count it.

    Each change point is the row (0 = first data row) of the first sample of
    the new regime, its time, kind (drop, rise, instability), the medians
    before and after, the relative change with a 95 % bootstrap interval, and
    a Mann-Whitney p-value. A time-of-day profile is removed first when the
    file holds at least 3 days with one. Exit 2 on a bad file.

    \b
    Example:  netprobe detect link.csv --json
    """
    import numpy as np  # numpy and the detector load only when a file is analysed

    from netprobe.csvseries import read_series
    from netprobe.detect.find import find_changes

    values, times = read_series(file)
    observed = int((values == values).sum())
    if observed < 2 * MIN_SIZE:
        raise InputError(
            f"{file}: {observed} observed values, at least {2 * MIN_SIZE} needed to detect a change"
        )
    if transform == "log" and np.any(values <= 0):
        row = int(np.flatnonzero(values <= 0)[0])
        raise InputError(
            f"{file}:{row + 2}: value {values[row]:g} is not > 0, which --transform log needs "
            "(try --transform none)"
        )
    try:
        detection = find_changes(values, times, transform=transform, min_size=MIN_SIZE)
    except ValueError as exc:
        raise InputError(f"{file}: {exc}") from None
    if as_json:
        click.echo(json.dumps(_as_json(detection), indent=2))
    else:
        click.echo(_table(file, detection))
