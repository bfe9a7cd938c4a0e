"""Sharpen where each change falls, once the segmentation has said that it happened.

A change of spread (more bad runs, more scatter at the same median) shows only in the
tails, and a segmentation cost localises it loosely, often a few samples late. Here each
breakpoint is moved to where the likelihood ratio between its two regimes says the
change happened: the regimes' distributions are estimated away from the breakpoint (at
least ``guard`` samples from it, so the uncertain stretch does not blur them) as
histograms with ``bins`` bins of equal pooled probability (add-one smoothed), and the new
breakpoint tau in ``window`` samples either side maximises
sum over the window before tau of log(f_before(y) / f_after(y)). A level change was
already sharp and stays where it was.
"""

import numpy as np

_MIN_SIDE = 20  # fewest observations to estimate a regime's histogram


def refine(
    y: np.ndarray,
    breakpoints: list[int],
    *,
    min_size: int = 5,
    window: int = 40,
    guard: int = 30,
    bins: int = 20,
) -> list[int]:
    """Breakpoints moved to their most likely place (see the module doc).

    Args:
        y: the working series (log throughput), NaN for a missing observation.
        breakpoints: increasing indices of the first sample of each new regime.
        min_size: closest a breakpoint may come to its neighbours, rows.
        window: farthest a breakpoint may move, rows.
        guard: rows left out on each side when estimating the two regimes.
        bins: histogram bins.

    Returns:
        The refined breakpoints, increasing, each on an observed row.
    """
    y = np.asarray(y, dtype=float)
    bounds = [0, *breakpoints, len(y)]
    out = []
    for j, b in enumerate(breakpoints):
        prev = out[-1] if out else bounds[j]
        nxt = bounds[j + 2]
        before = y[prev : max(prev, b - guard)]
        after = y[min(nxt, b + guard) : nxt]
        before, after = before[~np.isnan(before)], after[~np.isnan(after)]
        lo, hi = max(prev + min_size, b - window), min(nxt - min_size, b + window)
        if len(before) < _MIN_SIDE or len(after) < _MIN_SIDE or hi <= lo:
            out.append(b)
            continue
        pooled = np.concatenate([before, after])
        edges = np.quantile(pooled, np.linspace(0.0, 1.0, bins + 1)[1:-1])
        f_before = (np.bincount(np.searchsorted(edges, before), minlength=bins) + 1.0) / (
            len(before) + bins
        )
        f_after = (np.bincount(np.searchsorted(edges, after), minlength=bins) + 1.0) / (
            len(after) + bins
        )
        stretch = y[lo:hi]
        ratio = np.zeros(len(stretch))
        seen = ~np.isnan(stretch)
        k = np.searchsorted(edges, stretch[seen])
        ratio[seen] = np.log(f_before[k]) - np.log(f_after[k])
        score = np.concatenate([[0.0], np.cumsum(ratio)])
        tau = lo + int(np.argmax(score))
        while tau < hi and np.isnan(y[tau]):  # a breakpoint sits on an observed row
            tau += 1
        out.append(tau if prev < tau < nxt and not np.isnan(y[tau]) else b)
    return out
