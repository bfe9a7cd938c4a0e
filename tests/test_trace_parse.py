"""traceroute's parser over real outputs recorded in the lab (tests/fixtures/trace)."""

import json
from pathlib import Path

import pytest

from netprobe.model import Endpoint, Hop, ProbeSpec, Status, TraceOptions
from netprobe.probes import PROBES, trace

FIXTURES = Path(__file__).parent / "fixtures" / "trace"
SPEC = ProbeSpec(
    name="trace-ncsa", test="trace", endpoint=Endpoint("ncsa", "ncsa"), options=TraceOptions()
)


def parse_fixture(name: str):
    run = json.loads((FIXTURES / f"{name}.json").read_text())
    (result,) = trace.parse(
        run["stdout"], SPEC, stderr=run["stderr"], returncode=run["returncode"], argv=run["argv"]
    )
    return result


def test_reached():
    result = parse_fixture("ok")
    assert result.status is Status.OK
    assert result.hops == [
        Hop(ttl=1, address="198.18.1.1", rtt_ms=0.380),
        Hop(ttl=2, address="198.18.2.2", rtt_ms=0.256),
    ]
    assert result.context["destination"] == "198.18.2.2"


def test_ipv6_three_queries_keep_the_fastest():
    result = parse_fixture("ok-ipv6")
    assert result.status is Status.OK
    assert result.hops == [
        Hop(ttl=1, address="2001:2:0:1::1", rtt_ms=0.008),
        Hop(ttl=2, address="2001:2:0:3::2", rtt_ms=0.009),
    ]


def test_names_and_addresses():
    result = parse_fixture("names")
    assert result.status is Status.OK
    assert result.hops == [
        Hop(ttl=1, address="198.18.1.1", rtt_ms=0.022),
        Hop(ttl=2, address="198.18.3.2", name="ncsa", rtt_ms=0.009),
    ]


def test_silent_hop_has_no_address():
    result = parse_fixture("silent-router")
    assert result.status is Status.OK
    assert result.hops == [Hop(ttl=1, address=None), Hop(ttl=2, address="198.18.2.2", rtt_ms=0.008)]


def test_router_says_network_unreachable():
    result = parse_fixture("net-unreachable")
    assert result.status is Status.UNREACHABLE
    assert result.hops == [Hop(ttl=1, address="198.18.1.1", rtt_ms=0.109)]
    assert "198.18.1.1 answered !N (network unreachable) at hop 1" in result.reason


def test_path_stops_at_the_router():
    result = parse_fixture("far-end-down")
    assert result.status is Status.UNREACHABLE
    assert result.hops[0] == Hop(ttl=1, address="198.18.1.1", rtt_ms=0.033)
    assert [hop.address for hop in result.hops[1:]] == [None] * 4
    assert result.reason == "198.18.3.2 not reached; last answer from 198.18.1.1 at hop 1"


def test_unknown_host():
    result = parse_fixture("unknown-host")
    assert result.status is Status.RESOLVE_FAILED
    assert result.reason == "nosuch.invalid: Temporary failure in name resolution"
    assert result.hops == []


def test_killed_at_deadline_keeps_hops_so_far():
    text = (
        "traceroute to 198.18.3.2 (198.18.3.2), 30 hops max, 60 byte packets\n"
        " 1  198.18.1.1  0.03 ms\n"
    )
    (result,) = trace.parse(text, SPEC, returncode=None)
    assert result.status is Status.TIMEOUT
    assert result.hops == [Hop(ttl=1, address="198.18.1.1", rtt_ms=0.03)]


def test_several_routers_at_one_hop():
    text = (
        "traceroute to 10.0.0.9 (10.0.0.9), 30 hops max, 60 byte packets\n"
        " 1  10.0.0.1  1.0 ms 10.0.0.2  2.0 ms *\n"
        " 2  10.0.0.9  3.0 ms !X\n"
    )
    (result,) = trace.parse(text, SPEC)
    assert [(hop.ttl, hop.address) for hop in result.hops] == [
        (1, "10.0.0.1"), (1, "10.0.0.2"), (2, "10.0.0.9"),
    ]  # fmt: skip
    assert result.status is Status.OK


def test_command_line():
    spec = ProbeSpec(
        name="t",
        test="trace",
        endpoint=Endpoint("ncsa", "198.18.3.2", family="ipv4"),
        options=TraceOptions(max_hops=5, queries=2, wait=1.5),
    )
    assert trace.command(spec) == [
        "traceroute", "-n", "-q", "2", "-w", "1.5", "-m", "5", "-4", "198.18.3.2",
    ]  # fmt: skip
    assert trace.duration(spec) == pytest.approx(5 * 2 * 1.5)


def test_can_run_lists_every_problem():
    spec = ProbeSpec(
        name="t",
        test="trace",
        endpoint=Endpoint("ncsa", "ncsa"),
        options=TraceOptions(max_hops=0, queries=0, wait=0),
    )
    assert len(trace.can_run(spec)) == 3


def test_registered():
    assert PROBES["traceroute"] is trace
    assert trace.TEST == "trace"
