"""run() against the real iperf3 on loopback: OK, reverse, UDP, parallel processes, failures."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from netprobe.model import Direction, Endpoint, ProbeSpec, Status, ThroughputOptions
from netprobe.probes import iperf3

pytestmark = pytest.mark.skipif(shutil.which("iperf3") is None, reason="iperf3 is not installed")

LOOPBACK = "127.0.0.1"


def spec_for(port: int, host: str = LOOPBACK, **options) -> ProbeSpec:
    options = {"duration": 1, "connect_timeout": 1.0, **options}
    return ProbeSpec(
        name="loop",
        test="throughput",
        endpoint=Endpoint(name="loopback", host=host, port=port),
        options=ThroughputOptions(**options),
    )


def free_ports(count: int = 1) -> int:
    """The first of ``count`` consecutive loopback TCP ports that are free now."""
    for _ in range(50):
        with socket.socket() as probe:
            probe.bind((LOOPBACK, 0))
            first = probe.getsockname()[1]
        if first + count > 65535:
            continue
        sockets = []
        try:
            for port in range(first, first + count):
                s = socket.socket()
                sockets.append(s)
                s.bind((LOOPBACK, port))
            return first
        except OSError:
            continue
        finally:
            for s in sockets:
                s.close()
    raise RuntimeError("no free consecutive loopback ports")


def _listening(port: int) -> bool:
    """True when something listens on TCP port (read from /proc, without connecting)."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError), open(table) as f:
            for line in f.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    return True
    return False


@contextlib.contextmanager
def iperf3_server(port: int):
    """``iperf3 -s`` on loopback port, ready when it listens, always killed afterwards."""
    proc = subprocess.Popen(
        ["iperf3", "-s", "-B", LOOPBACK, "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 5
        while not _listening(port):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"iperf3 server on port {port} did not start: {proc.stderr.read()}")
            time.sleep(0.05)
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        proc.stderr.close()


@pytest.fixture
def server():
    port = free_ports()
    with iperf3_server(port):
        yield port


@pytest.fixture
def two_servers():
    port = free_ports(2)
    with iperf3_server(port), iperf3_server(port + 1):
        yield port


def _clients_left(port: int) -> list[int]:
    """Pids of iperf3 clients still running against port."""
    pids = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        with contextlib.suppress(OSError):
            words = cmdline.read_bytes().split(b"\0")
            if words[0].endswith(b"iperf3") and b"-c" in words and str(port).encode() in words:
                pids.append(int(cmdline.parent.name))
    return pids


def test_ok_run(server):
    (result,) = iperf3.run(spec_for(server))
    assert result.status is Status.OK, result.reason
    assert result.direction is Direction.FORWARD
    assert result.throughput_bps > 0 and result.metrics["sender_bps"] > 0
    assert result.intervals and all(i.bps > 0 for i in result.intervals)
    assert result.argv[:5] == ["iperf3", "-c", LOOPBACK, "-p", str(server)]
    assert result.started <= result.ended
    assert result.context["iperf3_version"] == iperf3.features().version
    assert result.context["attempts"] == 1


def test_reverse(server):
    (result,) = iperf3.run(spec_for(server, reverse=True))
    assert result.status is Status.OK, result.reason
    assert result.direction is Direction.REVERSE
    assert result.throughput_bps > 0
    assert "-R" in result.argv and "--get-server-output" in result.argv


def test_bidir_gives_both_directions(server):
    if not iperf3.features().bidir:
        pytest.skip(f"iperf3 {iperf3.features().version} has no --bidir")
    forward, reverse = iperf3.run(spec_for(server, bidir=True))
    assert (forward.direction, reverse.direction) == (Direction.FORWARD, Direction.REVERSE)
    assert forward.ok and reverse.ok, (forward.reason, reverse.reason)
    assert forward.throughput_bps > 0 and reverse.throughput_bps > 0
    assert forward.argv == reverse.argv and "--bidir" in forward.argv


def test_udp_at_a_target_bandwidth(server):
    target = 20e6
    (result,) = iperf3.run(spec_for(server, udp=True, bandwidth=target))
    assert result.status is Status.OK, result.reason
    assert 0.5 * target < result.throughput_bps < 1.2 * target
    assert result.metrics["packets_sent"] > 0
    assert 0 <= result.metrics["loss_ratio"] <= 1
    assert "--udp-counters-64bit" in result.argv


def test_parallel_processes_are_summed(two_servers):
    (result,) = iperf3.run(spec_for(two_servers, processes=2))
    assert result.status is Status.OK, result.reason
    assert result.context["processes"] == 2
    assert result.throughput_bps > 0 and result.intervals
    assert result.argv.count("iperf3") == 2 and "&" in result.argv
    ports = [result.argv[i + 1] for i, word in enumerate(result.argv) if word == "-p"]
    assert ports == [str(two_servers), str(two_servers + 1)]


def test_parallel_processes_fail_whole_when_one_fails(server):
    # Only the first port has a server: the second process is refused.
    (result,) = iperf3.run(spec_for(server, processes=2))
    assert result.status is Status.REFUSED
    assert result.throughput_bps is None and result.metrics == {}
    assert result.reason.startswith(f"port {server + 1}: refused")


def test_refused():
    (result,) = iperf3.run(spec_for(free_ports()))
    assert result.status is Status.REFUSED
    assert result.throughput_bps is None


def test_busy_server_after_retries(server):
    hog = subprocess.Popen(
        ["iperf3", "-c", LOOPBACK, "-p", str(server), "-t", "30", "-b", "1M"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        time.sleep(1.0)  # let the other client's test begin
        spec = spec_for(server)
        # Room for the first try and about two seconds of backoff: two or three tries.
        (result,) = iperf3.run(spec, budget=iperf3.duration(spec) - iperf3.BUSY_WINDOW + 2)
    finally:
        os.killpg(hog.pid, signal.SIGKILL)
        hog.wait()
    assert result.status is Status.BUSY
    assert result.throughput_bps is None
    assert result.context["attempts"] >= 2
    assert "gave up after" in result.reason


@contextlib.contextmanager
def silent_servers(count: int = 1):
    """Loopback TCP servers on consecutive ports that accept and never say a word."""
    first = free_ports(count)
    listeners = []
    for port in range(first, first + count):
        listener = socket.socket()
        listener.bind((LOOPBACK, port))
        listener.listen()
        listener.settimeout(0.1)
        listeners.append(listener)
    stop = threading.Event()
    accepted: list[socket.socket] = []

    def serve(listener):
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                accepted.append(listener.accept()[0])

    threads = [threading.Thread(target=serve, args=(s,), daemon=True) for s in listeners]
    for thread in threads:
        thread.start()
    try:
        yield first
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        for conn in accepted + listeners:
            conn.close()


@pytest.fixture
def silent_server():
    with silent_servers() as port:
        yield port


def test_hanging_server_is_killed_at_the_deadline(silent_server):
    spec = spec_for(silent_server, connect_timeout=0.5)
    (result,) = iperf3.run(spec)
    assert result.status is Status.TIMEOUT
    assert result.throughput_bps is None and result.metrics == {}
    assert "killed" in result.reason
    assert _clients_left(silent_server) == []


def test_cannot_run_is_a_tool_error_result():
    spec = ProbeSpec(
        name="bad",
        test="throughput",
        endpoint=Endpoint(name="x", host=LOOPBACK, port=5201),
        options=ThroughputOptions(duration=1, reverse=True, bidir=True),
    )
    results = iperf3.run(spec)
    assert [r.status for r in results] == [Status.TOOL_ERROR, Status.TOOL_ERROR]
    assert all("reverse and bidir exclude each other" in r.reason for r in results)


def test_interrupted_parallel_run_leaves_no_iperf3(tmp_path):
    """Ctrl-C (or SIGTERM made an exception) while two clients hang kills both at once."""
    with silent_servers(2) as port:
        script = (
            "from netprobe.model import Endpoint, ProbeSpec, ThroughputOptions\n"
            "from netprobe.probes import iperf3\n"
            f"spec = ProbeSpec(name='x', test='throughput', endpoint=Endpoint('x', '{LOOPBACK}',"
            f" port={port}), options=ThroughputOptions(duration=30, processes=2))\n"
            "iperf3.run(spec)\n"
        )
        child = subprocess.Popen([sys.executable, "-c", script], stderr=subprocess.PIPE)
        try:
            deadline = time.monotonic() + 10
            while len(_clients_left(port) + _clients_left(port + 1)) < 2:
                assert time.monotonic() < deadline, "the two iperf3 clients never started"
                time.sleep(0.05)
            child.send_signal(signal.SIGINT)
            # a safety net, not a time limit: a loaded machine once took over 10 s to exit
            assert child.wait(timeout=60) != 0
            assert b"KeyboardInterrupt" in child.stderr.read()
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stderr.close()
        assert _clients_left(port) == [] and _clients_left(port + 1) == []
