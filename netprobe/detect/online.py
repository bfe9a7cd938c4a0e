"""Online alerting on the newest probes: a robust CUSUM calibrated to a false-alarm rate.

Why CUSUM: a link degradation is a persistent shift of the level, which is what Page's
CUSUM detects fastest for a given false-alarm rate (it is optimal for a known shift, and
one sum per direction is O(1) per probe with nothing to tune but the threshold). FOCuS
removes the need to know the shift size, but the alarms we care about (drops of 30 % or
more) are large against the run-to-run noise of a healthy link, so a known design shift
loses little; BOCPD needs a full predictive model of the heavy-tailed noise and its
hazard rate, and its alarm rate is hard to state in advance. CUSUM's alarm rate can be.

How:

1. The working series is log throughput, so a 30 % drop is the same shift on a 1 Gbit/s
   and on a 100 Gbit/s link. A time-of-day profile estimated on the baseline (see
   ``seasonal``) is removed when the baseline has one.
2. Each probe is standardised against the baseline's median and robust scale (1.4826
   MAD) and clipped to +-``clip``: a bad run (10-70 % of the usual) then counts like any
   clearly low probe, and one of them cannot raise an alarm on its own.
3. The drop statistic is S = max(0, S - z - k) with reference k = min(d / 2, clip / 2), d
   the design shift in robust standard deviations (-log(1 - shift) / scale). With
   ``direction="both"`` a mirror statistic watches rises; both restart after an alarm.
4. The threshold h is set so that the average run length without a change (ARL0) is
   ``arl0`` probes, computed for the baseline's own distribution of clipped scores (one
   pseudo-run at the low clip is added: a baseline without bad runs must not be trusted
   to have none) with the Markov-chain method of Brook & Evans (1972) on a 200-state
   grid. With two directions each gets 2 x arl0, so that their alarms add up to arl0.

   Probes are not independent (a congested afternoon is congested for hours): the
   calibration spreads the increments around their mean by sqrt((1 + r) / (1 - r)), r
   the lag-one autocorrelation of the baseline's scores (clipped to 0..0.9), the factor by
   which positive correlation widens the sums' long-run spread. Without it the hourly
   false-alarm rate measured 1-5 per link-year instead of 1.

One false alarm per link-year is ``arl0=52_560`` for 10-minute probes and ``8_760`` for
hourly ones (``ARL0_PER_YEAR``); ``benchmarks/online_bench.py`` measures the real rate and
the delay on the link-scenario noise model, and the README gives its numbers. A baseline
of two weeks or more is advised: the time-of-day profile and the tail of the scores are
estimated from it.
"""

from dataclasses import dataclass

import numpy as np

from netprobe.detect.seasonal import HourProfile, hour_profile

ARL0_PER_YEAR = {"10m": 52_560, "1h": 8_760}
_MAD_TO_SD = 1.4826
_GRID = 200
_MIN_BASELINE = 20


@dataclass(frozen=True)
class Alarm:
    """An alarm on the monitored stream (indices count updates, missing probes included).

    ``index`` is the probe that raised it, ``start`` the estimated first probe of the
    change (just after the statistic last left zero); ``baseline`` and ``level`` are the
    medians of the baseline and of the probes since ``start``, in the series' units.
    """

    index: int
    start: int
    direction: str  # "drop" or "rise"
    statistic: float
    threshold: float
    baseline: float
    level: float


def _run_length(pmf: np.ndarray, offset: int, states: int) -> float:
    """ARL from 0 of max(0, S + W) to reach ``states`` grid steps; P(W = j - offset) = pmf[j]."""
    padded = np.concatenate([pmf, [0.0]])  # index len(pmf): impossible step
    here = np.arange(states)
    step = here[None, :] - here[:, None] + offset  # row: from, column: to
    transition = padded[np.where((step >= 0) & (step < len(pmf)), step, len(pmf))]
    below = np.concatenate([[0.0], np.cumsum(pmf)])  # below[m] = P(step index < m)
    transition[:, 0] = below[np.clip(offset - here + 1, 0, len(pmf))]  # to 0 or under
    return _solve_first(np.eye(states) - transition, np.ones(states))


def _solve_first(a: np.ndarray, b: np.ndarray) -> float:
    """x[0] of a x = b for an M-matrix a (I - substochastic), by elimination without pivoting.

    Plain numpy on purpose: LAPACK's threaded solve stalls for hundreds of milliseconds on
    a busy machine, and elimination is stable without pivoting for an M-matrix.
    """
    a, b = a.copy(), b.copy()
    n = len(b)
    for i in range(n - 1, 0, -1):  # eliminate from the last row up: x[0] comes out last
        factor = a[:i, i] / a[i, i]
        a[:i, :i] -= np.outer(factor, a[i, :i])
        b[:i] -= factor * b[i]
    return float(b[0] / a[0, 0])


def calibrate(increments: np.ndarray, arl0: float) -> float:
    """The threshold h giving ARL0 ``arl0`` for i.i.d. increments drawn from ``increments``.

    Args:
        increments: sample of the CUSUM increments without a change (-z - k).
        arl0: wanted average run length without a change, probes.

    Returns:
        h, in the increments' units.

    Raises:
        ValueError: the increments have a non-negative mean (the sum would drift up).
    """
    if np.mean(increments) >= 0:
        raise ValueError("expected increments with a negative mean: raise the reference k")
    # log ARL grows about linearly in h: false position on it (Illinois variant), inside
    # a bracket so that an ill-conditioned solve cannot throw the search off
    target = np.log(arl0)

    def gap(h: float) -> float:
        return float(np.log(max(_arl(increments, h), 1.0)) - target)

    low = _siegmund_guess(increments, arl0) / 1.25
    high = 1.5 * low
    f_low, f_high = gap(low), gap(high)
    while f_high < 0:
        low, f_low, high = high, f_high, 2.0 * high
        f_high = gap(high)
    while f_low > 0 and low > 1e-3:
        high, f_high, low = low, f_low, low / 2.0
        f_low = gap(low)
    side = 0
    for _ in range(20):  # the grid makes ARL(h) a fine staircase: 2 % is as close as it gets
        if high - low < 0.005 * high:
            break
        h = (low * f_high - high * f_low) / (f_high - f_low)
        f = gap(h)
        if abs(f) < 0.03:
            return h
        if f < 0:
            low, f_low = h, f
            f_high = f_high / 2.0 if side == -1 else f_high
            side = -1
        else:
            high, f_high = h, f
            f_low = f_low / 2.0 if side == 1 else f_low
            side = 1
    return high


def _siegmund_guess(increments: np.ndarray, arl0: float) -> float:
    """h whose ARL is arl0 by Siegmund's normal approximation: a starting point only."""
    drift = -float(np.mean(increments))
    sd = float(np.std(increments)) or 1.0
    delta = drift / sd

    def arl(h: float) -> float:
        b = 2 * delta * (h / sd + 1.166)
        return (np.exp(min(b, 700.0)) - b - 1) / (2 * delta**2)

    high = sd
    while arl(high) < arl0 and high < 1e6:
        high *= 2.0
    low = 0.0
    for _ in range(50):
        mid = (low + high) / 2.0
        low, high = (mid, high) if arl(mid) < arl0 else (low, mid)
    return max(high, 1e-2)


def _arl(increments: np.ndarray, h: float) -> float:
    step = h / _GRID
    units = np.round(increments / step).astype(int)
    offset = -min(int(units.min()), 0)
    pmf = np.bincount(units + offset) / len(units)
    return _run_length(pmf, offset, _GRID)


def _inflate(increments: np.ndarray, factor: float) -> np.ndarray:
    """Spread increments around their mean by ``factor`` (autocorrelation, see module doc)."""
    mean = float(np.mean(increments))
    return mean + (increments - mean) * factor


class OnlineDetector:
    """Robust CUSUM on log throughput against a baseline (see the module doc)."""

    def __init__(
        self,
        baseline: np.ndarray,
        *,
        baseline_times: np.ndarray | None = None,
        arl0: float = ARL0_PER_YEAR["10m"],
        shift: float = 0.3,
        clip: float = 3.0,
        direction: str = "drop",
    ) -> None:
        """Calibrate on ``baseline``, a healthy stretch of the same link.

        Args:
            baseline: rates (bit/s, or any positive unit), NaN for failed probes.
            baseline_times: their epoch seconds (UTC), to learn the time-of-day profile.
            arl0: average number of probes between false alarms.
            shift: design change, relative (0.3: a 30 % drop, or a 1/0.7 - 1 rise).
            clip: bound of a standardised score, robust standard deviations.
            direction: "drop" or "both".

        Raises:
            ValueError: a non-positive or infinite rate, fewer than 20 observed baseline
                probes, a baseline without spread, or a bad setting.
        """
        if direction not in ("drop", "both"):
            raise ValueError(f"expected direction 'drop' or 'both', got {direction!r}")
        if not 0 < shift < 1 or clip <= 0 or arl0 <= 1:
            raise ValueError("expected 0 < shift < 1, clip > 0 and arl0 > 1")
        x = np.asarray(baseline, dtype=float)
        y = self._log(x)
        self.profile: HourProfile | None = None
        if baseline_times is not None:
            self.profile = hour_profile(y, baseline_times)
            if self.profile is not None:
                y = y - self.profile.at(baseline_times)
        y = y[~np.isnan(y)]
        if len(y) < _MIN_BASELINE:
            raise ValueError(f"expected at least {_MIN_BASELINE} observed baseline probes")
        self.center = float(np.median(y))
        self.scale = float(_MAD_TO_SD * np.median(np.abs(y - self.center)))
        if self.scale == 0:
            raise ValueError("expected a baseline with some spread, got identical values")
        self.baseline_level = float(np.exp(self.center))
        self.direction = direction
        self.clip = clip
        self.k = min(-np.log(1.0 - shift) / self.scale, clip) / 2.0
        z = np.clip((y - self.center) / self.scale, -clip, clip)
        per_direction = arl0 * (2 if direction == "both" else 1)
        rho = float(np.clip(np.corrcoef(z[:-1], z[1:])[0, 1], 0.0, 0.9))
        self.inflation = float(np.sqrt((1.0 + rho) / (1.0 - rho)))
        self.threshold = calibrate(
            _inflate(np.append(-z, clip) - self.k, self.inflation), per_direction
        )
        self.rise_threshold = (
            calibrate(_inflate(np.append(z, clip) - self.k, self.inflation), per_direction)
            if direction == "both"
            else None
        )
        self.index = 0
        self._drop = 0.0
        self._rise = 0.0
        self._drop_start = 0
        self._rise_start = 0
        self._history: list[tuple[int, float]] = []  # probes since both sums were 0

    @staticmethod
    def _log(x: np.ndarray) -> np.ndarray:
        if np.any(np.isinf(x)) or np.any(x[~np.isnan(x)] <= 0):
            raise ValueError("expected positive finite rates (NaN for a failed probe)")
        return np.log(x)

    def score(self, x: np.ndarray, times: np.ndarray | None = None) -> np.ndarray:
        """Clipped standardised scores of rates ``x`` (NaN stays NaN).

        Raises:
            ValueError: a non-positive rate, or no times when the baseline had a profile.
        """
        y = self._log(np.asarray(x, dtype=float))
        if self.profile is not None:
            if times is None:
                raise ValueError(
                    "expected probe times: this detector removes the time-of-day profile "
                    "it learnt from the baseline"
                )
            y = y - self.profile.at(times)
        return np.clip((y - self.center) / self.scale, -self.clip, self.clip)

    def update(self, x: float, time: float | None = None) -> Alarm | None:
        """Feed the next probe (NaN for a failed one); an Alarm when a statistic crosses.

        Args:
            x: the probe's rate, same unit as the baseline, NaN for a failed probe.
            time: its epoch seconds (UTC), for the time-of-day profile.
        """
        z = self.score(np.array([x]), None if time is None else np.array([time]))
        return self._step(float(z[0]), float(x))

    def scan(self, values: np.ndarray, times: np.ndarray | None = None) -> list[Alarm]:
        """Feed many probes at once (as ``update`` one by one); every alarm raised."""
        values = np.asarray(values, dtype=float)
        z = self.score(values, times)
        alarms = (self._step(zi, xi) for zi, xi in zip(z.tolist(), values.tolist(), strict=True))
        return [a for a in alarms if a is not None]

    def _step(self, z: float, x: float) -> Alarm | None:
        index = self.index
        self.index += 1
        if z != z:  # NaN: a failed probe counts as a row, not as a value
            return None
        if self._drop == 0.0:
            self._drop_start = index
        if self._rise == 0.0:
            self._rise_start = index
        self._drop = max(0.0, self._drop - z - self.k)
        if self.rise_threshold is not None:
            self._rise = max(0.0, self._rise + z - self.k)
        if self._drop == 0.0 and self._rise == 0.0:
            self._history = []
            return None
        self._history.append((index, x))
        if self._drop >= self.threshold:
            return self._alarm(index, "drop", self._drop, self.threshold, self._drop_start)
        if self.rise_threshold is not None and self._rise >= self.rise_threshold:
            return self._alarm(index, "rise", self._rise, self.rise_threshold, self._rise_start)
        return None

    def _alarm(self, index: int, direction: str, stat: float, h: float, start: int) -> Alarm:
        level = float(np.median([x for i, x in self._history if i >= start]))
        self._drop = self._rise = 0.0
        self._history = []
        return Alarm(index, start, direction, stat, h, self.baseline_level, level)


def first_alarm(detector: OnlineDetector, values: np.ndarray, times=None) -> Alarm | None:
    """Feed ``values`` (with their epoch-second ``times``) until the first alarm, if any."""
    for i, x in enumerate(np.asarray(values, dtype=float)):
        alarm = detector.update(x, None if times is None else float(times[i]))
        if alarm is not None:
            return alarm
    return None
