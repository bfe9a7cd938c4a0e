"""Time and size of `netprobe report` for one link-year of 10-minute probes, both ways.

A SQLite store gets 52,560 results per direction (forward loses 40 % mid-year, a few
failures) plus a trace each side of the drop; the command then runs in process, reading
the store, analysing, drawing and writing the HTML page. The store is built outside the
timer. Target (issue 5): at most 10 s.

Run: .venv/bin/python benchmarks/report_bench.py
"""

import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from netprobe.cli import cli
from netprobe.detect.synthetic import NoiseModel, link_series
from netprobe.model import Direction, Hop, Result, Status
from netprobe.store import SqliteStore

G = 1e9
N = 52_560  # a year of 10-minute slots
START = datetime(2026, 1, 1, tzinfo=UTC)  # link_series' first probe


def results(direction: Direction, values: np.ndarray) -> list[Result]:
    out = []
    for i, bps in enumerate(values):
        at = START + timedelta(minutes=10 * i)
        ok = not np.isnan(bps)
        out.append(
            Result(
                probe=f"ncsa-{direction.value}",
                test="throughput",
                tool="iperf3",
                endpoint="ncsa",
                direction=direction,
                status=Status.OK if ok else Status.BUSY,
                started=at,
                metrics={"throughput_bps": float(bps)} if ok else {},
                reason=None if ok else "the server is busy running a test",
            )
        )
    return out


def trace(at: datetime, hop: str) -> Result:
    hops = [Hop(1, "198.18.0.1"), Hop(2, hop)]
    return Result(
        "ncsa-trace", "trace", "traceroute", "ncsa", Direction.FORWARD, Status.OK, at, hops=hops
    )


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        rng = np.random.default_rng(1)
        levels = np.full(N, 17 * G)
        levels[N // 2 :] *= 0.6
        with SqliteStore(root / "netprobe.sqlite") as store:
            for direction, path in ((Direction.FORWARD, levels), (Direction.REVERSE, None)):
                values, _ = link_series(
                    path if path is not None else np.full(N, 17 * G),
                    [NoiseModel()],
                    np.zeros(N, dtype=int),
                    capacity=np.full(N, 20 * G),
                    period=600.0,
                    rng=rng,
                )
                store.write(results(direction, values))
            drop = START + timedelta(minutes=10 * (N // 2))
            store.write([trace(drop - timedelta(hours=1), "198.18.1.1")])
            store.write([trace(drop + timedelta(hours=1), "198.18.9.9")])
        config = root / "site.toml"
        config.write_text(
            f'schema = 1\n\n[site]\nname = "cc-in2p3"\nstate_dir = "{root}"\n\n'
            '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n\n'
            '[[links]]\nname = "lyon-ncsa"\nendpoint = "ncsa"\n'
            'plan = [{ from = 2025-06-01, capacity = "20Gbps" }]\n'
        )
        out = root / "report.html"
        args = ["report", "--config", str(config), "--endpoint", "ncsa", "--from", "2026-01-01"]
        args += ["--to", "2027-01-01", "-o", str(out)]
        began = time.perf_counter()
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        took = time.perf_counter() - began
        if result.exit_code:
            sys.exit(result.output)
        size = out.stat().st_size
        print(f"one link-year, 2 x {N:,} probes: {took:.1f} s, HTML {size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
