"""The whole probe pipeline on a real namespaced network: config → runner → probes → store.

Every test runs real iperf3, ping and traceroute between the lab's namespaces; nothing is
mocked. The lab (prefix np-t<pid>-) comes from tests/lab_fixture.py and is always removed.
"""

import contextlib
import json
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netprobe.config import load_config
from netprobe.lab import Lab, netns, topology
from netprobe.model import Status
from netprobe.runner import run_due
from netprobe.store import open_store

pytestmark = pytest.mark.lab

SITE_ADDRESS = topology.link("uplink").b.address4
STARLIGHT = topology.link("starlight").b.address4
NCSA = topology.link("ncsa").b.address4
FREE_PORT = 5299  # nothing listens there: a stopped server
HANG_PORT = 5290  # a server that accepts and never speaks


def write_config(tmp_path: Path, lab: Lab, probes: str, endpoints: str = "") -> Path:
    """A schedule file aimed at the test lab, with its state and store under tmp_path."""
    path = tmp_path / "lab.toml"
    path.write_text(
        f"""
schema = 1

[site]
name = "test-site"
netns = "{lab.namespace(topology.SITE)}"
state_dir = "{tmp_path / "state"}"

[store]
kind = "sqlite"
path = "{tmp_path / "results.sqlite"}"

[[endpoints]]
name = "starlight"
host = "{STARLIGHT}"
port = 5201

[[endpoints]]
name = "ncsa"
host = "{NCSA}"
port = 5201
{endpoints}
{probes}
"""
    )
    return path


def throughput_probe(name: str, endpoint: str, duration: str = "2s", extra: str = "") -> str:
    return f"""
[[probes]]
name = "{name}"
test = "throughput"
endpoint = "{endpoint}"
every = "1m"
options = {{ duration = "{duration}"{extra} }}
"""


NETPROBE = [sys.executable, "-c", "from netprobe.cli import main; main()"]
"""The real `netprobe` command, run in a child process."""


def start_run(config: Path) -> subprocess.Popen:
    """`netprobe run --config CONFIG --no-jitter` in the background, output captured."""
    return subprocess.Popen(
        [*NETPROBE, "run", "--config", str(config), "--no-jitter"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def netprobe(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real `netprobe` command in a child process."""
    return subprocess.run(
        [*NETPROBE, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def probe_json(config: Path, endpoint: str, test: str = "throughput") -> list[dict]:
    done = netprobe("probe", "--config", str(config), endpoint, "--test", test, "--json")
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


@pytest.mark.parametrize("rate_mbps", [100, 500])
def test_probe_reports_the_shaped_rate(lab, tmp_path, rate_mbps):
    lab.shape("uplink", rate_bps=rate_mbps * 1e6)
    config = write_config(tmp_path, lab, throughput_probe("sl", "starlight", duration="3s"))
    [row] = probe_json(config, "starlight")
    assert row["status"] == "ok", row
    assert row["direction"] == "forward"
    assert 0.85 <= row["throughput_bps"] / (rate_mbps * 1e6) <= 1.0
    # what was printed is what was stored
    with open_store("sqlite", path=tmp_path / "results.sqlite") as store:
        [stored] = store.results(probe="sl")
    assert stored.throughput_bps == pytest.approx(row["throughput_bps"])
    assert stored.intervals and stored.context["iperf3_version"]


def test_stopped_server_is_refused_not_zero(lab, tmp_path):
    endpoint = f'\n[[endpoints]]\nname = "stopped"\nhost = "{STARLIGHT}"\nport = {FREE_PORT}\n'
    config = write_config(tmp_path, lab, throughput_probe("st", "stopped"), endpoint)
    [row] = probe_json(config, "stopped")
    assert row["status"] == "refused"
    assert row["throughput_bps"] is None
    assert row["error"]


def test_busy_server_is_busy_after_retries(lab, tmp_path):
    config = write_config(tmp_path, lab, throughput_probe("busy", "starlight", duration="1s"))
    hog = subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            lab.namespace(topology.SITE),
            "iperf3",
            "-c",
            STARLIGHT,
            "-p",
            "5201",
            "-t",
            "25",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)  # let the hog's test start
        [row] = probe_json(config, "starlight")
    finally:
        hog.kill()
        hog.wait()
    assert row["status"] == "busy", row
    assert row["throughput_bps"] is None
    assert row["context"]["attempts"] > 1


def test_unresolvable_name(lab, tmp_path):
    endpoint = '\n[[endpoints]]\nname = "nowhere"\nhost = "no-such-host.invalid"\n'
    config = write_config(tmp_path, lab, throughput_probe("nw", "nowhere"), endpoint)
    [row] = probe_json(config, "nowhere")
    assert row["status"] == "resolve-failed"
    assert row["throughput_bps"] is None


def test_cut_link_is_a_failure_not_zero(lab, tmp_path):
    config = write_config(tmp_path, lab, throughput_probe("cut", "ncsa"))
    ncsa_side = topology.link("ncsa").b
    ns = lab.namespace(ncsa_side.node)
    subprocess.run(["ip", "-n", ns, "link", "set", ncsa_side.interface, "down"], check=True)
    [row] = probe_json(config, "ncsa")
    assert row["status"] in ("unreachable", "timeout"), row
    assert row["throughput_bps"] is None


def test_injected_loss_shows_in_rtt_probe(lab, tmp_path):
    lab.shape("starlight", loss=0.3)
    probes = """
[[probes]]
name = "rtt"
test = "rtt"
endpoint = "starlight"
every = "1m"
options = { count = 40, interval = "0.05s" }
"""
    [row] = probe_json(write_config(tmp_path, lab, probes), "starlight", test="rtt")
    assert row["status"] == "ok"
    assert 0.2 < row["metrics"]["loss_ratio"] < 0.8  # 1 - 0.7² ≈ 0.51 per round trip


def test_hanging_server_is_killed_at_the_deadline(lab, tmp_path):
    ns = lab.namespace("starlight")
    accept_and_hang = (
        "import socket, time\n"
        f"s = socket.create_server(('{STARLIGHT}', {HANG_PORT}))\n"
        "conns = []\n"
        "while True:\n"
        "    conns.append(s.accept()[0])\n"
    )
    server = subprocess.Popen(["ip", "netns", "exec", ns, sys.executable, "-c", accept_and_hang])
    try:
        time.sleep(0.5)
        endpoint = f'\n[[endpoints]]\nname = "hang"\nhost = "{STARLIGHT}"\nport = {HANG_PORT}\n'
        config = write_config(tmp_path, lab, throughput_probe("hang", "hang", "1s"), endpoint)
        [row] = probe_json(config, "hang")
    finally:
        server.kill()
        server.wait()
    assert row["status"] == "timeout", row
    assert row["throughput_bps"] is None


def test_missed_slots_are_recorded(lab, tmp_path):
    probes = """
[[probes]]
name = "rtt"
test = "rtt"
endpoint = "ncsa"
every = "1m"
options = { count = 2, interval = "0.2s" }
"""
    config = load_config(write_config(tmp_path, lab, probes))
    t0 = datetime(2026, 1, 1, 12, 0, 30, tzinfo=UTC)
    with open_store("sqlite", path=tmp_path / "results.sqlite") as store:
        first = run_due(config, store, now=t0, jitter=False)
        later = run_due(config, store, now=t0 + timedelta(minutes=3), jitter=False)
        again = run_due(config, store, now=t0 + timedelta(minutes=3, seconds=10), jitter=False)
        rows = store.results(probe="rtt")
    assert [r.status for r in first.results] == [Status.OK]
    assert [r.slot.minute for r in later.missed] == [1, 2]
    assert all(r.status is Status.MISSED and r.throughput_bps is None for r in later.missed)
    assert [r.slot.minute for r in later.results] == [3]
    assert again.results == [] and again.missed == []
    # missed rows start at their slot; the runs started at the real time
    by_slot = sorted(rows, key=lambda r: r.slot)
    assert [r.status.value for r in by_slot] == ["ok", "missed", "missed", "ok"]


def test_two_runs_at_once_run_each_probe_once(lab, tmp_path):
    config = write_config(tmp_path, lab, throughput_probe("once", "starlight", duration="2s"))
    first = start_run(config)
    time.sleep(0.5)
    second = netprobe("run", "--config", str(config), "--no-jitter")
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert second.returncode == 0
    assert "nothing done" in second.stderr
    with open_store("sqlite", path=tmp_path / "results.sqlite") as store:
        assert len(store.results(probe="once")) == 1


def test_sigterm_during_a_probe_leaves_an_aborted_row_and_no_iperf3(lab, tmp_path):
    config = write_config(tmp_path, lab, throughput_probe("term", "ncsa", duration="20s"))
    child = start_run(config)
    time.sleep(3)  # iperf3 is running by now
    child.send_signal(signal.SIGTERM)
    _, err = child.communicate(timeout=30)
    assert child.returncode == 1
    assert "SIGTERM" in err and "Traceback" not in err
    assert iperf3_clients(lab) == [], "an iperf3 client outlived netprobe"
    db = sqlite3.connect(tmp_path / "results.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    db.close()
    with open_store("sqlite", path=tmp_path / "results.sqlite") as store:
        [row] = store.results(probe="term")
    assert row.status is Status.ABORTED and row.throughput_bps is None


def iperf3_clients(lab: Lab) -> list[str]:
    """Command lines of the iperf3 processes inside the site namespace (clients only live there)."""
    found = []
    for pid in netns.pids(lab.namespace(topology.SITE)):
        with contextlib.suppress(FileNotFoundError, ProcessLookupError):
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if Path(argv[0].decode()).name == "iperf3":
                found.append(" ".join(word.decode() for word in argv if word))
    return found


def test_sigterm_during_parallel_processes_kills_every_client(lab, tmp_path):
    probe = throughput_probe("term2", "ncsa", duration="20s", extra=", processes = 2")
    config = write_config(tmp_path, lab, probe)
    child = start_run(config)
    try:
        for _ in range(100):  # both clients started (at most 10 s)
            clients = iperf3_clients(lab)
            if len(clients) == 2:
                break
            time.sleep(0.1)
        assert sorted(c.split(" -p ")[1].split()[0] for c in clients) == ["5201", "5202"]
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == 1
    assert "SIGTERM" in err and "Traceback" not in err
    # netprobe waits for its iperf3 processes before it exits: none may be left by now
    assert iperf3_clients(lab) == []
    with open_store("sqlite", path=tmp_path / "results.sqlite") as store:
        [row] = store.results(probe="term2")
    assert row.status is Status.ABORTED and row.throughput_bps is None
