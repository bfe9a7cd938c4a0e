"""Write and read one link-year of 10-minute probes (52,560 results) in influxd and SQLite.

Run: .venv/bin/python benchmarks/store_influx_bench.py [--intervals 10] [--batch 5000]
Starts its own influxd (Debian's influxdb 1.x) on free loopback ports in a temporary
folder. Prints points written per second end to end (one point per result, the full
result with its intervals in it), apart: building line protocol in Python and influxd
taking prebuilt batches, and the time to read the year's series and full results back;
beside the same for SQLite.
"""

import argparse
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from store_bench import T0, YEAR, link_year, timed

from netprobe.lab.influxd import Influxd
from netprobe.model import Direction
from netprobe.store import InfluxStore, SqliteStore


def measure(store, results, batch: int) -> dict[str, float]:
    """Write ``results`` in batches, then time series() and results() of the year."""
    start = time.perf_counter()
    for first in range(0, len(results), batch):
        store.write(results[first : first + batch])
    written = len(results) / (time.perf_counter() - start)
    until = T0 + timedelta(days=365)
    series = store.series("ncsa", Direction.FORWARD, until=until)
    assert len(series) == YEAR and np.isnan(series.values).sum() > 0
    return {
        "write": written,
        "series": timed(lambda: store.series("ncsa", Direction.FORWARD, until=until)),
        "results": timed(lambda: store.results(endpoint="ncsa", until=until), repeat=1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--intervals", type=int, default=10, help="intervals per result")
    parser.add_argument("--batch", type=int, default=5000, help="results per write")
    args = parser.parse_args()

    results = link_year(args.intervals)
    with tempfile.TemporaryDirectory() as folder, Influxd(Path(folder)) as server:
        store = InfluxStore(server.url, database="bench", batch=args.batch)
        start = time.perf_counter()
        payloads = store._payloads(results)
        build = YEAR / (time.perf_counter() - start)
        size = sum(map(len, payloads)) / YEAR
        start = time.perf_counter()
        for payload in payloads:
            store._write_payload(payload)
        ingest = YEAR / (time.perf_counter() - start)
        influx = measure(store, results, args.batch)  # the same points again: overwritten
        store.close()
    with tempfile.TemporaryDirectory() as folder, SqliteStore(Path(folder) / "b.sqlite") as db:
        sqlite = measure(db, results, args.batch)

    print(f"one link-year = {YEAR} results x {args.intervals} intervals, {args.batch} per write")
    print(f"line protocol: {size:,.0f} bytes per point")
    print(f"{'measure':<44} {'influxd 1.x':>14} {'SQLite':>14}")
    print(f"{'write (points = results per second)':<44} {influx['write']:>12,.0f}/s "
          f"{sqlite['write']:>12,.0f}/s")  # fmt: skip
    print(f"{'  line protocol built in Python alone':<44} {build:>12,.0f}/s {'':>14}")
    print(f"{'  influxd taking prebuilt batches alone':<44} {ingest:>12,.0f}/s {'':>14}")
    print(f"{'series(): the year, throughput_bps (median)':<44} {influx['series'] * 1e3:>11.0f} ms "
          f"{sqlite['series'] * 1e3:>11.0f} ms")  # fmt: skip
    print(f"{'results(): the year, with intervals':<44} {influx['results']:>12.2f} s "
          f"{sqlite['results']:>12.2f} s")  # fmt: skip


if __name__ == "__main__":
    main()
