"""Verdicts (analyze_link) on generated link scenarios with known answers, three seeds.

Per seed and noise set: 20 series of each kind (60 days of hourly probes, the generator
of netprobe/detect/synthetic.py), judged against a 20 Gbit/s plan whose expected rate
(share 0.4: 8 Gbit/s) every generated level clears, so only the changes make verdicts.
A row counts the series whose verdicts are right:

- none, rise: exactly ``ok``;
- drop: a ``degraded`` within 2 probes of the true drop (drops are 10-75 %);
- instability: an ``unstable``;
- mixed: a ``degraded`` and an ``unstable``;
- no upgrade (none series, plan 20 -> 40 Gbit/s at share 0.8 on day 30): an
  ``upgrade-not-delivered``;
- upgrade on time (rise series, the plan doubling at the true rise, share 0.4): no
  ``upgrade-not-delivered``.

"held-out" uses noise settings never used while choosing the defaults.

Run: .venv/bin/python benchmarks/analysis_scenarios.py
"""

import time
from datetime import UTC, datetime, timedelta

import numpy as np
from link_scenarios import HELD_OUT

from netprobe.analysis import analyze_link
from netprobe.detect.synthetic import NoiseModel, Scenario, scenario_set
from netprobe.model import Direction
from netprobe.plan import CapacityPlan, PlanStep
from netprobe.store import Series

G = 1e9
START = datetime(2026, 1, 1, tzinfo=UTC)  # the generator's first probe
SEEDS = (1, 2, 3)


def series(s: Scenario) -> Series:
    times = np.round(s.times * 1e6).astype(np.int64).astype("datetime64[us]")
    status = np.where(np.isnan(s.values), "busy", "ok")
    return Series("far", Direction.FORWARD, "throughput_bps", times, s.values, status)


def plan(*steps: tuple[int, float], share: float) -> CapacityPlan:
    """Steps as (probe row, capacity bit/s)."""
    return CapacityPlan(
        tuple(PlanStep(START + timedelta(hours=row), cap) for row, cap in steps), share
    )


def kinds(s: Scenario, p: CapacityPlan) -> list:
    a = analyze_link(series(s), p, now=START + timedelta(hours=len(s.values)))
    return a.verdicts


def right(s: Scenario) -> dict[str, bool]:
    """Which checks this scenario takes part in, and whether its verdicts pass them."""
    kind = s.name.split("-")[0]
    verdicts = kinds(s, plan((0, 20 * G), share=0.4))
    found = {v.kind for v in verdicts}
    out = {}
    if kind in ("none", "rise"):
        out[kind] = found == {"ok"}
    elif kind == "drop":
        out[kind] = any(
            v.kind == "degraded" and abs(v.numbers["index"] - s.breakpoints[0]) <= 2
            for v in verdicts
        )
    elif kind == "instability":
        out[kind] = "unstable" in found
    else:
        out[kind] = {"degraded", "unstable"} <= found
    if kind == "none":
        upgrade = plan((0, 20 * G), (len(s.values) // 2, 40 * G), share=0.8)
        out["no upgrade"] = "upgrade-not-delivered" in {v.kind for v in kinds(s, upgrade)}
    if kind == "rise":
        on_time = plan((0, 20 * G), (s.breakpoints[0], 40 * G), share=0.4)
        out["upgrade on time"] = "upgrade-not-delivered" not in {v.kind for v in kinds(s, on_time)}
    return out


def main() -> None:
    rows = ["none", "rise", "drop", "instability", "mixed", "no upgrade", "upgrade on time"]
    print(f"{'noise':<9} {'seed':>4}  " + "  ".join(f"{r:>15}" for r in rows) + "  ms/series")
    for name, noise in (("tuned", NoiseModel()), ("held-out", HELD_OUT)):
        for seed in SEEDS:
            passed: dict[str, list[bool]] = {r: [] for r in rows}
            start = time.perf_counter()
            scenarios = scenario_set(seed, per_kind=20, noise=noise)
            for s in scenarios:
                for check, ok in right(s).items():
                    passed[check].append(ok)
            ms = 1e3 * (time.perf_counter() - start) / len(scenarios)
            cells = [f"{sum(passed[r])}/{len(passed[r])}" for r in rows]
            print(f"{name:<9} {seed:>4}  " + "  ".join(f"{c:>15}" for c in cells) + f"  {ms:9.0f}")


if __name__ == "__main__":
    main()
