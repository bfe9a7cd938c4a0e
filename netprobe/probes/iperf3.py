"""The throughput probe: iperf3 client runs under a deadline, one or several processes at once.

One iperf3 (up to 3.15) is one thread on one core and cannot fill a 40–100 Gbit/s path, so
``options.processes > 1`` starts that many clients at once to ports port … port+N-1 and sums
them; any failed process fails the whole run (a partial sum would be a false low).
"""

import contextlib
import os
import random
import signal
import subprocess
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from netprobe.model import Interval, ProbeSpec, Result, Status, ThroughputOptions, failed_results
from netprobe.probes.iperf3_argv import argvs, features
from netprobe.probes.iperf3_json import parse
from netprobe.probes.process import Completed, in_netns, run_tool

__all__ = ["NAME", "TEST", "attempt_deadline", "can_run", "combine", "duration", "parse", "run"]

NAME = "iperf3"
TEST = "throughput"

# pScheduler's iperf3 tool allows 4 s (DEFAULT_FUDGE_FACTOR: "iperf seems to add 3-3.5
# seconds ... based on RTT during control session") plus 2 s for the server to spin down.
# Here: setup after the connect, and the results exchange after the last byte.
SETUP = 2.0  # s: cookie, parameter exchange, stream connections (a few RTTs each)
SHUTDOWN = 2.0  # s: results exchange (and server output) after the last byte
BUSY_WINDOW = 10.0  # s of the probe's budget kept for retries while the server is busy
BACKOFF_BASE, BACKOFF_CAP = 0.5, 8.0  # s: first retry delay, and the most any delay grows to

_LIMITS = {"parallel": (1, 128), "mss": (88, 9216), "tos": (0, 255)}  # iperf3's own limits


def can_run(spec: ProbeSpec) -> list[str]:
    """Every reason this iperf3 cannot run spec (empty when it can)."""
    reasons = []
    if spec.test != TEST:
        reasons.append(f"iperf3 measures {TEST}, not {spec.test!r}")
    opts = spec.options
    if not isinstance(opts, ThroughputOptions):
        return [*reasons, f"iperf3 needs throughput options, got {type(opts).__name__}"]
    feats = features()
    if not feats.installed:
        reasons.append("iperf3 is not installed (no 'iperf3' on PATH)")
    elif opts.bidir and not feats.bidir:
        reasons.append(f"bidir needs iperf3 3.7 or later; this one is {feats.version}")
    reasons += _option_problems(spec, opts)
    if spec.netns and not Path("/run/netns", spec.netns).exists():
        reasons.append(f"network namespace {spec.netns!r} does not exist")
    return reasons


def _option_problems(spec: ProbeSpec, opts: ThroughputOptions) -> list[str]:
    problems = []
    for name in ("duration", "omit"):
        value = getattr(opts, name)
        if value < 0 or not float(value).is_integer() or (name == "duration" and value == 0):
            problems.append(f"{name} must be a whole number of seconds > 0 for iperf3, got {value}")
    for name, (low, high) in _LIMITS.items():
        value = getattr(opts, name)
        if value is not None and not low <= value <= high:
            problems.append(f"{name} must be within {low}..{high}, got {value}")
    if opts.reverse and opts.bidir:
        problems.append("reverse and bidir exclude each other")
    if opts.processes < 1:
        problems.append(f"processes must be >= 1, got {opts.processes}")
    port, last = spec.endpoint.port, spec.endpoint.port + max(opts.processes, 1) - 1
    if not 1 <= port <= 65535 or last > 65535:
        problems.append(f"ports {port}..{last} are outside 1..65535")
    if opts.window is not None and opts.window <= 0:
        problems.append(f"window must be > 0 bytes, got {opts.window}")
    if opts.bandwidth is not None and opts.bandwidth < 0:
        problems.append(f"bandwidth must be >= 0 bit/s, got {opts.bandwidth}")
    if opts.connect_timeout <= 0:
        problems.append(f"connect_timeout must be > 0 s, got {opts.connect_timeout}")
    if opts.interval != 0 and not 0.1 <= opts.interval <= 60:
        problems.append(f"interval must be 0 (none) or within 0.1..60 s, got {opts.interval}")
    if spec.endpoint.family not in ("any", "ipv4", "ipv6"):
        problems.append(f"family must be any, ipv4 or ipv6, got {spec.endpoint.family!r}")
    return problems


def _hold(opts: ThroughputOptions) -> float:
    """Seconds one attempt holds the path: connect, setup, omit, test, shutdown."""
    return opts.connect_timeout + SETUP + opts.omit + opts.duration + SHUTDOWN


def duration(spec: ProbeSpec) -> float:
    """Seconds the probe holds the path, busy retries included: what the scheduler locks on."""
    return _hold(spec.options) + BUSY_WINDOW


def attempt_deadline(spec: ProbeSpec) -> float:
    """Seconds after which one iperf3 process is killed: its hold time plus a margin.

    The margin (2 s + 10 %) covers a slow results exchange at the end of a long or
    many-stream test; past it the process hangs (server gone silent, client stuck).
    """
    opts = spec.options
    return _hold(opts) + 2.0 + 0.1 * (opts.omit + opts.duration)


def run(spec: ProbeSpec, *, budget: float | None = None) -> list[Result]:
    """Run the probe now: one Result per direction; failures are Results, not exceptions.

    Args:
        spec: a throughput probe.
        budget: seconds the whole run, busy retries included, may take; default duration(spec).
    """
    started = _now()
    reasons = can_run(spec)
    if reasons:
        return _failed(spec, Status.TOOL_ERROR, "; ".join(reasons), started, [])
    commands = argvs(spec, features())
    budget = duration(spec) if budget is None else budget
    began, attempt = time.monotonic(), 0
    while True:
        attempt += 1
        results = _run_processes(spec, commands)
        if not any(r.status is Status.BUSY for r in results):
            break
        delay = min(BACKOFF_CAP, BACKOFF_BASE * 2 ** (attempt - 1)) * random.uniform(0.5, 1.5)
        if time.monotonic() - began + delay + _hold(spec.options) > budget:
            spent = time.monotonic() - began
            for result in results:
                result.reason = f"{result.reason} (gave up after {attempt} tries in {spent:.1f} s)"
            break
        time.sleep(delay)
    for result in results:
        result.context["attempts"] = attempt
    return results


def _run_processes(spec: ProbeSpec, commands: list[list[str]]) -> list[Result]:
    """Run every command at once (each under the deadline) and combine their results."""
    started, deadline = _now(), attempt_deadline(spec)
    try:
        if len(commands) == 1:
            runs = [run_tool(commands[0], deadline=deadline, netns=spec.netns)]
        else:
            runs = _run_concurrently(commands, deadline=deadline, netns=spec.netns)
    except FileNotFoundError as err:
        return _failed(spec, Status.TOOL_ERROR, f"cannot start iperf3: {err}", started, [])
    per_process = [
        _results(spec, cmd, done, started) for cmd, done in zip(commands, runs, strict=True)
    ]
    if len(per_process) == 1:
        return per_process[0]
    return combine(per_process, [spec.endpoint.port + i for i in range(len(commands))])


def _results(spec: ProbeSpec, cmd: list[str], done: Completed, started: datetime) -> list[Result]:
    """What one finished (or killed) iperf3 process measured."""
    if done.timed_out:
        reason = f"iperf3 did not finish within {done.elapsed:.0f} s; its process group was killed"
        return _failed(spec, Status.TIMEOUT, reason, started, cmd)
    results = parse(f"{done.stdout}\n{done.stderr}", spec, started=started)
    ended = _now()
    for result in results:
        result.argv, result.ended = list(cmd), ended
    return results


def _run_concurrently(
    commands: list[list[str]], *, deadline: float, netns: str | None
) -> list[Completed]:
    """Start every command at once, each in its own process group; kill all at the deadline.

    run_tool blocks on one process; here all start together and share one ``finally``, so
    an interrupted netprobe (SIGTERM turned into an exception, Ctrl-C) leaves no iperf3
    behind. Output goes to temporary files: no pipe can fill while another process is awaited.
    """
    began = time.monotonic()
    with contextlib.ExitStack() as files:
        outputs = [
            tuple(files.enter_context(tempfile.TemporaryFile("w+", errors="replace")) for _ in "oe")
            for _ in commands
        ]
        procs: list[subprocess.Popen] = []
        late: list[bool] = []
        try:
            for cmd, (out, err) in zip(commands, outputs, strict=True):
                procs.append(
                    subprocess.Popen(
                        in_netns(cmd, netns),
                        stdin=subprocess.DEVNULL,
                        stdout=out,
                        stderr=err,
                        start_new_session=True,
                    )
                )
            for proc in procs:
                try:
                    proc.wait(timeout=max(0.0, began + deadline - time.monotonic()))
                    late.append(False)
                except subprocess.TimeoutExpired:
                    late.append(True)
        finally:
            for proc in procs:
                if proc.poll() is None:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
        elapsed = time.monotonic() - began
        done = []
        for cmd, proc, (out, err), killed in zip(commands, procs, outputs, late, strict=True):
            out.seek(0)
            err.seek(0)
            done.append(
                Completed(
                    argv=in_netns(cmd, netns),
                    returncode=None if killed else proc.returncode,
                    stdout=out.read(),
                    stderr=err.read(),
                    timed_out=killed,
                    elapsed=elapsed,
                )
            )
        return done


def _failed(
    spec: ProbeSpec, status: Status, reason: str, started: datetime, cmd: list[str]
) -> list[Result]:
    return failed_results(
        spec, tool=NAME, status=status, reason=reason, started=started, ended=_now(), argv=cmd
    )


def _now() -> datetime:
    return datetime.now(UTC)


_SUMMED = ("throughput_bps", "sender_bps", "retransmits", "packets_sent", "packets_received")
_AVERAGED = ("rtt_ms", "jitter_ms")
# Each process is one thread on its own core: the busiest core is the one that limits.
_MAXED = ("max_cwnd_bytes", "cpu_local_pct", "cpu_remote_pct")


def combine(per_process: list[list[Result]], ports: list[int]) -> list[Result]:
    """Sum simultaneous iperf3 processes into one Result per direction.

    Args:
        per_process: each process's results, in the same direction order.
        ports: the server port of each process, for naming failures.

    Returns:
        Summed results, or failures naming every failed port when any process failed.
    """
    combined = []
    for rows in zip(*per_process, strict=True):
        rows = list(rows)
        first = rows[0]
        argv = [word for i, r in enumerate(rows) for word in (["&"] if i else []) + r.argv]
        flags = [
            f"port {port}: {flag}" for port, r in zip(ports, rows, strict=True) for flag in r.flags
        ]
        base = replace(
            first,
            started=min(r.started for r in rows),
            ended=max((r.ended for r in rows if r.ended), default=None),
            argv=argv,
            flags=flags,
            context={**first.context, "processes": len(rows)},
        )
        failed = [(port, r) for port, r in zip(ports, rows, strict=True) if not r.ok]
        if failed:
            reason = "; ".join(f"port {port}: {r.status}: {r.reason}" for port, r in failed)
            combined.append(
                replace(base, status=failed[0][1].status, reason=reason, metrics={}, intervals=[])
            )
            continue
        base.metrics = _sum_metrics(rows)
        base.intervals = _sum_intervals(rows)
        base.context["host_bound"] = any(r.context.get("host_bound") for r in rows)
        combined.append(base)
    return combined


def _sum_metrics(rows: list[Result]) -> dict[str, float]:
    metrics = {}
    for key in _SUMMED:  # a sum missing a process would be a false low
        if all(key in r.metrics for r in rows):
            metrics[key] = sum(r.metrics[key] for r in rows)
    for key in _AVERAGED:
        values = [r.metrics[key] for r in rows if key in r.metrics]
        if values:
            metrics[key] = sum(values) / len(values)
    for key in _MAXED:
        values = [r.metrics[key] for r in rows if key in r.metrics]
        if values:
            metrics[key] = max(values)
    if all("loss_ratio" in r.metrics and "packets_sent" in r.metrics for r in rows):
        sent = sum(r.metrics["packets_sent"] for r in rows)
        lost = sum(r.metrics["loss_ratio"] * r.metrics["packets_sent"] for r in rows)
        metrics["loss_ratio"] = lost / sent if sent else 0.0
    return metrics


def _sum_intervals(rows: list[Result]) -> list[Interval]:
    """Add the processes' intervals slot by slot (the n-th report of each process)."""
    out = []
    for slot in zip(*(r.intervals for r in rows), strict=False):
        retransmits = [i.retransmits for i in slot]
        rtts = [i.rtt_ms for i in slot if i.rtt_ms is not None]
        cwnds = [i.cwnd_bytes for i in slot if i.cwnd_bytes is not None]
        out.append(
            Interval(
                start=min(i.start for i in slot),
                seconds=max(i.seconds for i in slot),
                bps=sum(i.bps for i in slot),
                retransmits=None if None in retransmits else sum(retransmits),
                rtt_ms=sum(rtts) / len(rtts) if rtts else None,
                cwnd_bytes=sum(cwnds) if cwnds else None,
                omitted=any(i.omitted for i in slot),
            )
        )
    return out
