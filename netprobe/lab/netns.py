"""The ip, tc, iptables and sysctl commands the lab runs: argument lists, timeouts, no shell.

Every failure raises LabError with the command and its stderr, so a user sees what broke.
"""

import json
import os
import subprocess
from pathlib import Path

from netprobe.errors import LabError

TIMEOUT = 10.0  # seconds: any single ip/tc/iptables call; they normally take milliseconds
NETNS_DIR = Path("/run/netns")
NOT_ROOT = "netprobe lab needs root (network namespaces, tc)"


def require_root() -> None:
    """Raises: LabError when not running as root."""
    if os.geteuid() != 0:
        raise LabError(NOT_ROOT)


def run(argv: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
    """Run one command; with ``check``, a non-zero exit raises.

    Raises:
        LabError: the program is missing, timed out, or (with check) failed; names the
            command and quotes its stderr.
    """
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL
        )
    except FileNotFoundError:
        raise LabError(f"`{argv[0]}` is not installed (needed by: {' '.join(argv)})") from None
    except subprocess.TimeoutExpired:
        raise LabError(f"`{' '.join(argv)}` did not finish within {TIMEOUT:g} s") from None
    if check and done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().replace("\n", "; ")
        raise LabError(f"`{' '.join(argv)}` failed (exit {done.returncode}): {reason}")
    return done


def exists(ns: str) -> bool:
    """True when the named network namespace exists."""
    return (NETNS_DIR / ns).exists()


def add(ns: str) -> None:
    """Create namespace ``ns`` with its loopback up."""
    run(["ip", "netns", "add", ns])
    ip(ns, "link", "set", "lo", "up")


def delete(ns: str) -> None:
    """Remove namespace ``ns`` (its interfaces and iptables rules go with it)."""
    run(["ip", "netns", "delete", ns])


def pids(ns: str) -> list[int]:
    """Process ids running inside ``ns``."""
    out = run(["ip", "netns", "pids", ns]).stdout
    return [int(word) for word in out.split()]


def ip(ns: str, *args: str, check: bool = True) -> str:
    """``ip -n NS ARGS``; returns stdout."""
    return run(["ip", "-n", ns, *args], check=check).stdout


def ip_json(ns: str, *args: str) -> list[dict]:
    """``ip -n NS -j ARGS`` parsed."""
    return json.loads(run(["ip", "-n", ns, "-j", *args]).stdout or "[]")


def tc(ns: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``tc -n NS ARGS``."""
    return run(["tc", "-n", ns, *args], check=check)


def tc_json(ns: str, *args: str) -> list[dict]:
    """``tc -n NS -j ARGS`` parsed."""
    return json.loads(tc(ns, "-j", *args).stdout or "[]")


def execute(ns: str, *argv: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run a program inside ``ns`` (``ip netns exec``)."""
    return run(["ip", "netns", "exec", ns, *argv], check=check)


def sysctl(ns: str, key: str, value: str) -> None:
    """Set a sysctl inside ``ns`` (per-namespace keys only, e.g. forwarding)."""
    execute(ns, "sysctl", "-q", "-w", f"{key}={value}")


def interface_exists(ns: str, interface: str) -> bool:
    """True when ``interface`` exists inside ``ns``."""
    return run(["ip", "-n", ns, "link", "show", "dev", interface], check=False).returncode == 0
