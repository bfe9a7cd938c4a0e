"""Run an external tool without a shell, under a hard deadline, optionally in a namespace.

The tool runs in its own process group, so that on the deadline (or when netprobe itself
is interrupted) the whole group is killed: iperf3 and traceroute must never outlive us.
"""

import contextlib
import os
import signal
import subprocess
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Completed:
    """What a tool run left: exit code (None when killed), its output, and whether it overran."""

    argv: list[str]
    returncode: int | None
    stdout: str
    stderr: str
    timed_out: bool
    elapsed: float


def in_netns(argv: list[str], netns: str | None) -> list[str]:
    """Prefix argv with ``ip netns exec NS`` when a namespace is given."""
    return ["ip", "netns", "exec", netns, *argv] if netns else list(argv)


def run_tool(argv: list[str], *, deadline: float, netns: str | None = None) -> Completed:
    """Run argv (no shell) for at most ``deadline`` seconds; kill its process group past that.

    Raises:
        FileNotFoundError: the program does not exist.
    """
    full = in_netns(argv, netns)
    began = time.monotonic()
    proc = subprocess.Popen(
        full,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        errors="replace",
        start_new_session=True,
    )
    timed_out = False
    try:
        stdout, stderr = proc.communicate(timeout=deadline)
    except subprocess.TimeoutExpired:
        timed_out = True
        _kill_group(proc)
        stdout, stderr = proc.communicate()
    finally:
        # Interrupted (SIGTERM turned into an exception, Ctrl-C): never leave the tool running.
        if proc.poll() is None:
            _kill_group(proc)
            proc.wait()
    return Completed(
        argv=full,
        returncode=None if timed_out else proc.returncode,
        stdout=stdout,
        stderr=stderr,
        timed_out=timed_out,
        elapsed=time.monotonic() - began,
    )


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the process group led by proc (it was started in a new session)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
