"""Verdicts on a link's probes as scheduled: stale, completeness, loss and path-changed.

Pure: a configured probe, what the store holds of it (a `Series` of its rows, or its
endpoint's recent traces) and ``now`` in, at most one `Verdict` out. ``analyze`` reads the store and
orders these in with each link's throughput verdicts; docs/analysis.md states each rule.
"""

from collections.abc import Sequence
from datetime import datetime, timedelta

import numpy as np

from netprobe.analysis.verdicts import Rules
from netprobe.config import Probe
from netprobe.localize import path_changed
from netprobe.model import Direction, Result, Status, Verdict
from netprobe.schedule import BACKFILL, slots_between
from netprobe.store import Series
from netprobe.units import format_time

SLACK = timedelta(minutes=1)
"""Cron starts `netprobe run` once a minute: a slot's run may begin that much late."""


def allowance(probe: Probe, run_seconds: float) -> timedelta:
    """How long after one of its slots a probe's result may still be on its way."""
    return timedelta(seconds=probe.jitter + run_seconds) + SLACK


def newest_ran(series: Series) -> datetime | None:
    """The start of the newest row that ran (any status but ``missed``), or None."""
    ran = np.flatnonzero(series.status != Status.MISSED.value)
    return series.time(int(ran[-1])) if len(ran) else None


def stale(
    probe: Probe,
    direction: Direction,
    *,
    last: datetime | None,
    run_seconds: float,
    now: datetime,
    rules: Rules,
) -> Verdict | None:
    """``stale`` when ``rules.stale_slots`` of the probe's slots passed with no result.

    Args:
        probe: the configured probe (its ``every`` or ``cron``, its jitter).
        direction: the direction its results are in.
        last: when its newest result that ran started (see ``newest_ran``), or the newest
            slot the store recorded for it; None when nothing is known (never scheduled).
        run_seconds: how long one run takes at most (its tool's ``duration``).
        now: aware UTC.
    """
    if last is None:
        return None
    # counted over a week at most, as the runner backfills missed slots: a probe that
    # stopped a year ago needs no year of minutes listed to be called stale
    due_by = min(now - allowance(probe, run_seconds), last + BACKFILL)
    overdue = slots_between(probe, last, due_by)
    if len(overdue) < rules.stale_slots:
        return None
    age = (now - last).total_seconds()
    return Verdict(
        probe.endpoint,
        direction,
        "stale",
        overdue[0],
        now,
        f"No result from probe {probe.name} ({probe.test}, {probe.endpoint} "
        f"{direction.value}) since {format_time(last)}: its slots ({_schedule(probe)}) "
        f"from {format_time(overdue[0])} on have passed without one.",
        {"age_s": age, "slots_overdue": float(len(overdue)), "ongoing": 1.0},
    )


def completeness(
    probe: Probe,
    series: Series,
    *,
    start: datetime,
    run_seconds: float,
    now: datetime,
    rules: Rules,
) -> Verdict | None:
    """``completeness`` when under ``rules.completeness_below`` of the probe's slots since
    ``start`` produced a result (an OK row), judged with at least ``rules.min_samples`` slots.

    Args:
        series: the probe's rows in one direction (any metric: only times and status count).
        start: the window's beginning (aware UTC): the recent window, or the probe's first
            stored row when it is younger.
    """
    # a slot counts when its run starts (slot + jitter) in the window: from start - jitter
    first = start - timedelta(seconds=probe.jitter, microseconds=1)
    slots = slots_between(probe, first, now - allowance(probe, run_seconds))
    if len(slots) < rules.min_samples:
        return None
    epoch = series.times.astype("datetime64[us]").astype(np.int64) / 1e6
    ok = (series.status == Status.OK.value) & (epoch >= start.timestamp())
    produced = min(int(np.count_nonzero(ok)), len(slots))
    share = produced / len(slots)
    if share >= rules.completeness_below:
        return None
    return Verdict(
        probe.endpoint,
        series.direction,
        "completeness",
        start,
        now,
        f"Only {produced} of the {len(slots)} slots of probe {probe.name} ({probe.test}, "
        f"{probe.endpoint} {series.direction.value}, {_schedule(probe)}) since "
        f"{format_time(start)} produced a result ({share:.0%}).",
        {
            "completeness": share,
            "slots": float(len(slots)),
            "produced": float(produced),
            "ongoing": 1.0,
        },
    )


def loss(probe: Probe, series: Series, *, now: datetime, rules: Rules) -> Verdict | None:
    """``loss`` when the mean loss ratio of the probe's results in the ``rules.loss_window``
    before ``now`` is above ``rules.loss_above``.

    Args:
        series: the probe's ``loss_ratio`` (0..1) in one direction, NaN where none.
    """
    epoch = series.times.astype("datetime64[us]").astype(np.int64) / 1e6
    rows = np.flatnonzero(
        (epoch >= (now - rules.loss_window).timestamp()) & ~np.isnan(series.values)
    )
    if not len(rows):
        return None
    ratios = series.values[rows]
    mean = float(np.mean(ratios))
    if not mean > rules.loss_above:
        return None
    first_lossy = int(rows[np.flatnonzero(ratios > 0)[0]])
    window = rules.loss_window / timedelta(hours=1)
    return Verdict(
        probe.endpoint,
        series.direction,
        "loss",
        series.time(first_lossy),
        series.time(int(rows[-1])),
        f"Probe {probe.name} ({probe.test}, {probe.endpoint} {series.direction.value}) lost "
        f"{mean:.1%} of its packets over its {len(rows)} results of the last {window:g} h "
        f"(worst {float(ratios.max()):.0%}).",
        {
            "loss_ratio": mean,
            "max_loss_ratio": float(ratios.max()),
            "n": float(len(rows)),
            "ongoing": 1.0,
        },
    )


def path_change(traces: Sequence[Result], *, now: datetime, rules: Rules) -> Verdict | None:
    """``path-changed`` when a trace of the ``rules.path_hold`` before ``now`` shows another
    route than the trace before it (the newest such change; see ``localize.path_changed``).

    Args:
        traces: OK traces of one endpoint, oldest first: those of the hold and the one
            before them.
    """
    for i in range(len(traces) - 1, 0, -1):
        before, after = traces[i - 1], traces[i]
        if after.started < now - rules.path_hold:
            return None
        change = path_changed(before.hops, after.hops)
        if change is None:
            continue
        moved = [f"+{a}" for a in change.added] + [f"-{r}" for r in change.removed]
        return Verdict(
            after.endpoint,
            after.direction,
            "path-changed",
            after.started,
            now,
            f"The route to {after.endpoint} changed between the traces of "
            f"{format_time(before.started)} and {format_time(after.started)}, from hop "
            f"{change.first + 1} on ({' '.join(moved) or 'the same hops in another order'}).",
            {
                "first_hop": float(change.first + 1),
                "hops_added": float(len(change.added)),
                "hops_removed": float(len(change.removed)),
                "ongoing": 1.0,
            },
        )
    return None


def merge(verdicts: Sequence[Verdict]) -> list[Verdict]:
    """One verdict per endpoint, direction and kind (an alert's identity): the numbers of
    the worst (oldest stale, lowest completeness, highest loss, newest route change), the
    summaries of all, worst first."""
    groups: dict[tuple[str, Direction, str], list[Verdict]] = {}
    for v in sorted(verdicts, key=_badness, reverse=True):
        groups.setdefault((v.endpoint, v.direction, v.kind), []).append(v)
    out = []
    for first, *rest in groups.values():
        if rest:
            summary = " ".join([first.summary, *(v.summary for v in rest)])
            first = Verdict(
                first.endpoint,
                first.direction,
                first.kind,
                min(v.since for v in (first, *rest)),
                max(v.until for v in (first, *rest)),
                summary,
                first.numbers,
            )
        out.append(first)
    return out


def _badness(v: Verdict) -> float:
    return {
        "stale": v.numbers.get("age_s", 0.0),
        "completeness": 1.0 - v.numbers.get("completeness", 1.0),
        "loss": v.numbers.get("loss_ratio", 0.0),
    }.get(v.kind, v.since.timestamp())


def _schedule(probe: Probe) -> str:
    if probe.cron is not None:
        return f"cron '{probe.cron.text}'"
    seconds = float(probe.every or 0)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"every {seconds / size:g}{unit}"
    return f"every {seconds:g}s"
