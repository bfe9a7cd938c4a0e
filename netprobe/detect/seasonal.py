"""Time-of-day congestion, estimated and removed so that it is not read as change points.

How: on the working series y (log throughput, so a congestion dip is a fixed offset), each
observation's residual from its own UTC day's median is taken; the median residual of each
hour of the day over all days is that hour's offset. Day medians make the profile blind to
level changes (a change corrupts at most the day it falls in) and hour medians make it
blind to bad runs. The profile is centred (median offset 0) and subtracted from y.

It is skipped (None) when there is too little data (under ``min_days`` days with at least
half their hours observed, or an hour seen fewer than ``min_days`` times) or when the
hours do not differ significantly: sum over hours of (offset / its standard error)^2, the
standard error of a median being 1.2533 sigma / sqrt(count) with sigma the robust scale of
the residuals, must exceed the chi-square quantile with (hours - 1) degrees of freedom at
z = 3.09 (p = 0.001, Wilson-Hilferty approximation).

Hours are UTC hours: congestion follows local time, so under daylight saving time a local
peak moves by an hour twice a year; the per-hour medians absorb that blur.
"""

from dataclasses import dataclass

import numpy as np

HOURS = 24
_DAY = 86_400.0
_MAD_TO_SD = 1.4826
_MEDIAN_SE = 1.2533  # standard error of a median over that of a mean, normal noise


@dataclass(frozen=True)
class HourProfile:
    """Offsets of each UTC hour of the day (0..23) in the working series' units."""

    offsets: np.ndarray

    def at(self, times: np.ndarray) -> np.ndarray:
        """The offset at each epoch-second time (UTC)."""
        return self.offsets[_hours(times)]


def _hours(times: np.ndarray) -> np.ndarray:
    return ((np.asarray(times, dtype=float) % _DAY) // 3600.0).astype(int)


def _chi2_quantile(dof: int, z: float) -> float:
    """Wilson-Hilferty approximation of the chi-square quantile at a normal z."""
    h = 2.0 / (9.0 * dof)
    return dof * (1.0 - h + z * np.sqrt(h)) ** 3


def _group_medians(values: np.ndarray, groups: np.ndarray, count: int) -> np.ndarray:
    """Median of ``values`` in each group 0..count-1 (NaN for an empty group).

    Sorted by value, then stably by group: the group sort is a radix sort on the smallest
    integer type that holds the groups, several times quicker than one lexsort.
    """
    by_value = np.argsort(values)
    small = groups[by_value].astype(np.min_scalar_type(max(count - 1, 0)))
    order = by_value[np.argsort(small, kind="stable")]
    sizes = np.bincount(groups, minlength=count)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    ranked = values[order]
    low = ranked[np.minimum(starts + (sizes - 1) // 2, len(ranked) - 1)]
    high = ranked[np.minimum(starts + sizes // 2, len(ranked) - 1)]
    return np.where(sizes > 0, (low + high) / 2.0, np.nan)


def hour_profile(
    y: np.ndarray, times: np.ndarray, *, min_days: int = 3, z: float = 3.09
) -> HourProfile | None:
    """Estimate the time-of-day profile of ``y`` (see the module doc), or None.

    Args:
        y: the working series (log throughput), NaN for a missing observation.
        times: epoch seconds (UTC) of each sample.
        min_days: fewest usable days, and fewest observations of each hour.
        z: normal quantile of the significance test (3.09: p = 0.001).

    Returns:
        The profile, or None when there is too little data or no significant structure.
    """
    y = np.asarray(y, dtype=float)
    times = np.asarray(times, dtype=float)
    ok = ~np.isnan(y)
    y, times = y[ok], times[ok]
    if len(y) == 0:
        return None
    hours = _hours(times)
    days = np.floor(times / _DAY).astype(np.int64)
    day_ids, day_index = np.unique(days, return_inverse=True)
    hour_slots = np.unique(day_index * HOURS + hours)
    hours_per_day = np.bincount(hour_slots // HOURS, minlength=len(day_ids))
    full_day = hours_per_day >= max(2, int(np.max(hours_per_day)) // 2)
    if np.sum(full_day) < min_days:
        return None
    day_median = _group_medians(y, day_index, len(day_ids))
    keep = full_day[day_index]
    residual = (y - day_median[day_index])[keep]
    hours = hours[keep]
    counts = np.bincount(hours, minlength=HOURS)
    seen = counts > 0
    if np.sum(seen) < 2 or np.any(counts[seen] < min_days):
        return None
    offsets = _group_medians(residual, hours, HOURS)
    offsets[~seen] = 0.0
    offsets[seen] -= np.median(offsets[seen])
    sigma = _MAD_TO_SD * np.median(np.abs(residual - np.median(residual)))
    if sigma == 0:
        return HourProfile(offsets) if np.any(offsets != 0) else None
    se = _MEDIAN_SE * sigma / np.sqrt(counts[seen])
    centred = offsets[seen] - np.average(offsets[seen], weights=1.0 / se**2)
    statistic = float(np.sum((centred / se) ** 2))
    if statistic <= _chi2_quantile(int(np.sum(seen)) - 1, z):
        return None
    return HourProfile(offsets)


def deseasonalise(
    y: np.ndarray, times: np.ndarray, *, min_days: int = 3
) -> tuple[np.ndarray, HourProfile | None]:
    """``y`` with its time-of-day profile removed, and the profile (None: y unchanged).

    Args:
        y: the working series (log throughput), NaN for a missing observation.
        times: epoch seconds (UTC) of each sample.
        min_days: see ``hour_profile``.
    """
    profile = hour_profile(y, times, min_days=min_days)
    if profile is None:
        return np.asarray(y, dtype=float), None
    return np.asarray(y, dtype=float) - profile.at(times), profile
