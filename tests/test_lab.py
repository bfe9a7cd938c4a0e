"""The lab for real: namespaces, routing, tbf rates, injected loss, cut links, teardown."""

import json
import os
import subprocess
from pathlib import Path

import pytest

from netprobe.errors import LabError
from netprobe.lab import Lab, shaping, topology
from netprobe.model import Endpoint, ProbeSpec, RttOptions, Status, TraceOptions
from netprobe.probes import ping, trace

pytestmark = pytest.mark.lab


def spec_to(lab: Lab, node: str, options, *, family: int = 4, host: str | None = None):
    """A probe from the site namespace to ``node`` (its lab address unless ``host``)."""
    host = host or (topology.address(node, family) if node in topology.NODES else node)
    test = "rtt" if isinstance(options, RttOptions) else "trace"
    return ProbeSpec(
        name=f"{test}-{node}",
        test=test,
        endpoint=Endpoint(node, host),
        options=options,
        netns=lab.namespace(topology.SITE),
    )


FAST_PING = RttOptions(count=3, interval=0.05)
FAST_TRACE = TraceOptions(max_hops=4, queries=1, wait=1.0)


def test_up_builds_namespaces_links_and_servers(lab):
    state = lab.status()
    assert state.complete, state
    for node in topology.NODES:
        assert Path("/run/netns", lab.namespace(node)).exists()
    for planned, seen in zip(topology.LINKS, state.links, strict=True):
        for end, end_seen in zip(planned.ends, seen.ends, strict=True):
            assert (end_seen.namespace, end_seen.interface) == (
                lab.namespace(end.node),
                end.interface,
            )
            assert sorted(end_seen.addresses) == sorted([end.ipv4, end.ipv6])
            assert end_seen.shaping.rate_bps == topology.DEFAULT_RATE_BPS[planned.name]
    listening = {(server.namespace, server.port) for server in state.servers if server.listening}
    assert listening == {
        (lab.namespace(node), port) for node in topology.ENDPOINTS for port in topology.SERVER_PORTS
    }


@pytest.mark.parametrize("family", [4, 6])
@pytest.mark.parametrize("node", topology.ENDPOINTS)
def test_site_reaches_endpoints_through_the_router(lab, node, family):
    (rtt,) = ping.run(spec_to(lab, node, FAST_PING, family=family))
    assert rtt.status is Status.OK, rtt.reason
    assert rtt.metrics["loss_ratio"] == 0
    (path,) = trace.run(spec_to(lab, node, FAST_TRACE, family=family))
    assert path.status is Status.OK, path.reason
    assert [hop.address for hop in path.hops] == [
        topology.gateway(topology.SITE, family),
        topology.address(node, family),
    ]


def test_lab_names_resolve_inside_the_lab(lab):
    (rtt,) = ping.run(spec_to(lab, "starlight", FAST_PING, host="starlight"))
    assert rtt.status is Status.OK, rtt.reason


def test_up_again_changes_nothing(lab):
    assert lab.up() == []


def test_up_repairs_a_cut_link(lab):
    router = lab.namespace(topology.ROUTER)
    lab.cut("ncsa")
    assert not lab.status().complete
    assert f"brought up {router} to-ncsa" in lab.up()
    assert lab.status().complete
    (rtt,) = ping.run(spec_to(lab, "ncsa", FAST_PING))
    assert rtt.status is Status.OK, rtt.reason


def test_up_restarts_a_stopped_server(lab):
    lab.stop_server("starlight", 5202)
    stopped = {(x.namespace, x.port): x for x in lab.status().servers}
    assert not stopped[(lab.namespace("starlight"), 5202)].listening
    assert stopped[(lab.namespace("starlight"), 5201)].listening
    assert lab.up() == [f"started iperf3 server {lab.namespace('starlight')}:5202"]
    assert lab.status().complete


def iperf3_receiver_bps(lab: Lab, node: str, *reverse: str) -> float:
    """bits_per_second of end.sum_received of a 2 s ``iperf3 -c`` from the site."""
    argv = ["iperf3", "-c", topology.address(node), "-t", "2", "-J", *reverse]
    done = subprocess.run(
        ["ip", "netns", "exec", lab.namespace(topology.SITE), *argv],
        capture_output=True,
        text=True,
        timeout=20,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-500:] + done.stderr
    return json.loads(done.stdout)["end"]["sum_received"]["bits_per_second"]


@pytest.mark.parametrize(
    ("rate", "direction"), [(100e6, ()), (100e6, ("-R",)), (500e6, ())], ids=str
)
def test_shaped_rate_holds(lab, rate, direction):
    lab.shape("starlight", rate_bps=rate)
    assert [end.shaping.rate_bps for end in lab.status().links[1].ends] == [rate, rate]
    ratio = iperf3_receiver_bps(lab, "starlight", *direction) / rate
    assert 0.85 <= ratio <= 1.0


def test_injected_loss_shows_in_ping(lab):
    lab.shape("ncsa", loss=0.3)
    assert [end.shaping.loss for end in lab.status().links[2].ends] == [0.3, 0.3]
    (rtt,) = ping.run(spec_to(lab, "ncsa", RttOptions(count=40, interval=0.01)))
    # Each way drops 30 %: a round trip survives with 0.49, so 40 echoes all lost or all
    # answered are both below one chance in 10^11.
    assert rtt.status is Status.OK, rtt.reason
    assert 0 < rtt.metrics["loss_ratio"] < 1
    assert rtt.metrics["packets_sent"] == 40


def test_cut_far_link_is_unreachable_and_the_path_stops_at_the_router(lab):
    lab.cut("ncsa")
    (rtt,) = ping.run(spec_to(lab, "ncsa", FAST_PING))
    assert rtt.status is Status.UNREACHABLE
    assert "rtt_avg_ms" not in rtt.metrics
    (path,) = trace.run(spec_to(lab, "ncsa", FAST_TRACE))
    assert path.status is Status.UNREACHABLE
    assert path.hops[0].address == topology.gateway(topology.SITE)
    assert topology.address("ncsa") not in [hop.address for hop in path.hops]


@pytest.mark.parametrize("family", [4, 6])
def test_reroute_sends_the_path_through_the_second_router_and_back(lab, family):
    detour = topology.address(topology.DETOUR, family)
    lab.reroute("ncsa")
    assert lab.status().rerouted == ["ncsa"]
    (path,) = trace.run(spec_to(lab, "ncsa", FAST_TRACE, family=family))
    assert path.status is Status.OK, path.reason
    assert [hop.address for hop in path.hops] == [
        topology.gateway(topology.SITE, family),
        detour,
        topology.address("ncsa", family),
    ]
    (rtt,) = ping.run(spec_to(lab, "ncsa", FAST_PING, family=family))
    assert rtt.status is Status.OK and rtt.metrics["loss_ratio"] == 0  # answers come back
    lab.reroute("ncsa", back=True)
    assert lab.status().rerouted == []
    (path,) = trace.run(spec_to(lab, "ncsa", FAST_TRACE, family=family))
    assert detour not in [hop.address for hop in path.hops]


def test_only_ncsa_can_be_rerouted(lab):
    with pytest.raises(LabError, match="no detour to 'starlight'"):
        lab.reroute("starlight")


def test_unknown_host_never_leaves_the_lab(lab):
    (rtt,) = ping.run(spec_to(lab, "nosuch.invalid", FAST_PING))
    assert rtt.status is Status.RESOLVE_FAILED
    (path,) = trace.run(spec_to(lab, "nosuch.invalid", FAST_TRACE))
    assert path.status is Status.RESOLVE_FAILED


def test_delay_needs_netem(lab):
    if shaping.netem_available(lab.namespace(topology.ROUTER)):
        lab.shape("ncsa", delay_s=0.01)
        assert lab.status().links[2].ends[0].shaping.delay_s == pytest.approx(0.01)
    else:
        with pytest.raises(LabError, match="netem"):
            lab.shape("ncsa", rate_bps=200e6, delay_s=0.01)
        assert lab.status().links[2].ends[0].shaping.rate_bps is None  # nothing half-applied


@pytest.mark.parametrize(
    ("link", "options", "message"),
    [
        ("moon", {}, "no lab link 'moon'"),
        ("ncsa", {"rate_bps": 0}, "rate must be > 0"),
        ("ncsa", {"loss": 1.5}, "between 0 and 1"),
    ],
)
def test_shape_refuses_bad_values(lab, link, options, message):
    with pytest.raises(LabError, match=message):
        lab.shape(link, **options)


def test_down_leaves_nothing_and_is_safe_twice(spare_lab):
    spare_lab.up()
    pids = [server.pid for server in spare_lab.status().servers]
    assert all(pids)
    removed = spare_lab.down()
    assert len(removed) == len(topology.NODES)
    assert not [name for name in os.listdir("/run/netns") if name.startswith(spare_lab.prefix)]
    assert not [pid for pid in pids if _running(pid)]
    assert not [p for p in Path("/etc/netns").glob(f"{spare_lab.prefix}*")]
    assert spare_lab.down() == []
    assert spare_lab.status().absent


def _running(pid: int) -> bool:
    """True while ``pid`` exists and is not a zombie waiting to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False
