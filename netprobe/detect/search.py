"""Searches: which breakpoints minimise  sum of segment costs + penalty x number of changes.

A search sees only a cost (a callable ``cost(starts, ends) -> costs`` over numpy arrays, see
``costs.py``), the series length, a penalty in the cost's units and a minimum segment
length. Breakpoints are returned as the index of the first sample of each new regime,
sorted, without 0 and n.
"""

import heapq
from collections.abc import Callable

import numpy as np

Cost = Callable[[np.ndarray, np.ndarray], np.ndarray]

# Positions a single-split scan evaluates in its coarse pass (see _best_split).
_SCAN_POINTS = 512


def pelt(
    cost: Cost,
    n: int,
    *,
    penalty: float,
    min_size: int,
    allowed: np.ndarray | None = None,
) -> list[int]:
    """Exact optimal partition by PELT (Killick, Fearnhead & Eckley 2012), vectorised.

    Optimal partitioning F(t) = min_s F(s) + C(s, t) + penalty, with F(0) = -penalty, over
    the candidates s still alive; s is pruned once F(s) + C(s, t) > F(t) (K = 0, valid for
    the costs of ``costs.py``). With a minimum segment length the prune found at t only
    holds for ends T >= t + min_size (t itself is not a usable start before that), so it
    takes effect then: without that delay PELT can miss the optimum near short segments.

    Args:
        cost: segment cost callable; n: series length; penalty: per change, in cost units, >= 0;
        min_size: minimum segment length in samples, >= 1;
        allowed: if given, the only positions breakpoints may take (an exact search restricted
            to them; used on candidates from a faster search).
    Returns:
        Sorted breakpoints (first index of each new segment), 0 and n excluded.
    """
    if n < 2 * min_size:
        return []
    positions = np.arange(n + 1) if allowed is None else _positions(allowed, n, min_size)
    best = np.full(n + 1, np.inf)
    best[0] = -penalty
    previous = np.zeros(n + 1, dtype=np.int64)
    expires = np.full(n + 1, np.iinfo(np.int64).max)
    alive = np.empty(0, dtype=np.int64)
    next_new = 0  # index into positions of the next start to admit
    for t in positions[1:]:
        while next_new < positions.size and positions[next_new] <= t - min_size:
            s = positions[next_new]
            if np.isfinite(best[s]):
                alive = np.append(alive, s)
            next_new += 1
        alive = alive[expires[alive] > t]
        if alive.size == 0:
            continue
        fits = best[alive] + cost(alive, t)
        i = int(np.argmin(fits))
        best[t] = fits[i] + penalty
        previous[t] = alive[i]
        doomed = alive[fits > best[t]]
        expires[doomed] = np.minimum(expires[doomed], t + min_size)
    return _backtrack(previous, n)


def binseg(cost: Cost, n: int, *, penalty: float, min_size: int) -> list[int]:
    """Binary segmentation: split the segment with the largest gain while the gain > penalty.

    Greedy and approximate; each split scans its segment in one vectorised call, so the
    whole search is O(n log n) cost evaluations.

    Args:
        cost, n, penalty, min_size: as for ``pelt``.
    Returns:
        Sorted breakpoints, 0 and n excluded.
    """
    found = []
    heap: list[tuple[float, int, int, int]] = []

    def push(a: int, b: int) -> None:
        split = _best_split(cost, a, b, min_size)
        if split is not None:
            gain, tau = split
            heapq.heappush(heap, (-gain, tau, a, b))

    push(0, n)
    while heap:
        neg_gain, tau, a, b = heapq.heappop(heap)
        if -neg_gain <= penalty:
            break
        found.append(tau)
        push(a, tau)
        push(tau, b)
    return sorted(found)


def binseg_pelt(cost: Cost, n: int, *, penalty: float, min_size: int) -> list[int]:
    """Fast default: candidates from binary segmentation, then exact PELT among them, then polish.

    Binary segmentation with half the penalty proposes a superset of the changes; PELT
    restricted to those candidates picks the best partition among them; each breakpoint is
    then moved to its best position between its neighbours until none moves (every move
    lowers the exact objective). ``speed_bench.py`` and the tests compare it with exact PELT:
    equal with the ED cost there; with many short episodes (the normal or L2 cost on a
    lower-tailed series) binary segmentation misses candidates and it is not.

    Args:
        cost, n, penalty, min_size: as for ``pelt``.
    Returns:
        Sorted breakpoints, 0 and n excluded.
    """
    candidates = binseg(cost, n, penalty=penalty / 2, min_size=min_size)
    if not candidates:
        return []
    chosen = pelt(cost, n, penalty=penalty, min_size=min_size, allowed=np.array(candidates))
    return _polish(cost, n, chosen, min_size)


def _best_split(cost: Cost, a: int, b: int, min_size: int) -> tuple[float, int] | None:
    """The (gain, position) of the best single split of [a, b), or None if it is too short.

    Long segments are scanned coarse to fine: every ``stride``-th position, then every
    position within a stride of the best; a change's gain curve is a tent whose slopes span
    the whole segment, so the coarse pass lands at its foot. Used only to propose candidates
    and to polish, so an occasional near miss costs time, never correctness of the objective.
    """
    lo, hi = a + min_size, b - min_size
    if hi < lo:
        return None
    stride = max(1, (hi - lo) // _SCAN_POINTS)
    taus = np.arange(lo, hi + 1, stride)
    i = int(np.argmin(_split_costs(cost, a, b, taus)))
    if stride > 1:
        taus = np.arange(max(lo, taus[i] - stride + 1), min(hi, taus[i] + stride - 1) + 1)
        i = int(np.argmin(_split_costs(cost, a, b, taus)))
    total = cost(np.array([a]), np.array([b]))[0]
    return float(total - _split_costs(cost, a, b, taus[i : i + 1])[0]), int(taus[i])


def _split_costs(cost: Cost, a: int, b: int, taus: np.ndarray) -> np.ndarray:
    """Cost of [a, tau) + [tau, b) for each tau."""
    return cost(np.full(taus.size, a), taus) + cost(taus, np.full(taus.size, b))


def _polish(cost: Cost, n: int, breakpoints: list[int], min_size: int) -> list[int]:
    """Move each breakpoint to its best place between its neighbours until none moves.

    A breakpoint whose neighbours and place are those it was last checked with is not
    scanned again: the scan would give the same answer.
    """
    bkps = list(breakpoints)
    checked: dict[int, tuple[int, int, int]] = {}
    for _ in range(10):
        moved = False
        for j, tau in enumerate(bkps):
            a = bkps[j - 1] if j else 0
            b = bkps[j + 1] if j + 1 < len(bkps) else n
            if checked.get(j) == (a, tau, b):
                continue
            gain, best_tau = _best_split(cost, a, b, min_size)
            here = cost(np.array([a, tau]), np.array([tau, b])).sum()
            total = cost(np.array([a]), np.array([b]))[0]
            if best_tau != tau and total - gain < here:
                bkps[j] = best_tau
                moved = True
            checked[j] = (a, bkps[j], b)
        if not moved:
            break
    return bkps


def _positions(allowed: np.ndarray, n: int, min_size: int) -> np.ndarray:
    """0, the allowed breakpoints that leave room for min_size on both ends, and n."""
    inner = np.unique(np.asarray(allowed, dtype=np.int64))
    inner = inner[(inner >= min_size) & (inner <= n - min_size)]
    return np.concatenate(([0], inner, [n]))


def _backtrack(previous: np.ndarray, n: int) -> list[int]:
    """Breakpoints read back from the best previous start of each end."""
    bkps = []
    t = int(previous[n])
    while t > 0:
        bkps.append(t)
        t = int(previous[t])
    return sorted(bkps)


SEARCHES = {"pelt": pelt, "binseg": binseg, "binseg-pelt": binseg_pelt}
