"""Segment costs: how badly one model fits the samples ``values[start:end]``.

Each cost is built once from the whole series (cumulative sums or counts, so that any
segment costs O(1) or O(K)) and then called with arrays of segment starts and ends that
broadcast against each other; the searches in ``search.py`` never look at the values.
Every cost here is "twice a negative log-likelihood" up to a constant per sample, so
splitting a segment never raises the total (C(a,b) + C(b,c) <= C(a,c)): the property PELT's
pruning needs.
"""

import numpy as np

_TINY = np.finfo(float).tiny


class L2Cost:
    """Mean shift with a common variance: the sum of squared deviations from the segment mean.

    C(a,b) = sum (x_i - mean)^2 = S2 - S1^2 / m over i in [a, b), m = b - a; the same cost
    as ``ruptures.costs.CostL2``, kept for the exactness check against ruptures. Its unit is
    the square of the values', so its penalty must carry the noise variance.
    """

    name = "l2"
    n_params = 1

    def __init__(self, values: np.ndarray) -> None:
        """Args: values: 1-D finite float array."""
        x = np.asarray(values, dtype=float)
        centred = x - x.mean()  # centring keeps the cumulative sums well conditioned
        self._s1 = np.concatenate(([0.0], np.cumsum(centred)))
        self._s2 = np.concatenate(([0.0], np.cumsum(centred * centred)))

    def __call__(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Cost of each segment [start, end), in squared value units (broadcasts)."""
        m = np.asarray(ends) - np.asarray(starts)
        s1 = self._s1[ends] - self._s1[starts]
        s2 = self._s2[ends] - self._s2[starts]
        return np.maximum(s2 - s1 * s1 / m, 0.0)


class NormalCost:
    """Gaussian with its own mean and variance per segment (changes in level or spread).

    C(a,b) = m (log s^2 + v / s^2), v = the segment's variance (ML, divisor m) and
    s^2 = max(v, min_var): the exact -2 log-likelihood maximised over the mean and over a
    variance bounded below, less m log(2 pi). The floor keeps a segment of identical values
    (quantised data, a flat plateau) from costing minus infinity; tying it to the series'
    noise scale keeps the cost scale invariant.
    """

    name = "normal"
    n_params = 2

    def __init__(self, values: np.ndarray, *, min_var: float) -> None:
        """Args: values: 1-D finite float array; min_var: variance floor (value unit^2), > 0."""
        if not min_var > 0:
            raise ValueError(f"min_var must be > 0, got {min_var}")
        x = np.asarray(values, dtype=float)
        centred = x - np.median(x)
        self._s1 = np.concatenate(([0.0], np.cumsum(centred)))
        self._s2 = np.concatenate(([0.0], np.cumsum(centred * centred)))
        self._min_var = float(min_var)

    def __call__(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Cost of each segment [start, end), dimensionless up to m log(scale^2) (broadcasts)."""
        m = np.asarray(ends) - np.asarray(starts)
        mean = (self._s1[ends] - self._s1[starts]) / m
        var = np.maximum((self._s2[ends] - self._s2[starts]) / m - mean * mean, 0.0)
        s2 = np.maximum(var, self._min_var)
        return m * (np.log(s2) + var / s2)


class EmpiricalCost:
    """Nonparametric: the empirical-distribution cost of ED-PELT (Haynes, Fearnhead, Eckley 2017).

    Chosen over a bounded-influence (Huber/biweight) loss because a throughput series' lower
    tail is not a few outliers to be down-weighted but part of the distribution, and it is
    the part that moves when a link turns unstable: this cost sees a change of the whole
    distribution (level, spread, or the weight of the tail) and is rank based, so a probe at
    10 % of the usual rate counts no more than one at 90 %, and any monotone transform (log,
    units) gives the same cost. With K quantiles q_k of the whole series and F_k(a,b) the
    fraction of the segment below q_k (ties count one half):

    C(a,b) = -(2 c / K) sum_k m [F_k log F_k + (1 - F_k) log(1 - F_k)],  c = log(2n - 1),

    K = ceil(4 log n), the q_k spaced to weight the tails as the paper's integral does.
    Cumulative counts make one segment O(K).
    """

    name = "ed"
    n_params = 2  # a change of distribution counted like one of level and spread

    def __init__(self, values: np.ndarray, *, n_quantiles: int | None = None) -> None:
        """Args: values: 1-D finite float array; n_quantiles: K (default ceil(4 log n))."""
        x = np.asarray(values, dtype=float)
        n = x.size
        k = n_quantiles or max(1, int(np.ceil(4 * np.log(max(n, 2)))))
        c = np.log(2 * n - 1) if n > 1 else 1.0
        # Quantile levels of the paper: 1 / (1 + (2n - 1) exp(-c (2k - 1) / K)), k = 1..K.
        levels = 1.0 / (1.0 + (2 * n - 1) * np.exp(-c * (2 * np.arange(1, k + 1) - 1) / k))
        q = np.quantile(x, levels)
        # Twice the count below q_k, ties one half, as integers: 2 if q_k > x, 1 if q_k == x.
        rows = np.arange(k)[:, None]
        below = rows >= np.searchsorted(q, x, side="right")[None, :]
        below_or_tie = rows >= np.searchsorted(q, x, side="left")[None, :]
        twice = below.view(np.int8) + below_or_tie.view(np.int8)  # 0, 1 or 2: bytes suffice
        self._counts = np.zeros((k, n + 1), dtype=np.int32)
        np.cumsum(twice, axis=1, dtype=np.int32, out=self._counts[:, 1:])
        self._scale = 2.0 * c / k

    def __call__(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Cost of each segment [start, end), dimensionless (broadcasts)."""
        starts, ends = np.broadcast_arrays(np.asarray(starts), np.asarray(ends))
        m = ends - starts
        f = (self._counts[:, ends] - self._counts[:, starts]) / (2.0 * m)
        g = 1.0 - f
        ent = f * np.log(np.maximum(f, _TINY)) + g * np.log(np.maximum(g, _TINY))
        return -self._scale * m * ent.sum(axis=0)


SegmentCost = NormalCost | L2Cost | EmpiricalCost
COSTS = {"normal": NormalCost, "l2": L2Cost, "ed": EmpiricalCost}
