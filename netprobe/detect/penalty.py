"""Penalty per change, from the data: a BIC-type count of parameters x log n, scaled for noise.

Two facts of the data enter, both estimated robustly so that the changes themselves and a
heavy lower tail do not distort them:

- the noise scale sigma, from the median absolute deviation of first differences (a level
  shift moves one difference, an outlier two, so neither moves the median);
- the lag-1 autocorrelation rho of the noise. Costs that assume independent samples
  count n correlated samples as n pieces of evidence; with AR(1) noise the variance of a
  segment mean is larger by the long-run factor (1 + rho) / (1 - rho), so every
  likelihood-ratio gain is inflated by about that much and a trend or a random walk gets cut
  into a staircase. Inflating the penalty by the same factor puts the test back on its
  nominal level. rho comes from the differences too: for AR(1) noise the lag-1
  autocorrelation of differences is (rho - 1) / 2, whatever the level shifts, so
  rho = 1 + 2 r_diff (white noise 0, random walk 1, a smooth trend > 1, capped).
  Pre-whitening was the alternative; it changes the costs' inputs (the ED cost's ranks, the
  variance the caller later reports) and smears a step over two samples, so we keep the
  data and pay in penalty instead.
"""

import numpy as np

_MAD_TO_SD = 1.482602218505602  # 1 / Phi^-1(3/4): MAD of a normal sample -> its sd


def noise_scale(values: np.ndarray) -> float:
    """Robust noise standard deviation from first differences (MAD / sqrt 2).

    Args:
        values: 1-D finite array.
    Returns:
        sigma in the values' unit; 0.0 only for a constant series.
    """
    d = np.diff(np.asarray(values, dtype=float))
    if d.size == 0:
        return 0.0
    dev = np.abs(d - np.median(d))
    sigma = _MAD_TO_SD * np.median(dev)
    if sigma == 0.0:  # quantised or mostly flat data: fall back to the mean deviation
        sigma = np.sqrt(np.pi / 2) * dev.mean()
    return float(sigma / np.sqrt(2))


def difference_correlation(values: np.ndarray) -> float:
    """Robust correlation r of consecutive first differences, in [-1, 1].

    Gnanadesikan-Kettenring: (s(a+b)^2 - s(a-b)^2) / (s(a+b)^2 + s(a-b)^2) with the MAD as s.
    White noise gives -1/2, AR(1) noise (rho - 1) / 2, a random walk 0, a smooth trend > 0.

    Args:
        values: 1-D finite array.
    Returns:
        r; -0.5 (as for white noise) for series too short to tell (< 4 samples).
    """
    d = np.diff(np.asarray(values, dtype=float))
    if d.size < 3:
        return -0.5
    a, b = d[1:], d[:-1]
    su = _mad(a + b) ** 2
    sv = _mad(a - b) ** 2
    if su + sv == 0.0:
        return -0.5
    return float((su - sv) / (su + sv))


def lag1_autocorrelation(values: np.ndarray, *, max_rho: float = 0.95) -> float:
    """Robust lag-1 autocorrelation of the noise, rho = 1 + 2 r from ``difference_correlation``.

    Args:
        values: 1-D finite array; max_rho: cap on the result, < 1.
    Returns:
        rho in [0, max_rho].
    """
    return autocorrelation_from(difference_correlation(values), max_rho=max_rho)


def autocorrelation_from(r: float, *, max_rho: float = 0.95) -> float:
    """rho = 1 + 2 r, clipped to [0, max_rho]: ``lag1_autocorrelation`` from a known r."""
    return float(np.clip(1.0 + 2.0 * r, 0.0, max_rho))


def inflation(rho: float) -> float:
    """Long-run variance factor (1 + rho) / (1 - rho) of AR(1) noise with lag-1 correlation rho."""
    return (1.0 + rho) / (1.0 - rho)


def bic(n: int, n_params: int) -> float:
    """Schwarz/BIC penalty per change, (p + 1) log n: p segment parameters and the location."""
    return (n_params + 1) * np.log(n)


def mbic(n: int, n_params: int) -> float:
    """Modified BIC per change (Zhang & Siegmund 2007), constant part (p + 2) log n.

    Their extra term sum log(n_i / n) over segments is left out: it is <= 0, small next to
    the constant, and a constant penalty keeps PELT's pruning exact.
    """
    return (n_params + 2) * np.log(n)


PENALTIES = {"bic": bic, "mbic": mbic}


def _mad(x: np.ndarray) -> float:
    return float(np.median(np.abs(x - np.median(x))))
