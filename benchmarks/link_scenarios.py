"""Offline detection on generated link scenarios with known answers, three seeds.

Per seed: 25 series of each kind (no change, drop 10-75 %, rise, instability, and "mixed"
with one of each), 60 days of hourly probes under the default noise model (lower tail,
diurnal dip, ceiling, failures, autocorrelation 0.2). F1 is TCPD's (margin 5, index 0
added), averaged over series; "instab." is the F1 over the instability series alone,
"mixed" over the three-change ones; "kind ok" the share of found true changes given the
right kind. False alarms per link-year come from separate no-change series a year long
(hourly and 10-minute probes). The "held-out" rows use noise settings that were never
used while choosing the defaults. All with find_changes' defaults.

Run: .venv/bin/python benchmarks/link_scenarios.py
"""

import time

import numpy as np

from netprobe.detect.find import find_changes
from netprobe.detect.scoring import f_measure
from netprobe.detect.synthetic import NoiseModel, scenario, scenario_set

HELD_OUT = NoiseModel(
    sigma=0.08,
    phi=0.4,
    bad_share=0.06,
    bad_low=0.2,
    bad_high=0.8,
    diurnal_depth=0.3,
    busy_hour=14.0,
    busy_width=4.0,
    failure_share=0.03,
    ceiling=0.95,
)
SETS = {"tuned": NoiseModel(), "held-out": HELD_OUT}
YEAR_LINKS = {3600.0: 10, 600.0: 5}  # probe period (s) -> no-change link-years per seed


def score(seed: int, noise: NoiseModel) -> dict[str, float]:
    """F1 overall, on instability alone, and the share of right kinds, for one seed."""
    f1, instability, mixed, right, found = [], [], [], 0, 0
    for s in scenario_set(seed, per_kind=25, noise=noise):
        detection = find_changes(s.values, s.times)
        predicted = [c.index for c in detection.change_points]
        value = f_measure({"truth": s.breakpoints}, predicted)
        f1.append(value)
        if s.kinds == ["instability"]:
            instability.append(value)
        if len(s.kinds) > 1:
            mixed.append(value)
        for truth, kind in zip(s.breakpoints, s.kinds, strict=True):
            near = [c for c in detection.change_points if abs(c.index - truth) <= 5]
            if near:
                found += 1
                right += near[0].kind == kind
    return {
        "f1": np.mean(f1),
        "instab": np.mean(instability),
        "mixed": np.mean(mixed),
        "kind": right / max(found, 1),
    }


def false_alarms_per_year(seed: int, noise: NoiseModel) -> float:
    """Change points found per link-year on year-long series without a change."""
    alarms, years = 0, 0
    for period, links in YEAR_LINKS.items():
        n = int(365 * 86_400 / period)
        for i in range(links):
            s = scenario("none", seed=seed * 1000 + i, n=n, period=period, noise=noise)
            alarms += len(find_changes(s.values, s.times).change_points)
            years += 1
    return alarms / years


def main() -> None:
    print(
        f"{'noise':<9} {'seed':>4} {'F1':>6} {'instab.':>7} {'mixed':>6} {'kind ok':>7} "
        f"{'false/yr':>8} {'seconds':>7}"
    )
    for label, noise in SETS.items():
        for seed in (0, 1, 2):
            started = time.perf_counter()
            result = score(seed, noise)
            false = false_alarms_per_year(seed, noise)
            seconds = time.perf_counter() - started
            print(
                f"{label:<9} {seed:>4} {result['f1']:>6.3f} {result['instab']:>7.3f} "
                f"{result['mixed']:>6.3f} {result['kind']:>7.2f} {false:>8.2f} {seconds:>7.1f}"
            )


if __name__ == "__main__":
    main()
