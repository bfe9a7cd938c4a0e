"""What a link should deliver when: the plan's expected rate, with a grace after each upgrade.

After a plan step that raises the expected rate, the provider gets ``grace`` to deliver it:
until then the previous step's expected rate still applies. A series is judged in *parts*:
its change-point segments split at every date where the expectation changes (a plan step,
the end of a grace), so each part has one expected rate. A sample taken exactly at such a
date belongs to the new part, as in ``plan.py``.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np

from netprobe.detect.changes import Segment, segments
from netprobe.plan import CapacityPlan


@dataclass(frozen=True)
class Expectation:
    """From ``start`` (aware UTC) on, a healthy probe should reach ``expected_bps`` (bit/s).

    ``capacity_bps`` is the planned capacity in force, ``step_start`` the date of that plan
    step, ``grace`` True while the previous step's rate still applies after an upgrade.
    """

    start: datetime
    expected_bps: float
    capacity_bps: float
    step_start: datetime
    grace: bool = False


@dataclass(frozen=True)
class Part:
    """Rows of one change-point segment under one expectation (None: before the plan).

    ``segment`` is the index of the change-point segment it belongs to; ``stats`` the
    summary of its measured values (raw bit/s, no time-of-day correction).
    """

    segment: int
    stats: Segment
    expectation: Expectation | None

    @property
    def expected_bps(self) -> float | None:
        """The rate a healthy probe should reach in this part, bit/s; None before the plan."""
        return self.expectation.expected_bps if self.expectation else None


def expectations(plan: CapacityPlan, grace: timedelta) -> list[Expectation]:
    """The plan as expectation steps, oldest first, each upgrade preceded by its grace.

    Args:
        plan: the link's capacity plan.
        grace: how long after an upgrade the previous expected rate still applies (>= 0).

    Returns:
        Steps with strictly increasing starts. A grace longer than its plan step covers it
        all: that step's rate never falls due, and the next upgrade is judged from the rate
        before it.
    """
    out: list[Expectation] = []
    previous: float | None = None
    for i, step in enumerate(plan.steps):
        expected = plan.expected_rate(step.start)
        assert expected is not None  # a step is in force at its own start
        end = plan.steps[i + 1].start if i + 1 < len(plan.steps) else None
        upgrade = previous is not None and expected > previous and grace > timedelta(0)
        if upgrade:
            out.append(Expectation(step.start, previous, step.capacity_bps, step.start, True))
        if not upgrade or end is None or step.start + grace < end:
            start = step.start + grace if upgrade else step.start
            out.append(Expectation(start, expected, step.capacity_bps, step.start))
            previous = expected  # only a rate that fell due is the base of the next upgrade
    return out


def expectation_at(steps: list[Expectation], t: datetime) -> Expectation | None:
    """The expectation in force at aware time ``t``; None before the plan starts."""
    current = None
    for step in steps:
        if step.start > t:
            break
        current = step
    return current


def split_parts(
    values: np.ndarray,
    epoch: np.ndarray,
    change_points: list[int],
    steps: list[Expectation],
) -> list[Part]:
    """Split the series at its change points and at every expectation start inside it.

    Args:
        values: the series in bit/s, NaN for a failed or missed probe.
        epoch: the sample times, epoch seconds UTC, non-decreasing.
        change_points: first rows of each new change-point regime.
        steps: from ``expectations``.

    Returns:
        The parts in row order.
    """
    n = len(values)
    starts = {int(np.searchsorted(epoch, s.start.timestamp(), side="left")) for s in steps}
    bounds = sorted({b for b in starts if 0 < b < n} | set(change_points))
    parts = []
    for stats in segments(values, bounds, epoch):
        segment = sum(1 for c in change_points if c <= stats.start)
        parts.append(Part(segment, stats, expectation_at(steps, stats.start_time)))
    return parts
