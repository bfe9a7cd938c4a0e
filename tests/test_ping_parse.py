"""ping's parser over real outputs recorded in the lab (tests/fixtures/ping)."""

import json
from pathlib import Path

import pytest

from netprobe.model import Endpoint, ProbeSpec, RttOptions, Status
from netprobe.probes import PROBES, ping

FIXTURES = Path(__file__).parent / "fixtures" / "ping"
SPEC = ProbeSpec(
    name="rtt-ncsa", test="rtt", endpoint=Endpoint("ncsa", "198.18.3.2"), options=RttOptions()
)


def parse_fixture(name: str):
    run = json.loads((FIXTURES / f"{name}.json").read_text())
    (result,) = ping.parse(
        run["stdout"], SPEC, stderr=run["stderr"], returncode=run["returncode"], argv=run["argv"]
    )
    return result


@pytest.mark.parametrize(
    ("name", "rtt"),
    [("ok", (0.037, 0.044, 0.050, 0.004)), ("ok-ipv6", (0.045, 0.056, 0.093, 0.018))],
)
def test_all_answered(name, rtt):
    result = parse_fixture(name)
    assert result.status is Status.OK
    keys = ("rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "rtt_mdev_ms")
    assert tuple(result.metrics[key] for key in keys) == rtt
    assert result.metrics["loss_ratio"] == 0
    assert result.metrics["packets_sent"] == result.metrics["packets_received"] == 5
    assert (result.tool, result.test, result.endpoint) == ("ping", "rtt", "ncsa")


def test_partial_loss_is_ok_with_its_ratio():
    result = parse_fixture("partial-loss")
    assert result.status is Status.OK
    assert result.metrics["packets_sent"] == 20
    assert result.metrics["packets_received"] == 10
    assert result.metrics["loss_ratio"] == 0.5
    assert result.metrics["rtt_avg_ms"] == 0.050


@pytest.mark.parametrize("name", ["total-loss", "net-unreachable"])
def test_total_loss_is_unreachable_without_rtt(name):
    result = parse_fixture(name)
    assert result.status is Status.UNREACHABLE
    assert result.metrics["loss_ratio"] == 1.0
    assert not [key for key in result.metrics if key.startswith("rtt_")]
    assert "no reply to 4 packets" in result.reason


def test_router_message_is_kept_in_the_reason():
    assert "Destination Net Unreachable" in parse_fixture("net-unreachable").reason


def test_unknown_host():
    result = parse_fixture("unknown-host")
    assert result.status is Status.RESOLVE_FAILED
    assert result.reason == "ping: nosuch.invalid: Temporary failure in name resolution"
    assert result.metrics == {}


def test_other_errors_keep_pings_words():
    result = parse_fixture("bad-bind")
    assert result.status is Status.TOOL_ERROR
    assert result.reason == "ping: bind: Cannot assign requested address"


def test_killed_at_deadline_is_timeout():
    (result,) = ping.parse(
        "PING 198.18.3.2 (198.18.3.2) 56(84) bytes of data.\n", SPEC, returncode=None
    )
    assert result.status is Status.TIMEOUT
    assert result.metrics == {}


def test_busybox_summary_without_mdev():
    text = (
        "3 packets transmitted, 2 packets received, 33% packet loss\n"
        "round-trip min/avg/max = 0.1/0.2/0.3 ms\n"
    )
    (result,) = ping.parse(text, SPEC)
    assert result.metrics["rtt_max_ms"] == 0.3
    assert "rtt_mdev_ms" not in result.metrics
    assert result.metrics["loss_ratio"] == pytest.approx(1 / 3)


def test_command_line():
    spec = ProbeSpec(
        name="p",
        test="rtt",
        endpoint=Endpoint("ncsa", "ncsa", family="ipv6"),
        options=RttOptions(count=3, interval=0.2, size=1400),
        bind="2001:2:0:1::2",
    )
    assert ping.command(spec) == [
        "ping", "-n", "-c", "3", "-i", "0.2", "-W", "2", "-s", "1400", "-6",
        "-I", "2001:2:0:1::2", "ncsa",
    ]  # fmt: skip
    assert ping.duration(spec) == pytest.approx(3 * 0.2 + ping.REPLY_WAIT)


def test_can_run_lists_every_problem():
    spec = ProbeSpec(
        name="p",
        test="rtt",
        endpoint=Endpoint("ncsa", "ncsa"),
        options=RttOptions(count=0, interval=0),
        netns="np-no-such-namespace",
    )
    reasons = ping.can_run(spec)
    assert len(reasons) == 3
    assert any("np-no-such-namespace" in reason for reason in reasons)


def test_registered():
    assert PROBES["ping"] is ping
    assert ping.NAME == "ping" and ping.TEST == "rtt"
