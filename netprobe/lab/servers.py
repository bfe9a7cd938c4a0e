"""iperf3 servers inside the endpoint namespaces: daemonised, with a pid file each."""

import contextlib
import os
import signal
import time
from pathlib import Path

from netprobe.errors import LabError
from netprobe.lab import netns

READY_SECONDS = 5.0  # a fresh iperf3 -s listens within milliseconds; this is the give-up point


def pid_file(run_dir: Path, ns: str, port: int) -> Path:
    """Where the server of ``ns`` on ``port`` keeps its pid."""
    return run_dir / f"iperf3-{ns}-{port}.pid"


def running_pid(run_dir: Path, ns: str, port: int) -> int | None:
    """The pid of that server if it is alive and still an iperf3, else None."""
    try:
        pid = int(pid_file(run_dir, ns, port).read_text().strip())
        comm = Path(f"/proc/{pid}/comm").read_text().strip()
    except (FileNotFoundError, ValueError):
        return None
    return pid if comm == "iperf3" else None


def listening(ns: str, port: int) -> bool:
    """True when something in ``ns`` listens on TCP ``port``."""
    out = netns.execute(ns, "ss", "-Hltn", f"sport = :{port}").stdout
    return bool(out.strip())


def start(run_dir: Path, ns: str, port: int) -> int:
    """Start ``iperf3 -s -D`` in ``ns`` on ``port`` and wait until it listens; returns its pid.

    Raises:
        LabError: it did not start or did not listen within READY_SECONDS.
    """
    run_dir.mkdir(parents=True, exist_ok=True)
    pidfile = pid_file(run_dir, ns, port)
    log = run_dir / f"iperf3-{ns}-{port}.log"
    pidfile.unlink(missing_ok=True)
    files = ["--pidfile", str(pidfile), "--logfile", str(log)]
    netns.execute(ns, "iperf3", "-s", "-D", "-p", str(port), *files)
    end = time.monotonic() + READY_SECONDS
    while time.monotonic() < end:
        pid = running_pid(run_dir, ns, port)
        if pid and listening(ns, port):
            return pid
        time.sleep(0.05)
    tail = log.read_text(errors="replace").strip()[-300:] if log.exists() else ""
    raise LabError(f"iperf3 server in {ns} on port {port} did not start: {tail or 'no log'}")


def stop(pids: list[int], *, grace: float = 2.0) -> None:
    """SIGTERM ``pids``, then SIGKILL whatever is left after ``grace`` seconds."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    end = time.monotonic() + grace
    while time.monotonic() < end and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def _alive(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"
