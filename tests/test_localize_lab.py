"""`netprobe localize` on the lab: real traceroutes through the lab's router give each link
its path; the link states come from the analysis of throughput series written to the store
(generated, so that the test does not spend hours probing: the paths are what is real here).
"""

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from ipaddress import ip_interface

import numpy as np
import pytest
from test_analyze_cli import hourly

from netprobe.config import load_config
from netprobe.lab import topology
from netprobe.locate import locate
from netprobe.model import Direction, Result, Status
from netprobe.probes import iperf3, trace
from netprobe.runner import run_probe
from netprobe.store import open_store

pytestmark = pytest.mark.lab

G = 1e9
HOURS = 20 * 24
ROUTER = topology.link("uplink").a.address4
UPLINK = f"""[[segments]]
name = "lyon-uplink"
hops = ["lyon"]
prefixes = ["{ip_interface(topology.link("uplink").a.ipv4).network}"]

"""


def write_config(tmp_path, lab, capacity: str) -> str:
    endpoints, links, probes = "", "", ""
    for name in topology.ENDPOINTS:
        endpoints += f'[[endpoints]]\nname = "{name}"\nhost = "{topology.address(name)}"\n\n'
        links += (
            f'[[links]]\nname = "to-{name}"\nendpoint = "{name}"\n'
            f'plan = [{{ from = 2025-01-01, capacity = "{capacity}" }}]\n\n'
        )
        probes += (
            f'[[probes]]\nname = "{name}-trace"\ntest = "trace"\nendpoint = "{name}"\n'
            'every = "1h"\noptions = { max_hops = 6, wait = "1s" }\n\n'
            f'[[probes]]\nname = "{name}-fwd"\ntest = "throughput"\nendpoint = "{name}"\n'
            'every = "1h"\noptions = { duration = "1s" }\n\n'
        )
    path = tmp_path / "site.toml"
    path.write_text(
        f'schema = 1\n\n[site]\nname = "lyon"\nnetns = "{lab.namespace(topology.SITE)}"\n'
        f'state_dir = "{tmp_path}"\n\n' + endpoints + links + probes + UPLINK
    )
    return str(path)


def throughput(endpoint: str, values: np.ndarray, end: datetime) -> list[Result]:
    start = end - timedelta(hours=len(values))
    return [
        Result(
            probe=f"{endpoint}-fwd",
            test="throughput",
            tool="iperf3",
            endpoint=endpoint,
            direction=Direction.FORWARD,
            status=Status.OK,
            started=start + timedelta(hours=i),
            metrics={"throughput_bps": float(bps)},
        )
        for i, bps in enumerate(values)
        if np.isfinite(bps)
    ]


def trace_lab(lab, tmp_path, capacity: str):
    """The lab's config with links planned at ``capacity``, one real trace per endpoint
    stored; the config and the store's path."""
    config = load_config(write_config(tmp_path, lab, capacity))
    with open_store("sqlite", path=tmp_path / "netprobe.sqlite") as store:
        for probe in (p for p in config.probes if p.test == "trace"):
            [trace] = run_probe(config, store, probe)
            assert trace.ok and trace.hops[0].address == ROUTER, trace
    return config, tmp_path / "netprobe.sqlite"


@pytest.fixture
def traced(lab, tmp_path):
    """The lab traced, for the generated series of a 20 Gbps link."""
    return trace_lab(lab, tmp_path, "20Gbps")


def hour() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def run_locate(config, db, degraded: set[str]):
    end = hour()
    with open_store("sqlite", path=db) as store:
        for seed, name in enumerate(topology.ENDPOINTS):
            levels = np.full(HOURS, 17 * G)
            if name in degraded:
                levels[-5 * 24 :] *= 0.5
            store.write(throughput(name, hourly(levels, seed=seed), end))
        return locate(config, store, now=end + timedelta(hours=1))


FAR_STARLIGHT = f"{ROUTER}>{topology.address('starlight')}"
UPLINK_BPS = 200e6


@pytest.mark.parametrize(
    ("shaped", "degraded", "suspect"),
    [
        ("uplink", ["to-starlight", "to-ncsa"], "lyon-uplink"),
        ("starlight", ["to-starlight"], FAR_STARLIGHT),
    ],
    ids=["the shared uplink", "one far segment"],
)
def test_the_shaped_segment_degrades_its_links_and_localize_names_it(
    lab, tmp_path, shaped, degraded, suspect
):
    """Real iperf3 throughput through the lab: a few runs with the uplink at 200 Mbit/s,
    then one link shaped to a quarter of that and a dozen runs more. The runs are dated an
    hour apart after a steady history at the level first measured, so that the analysis
    has a series long enough to judge (its regimes need ten values). The rates are low so
    that the token buckets, not a busy CPU, set them: the unshaped link keeps its level."""
    config, db = trace_lab(lab, tmp_path, "200Mbps")  # 160 Mbit/s expected, at 0.8
    end = hour()
    tput = [p for p in config.probes if p.test == "throughput"]
    lab.shape("uplink", rate_bps=UPLINK_BPS)
    before = {p.endpoint: [r for _ in range(2) for r in iperf3.run(config.spec(p))] for p in tput}
    lab.shape(shaped, rate_bps=UPLINK_BPS / 4)
    after = {p.endpoint: [r for _ in range(12) for r in iperf3.run(config.spec(p))] for p in tput}
    rng = np.random.default_rng(7)
    with open_store("sqlite", path=db) as store:
        for name in topology.ENDPOINTS:
            runs = before[name] + after[name]
            assert all(r.ok for r in runs), [r.reason for r in runs if not r.ok]
            level = np.median([r.throughput_bps for r in before[name]])
            dropped = np.median([r.throughput_bps for r in after[name]]) < level / 2
            assert dropped == (f"to-{name}" in degraded)
            history = level * (1 + 0.02 * rng.standard_normal(HOURS - len(runs)))
            store.write(throughput(name, history, end - timedelta(hours=len(runs))))
            store.write(
                [
                    replace(r, started=end - timedelta(hours=len(runs) - i))
                    for i, r in enumerate(runs)
                ]
            )
        located = locate(config, store, now=end + timedelta(hours=1))
    assert [e.name for e in located.evidence if e.degraded] == degraded
    assert located.localization.best.segments == (suspect,), located.localization
    assert located.localization.best.explains == tuple(degraded)


def test_the_shared_uplink_is_named_as_in_the_config(traced):
    config, db = traced
    located = run_locate(config, db, {"starlight", "ncsa"})
    assert [e.segments[0] for e in located.evidence] == ["lyon-uplink", "lyon-uplink"]
    assert located.localization.best.segments == ("lyon-uplink",)
    assert set(located.localization.best.explains) == {"to-starlight", "to-ncsa"}


def test_the_cli_names_the_suspect(run_cli, traced):
    config, db = traced
    run_locate(config, db, {"ncsa"})
    out = run_cli("localize", "--config", str(config.files[0])).stdout
    assert "link to-ncsa: degraded" in out and "link to-starlight: healthy" in out
    assert f"1. {ROUTER}>{topology.address('ncsa')}" in out


def test_a_reroute_in_the_router_shows_as_a_path_change(lab, traced, run_cli):
    """Two real traces of ncsa, before and after `lab reroute` (dated around the drop the
    series shows five days before its end): localize names the route change."""
    config, db = traced
    probe = config.probe("ncsa-trace")
    [direct] = trace.run(config.spec(probe))
    lab.reroute("ncsa")
    [detour] = trace.run(config.spec(probe))
    assert direct.ok and detour.ok, (direct, detour)
    with open_store("sqlite", path=db) as store:
        store.write([replace(direct, started=hour() - timedelta(days=9))])
        store.write([replace(detour, started=hour() - timedelta(days=4))])
    located = run_locate(config, db, {"ncsa"})
    ncsa = next(e for e in located.evidence if e.name == "to-ncsa")
    assert ncsa.path_change.added == (topology.address(topology.DETOUR),)
    (change,) = located.localization.route_changes
    assert change.links == ("to-ncsa",)
    assert located.localization.best.causes == (change,)  # the likely cause in its own right
    out = run_cli("localize", "--config", str(config.files[0])).stdout
    assert f"route change on to-ncsa: route change +{topology.address(topology.DETOUR)}" in out
