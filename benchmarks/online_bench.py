"""Online detector: delay to alarm after a 30 % drop, and false alarms per link-year.

For each seed and probe period (10 minutes, 1 hour) the detector is calibrated to one
false alarm per link-year (ARL0 = probes per year) on a 14-day baseline of the link-scenario
noise model (lower tail, diurnal dip, autocorrelation 0.2, failures), then:
- fed a year of 10 links without a change, each calibrated on its own baseline: false
  alarms per link-year (the detector restarts after each);
- fed 40 links whose level drops by 30 % at a random probe: delay = alarm index - drop
  index (an alarm before the drop counts as a false alarm, not a delay).

Run: .venv/bin/python benchmarks/online_bench.py
"""

import numpy as np

from netprobe.detect.online import ARL0_PER_YEAR, OnlineDetector
from netprobe.detect.synthetic import NoiseModel, link_series

PERIODS = {"10m": 600.0, "1h": 3600.0}
BASELINE_DAYS = 14
DROP_LINKS = 40
NULL_YEARS = 10  # links watched for a year without a change, each with its own baseline


def link(n: int, period: float, seed: int, drop_at: int | None = None, noise=None):
    """One link: level 12 Gbit/s on 20 Gbit/s, dropping by 30 % at drop_at."""
    rng = np.random.default_rng(seed)
    levels = np.full(n, 12e9)
    if drop_at is not None:
        levels[drop_at:] *= 0.7
    model = noise or NoiseModel()
    return link_series(
        levels, [model], np.zeros(n, int), capacity=np.full(n, 20e9), period=period, rng=rng
    )


def run(seed: int, name: str, noise=None) -> tuple[float, float, int]:
    period = PERIODS[name]
    arl0 = ARL0_PER_YEAR[name]
    base = int(BASELINE_DAYS * 86_400 / period)
    false_alarms = 0
    for i in range(NULL_YEARS):
        values, times = link(base + arl0, period, seed * 100 + 50 + i, noise=noise)
        detector = OnlineDetector(values[:base], baseline_times=times[:base], arl0=arl0)
        false_alarms += len(detector.scan(values[base:], times[base:]))
    delays, early = [], 0
    rng = np.random.default_rng(seed + 1000)
    for i in range(DROP_LINKS):
        at = int(rng.integers(50, 500))
        values, times = link(base + at + 200, period, seed * 100 + i, base + at, noise=noise)
        detector = OnlineDetector(values[:base], baseline_times=times[:base], arl0=arl0)
        alarms = detector.scan(values[base:], times[base:])
        early += sum(a.index < at for a in alarms)
        late = [a.index - at for a in alarms if a.index >= at]
        delays.append(late[0] if late else np.inf)
    return float(np.median(delays)), false_alarms / NULL_YEARS, early


def main() -> None:
    sets = {"tuned": None, "held-out": NoiseModel(sigma=0.08, phi=0.4, bad_share=0.06)}
    print(
        f"{'noise':<9} {'probes':<6} {'seed':>4} {'ARL0':>6} {'median delay':>12} "
        f"{'false alarms/yr':>15} {'early alarms':>12}"
    )
    for label, noise in sets.items():
        for name in PERIODS:
            for seed in (0, 1, 2):
                delay, false_alarms, early = run(seed, name, noise)
                print(
                    f"{label:<9} {name:<6} {seed:>4} {ARL0_PER_YEAR[name]:>6} {delay:>12.0f} "
                    f"{false_alarms:>15.1f} {early:>12}"
                )


if __name__ == "__main__":
    main()
