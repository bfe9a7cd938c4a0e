"""The whole offline pipeline: a raw series in, its change points and segments out.

Steps: check the values; transform (log for throughput, so changes are relative and the
result does not depend on the unit); remove the time-of-day profile when times are given
(``seasonal``); segment (``segment``); sharpen each breakpoint (``refine``); describe each
change and segment (``changes``) on the series with the profile removed, back in the
series' units; then prune, weakest
first, the changes a person would not act on: a p-value over ``alpha``, or (log series
only, where a relative change means something) a drop or rise smaller than
``min_change``. Removing a change merges its two segments, so the neighbours are judged
again on the merged data.

NaN is a missing observation (a failed probe): skipped by every statistic, while indices
keep counting the original rows.
"""

from dataclasses import dataclass, field

import numpy as np

from netprobe.detect.changes import Segment, describe, segments
from netprobe.detect.refine import refine
from netprobe.detect.seasonal import deseasonalise
from netprobe.detect.segment import segment
from netprobe.model import ChangePoint

TRANSFORMS = ("auto", "log", "none")


@dataclass(frozen=True)
class Detection:
    """What ``find_changes`` found, and how.

    ``transform`` is the one applied ("log" or "none"), ``seasonal`` whether a time-of-day
    profile was removed, ``settings`` the settings used (cost, search, penalty, min_size,
    model, alpha, min_change).
    """

    n: int
    change_points: list[ChangePoint]
    segments: list[Segment]
    transform: str
    seasonal: bool
    settings: dict[str, str | float | int] = field(default_factory=dict)


def working_series(values: np.ndarray, transform: str) -> tuple[np.ndarray, str]:
    """Check ``values`` and apply the transform; the working series and the transform used.

    Args:
        values: 1-D series, NaN for a missing observation.
        transform: "auto" (log when every observed value is > 0), "log" or "none".

    Raises:
        ValueError: not 1-D, an infinite value, a value <= 0 with "log", no observed value,
            or an unknown transform.
    """
    if transform not in TRANSFORMS:
        raise ValueError(f"expected transform among {', '.join(TRANSFORMS)}, got {transform!r}")
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"expected a 1-D series, got shape {x.shape}")
    infinite = np.flatnonzero(np.isinf(x))
    if len(infinite):
        raise ValueError(f"value at index {infinite[0]} is infinite: expected a number or NaN")
    observed = ~np.isnan(x)
    if not observed.any():
        raise ValueError("expected at least one observed (non-NaN) value")
    if transform == "auto":
        transform = "log" if np.all(x[observed] > 0) else "none"
    if transform == "none":
        return x, transform
    not_positive = np.flatnonzero(observed & ~(x > 0))
    if len(not_positive):
        i = not_positive[0]
        raise ValueError(f"value at index {i} is {x[i]:g}: the log transform needs values > 0")
    return np.log(x), transform


def find_changes(
    values: np.ndarray,
    times: np.ndarray | None = None,
    *,
    transform: str = "auto",
    cost: str = "ed",
    search: str = "binseg-pelt",
    penalty: str | float = "mbic",
    min_size: int = 5,
    model: str = "auto",
    alpha: float = 1e-4,
    min_change: float = 0.05,
    seed: int = 0,
) -> Detection:
    """Change points and segments of a series (see the module doc).

    Args:
        values: 1-D series in its own units (e.g. bit/s), NaN for a missing observation.
        times: epoch seconds (UTC) of each sample, strictly increasing, or None; with
            times, a time-of-day profile is removed before segmenting.
        transform: "auto", "log" or "none" (see ``working_series``).
        cost, search, penalty, min_size, model: passed to ``segment``.
        alpha: largest p-value of a change kept.
        min_change: smallest relative drop or rise kept on a log series (0.05 = 5 %).
        seed: seed of the bootstrap intervals.

    Returns:
        The Detection; change-point and segment indices count every row, NaN included.

    Raises:
        ValueError: bad values (see ``working_series``), times not matching the values
            or not strictly increasing, or a bad segmentation setting.
    """
    y, transform = working_series(values, transform)
    profile = None
    if times is not None:
        times = np.asarray(times, dtype=float)
        if times.shape != y.shape:
            raise ValueError(f"expected {len(y)} times, got {times.shape}")
        if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
            raise ValueError("expected finite, strictly increasing times")
        y, profile = deseasonalise(y, times)
    breakpoints = segment(
        y, cost=cost, search=search, penalty=penalty, min_size=min_size, model=model
    )
    breakpoints = refine(y, breakpoints, min_size=min_size)
    if profile is None:
        adjusted = np.asarray(values, dtype=float)
    else:
        adjusted = np.exp(y) if transform == "log" else y
    relevant = min_change if transform == "log" else 0.0
    change_points = _prune(adjusted, breakpoints, times, alpha, relevant, seed)
    breakpoints = [c.index for c in change_points]
    return Detection(
        n=len(y),
        change_points=change_points,
        segments=segments(adjusted, breakpoints, times),
        transform=transform,
        seasonal=profile is not None,
        settings={
            "cost": cost,
            "search": search,
            "penalty": penalty,
            "min_size": min_size,
            "model": model,
            "alpha": alpha,
            "min_change": min_change,
        },
    )


def _prune(
    values: np.ndarray,
    breakpoints: list[int],
    times: np.ndarray | None,
    alpha: float,
    min_change: float,
    seed: int,
) -> list[ChangePoint]:
    """Describe, and drop the weakest unconvincing change until every one convinces."""
    while True:
        described = describe(values, breakpoints, times, seed=seed)
        weak = [
            (not c.p_value <= alpha, c.p_value, i)
            for i, c in enumerate(described)
            if not c.p_value <= alpha or (c.kind != "instability" and abs(c.change) < min_change)
        ]
        if not weak:
            return described
        del breakpoints[max(weak)[2]]
