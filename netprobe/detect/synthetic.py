"""Link throughput series with known answers, generated from a seed.

The noise is what makes real throughput series hard: multiplicative log-normal noise with
some autocorrelation, a heavy lower tail (a probe that hit a loss episode or a busy host
delivers 10-70 % of the usual), a time-of-day congestion dip, a ceiling at the link's
capacity, and failed probes (NaN: a failure is never a zero). Each scenario carries its
true breakpoints (index of the first sample of the new regime) and their kinds.
"""

from dataclasses import dataclass, field, replace

import numpy as np

CHANGE_KINDS = ("drop", "rise", "instability")
KINDS = ("none", *CHANGE_KINDS, "mixed")

_START = 1_767_225_600.0  # 2026-01-01T00:00:00Z, epoch seconds


@dataclass(frozen=True)
class NoiseModel:
    """How one link's probes scatter around its level (shares are 0..1, times in UTC hours).

    Attributes:
        sigma: standard deviation of the log noise (0.05 = about 5 % run to run).
        phi: lag-one autocorrelation of the log noise.
        bad_share: probability that a probe is a bad run.
        bad_low: a bad run delivers between bad_low ...
        bad_high: ... and bad_high of the usual rate.
        diurnal_depth: relative dip at the busiest hour (0.2 = 20 % slower).
        busy_hour: UTC hour of the deepest dip.
        busy_width: standard deviation of the dip, hours.
        failure_share: probability that a probe fails (NaN).
        ceiling: highest achievable rate as a share of capacity.
    """

    sigma: float = 0.05
    phi: float = 0.2
    bad_share: float = 0.03
    bad_low: float = 0.1
    bad_high: float = 0.7
    diurnal_depth: float = 0.2
    busy_hour: float = 20.0
    busy_width: float = 2.5
    failure_share: float = 0.01
    ceiling: float = 0.97


@dataclass(frozen=True)
class Scenario:
    """One generated series: values (bit/s, NaN = failed probe), times (epoch s, UTC).

    ``breakpoints`` are the first samples of each new regime, ``kinds`` their kinds.
    """

    name: str
    values: np.ndarray
    times: np.ndarray
    breakpoints: list[int] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def diurnal_factor(times: np.ndarray, noise: NoiseModel) -> np.ndarray:
    """Multiplicative time-of-day factor (<= 1) at epoch-second times."""
    hour = (np.asarray(times, dtype=float) % 86_400.0) / 3600.0
    distance = np.abs((hour - noise.busy_hour + 12.0) % 24.0 - 12.0)
    return 1.0 - noise.diurnal_depth * np.exp(-0.5 * (distance / noise.busy_width) ** 2)


def link_series(
    levels: np.ndarray,
    noises: list[NoiseModel],
    regimes: np.ndarray,
    *,
    capacity: np.ndarray,
    period: float,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw probe values around a level path, each sample under its regime's noise.

    Args:
        levels: usual rate of each sample before noise, bit/s.
        noises: the noise model of each regime.
        regimes: index into ``noises`` for each sample.
        capacity: link capacity of each sample, bit/s (the ceiling applies to it).
        period: seconds between probes.
        rng: the random source.

    Returns:
        (values in bit/s with NaN for failures, times in epoch seconds UTC).
    """
    n = len(levels)
    times = _START + period * np.arange(n, dtype=float)
    sigma = np.array([m.sigma for m in noises])[regimes]
    phi = np.array([m.phi for m in noises])[regimes]
    shocks = rng.standard_normal(n) * sigma * np.sqrt(1.0 - phi**2)
    log_noise = np.empty(n)
    previous = rng.standard_normal() * sigma[0]
    for i in range(n):  # an AR(1) recursion; n is at most a few hundred thousand
        previous = phi[i] * previous + shocks[i]
        log_noise[i] = previous
    diurnal = np.ones(n)
    for r, model in enumerate(noises):
        mask = regimes == r
        diurnal[mask] = diurnal_factor(times[mask], model)
    values = levels * diurnal * np.exp(log_noise)
    bad_share = np.array([m.bad_share for m in noises])[regimes]
    bad = rng.random(n) < bad_share
    low = np.array([m.bad_low for m in noises])[regimes]
    high = np.array([m.bad_high for m in noises])[regimes]
    values[bad] *= low[bad] + (high[bad] - low[bad]) * rng.random(int(bad.sum()))
    ceiling = np.array([m.ceiling for m in noises])[regimes] * capacity
    values = np.minimum(values, ceiling)
    failures = np.array([m.failure_share for m in noises])[regimes]
    values[rng.random(n) < failures] = np.nan
    return values, times


def scenario(
    kind: str,
    *,
    seed: int,
    n: int = 1440,
    period: float = 3600.0,
    noise: NoiseModel | None = None,
    capacity: float = 20e9,
    min_segment: int = 120,
) -> Scenario:
    """One link series of the given kind: one change, none, or three ("mixed").

    Drops lose 10-75 % of the level; rises (upgrades) gain 30-150 % with the capacity
    doubling; instability multiplies the noise by 1.5-3 and adds 15-30 % of bad runs at
    the same usual rate. "mixed" has one of each, in random order. Regimes are at least
    ``min_segment`` samples long.

    Args:
        kind: one of ``KINDS``.
        seed: random seed; the same seed gives the same series.
        n: number of probes.
        period: seconds between probes.
        noise: the noise model before the first change (default ``NoiseModel()``).
        capacity: link capacity before the first change, bit/s.
        min_segment: shortest regime, samples.

    Raises:
        ValueError: unknown kind, or n too short for the regimes of min_segment.
    """
    if kind not in KINDS:
        raise ValueError(f"expected a kind among {', '.join(KINDS)}, got {kind!r}")
    kinds = {"none": [], "mixed": list(CHANGE_KINDS)}.get(kind, [kind])
    regimes_needed = len(kinds) + 1
    if n < regimes_needed * min_segment + 1:
        raise ValueError(f"expected n >= {regimes_needed * min_segment + 1}, got {n}")
    rng = np.random.default_rng(seed)
    if kind == "mixed":
        kinds = [str(k) for k in rng.permutation(kinds)]
    models = [noise or NoiseModel()]
    level = capacity * models[0].ceiling * rng.uniform(0.6, 0.85)
    levels = np.full(n, level)
    capacities = np.full(n, capacity)
    regimes = np.zeros(n, dtype=int)
    slack = np.sort(rng.integers(0, n - regimes_needed * min_segment + 1, size=len(kinds)))
    breakpoints = [int(min_segment * (i + 1) + extra) for i, extra in enumerate(slack)]
    for r, (at, change) in enumerate(zip(breakpoints, kinds, strict=True), start=1):
        regimes[at:] = r
        model = models[-1]
        if change == "drop":
            levels[at:] *= 1.0 - rng.uniform(0.10, 0.75)
        elif change == "rise":
            levels[at:] *= 1.0 + rng.uniform(0.3, 1.5)
            capacities[at:] *= 2.0
        else:
            model = replace(
                model,
                sigma=model.sigma * rng.uniform(1.5, 3.0),
                bad_share=model.bad_share + rng.uniform(0.15, 0.30),
            )
        models.append(model)
    values, times = link_series(
        levels, models, regimes, capacity=capacities, period=period, rng=rng
    )
    return Scenario(f"{kind}-{seed}", values, times, breakpoints, kinds)


def scenario_set(
    seed: int,
    *,
    per_kind: int = 20,
    n: int = 1440,
    period: float = 3600.0,
    noise: NoiseModel | None = None,
) -> list[Scenario]:
    """``per_kind`` scenarios of each kind, seeded from ``seed`` (same seed, same set)."""
    seeds = np.random.SeedSequence(seed).generate_state(per_kind * len(KINDS))
    return [
        scenario(kind, seed=int(seeds[i * len(KINDS) + k]), n=n, period=period, noise=noise)
        for i in range(per_kind)
        for k, kind in enumerate(KINDS)
    ]
