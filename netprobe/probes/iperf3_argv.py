"""iperf3 command lines from ThroughputOptions, and what the installed iperf3 can do.

``features()`` asks the installed iperf3 once (``--version`` and ``--help``) and caches the
answer; ``argv()`` is pure given those features.
"""

import functools
import math
import re
import shutil
import subprocess
from dataclasses import dataclass

from netprobe.model import ProbeSpec, ThroughputOptions

PROGRAM = "iperf3"

# Seconds iperf3 may wait for data before giving up on a stalled test (--rcv-timeout): long
# enough for an interval report over a slow link, short enough to end a hang well before the
# deadline kills the process.
RCV_TIMEOUT_MIN = 10.0


@dataclass(frozen=True)
class Features:
    """What one iperf3 binary offers; the options are those its ``--help`` lists."""

    version: str | None
    bidir: bool = False
    connect_timeout: bool = False
    rcv_timeout: bool = False
    udp_counters_64bit: bool = False
    get_server_output: bool = False

    @property
    def installed(self) -> bool:
        """True when the binary ran at all."""
        return self.version is not None


def features_from_help(version_text: str, help_text: str) -> Features:
    """Features from the texts of ``iperf3 --version`` and ``iperf3 --help``."""
    match = re.search(r"iperf\s+(\d+(?:\.\d+)+)", version_text)
    return Features(
        version=match.group(1) if match else "unknown",
        bidir="--bidir" in help_text,
        connect_timeout="--connect-timeout" in help_text,
        rcv_timeout="--rcv-timeout" in help_text,
        udp_counters_64bit="--udp-counters-64bit" in help_text,
        get_server_output="--get-server-output" in help_text,
    )


@functools.cache
def features(program: str = PROGRAM) -> Features:
    """Ask the installed iperf3 what it supports (once per process); version None if absent."""
    if shutil.which(program) is None:
        return Features(version=None)
    texts = []
    for flag in ("--version", "--help"):
        try:
            done = subprocess.run(
                [program, flag], capture_output=True, text=True, timeout=10, check=False
            )
        except (OSError, subprocess.TimeoutExpired):
            return Features(version=None)
        texts.append(done.stdout + done.stderr)
    return features_from_help(*texts)


def _seconds(value: float) -> str:
    """iperf3 reads -t and -O with atoi: whole seconds only (can_run rejects fractions)."""
    return str(int(math.ceil(value)))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def argv(spec: ProbeSpec, feats: Features | None = None, *, port: int | None = None) -> list[str]:
    """The iperf3 client command line for spec (one process, to ``port`` or the endpoint's).

    Args:
        spec: a throughput probe; ``spec.options`` must be ThroughputOptions.
        feats: what the iperf3 that will run supports; default: ask the installed one.
        port: the server port of this process (parallel-process mode), default the endpoint's.
    """
    feats = feats or features()
    opts = spec.options
    if not isinstance(opts, ThroughputOptions):
        raise TypeError(f"iperf3 needs ThroughputOptions, got {type(opts).__name__}")
    cmd = [PROGRAM, "-c", spec.endpoint.host, "-p", str(port or spec.endpoint.port), "-J"]
    cmd += ["-t", _seconds(opts.duration)]
    if opts.omit:
        cmd += ["-O", _seconds(opts.omit)]
    if opts.parallel != 1:
        cmd += ["-P", str(opts.parallel)]
    if opts.bidir:
        cmd.append("--bidir")
    elif opts.reverse:
        cmd.append("-R")
    if opts.window:
        cmd += ["-w", str(opts.window)]
    if opts.congestion:
        cmd += ["-C", opts.congestion]
    if opts.zerocopy:
        cmd.append("-Z")
    if opts.mss:
        cmd += ["-M", str(opts.mss)]
    family = {"ipv4": "-4", "ipv6": "-6"}.get(spec.endpoint.family)
    if family:
        cmd.append(family)
    if spec.bind:
        cmd += ["-B", spec.bind]
    if opts.udp:
        cmd.append("-u")
        if feats.udp_counters_64bit:
            cmd.append("--udp-counters-64bit")
    if opts.bandwidth is not None:
        cmd += ["-b", _number(opts.bandwidth)]
    if opts.tos is not None:
        cmd += ["-S", str(opts.tos)]
    cmd += ["-i", _number(opts.interval)]
    if feats.connect_timeout:
        cmd += ["--connect-timeout", str(int(opts.connect_timeout * 1000))]
    if feats.rcv_timeout and (opts.reverse or opts.bidir):  # iperf3 allows it only when receiving
        idle = max(RCV_TIMEOUT_MIN, 3 * opts.interval)
        cmd += ["--rcv-timeout", str(int(idle * 1000))]
    if (opts.reverse or opts.bidir) and feats.get_server_output:
        # The remote side sends: its retransmits and (when it runs with -J) RTT and cwnd.
        cmd.append("--get-server-output")
    return cmd


def argvs(spec: ProbeSpec, feats: Features | None = None) -> list[list[str]]:
    """One command line per process: ports port, port+1, ..., port+processes-1."""
    processes = getattr(spec.options, "processes", 1)
    return [argv(spec, feats, port=spec.endpoint.port + i) for i in range(processes)]
