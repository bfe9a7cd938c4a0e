"""`netprobe alert` and `netprobe check` end to end: a real SQLite store, the real analysis,
a real Alertmanager on loopback."""

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from test_analyze_cli import hourly

from netprobe.model import Direction, Result, Status
from netprobe.store import SqliteStore

G = 1e9
DAYS = 30


def recent(direction: Direction, values: np.ndarray) -> list[Result]:
    """Hourly results ending at the last full hour before now."""
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(hours=len(values) - 1)
    return [
        Result(
            probe=f"ncsa-{direction.value}",
            test="throughput",
            tool="iperf3",
            endpoint="ncsa",
            direction=direction,
            status=Status.OK if np.isfinite(bps) else Status.BUSY,
            started=start + timedelta(hours=i),
            metrics={"throughput_bps": float(bps)} if np.isfinite(bps) else {},
        )
        for i, bps in enumerate(values)
    ]


def write_store(path, forward: np.ndarray) -> None:
    with SqliteStore(path) as store:
        store.write(recent(Direction.FORWARD, hourly(forward, seed=3)))


def write_config(root, store_path, am_url: str) -> str:
    config = root / "site.toml"
    config.write_text(
        "schema = 1\n\n"
        f'[site]\nname = "cc-in2p3"\nstate_dir = "{root / "state"}"\n\n'
        f'[store]\nkind = "sqlite"\npath = "{store_path}"\n\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n\n'
        '[[links]]\nname = "lyon-ncsa"\nendpoint = "ncsa"\n'
        'plan = [{ from = 2025-06-01, capacity = "20Gbps" }]\n\n'
        '[alerts]\nkinds = ["degraded", "failing"]\n\n'
        f'[[alerts.sinks]]\nkind = "alertmanager"\nurl = "{am_url}"\n'
    )
    return str(config)


def netprobe(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def degraded(tmp_path):
    """Thirty days of hourly probes to ncsa; the last five lost 40 %."""
    forward = np.full(DAYS * 24, 17 * G)
    forward[-5 * 24 :] *= 0.6
    write_store(tmp_path / "degraded.sqlite", forward)
    healthy = np.full(DAYS * 24, 17 * G)
    write_store(tmp_path / "healthy.sqlite", healthy)
    return tmp_path


def test_a_degradation_opens_one_alert_and_its_recovery_resolves_it(alertmanager, degraded):
    config = write_config(degraded, degraded / "degraded.sqlite", alertmanager.url)
    first = netprobe("alert", "--config", config)
    assert first.returncode == 0, first.stderr
    assert "open" in first.stdout and "degraded" in first.stdout
    [held] = alertmanager.alerts()
    assert held["labels"]["alertname"] and held["labels"]["endpoint"] == "ncsa"
    assert held["labels"]["direction"] == "forward"

    second = netprobe("alert", "--config", config)
    assert second.returncode == 0, second.stderr
    assert "open" not in second.stdout  # nothing new to say
    assert len(alertmanager.alerts()) == 1

    check = netprobe("check", "--config", config)
    assert check.returncode == 2, check.stdout
    assert check.stdout.startswith("NETPROBE CRITICAL") and "|" in check.stdout

    healed = write_config(degraded, degraded / "healthy.sqlite", alertmanager.url)
    third = netprobe("alert", "--config", healed)
    assert third.returncode == 0, third.stderr
    assert "resolve" in third.stdout
    assert [a for a in alertmanager.alerts() if a["status"]["state"] == "active"] == []

    fine = netprobe("check", "--config", healed)
    assert fine.returncode == 0 and fine.stdout.startswith("NETPROBE OK")


def test_check_bad_arguments_are_unknown_not_critical(tmp_path):
    done = netprobe("check", "--no-such-option")
    assert done.returncode == 3
    missing = netprobe("check", "--config", str(tmp_path / "nowhere.toml"))
    assert missing.returncode == 3
    assert missing.stdout.startswith("NETPROBE UNKNOWN")


def test_a_drop_with_an_iperf3_upgrade_says_the_host_may_be_the_cause(alertmanager, tmp_path):
    forward = np.full(DAYS * 24, 17 * G)
    forward[-5 * 24 :] *= 0.6
    results = recent(Direction.FORWARD, hourly(forward, seed=3))
    for i, r in enumerate(results):
        r.context = {"iperf3_version": "3.9" if i < len(results) - 5 * 24 else "3.12"}
    with SqliteStore(tmp_path / "store.sqlite") as store:
        store.write(results)
    upgraded = results[-5 * 24].started.strftime("%Y-%m-%d")
    config = write_config(tmp_path, tmp_path / "store.sqlite", alertmanager.url)

    done = netprobe("alert", "--config", config)
    assert done.returncode == 0, done.stderr
    # "the day of the drop" unless the change point lands an hour off across midnight
    note = re.compile(
        rf"iperf3 3\.9 → 3\.12 on {upgraded}, (the day of|1 day \w+) the drop: "
        "the host, not the network, may be the cause"
    )
    assert note.search(done.stdout), done.stdout
    [held] = alertmanager.alerts()
    assert held["labels"]["alertname"] == "NetprobeDegraded"
    assert note.fullmatch(held["annotations"]["host_context_changed"])
    as_json = netprobe("alert", "--config", config, "--json")
    assert json.loads(as_json.stdout) == []  # sent once; the note travels with the open alert
