"""Speed of netprobe's segmentation beside ruptures, in one run.

Run: .venv/bin/pip install ruptures (the `bench` extra), then
     .venv/bin/python benchmarks/speed_bench.py [--links 100] [--pelt-n 2000]

1. A year of 10-minute probes (52,560 points of throughput with a heavy lower tail and
   three changes, four breakpoints): `netprobe detect FILE.csv --json` whole process (the
   console script, bytecode compiled first as pip install does), find_changes() (what it
   runs) and segment() in process, against ruptures.KernelCPD(kernel="linear"), its C
   implementation, on the same log throughput. KernelCPD's time depends on its penalty
   (its pruning keeps few candidates when it cuts everywhere), so it runs at the L2 penalty
   segment() would derive for the signal and at multiples of it, up to one where its answer
   is comparable to ours (the planted breakpoints, few others); both times and both numbers
   of changes are printed.
2. Exact PELT with the L2 cost against ruptures.Pelt(model="l2", jump=1) with the same
   penalty and min_size (both count min_size in samples per segment; jump=1 lets ruptures
   consider every index): identical breakpoints asserted, time ratio printed.
3. The fast default (binseg candidates + PELT among them) against exact PELT with the ED
   cost: breakpoints and objective compared on synthetic series.
4. 100 links x one year on two processes (find_changes, the whole default pipeline).
"""

import argparse
import compileall
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path

import numpy as np

import netprobe
from netprobe.detect import penalty_value, segment
from netprobe.detect.costs import EmpiricalCost, L2Cost
from netprobe.detect.find import find_changes
from netprobe.detect.penalty import noise_scale
from netprobe.detect.search import binseg_pelt, pelt

YEAR = 365 * 24 * 6  # 10-minute probes
MIN_SIZE = 5
REPEATS = 5  # runs of each timing on our side; the median is printed
KERNEL_FACTORS = (1, 10, 30, 50, 100)  # KernelCPD penalties, x the derived L2 penalty


def link_year(seed: int, n: int = YEAR) -> tuple[np.ndarray, list[int]]:
    """Log throughput of one link (3 % noise, 8 % of probes at 10-70 %, a drop, a dip, a rise)
    and its planted change points."""
    rng = np.random.default_rng(seed)
    rate = 40e9 * np.exp(rng.normal(0.0, 0.03, n))
    bad = rng.random(n) < 0.08
    rate[bad] *= rng.uniform(0.1, 0.7, bad.sum())
    a, b, c = np.sort(rng.choice(np.arange(n // 10, n - n // 10), 3, replace=False))
    rate[a:] *= 0.7
    dip = max(n // 50, 20)
    rate[b : b + dip] *= 0.5
    rate[c:] *= 1.6
    return np.log(rate), [int(a), int(b), int(b + dip), int(c)]


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def objective(cost, n: int, bkps: list[int], penalty: float) -> float:
    edges = np.array([0, *bkps, n])
    return float(cost(edges[:-1], edges[1:]).sum() + penalty * len(bkps))


def _one_link(seed: int) -> int:
    x, _ = link_year(seed)
    return len(find_changes(np.exp(x), _times(x.size)).change_points)


def _times(n: int) -> np.ndarray:
    return 1.7e9 + 600.0 * np.arange(n)


def median_time(fn, *args, **kwargs):
    """(result, median seconds) of REPEATS calls."""
    times = []
    for _ in range(REPEATS):
        out, seconds = timed(fn, *args, **kwargs)
        times.append(seconds)
    return out, statistics.median(times)


def whole_process(x: np.ndarray) -> tuple[int, float, float]:
    """`netprobe detect FILE.csv --json` on the series: (changes, median s, min s)."""
    compileall.compile_dir(Path(netprobe.__file__).parent, quiet=1)
    command = Path(sys.executable).with_name("netprobe")
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "year.csv"
        rows = "".join(f"{t:.0f},{v:.6g}\n" for t, v in zip(_times(x.size), np.exp(x), strict=True))
        path.write_text("time,value\n" + rows)
        for _ in range(REPEATS):
            done, seconds = timed(
                subprocess.run,
                [command, "detect", str(path), "--json"],
                check=True,
                capture_output=True,
                text=True,
            )
            times.append(seconds)
    return len(json.loads(done.stdout)["change_points"]), statistics.median(times), min(times)


def main() -> int:
    import ruptures

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--links", type=int, default=100)
    parser.add_argument("--pelt-n", type=int, default=2000)
    args = parser.parse_args()

    print(f"load average at start: {os.getloadavg()[0]:.1f} (2 cores shared with other jobs)")
    x, planted = link_year(0)
    print(f"1. one link-year, n={x.size}, breakpoints planted at {planted}")
    changes, whole, fastest = whole_process(x)
    print(
        f"   netprobe detect FILE.csv --json, whole process: median {whole:.3f} s "
        f"(fastest {fastest:.3f} s) of {REPEATS}, {changes} changes"
    )
    detection, ours = median_time(find_changes, np.exp(x), _times(x.size))
    found = [c.index for c in detection.change_points]
    print(f"   netprobe find_changes() in process   {ours:7.3f} s  {len(found)} changes {found}")
    bkps, seg = median_time(segment, x)
    print(f"   netprobe segment() alone             {seg:7.3f} s  {len(bkps)} changes {bkps}")
    # KernelCPD's PELT is fast when it cuts everywhere (pruning then keeps few candidates):
    # with the L2 penalty our rule derives from the noise, the lower tail makes it find
    # thousands of changes; only at a much higher penalty does it find the planted ones.
    pen_l2 = penalty_value(x, cost="l2")
    for factor in KERNEL_FACTORS:
        kernel = ruptures.KernelCPD(kernel="linear", min_size=MIN_SIZE)
        bkps, theirs = timed(lambda k=kernel, p=pen_l2 * factor: k.fit(x).predict(pen=p))
        if theirs < 1.0:  # quick enough to take the median of several runs, as for ours
            bkps, theirs = median_time(lambda k=kernel, p=pen_l2 * factor: k.fit(x).predict(pen=p))
        shown = [int(b) for b in bkps[:-1]] if len(bkps) < 10 else "..."
        print(
            f"   ruptures KernelCPD linear, pen {factor:>3} x {pen_l2:.3g}{theirs:8.3f} s"
            f"  {len(bkps) - 1} changes {shown}  (its time / find_changes' {theirs / ours:.2g})"
        )

    # 2. exact PELT, L2, on a prefix ruptures' pure-Python Pelt can finish; its noise is
    #    plain Gaussian so that the two searches have a modest number of changes to agree on.
    rng = np.random.default_rng(1)
    n = args.pelt_n
    levels = np.repeat(rng.normal(0.0, 1.0, 10), n // 10 + 1)[:n]
    y = levels + rng.normal(0.0, 0.5, n)
    pen = 3 * np.log(n) * noise_scale(y) ** 2
    ours_bkps, ours_t = timed(pelt, L2Cost(y), n, penalty=pen, min_size=MIN_SIZE)
    algo = ruptures.Pelt(model="l2", min_size=MIN_SIZE, jump=1)
    rup_bkps, rup_t = timed(lambda: algo.fit(y).predict(pen=pen))
    assert ours_bkps == rup_bkps[:-1], (ours_bkps, rup_bkps)
    print(f"2. exact PELT, L2 cost, n={n}, pen={pen:.3g}, min_size={MIN_SIZE}")
    print(f"   identical breakpoints: {ours_bkps}")
    print(
        f"   netprobe pelt {ours_t:.3f} s, ruptures Pelt {rup_t:.3f} s, ratio {rup_t / ours_t:.1f}x"
    )

    # 3. does the fast default lose anything against exact PELT (ED cost, default penalty)?
    same, worst_gap, fast_total, exact_total = 0, 0.0, 0.0, 0.0
    trials = 10
    for seed in range(trials):
        z, _ = link_year(100 + seed, n=3000)
        cost = EmpiricalCost(z)
        p = penalty_value(z, cost="ed")
        fast, t_fast = timed(binseg_pelt, cost, z.size, penalty=p, min_size=MIN_SIZE)
        exact, t_exact = timed(pelt, cost, z.size, penalty=p, min_size=MIN_SIZE)
        same += fast == exact
        gap = objective(cost, z.size, fast, p) - objective(cost, z.size, exact, p)
        worst_gap = max(worst_gap, gap)
        fast_total += t_fast
        exact_total += t_exact
    print(f"3. fast default vs exact PELT, ED cost, {trials} link series of 3000 points")
    print(f"   identical breakpoints on {same}/{trials}; worst objective excess {worst_gap:.3g}")
    print(f"   time: binseg-pelt {fast_total:.2f} s, exact pelt {exact_total:.2f} s")

    start = time.perf_counter()
    with Pool(2) as pool:
        counts = pool.map(_one_link, range(args.links))
    elapsed = time.perf_counter() - start
    print(f"4. {args.links} links x one year on 2 processes: {elapsed:.1f} s")
    print(f"   ({sum(counts)} changes found; 4 planted per link)")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
