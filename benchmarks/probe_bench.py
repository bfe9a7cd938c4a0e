"""netprobe's iperf3 probe side by side with bare iperf3 on the real namespaced lab.

Run as root from the repository root: .venv/bin/python benchmarks/probe_bench.py
[--reps 5] [--duration 5] [--parts fidelity,overhead,parallel]. Builds its own lab
(namespaces np-bench-*), always removes it, and prints a markdown table of:

- fidelity: on the uplink shaped with tbf to 100 Mbit/s and 1 Gbit/s, netprobe's receiver
  throughput ÷ the shaped rate, and netprobe ÷ bare ``iperf3 -c … -J`` run alternately
  (the probe module directly, and the whole ``netprobe probe`` once per rate);
- overhead: whole-process wall time of ``netprobe probe … --json`` ÷ bare
  ``ip netns exec SITE iperf3 -c … -J``, and the time to import netprobe;
- parallel-process mode: aggregate throughput with 1 and 2 iperf3 processes, unshaped.
"""

import argparse
import compileall
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import netprobe
from netprobe.lab import Lab, topology
from netprobe.model import Endpoint, ProbeSpec, ThroughputOptions
from netprobe.probes import iperf3

PREFIX = "np-bench-"
ENDPOINT = "starlight"
NETPROBE = Path(sys.executable).with_name("netprobe")  # the console script beside python


def netprobe_bps(lab: Lab, duration: int, processes: int = 1) -> float:
    """Receiver throughput (bit/s) of one run of the probe module, called directly."""
    spec = ProbeSpec(
        name="bench",
        test="throughput",
        endpoint=Endpoint(name=ENDPOINT, host=topology.address(ENDPOINT), port=5201),
        options=ThroughputOptions(duration=duration, processes=processes),
        netns=lab.namespace(topology.SITE),
    )
    [result] = iperf3.run(spec)
    if not result.ok:
        raise RuntimeError(f"netprobe probe failed: {result.status}: {result.reason}")
    return result.throughput_bps


def bare_argv(lab: Lab, duration: int) -> list[str]:
    """The bare iperf3 client netprobe is compared with, inside the site namespace."""
    host = topology.address(ENDPOINT)
    ns = lab.namespace(topology.SITE)
    return ["ip", "netns", "exec", ns, "iperf3", "-c", host, "-t", str(duration), "-J"]


def bare_bps(lab: Lab, duration: int) -> float:
    """Receiver throughput (bit/s) of one bare ``iperf3 -c … -J`` run."""
    done = subprocess.run(bare_argv(lab, duration), capture_output=True, text=True, check=True)
    return json.loads(done.stdout)["end"]["sum_received"]["bits_per_second"]


def write_config(folder: Path, lab: Lab, duration: int) -> Path:
    """A schedule file aimed at the bench lab, state and store in ``folder``."""
    path = folder / "bench.toml"
    path.write_text(
        f"""schema = 1

[site]
name = "bench"
netns = "{lab.namespace(topology.SITE)}"
state_dir = "{folder / "state"}"

[store]
kind = "sqlite"
path = "{folder / "results.sqlite"}"

[[endpoints]]
name = "{ENDPOINT}"
host = "{topology.address(ENDPOINT)}"
port = 5201

[[probes]]
name = "bench"
test = "throughput"
endpoint = "{ENDPOINT}"
every = "1h"
options = {{ duration = "{duration}s" }}
"""
    )
    return path


def cli_argv(config: Path) -> list[str]:
    return [str(NETPROBE), "probe", "--config", str(config), ENDPOINT, "--json"]


def cli_bps(config: Path) -> float:
    """Receiver throughput (bit/s) printed by the whole ``netprobe probe --json``."""
    done = subprocess.run(cli_argv(config), capture_output=True, text=True, check=True)
    [row] = json.loads(done.stdout)
    return row["throughput_bps"]


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall time and CPU time (user + sys of argv and its children), in seconds, of one
    run of argv (it must succeed)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    elapsed = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def wall(argv: list[str]) -> float:
    """Whole-process wall time of argv in seconds (it must succeed)."""
    return timed(argv)[0]


def alternate(reps: int, first: Callable[[], float], second: Callable[[], float]):
    """Run first and second alternately ``reps`` times each; returns both lists."""
    a, b = [], []
    for _ in range(reps):
        a.append(first())
        b.append(second())
    return a, b


def spread(values: list[float], scale: float = 1.0, fmt: str = "{:.1f}") -> str:
    """``median (min–max)`` of values ÷ scale."""
    med, low, high = (x / scale for x in (statistics.median(values), min(values), max(values)))
    return f"{fmt.format(med)} ({fmt.format(low)}–{fmt.format(high)})"


def import_seconds() -> tuple[float, float]:
    """Cumulative import time of ``netprobe.cli`` (python -X importtime) and wall time of
    ``netprobe --version``, in seconds."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import netprobe.cli"],
        capture_output=True,
        text=True,
        check=True,
    )
    line = next(x for x in done.stderr.splitlines() if re.search(r"\|\s*netprobe\.cli$", x))
    cumulative_us = int(line.split("|")[1])
    version = statistics.median(wall([str(NETPROBE), "--version"]) for _ in range(5))
    return cumulative_us / 1e6, version


def fidelity(lab: Lab, folder: Path, reps: int, duration: int) -> list[str]:
    rows = []
    for rate in (100e6, 1e9):
        lab.shape("uplink", rate_bps=rate)
        ours, bare = alternate(
            reps, lambda: netprobe_bps(lab, duration), lambda: bare_bps(lab, duration)
        )
        whole = cli_bps(write_config(folder, lab, duration))
        ratio = [o / b for o, b in zip(ours, bare, strict=True)]
        rows.append(
            f"| fidelity, tbf {rate / 1e6:g} Mbit/s, {reps}×{duration} s alternating "
            f"| {spread(ours, 1e6)} Mbit/s; ÷ rate {spread(ours, rate, '{:.3f}')}; "
            f"`netprobe probe` once {whole / 1e6:.1f} Mbit/s ({whole / rate:.3f} of rate) "
            f"| {spread(bare, 1e6)} Mbit/s; ÷ rate {spread(bare, rate, '{:.3f}')} "
            f"| netprobe ÷ bare, pairwise {spread(ratio, 1, '{:.3f}')} "
            f"(median ÷ median {statistics.median(ours) / statistics.median(bare):.3f}) |"
        )
    return rows


def overhead(lab: Lab, folder: Path, reps: int) -> list[str]:
    lab.shape("uplink", rate_bps=topology.DEFAULT_RATE_BPS["uplink"])
    config = write_config(folder, lab, 5)
    ours_runs, bare_runs = alternate(
        reps, lambda: timed(cli_argv(config)), lambda: timed(bare_argv(lab, 5))
    )
    (ours, ours_cpu), (bare, bare_cpu) = (
        list(zip(*x, strict=True)) for x in (ours_runs, bare_runs)
    )
    ratio = [o / b for o, b in zip(ours, bare, strict=True)]
    imported, version = import_seconds()
    own_cpu = statistics.median(ours_cpu) - statistics.median(bare_cpu)
    return [
        f"| overhead, 5 s test, whole process, {reps} alternating runs "
        f"| `netprobe probe --json` {spread(ours, 1, '{:.2f}')} s "
        f"| `iperf3 -c … -t 5 -J` {spread(bare, 1, '{:.2f}')} s "
        f"| ratio {statistics.median(ours) / statistics.median(bare):.3f} "
        f"(pairwise {spread(ratio, 1, '{:.3f}')}) |",
        f"| CPU time of those runs (user + sys, with children) "
        f"| {spread(ours_cpu, 1, '{:.2f}')} s | {spread(bare_cpu, 1, '{:.2f}')} s "
        f"| netprobe's own ≈ {own_cpu:.2f} s per probe |",
        f"| import `netprobe.cli`; `netprobe --version` | {imported * 1e3:.0f} ms; "
        f"{version * 1e3:.0f} ms whole process | | |",
    ]


def parallel(lab: Lab, reps: int, duration: int) -> list[str]:
    lab.shape("uplink", rate_bps=None)
    one, two = alternate(
        reps,
        lambda: netprobe_bps(lab, duration, processes=1),
        lambda: netprobe_bps(lab, duration, processes=2),
    )
    return [
        f"| parallel processes, unshaped veth, {reps}×{duration} s alternating "
        f"| 1 process {spread(one, 1e9, '{:.2f}')} Gbit/s "
        f"| 2 processes (5201 + 5202) {spread(two, 1e9, '{:.2f}')} Gbit/s "
        f"| 2 ÷ 1 {statistics.median(two) / statistics.median(one):.2f} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="alternating runs per measure")
    parser.add_argument("--duration", type=int, default=5, help="seconds per fidelity test")
    parser.add_argument(
        "--parts", default="fidelity,overhead,parallel", help="comma-separated parts to run"
    )
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    if os.geteuid() != 0:
        sys.exit("probe_bench.py builds network namespaces: run it as root")
    # As an installed netprobe runs from cron: bytecode compiled once (pip does it at install
    # time), even where PYTHONDONTWRITEBYTECODE keeps Python from caching it.
    compileall.compile_dir(Path(netprobe.__file__).parent, quiet=1)
    lab = Lab(prefix=PREFIX)
    try:
        lab.up()
        load = os.getloadavg()
        with tempfile.TemporaryDirectory(prefix="probe-bench-") as tmp:
            folder = Path(tmp)
            rows = []
            if "fidelity" in parts:
                rows += fidelity(lab, folder, args.reps, args.duration)
            if "overhead" in parts:
                rows += overhead(lab, folder, args.reps)
            if "parallel" in parts:
                rows += parallel(lab, args.reps, args.duration)
    finally:
        lab.down()
    end_load = os.getloadavg()
    print(f"iperf3 {iperf3.features().version}, {os.cpu_count()} cores, load average ", end="")
    print(f"{load[0]:.2f} at start, {end_load[0]:.2f} at end (1 min)")
    print("median (min–max) over the runs\n")
    print("| measure | netprobe | bare iperf3 | comparison |")
    print("|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
