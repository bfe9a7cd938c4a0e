"""From real probes to a real alert: the lab's uplink is cut in the middle of a series of
real iperf3 probes, `netprobe alert` tells a real Alertmanager, and `netprobe report`
places the change between the last probe before the cut and the first after it.

Nothing is made up: every value is an iperf3 run between the lab's namespaces (prefix
np-t<pid>-, tests/lab_fixture.py), stored by `netprobe probe`, analysed by the real code.
"""

import re
from datetime import datetime

import pytest
from test_pipeline_lab import netprobe, write_config

from netprobe.lab import Lab
from netprobe.store import open_store

pytestmark = pytest.mark.lab

PROBES = 6  # throughput probes to one endpoint: one `netprobe probe` runs them all
# Rounds of them before the cut and after: 30 probes a side. Probes of one round differ
# less than rounds do; the detector reads that as correlated noise and asks for more
# evidence (tests showed 15 a side too few, 22 enough).
ROUNDS = 5
BEFORE, AFTER = "400Mbps", "150Mbps"


def deployment(probes: int, am_url: str) -> str:
    """One link to starlight with a plan of 400 Mbit/s, ``probes`` 1-second throughput
    probes to it, and alerts on degradations to Alertmanager."""
    text = (
        '[[links]]\nname = "lab-starlight"\nendpoint = "starlight"\nexpected_share = 0.9\n'
        'plan = [{ from = 2020-01-01, capacity = "400Mbps" }]\n\n'
    )
    for i in range(probes):
        text += (
            f'[[probes]]\nname = "sl-{i}"\ntest = "throughput"\nendpoint = "starlight"\n'
            'every = "1h"\noptions = { duration = "1s" }\n\n'
        )
    return text + (
        '[alerts]\nkinds = ["degraded"]\n\n'
        f'[[alerts.sinks]]\nkind = "alertmanager"\nurl = "{am_url}"\n'
    )


def shape(lab: Lab, rate: str) -> None:
    done = netprobe("lab", "--prefix", lab.prefix, "shape", "uplink", "--rate", rate)
    assert done.returncode == 0, done.stderr


def probe_rounds(config, rounds: int) -> None:
    for _ in range(rounds):
        done = netprobe("probe", "--config", str(config), "starlight", timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr


def test_a_rate_cut_in_the_lab_reaches_alertmanager_and_the_report(lab, alertmanager, tmp_path):
    config = write_config(tmp_path, lab, deployment(PROBES, alertmanager.url))
    shape(lab, BEFORE)
    probe_rounds(config, ROUNDS)
    shape(lab, AFTER)  # the provider's link gets worse in the middle of the series
    probe_rounds(config, ROUNDS)

    with open_store("sqlite", path=tmp_path / "results.sqlite") as store:
        stored = store.results(endpoint="starlight")
    assert len(stored) == 2 * ROUNDS * PROBES and all(r.ok for r in stored)
    last_before, first_after = stored[ROUNDS * PROBES - 1], stored[ROUNDS * PROBES]
    assert first_after.throughput_bps < 0.5 * last_before.throughput_bps  # the cut is real

    alerted = netprobe("alert", "--config", str(config))
    assert alerted.returncode == 0, alerted.stderr
    if not ("open" in alerted.stdout and "degraded" in alerted.stdout):  # say why, if it fails
        analysis = netprobe("analyze", "--config", str(config), "--json").stdout
        rates = [round(r.throughput_bps / 1e6) for r in stored]
        pytest.fail(f"no degradation alert: {alerted.stdout}\nMbit/s: {rates}\n{analysis}")
    [held] = alertmanager.alerts()
    assert held["labels"]["alertname"] == "NetprobeDegraded"
    assert held["labels"]["endpoint"] == "starlight" and held["labels"]["direction"] == "forward"
    assert held["status"]["state"] == "active"

    report = netprobe(
        "report",
        "--config",
        str(config),
        "--endpoint",
        "starlight",
        "--from",
        "1d",
        "--format",
        "md",
    )
    assert report.returncode == 0, report.stderr
    found = re.search(r"dropped \d+% on (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)", report.stdout)
    assert found, report.stdout
    changed = datetime.strptime(found[1], "%Y-%m-%dT%H:%M:%S%z")  # to the second
    assert last_before.started < changed <= first_after.started
