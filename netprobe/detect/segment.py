"""The public entry of offline segmentation: values in, breakpoints out."""

import numpy as np

from netprobe.detect.costs import COSTS, EmpiricalCost, L2Cost, NormalCost, SegmentCost
from netprobe.detect.penalty import (
    PENALTIES,
    autocorrelation_from,
    difference_correlation,
    inflation,
    noise_scale,
)
from netprobe.detect.search import SEARCHES

# Variance floor of the normal cost, as a fraction of the robust noise sd: low enough not
# to hide a real drop in spread, high enough that a run of identical (quantised) values is
# not a "regime" of its own.
MIN_SD_FRACTION = 0.1
MODELS = ("auto", "level", "slope")


def segment(
    values: np.ndarray,
    *,
    cost: str = "ed",
    search: str = "binseg-pelt",
    penalty: str | float = "mbic",
    min_size: int = 5,
    model: str = "auto",
) -> list[int]:
    """Find the change points of a series: breakpoints minimising costs + penalty x changes.

    The caller transforms beforehand (log of throughput); nothing is transformed here.
    Missing observations are NaN: they are dropped before the search and the breakpoints
    mapped back, so each breakpoint is the index in ``values`` of the first non-missing
    sample of the new regime. Scaling the values (bit/s or Gbit/s) does not change the result.

    Args:
        values: 1-D array of floats, NaN for a missing observation.
        cost: "ed" (empirical distribution, rank based: tolerates the lower tail of
            throughput; default), "normal" (Gaussian mean and variance) or "l2" (mean
            only); see ``costs.py``.
        search: "binseg-pelt" (fast, default), "pelt" (exact) or "binseg" (greedy).
        penalty: "mbic" or "bic" (computed from the data: robust noise scale, inflated for
            autocorrelation, see ``penalty.py``), or a number in the cost's own units.
        min_size: minimum number of non-missing samples per segment, >= 1.
        model: what changes. "level": the distribution of the values (a drop, a rise, more
            spread). "slope": the distribution of the first differences, i.e. the drift of a
            trending series or random walk, whose levels have no stable regime to find.
            "auto" (default): "slope" when consecutive differences are not negatively
            correlated (robust estimate, ``penalty.difference_correlation`` >= 0: the noise
            does not revert to a level, a unit root), else "level". Independent noise with
            level shifts gives -1/2, so throughput series take "level".
    Returns:
        Sorted breakpoints, each the index of the first sample of a new regime; 0 and
        len(values) excluded; empty when there are fewer than 2 x min_size samples.
    Raises:
        ValueError: values not 1-D or containing +-inf; unknown cost, search or penalty;
            min_size < 1; a negative or non-finite numeric penalty; unknown model.
    """
    x = np.asarray(values, dtype=float)
    if x.ndim != 1:
        raise ValueError(f"values must be a 1-D array, got shape {x.shape}")
    if np.isinf(x).any():
        raise ValueError(f"values must be finite or NaN, got inf at index {_first_inf(x)}")
    if cost not in COSTS:
        raise ValueError(f"unknown cost {cost!r}, expected one of {sorted(COSTS)}")
    if search not in SEARCHES:
        raise ValueError(f"unknown search {search!r}, expected one of {sorted(SEARCHES)}")
    if isinstance(penalty, str) and penalty not in PENALTIES:
        raise ValueError(f"unknown penalty {penalty!r}, expected one of {sorted(PENALTIES)}")
    if not isinstance(penalty, str) and not (np.isfinite(penalty) and penalty >= 0):
        raise ValueError(f"penalty must be a number >= 0, got {penalty}")
    if min_size < 1:
        raise ValueError(f"min_size must be >= 1, got {min_size}")
    if model not in MODELS:
        raise ValueError(f"unknown model {model!r}, expected one of {list(MODELS)}")
    kept = np.flatnonzero(~np.isnan(x))
    y = x[kept]
    if y.size < 2 * min_size or np.ptp(y) == 0.0:
        return []
    r = difference_correlation(y)
    if model == "slope" or (model == "auto" and r >= 0.0):
        # Difference j is y[j + 1] - y[j]: a new drift from difference j starts at sample j.
        y = np.diff(y)
        if y.size < 2 * min_size or np.ptp(y) == 0.0:
            return []
        r = difference_correlation(y)
    fitted = _build_cost(cost, y)
    pen = _penalty(penalty, fitted, y, r) if isinstance(penalty, str) else float(penalty)
    found = SEARCHES[search](fitted, y.size, penalty=pen, min_size=min_size)
    return [int(kept[b]) for b in found]


def _build_cost(name: str, y: np.ndarray) -> SegmentCost:
    if name == "normal":
        return NormalCost(y, min_var=(MIN_SD_FRACTION * noise_scale(y)) ** 2)
    if name == "l2":
        return L2Cost(y)
    return EmpiricalCost(y)


def penalty_value(values: np.ndarray, *, cost: str = "ed", penalty: str = "mbic") -> float:
    """The penalty per change that ``segment`` derives from ``values`` for ``cost``.

    Args:
        values: 1-D finite array (no NaN), at least 4 samples; cost, penalty: as for ``segment``.
    Returns:
        The penalty in the cost's own units (squared value units for "l2").
    """
    y = np.asarray(values, dtype=float)
    return _penalty(penalty, _build_cost(cost, y), y, difference_correlation(y))


def _penalty(name: str, fitted: SegmentCost, y: np.ndarray, r: float) -> float:
    """The named penalty for ``fitted`` on ``y``; r: ``difference_correlation(y)``."""
    rho = autocorrelation_from(r)
    base = PENALTIES[name](y.size, fitted.n_params) * inflation(rho)
    if isinstance(fitted, L2Cost):
        # L2 is in squared value units: multiply by the marginal noise variance, which the
        # differences understate by the factor (1 - rho).
        sigma = noise_scale(y)
        return float(base * sigma * sigma / (1.0 - rho))
    return float(base)


def _first_inf(x: np.ndarray) -> int:
    return int(np.flatnonzero(np.isinf(x))[0])
