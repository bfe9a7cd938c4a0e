"""Describe a segmentation: each change's size, confidence and kind, and each segment.

Values are in the series' own units (e.g. bit/s); NaN is a missing observation (a failed
probe): left out of every statistic while indices keep counting it. A breakpoint is the
index of the first sample of a new regime.

How a change is judged, between the two segments adjacent to it:

- ``before``/``after`` are their medians, ``change`` = after/before - 1, and ``ci`` its
  percentile bootstrap interval. The bootstrap of a median is drawn exactly without
  resampling arrays: the median of n values resampled with replacement is the order
  statistic ``x[ceil(n U)]`` with U ~ Beta(m, n + 1 - m) the m-th smallest of n uniforms
  (the next one for even n is U + (1 - U) Beta(1, n - m)), so each replicate costs O(1).
- ``kind`` is ``instability`` when the spread grew (robust scale x1.5, or +10 points of
  bad runs: runs under 70 % of their segment's median) while the medians stayed within one
  robust standard deviation of each other; otherwise ``drop`` or ``rise`` by the medians.
  Spreads compare logs when every value is positive (a relative spread), else raw values.
- ``p_value`` is a two-sided Mann-Whitney U test between the segments: on the values for
  a drop or rise, on the absolute deviations from each segment's median (a rank test of
  spread) for an instability. It treats the runs as independent: with autocorrelated
  probes it is too small, so read it as a ranking, not as an exact error rate.
"""

import math
from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np

from netprobe.model import ChangePoint

BAD_RUN = 0.7  # a run under this share of its segment's median is a bad run
SPREAD_RATIO = 1.5  # robust scale growth that makes a change an instability
BAD_SHARE_RISE = 0.10  # growth of the bad-run share that makes a change an instability
_MAD_TO_SD = 1.4826
_EXACT_MAX = 60  # total sample size up to which the U test is exact


@dataclass(frozen=True)
class Segment:
    """One regime: rows ``start`` (inclusive) to ``end`` (exclusive) of the series.

    ``n`` counts observed values, ``missing`` the NaN rows; ``median``, ``p10``, ``p90`` are
    in the series' units; ``bad_share`` is the share of runs under 70 % of the median (NaN
    when the median is not positive). Times are None when the series has none.
    """

    start: int
    end: int
    start_time: datetime | None
    end_time: datetime | None
    n: int
    missing: int
    median: float
    p10: float
    p90: float
    bad_share: float


def to_datetime(epoch: float) -> datetime:
    """Epoch seconds to an aware UTC datetime."""
    return datetime.fromtimestamp(float(epoch), tz=UTC)


def _bounds(n: int, breakpoints: list[int]) -> list[int]:
    if any(not 0 < b < n for b in breakpoints) or list(breakpoints) != sorted(set(breakpoints)):
        raise ValueError(
            f"expected increasing breakpoints strictly inside 0..{n}, got {list(breakpoints)}"
        )
    return [0, *breakpoints, n]


def _bad_share(x: np.ndarray, median: float) -> float:
    if not median > 0 or len(x) == 0:
        return float("nan")
    return float(np.mean(x < BAD_RUN * median))


def segments(
    values: np.ndarray, breakpoints: list[int], times: np.ndarray | None = None
) -> list[Segment]:
    """Summaries of the regimes between breakpoints.

    Args:
        values: the series in its own units, NaN for a missing observation.
        breakpoints: increasing indices of the first sample of each new regime.
        times: epoch seconds (UTC) of each sample, or None.

    Returns:
        One Segment per regime, in order.

    Raises:
        ValueError: a breakpoint outside the series or out of order.
    """
    values = np.asarray(values, dtype=float)
    bounds = _bounds(len(values), breakpoints)
    out = []
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        x = values[start:end]
        x = x[~np.isnan(x)]
        if len(x):
            p10, median, p90 = (float(q) for q in np.quantile(x, [0.1, 0.5, 0.9]))
        else:
            p10 = median = p90 = float("nan")
        out.append(
            Segment(
                start=start,
                end=end,
                start_time=None if times is None else to_datetime(times[start]),
                end_time=None if times is None else to_datetime(times[end - 1]),
                n=len(x),
                missing=end - start - len(x),
                median=median,
                p10=p10,
                p90=p90,
                bad_share=_bad_share(x, median),
            )
        )
    return out


def bootstrap_medians(x: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    """Bootstrap replicates of the median of ``x`` (drawn exactly, see the module doc).

    Args:
        x: observed values, no NaN.
        n_boot: number of replicates.
        rng: the random source.

    Returns:
        ``n_boot`` medians of resamples of ``x`` with replacement; NaN when x is empty.
    """
    n = len(x)
    if n == 0:
        return np.full(n_boot, np.nan)
    xs = np.sort(x)
    m = (n + 1) // 2
    u = rng.beta(m, n + 1 - m, size=n_boot)
    low = xs[np.clip(np.ceil(n * u).astype(int), 1, n) - 1]
    if n % 2:
        return low
    u_next = u + (1.0 - u) * rng.beta(1, n - m, size=n_boot)
    high = xs[np.clip(np.ceil(n * u_next).astype(int), 1, n) - 1]
    return (low + high) / 2.0


def _robust_scale(y: np.ndarray) -> float:
    return float(_MAD_TO_SD * np.median(np.abs(y - np.median(y)))) if len(y) else float("nan")


def _sorted_median(xs: np.ndarray) -> float:
    """Median of sorted ``xs``: the same number ``np.median`` gives, without its partition."""
    n = len(xs)
    return float(xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2.0)


def _mann_whitney(xa: np.ndarray, xb: np.ndarray) -> float:
    """Two-sided Mann-Whitney U p-value of sorted samples: exact (scipy) when small, else normal.

    The normal approximation, with tie and continuity corrections, is scipy's
    ``method="asymptotic"`` written in numpy: importing scipy.stats costs about a second,
    which a command-line run on thousands of points should not pay. U counts, for each
    value of a, the values of b under it (ties one half), by binary search in sorted b.
    """
    n1, n2 = len(xa), len(xb)
    if n1 == 0 or n2 == 0:
        return float("nan")
    if n1 + n2 <= _EXACT_MAX:
        from scipy.stats import mannwhitneyu  # slow to import: only for small samples

        return float(mannwhitneyu(xa, xb, alternative="two-sided").pvalue)
    under = np.searchsorted(xb, xa, side="left")
    under_or_tie = np.searchsorted(xb, xa, side="right")
    u = float(np.sum(under) + np.sum(under_or_tie)) / 2.0
    pooled = np.sort(np.concatenate([xa, xb]), kind="stable")  # a merge of two sorted runs
    runs = np.flatnonzero(np.diff(pooled) != 0)
    counts = np.diff(np.concatenate(([-1], runs, [len(pooled) - 1])))
    n = n1 + n2
    ties = float(np.sum(counts**3 - counts))
    sd = math.sqrt(n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1))))
    if sd == 0:
        return 1.0
    z = (abs(u - n1 * n2 / 2.0) - 0.5) / sd
    return min(1.0, math.erfc(max(z, 0.0) / math.sqrt(2.0)))


def _judge(xa: np.ndarray, xb: np.ndarray, positive: bool) -> tuple[str, float]:
    """Kind and p-value of the change between sorted observed values xa (before) and xb."""
    ya, yb = (np.log(xa), np.log(xb)) if positive else (xa, xb)
    med_a, med_b = _sorted_median(ya), _sorted_median(yb)
    scale_a, scale_b = _robust_scale(ya), _robust_scale(yb)
    more_spread = scale_b >= SPREAD_RATIO * scale_a
    if positive:
        bad_a = _sorted_bad_share(xa)
        bad_b = _sorted_bad_share(xb)
        more_spread = more_spread or bad_b - bad_a >= BAD_SHARE_RISE
    if more_spread and abs(med_b - med_a) <= max(scale_a, scale_b):
        return "instability", _mann_whitney(
            np.sort(np.abs(ya - med_a)), np.sort(np.abs(yb - med_b))
        )
    return ("drop" if med_b < med_a else "rise"), _mann_whitney(xa, xb)


def _sorted_bad_share(xs: np.ndarray) -> float:
    """``_bad_share`` of sorted positive values xs, by binary search."""
    median = _sorted_median(xs)
    return int(np.searchsorted(xs, BAD_RUN * median, side="left")) / len(xs)


def describe(
    values: np.ndarray,
    breakpoints: list[int],
    times: np.ndarray | None = None,
    *,
    seed: int = 0,
    n_boot: int = 2000,
    confidence: float = 0.95,
) -> list[ChangePoint]:
    """Size, confidence interval, test and kind of each change (see the module doc).

    Args:
        values: the series in its own units, NaN for a missing observation.
        breakpoints: increasing indices of the first sample of each new regime.
        times: epoch seconds (UTC) of each sample, or None.
        seed: seed of the bootstrap; the same seed gives the same intervals.
        n_boot: bootstrap replicates per change.
        confidence: coverage of the interval, 0..1.

    Returns:
        One ChangePoint per breakpoint. ``change`` and ``ci`` are NaN when the median
        before is not positive (a relative change has no meaning there).

    Raises:
        ValueError: a breakpoint outside the series or out of order.
    """
    values = np.asarray(values, dtype=float)
    bounds = _bounds(len(values), breakpoints)
    observed = values[~np.isnan(values)]
    positive = bool(len(observed)) and bool(np.all(observed > 0))
    rng = np.random.default_rng(seed)
    tail = (1.0 - confidence) / 2.0
    out = []
    regimes = []  # each regime's observed values, sorted once for both its changes
    for start, end in zip(bounds[:-1], bounds[1:], strict=True):
        x = values[start:end]
        regimes.append(np.sort(x[~np.isnan(x)]))
    for j, at in enumerate(bounds[1:-1]):
        a, b = regimes[j], regimes[j + 1]
        before = _sorted_median(a) if len(a) else float("nan")
        after = _sorted_median(b) if len(b) else float("nan")
        if before > 0:
            ratios = bootstrap_medians(b, n_boot, rng) / bootstrap_medians(a, n_boot, rng)
            lo, hi = np.quantile(ratios, [tail, 1.0 - tail]) - 1.0
            change, ci = after / before - 1.0, (float(lo), float(hi))
        else:
            change, ci = float("nan"), (float("nan"), float("nan"))
        if len(a) and len(b):
            kind, p_value = _judge(a, b, positive)
        else:  # a regime with no observation at all: nothing to compare
            kind, p_value = "instability", float("nan")
        out.append(
            ChangePoint(
                index=at,
                time=None if times is None else to_datetime(times[at]),
                kind=kind,
                before=before,
                after=after,
                change=change,
                ci=ci,
                p_value=p_value,
            )
        )
    return out
