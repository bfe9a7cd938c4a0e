"""Write and read one link-year of 10-minute throughput probes (52,560 results) in SQLite.

Run: .venv/bin/python benchmarks/store_bench.py [--intervals 10] [--batch 1000]
Prints results written per second (batched, and one transaction per result as the
scheduler writes), and the time to read the year's series and full results back.
"""

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from netprobe.model import Direction, Interval, Result, Status
from netprobe.store import SqliteStore

YEAR = 365 * 24 * 6  # 10-minute slots in a year: 52,560
T0 = datetime(2025, 1, 1, tzinfo=UTC)


def link_year(intervals: int, seed: int = 1) -> list[Result]:
    """A year of forward probes to one endpoint, ~2 % of them failed (busy), 18-19 Gbit/s."""
    rng = np.random.default_rng(seed)
    bps = rng.normal(18.5e9, 0.3e9, YEAR)
    failed = rng.random(YEAR) < 0.02
    out = []
    for i in range(YEAR):
        at = T0 + timedelta(minutes=10 * i, seconds=float(rng.uniform(0, 30)))
        ok = not failed[i]
        out.append(
            Result(
                probe="ncsa-tcp",
                test="throughput",
                tool="iperf3",
                endpoint="ncsa",
                direction=Direction.FORWARD,
                status=Status.OK if ok else Status.BUSY,
                started=at,
                ended=at + timedelta(seconds=intervals),
                slot=T0 + timedelta(minutes=10 * i),
                metrics={"throughput_bps": float(bps[i]), "retransmits": 40, "rtt_ms": 101.3}
                if ok
                else {},
                intervals=[
                    Interval(at + timedelta(seconds=s), 1.0, float(bps[i]), 4, 101.3, 6 << 20)
                    for s in range(intervals)
                ]
                if ok
                else [],
                context={"iperf3_version": "3.12", "congestion": "cubic"},
                reason=None if ok else "the server is busy running a test",
                argv=["iperf3", "-c", "psb-bw-100g.ncsa.illinois.edu", "-J", "-t", "10"],
            )
        )
    return out


def timed(function, repeat: int = 5) -> float:
    """Median wall time of ``function()`` in seconds over ``repeat`` runs."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=10, help="intervals per result")
    parser.add_argument("--batch", type=int, default=1000, help="results per transaction")
    parser.add_argument("--single", type=int, default=300, help="results written one by one")
    args = parser.parse_args()

    results = link_year(args.intervals)
    with tempfile.TemporaryDirectory() as folder, SqliteStore(Path(folder) / "b.sqlite") as store:
        start = time.perf_counter()
        for first in range(0, YEAR, args.batch):
            store.write(results[first : first + args.batch])
        batched = YEAR / (time.perf_counter() - start)

        extra = [
            Result(**{**vars(r), "started": r.started + timedelta(days=366), "slot": None})
            for r in results[: args.single]
        ]
        start = time.perf_counter()
        for result in extra:
            store.write([result])
        single = args.single / (time.perf_counter() - start)

        until = T0 + timedelta(days=365)
        series = store.series("ncsa", Direction.FORWARD, until=until)
        assert len(series) == YEAR and np.isnan(series.values).sum() > 0
        series_s = timed(lambda: store.series("ncsa", Direction.FORWARD, until=until))
        results_s = timed(lambda: store.results(endpoint="ncsa", until=until), repeat=1)
        size_mb = (Path(folder) / "b.sqlite").stat().st_size / 1e6

    print(f"SQLite store, one link-year = {YEAR} results x {args.intervals} intervals")
    print(f"{'measure':<46} {'value':>12}")
    print(f"{f'write, {args.batch} results per transaction':<46} {batched:>9,.0f} /s")
    print(f"{'write, one transaction per result':<46} {single:>9,.0f} /s")
    print(f"{'series(): the year, throughput_bps (median)':<46} {series_s * 1e3:>9.1f} ms")
    print(f"{'results(): the year, with intervals':<46} {results_s:>9.2f} s")
    print(f"{'database file':<46} {size_mb:>9.1f} MB")


if __name__ == "__main__":
    main()
