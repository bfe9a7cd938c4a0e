"""The alert and the escalation report name the suspect segment, on the lab.

Real traceroutes through the lab's router give both links their paths (a shared uplink,
then one far segment each); the link states come from throughput series written to the
store (generated, as in test_localize_lab: the paths are what is real here). Both links
degrade: `netprobe alert` posts to a real webhook receiver on loopback, `netprobe report`
writes the page, and both name the uplink with the links that point to it.
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from test_alerts_webhook import Receiver
from test_analyze_cli import hourly
from test_localize_lab import HOURS, ROUTER, throughput, write_config

from netprobe.config import load_config
from netprobe.lab import topology
from netprobe.locate import locate, suspects
from netprobe.model import Direction
from netprobe.runner import run_probe
from netprobe.store import open_store

pytestmark = pytest.mark.lab

G = 1e9
UPLINK = "lyon-uplink"  # the [[segments]] name test_localize_lab gives the uplink


@pytest.fixture
def receiver():
    """A webhook receiver on loopback (tests/test_alerts_webhook.py), closed afterwards."""
    hook = Receiver()
    yield hook
    hook.close()


def traces(config):
    """The trace probes of the config (its throughput probes are replaced by a history)."""
    return [p for p in config.probes if p.test == "trace"]


def deploy(lab, tmp_path, receiver, lost: set[str]) -> tuple[str, datetime]:
    """The lab's config with a webhook sink; real traces; the ``lost`` links lost half
    five days ago."""
    path = write_config(tmp_path, lab, "20Gbps")
    with open(path, "a") as config_file:
        config_file.write(
            '[alerts]\nkinds = ["degraded"]\nhold_down = "1 of 1"\n\n'
            f'[[alerts.sinks]]\nkind = "webhook"\nname = "hook"\nurl = "{receiver.url}"\n'
        )
    config = load_config(path)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with open_store("sqlite", path=tmp_path / "netprobe.sqlite") as store:
        for probe in traces(config):
            [trace] = run_probe(config, store, probe)
            assert trace.ok and trace.hops[0].address == ROUTER, trace
        for seed, name in enumerate(topology.ENDPOINTS):
            levels = np.full(HOURS, 17 * G)
            if name in lost:
                levels[-5 * 24 :] *= 0.5
            store.write(throughput(name, hourly(levels, seed=seed), end))
    return path, end


@pytest.fixture
def degraded(lab, tmp_path, receiver):
    """Both links degraded: the shared uplink is to blame."""
    return deploy(lab, tmp_path, receiver, set(topology.ENDPOINTS))


def test_the_alert_names_the_shared_segment_and_its_evidence(run_cli, degraded, receiver):
    path, _ = degraded
    run_cli("alert", "--config", path)
    [body] = receiver.bodies
    notes = {n["endpoint"]: n for n in body["notifications"]}
    assert set(notes) == set(topology.ENDPOINTS)
    for note in notes.values():
        suspect = note["suspect"]
        assert suspect["segments"] == [UPLINK]
        assert suspect["candidates"] == 1 and suspect["probability"] > 0.5
        assert {d["link"] for d in suspect["degraded"]} == {"to-starlight", "to-ncsa"}
        assert all(d["since"] for d in suspect["degraded"])  # when each degraded


def test_slack_text_and_alertmanager_annotations_carry_it(run_cli, degraded, receiver):
    path, _ = degraded
    with open(path) as f:
        text = f.read().replace('name = "hook"', 'name = "hook"\nformat = "slack"')
    with open(path, "w") as f:
        f.write(text)
    run_cli("alert", "--config", path)
    [body] = receiver.bodies
    assert f"suspect: {UPLINK} (1 candidate, p " in body["text"]
    assert "evidence: degraded: to-" in body["text"] and " since " in body["text"]


def test_the_report_names_the_suspect_and_shows_the_traces(run_cli, degraded):
    path, end = degraded
    since = (end - timedelta(hours=HOURS)).isoformat()
    until = (end + timedelta(hours=1)).isoformat()
    args = ("report", "--config", path, "--endpoint", "ncsa", "--from", since, "--to", until)
    page = run_cli(*args, "--format", "md").stdout
    where = page.split("## Where")[1].split("## Facts")[0]
    assert f"Suspect for to-ncsa: {UPLINK} (the only explanation that fits" in where
    ncsa, starlight = topology.address("ncsa"), topology.address("starlight")
    assert "| to-ncsa | degraded | 20" in where and f"{ROUTER} → {ncsa}" in where
    assert "| to-starlight | degraded | 20" in where and f"{ROUTER} → {starlight}" in where
    html = run_cli(*args).stdout
    assert (
        "<h2>Where</h2>" in html and f"Suspect for to-ncsa: {UPLINK.replace('>', '&gt;')}" in html
    )


def test_one_far_segment_names_the_healthy_link_as_evidence(run_cli, lab, tmp_path, receiver):
    path, _ = deploy(lab, tmp_path, receiver, {"starlight"})
    run_cli("alert", "--config", path)
    [body] = receiver.bodies
    [note] = body["notifications"]
    assert note["endpoint"] == "starlight"
    assert note["suspect"]["segments"] == [f"{ROUTER}>{topology.address('starlight')}"]
    assert note["suspect"]["healthy"] == ["to-ncsa"] and note["suspect"]["contradicts"] == []


def test_alertmanager_annotations_carry_the_suspect(run_cli, degraded, alertmanager):
    path, _ = degraded
    with open(path) as f:
        text = f.read().split("[[alerts.sinks]]")[0]
    with open(path, "w") as f:
        f.write(f'{text}[[alerts.sinks]]\nkind = "alertmanager"\nurl = "{alertmanager.url}"\n')
    run_cli("alert", "--config", path)
    held = alertmanager.alerts()
    assert {a["labels"]["endpoint"] for a in held} == set(topology.ENDPOINTS)
    for alert in held:
        assert alert["annotations"]["suspect"].startswith(f"{UPLINK} (1 candidate, p ")
        assert "to-ncsa since 20" in alert["annotations"]["evidence"]


def test_reverse_traces_from_the_endpoints_place_the_reverse_direction(run_cli, lab, tmp_path):
    """Reverse trace probes run in the endpoints' namespaces; ncsa's reverse direction lost
    half: localize places it on its real reverse path, the report shows both paths."""
    path = write_config(tmp_path, lab, "20Gbps")
    site = topology.address(topology.SITE)
    with open(path) as f:
        text = f.read().replace("[site]\n", f'[site]\nbind = "{site}"\n')
    for name in topology.ENDPOINTS:
        text = text.replace(
            f'host = "{topology.address(name)}"\n',
            f'host = "{topology.address(name)}"\nnetns = "{lab.namespace(name)}"\n',
        )
        text += (
            f'[[probes]]\nname = "{name}-back"\ntest = "trace"\nendpoint = "{name}"\n'
            'every = "1h"\noptions = { max_hops = 6, wait = "1s", reverse = true }\n\n'
        )
    with open(path, "w") as f:
        f.write(text)
    config = load_config(path)
    end = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with open_store("sqlite", path=tmp_path / "netprobe.sqlite") as store:
        for probe in traces(config):
            [trace] = run_probe(config, store, probe)
            assert trace.ok, trace
        back = {p.endpoint: p for p in config.probes if p.options.reverse}
        for seed, name in enumerate(topology.ENDPOINTS):
            for direction in Direction:
                levels = np.full(HOURS, 17 * G)
                if (name, direction) == ("ncsa", Direction.REVERSE):
                    levels[-5 * 24 :] *= 0.5
                store.write(
                    [
                        replace(r, direction=direction, probe=f"{name}-{direction.value}")
                        for r in throughput(name, hourly(levels, seed=seed), end)
                    ]
                )
        located = locate(config, store, now=end + timedelta(hours=1))
        [reverse_trace] = store.results(probe=back["ncsa"].name)
    assert reverse_trace.direction is Direction.REVERSE and reverse_trace.hops[-1].address == site
    states = {e.name: e.degraded for e in located.evidence}
    assert states["to-ncsa (reverse)"] is True and states["to-starlight (reverse)"] is False
    assert states["to-ncsa"] is False and states["to-starlight"] is False
    ncsa = topology.address("ncsa")
    [cause] = located.localization.best.causes
    assert cause.names[0].startswith(f"{ncsa}>")  # the reverse path starts at the far end
    found = suspects(located)
    assert set(found) == {("ncsa", "reverse")}

    since = (end - timedelta(hours=HOURS)).isoformat()
    until = (end + timedelta(hours=1)).isoformat()
    args = ("report", "--config", path, "--endpoint", "ncsa", "--from", since, "--to", until)
    page = run_cli(*args, "--format", "md").stdout
    paths = page.split("## Paths")[1].split("## Traceroute around")[0]
    assert "Forward path (from the site)" in paths and "Reverse path (from the far end)" in paths
    assert f"| {site} |" in paths.split("Reverse path")[1]  # the reverse trace ends at the site
    assert "Suspect for to-ncsa (reverse):" in page
    assert "(ncsa-back, ncsa → lyon)" in paths
