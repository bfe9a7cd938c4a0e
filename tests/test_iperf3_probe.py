"""The iperf3 probe contract: can_run reasons, duration, and summing parallel processes."""

from pathlib import Path

import pytest

from netprobe.model import Direction, Endpoint, ProbeSpec, RttOptions, Status, ThroughputOptions
from netprobe.probes import PROBES, iperf3
from netprobe.probes.iperf3_json import parse

FIXTURES = Path(__file__).parent / "fixtures" / "iperf3"


def spec_for(port: int = 5201, family: str = "any", test: str = "throughput", **options):
    return ProbeSpec(
        name="p",
        test=test,
        endpoint=Endpoint(name="lab", host="198.18.0.2", port=port, family=family),
        options=ThroughputOptions(**options),
    )


def test_registered():
    assert PROBES["iperf3"] is iperf3
    assert (iperf3.NAME, iperf3.TEST) == ("iperf3", "throughput")


def test_can_run_reports_every_problem_at_once():
    spec = spec_for(
        port=65535,
        family="ipx",
        duration=2.5,
        omit=-1,
        parallel=0,
        mss=20,
        tos=300,
        reverse=True,
        bidir=True,
        processes=2,
        window=0,
        bandwidth=-1,
        connect_timeout=0,
        interval=0.01,
    )
    reasons = iperf3.can_run(spec)
    for words in [
        "duration must be a whole number",
        "omit must be a whole number",
        "parallel must be within 1..128, got 0",
        "mss must be within",
        "tos must be within 0..255, got 300",
        "reverse and bidir exclude each other",
        "ports 65535..65536 are outside",
        "window must be > 0",
        "bandwidth must be >= 0",
        "connect_timeout must be > 0",
        "interval must be 0",
        "family must be any, ipv4 or ipv6",
    ]:
        assert any(words in reason for reason in reasons), (words, reasons)


def test_can_run_accepts_a_good_spec_and_udp_without_bandwidth():
    if not iperf3.features().installed:
        pytest.skip("iperf3 is not installed")
    assert iperf3.can_run(spec_for()) == []
    assert iperf3.can_run(spec_for(udp=True)) == []


def test_can_run_wrong_test_and_options():
    spec = ProbeSpec(
        name="p", test="rtt", endpoint=Endpoint(name="lab", host="h"), options=RttOptions()
    )
    reasons = iperf3.can_run(spec)
    assert "iperf3 measures throughput, not 'rtt'" in reasons
    assert any("needs throughput options" in r for r in reasons)


def test_can_run_missing_namespace():
    spec = ProbeSpec(
        name="p",
        test="throughput",
        endpoint=Endpoint(name="lab", host="h"),
        options=ThroughputOptions(),
        netns="np-no-such-namespace",
    )
    assert "network namespace 'np-no-such-namespace' does not exist" in iperf3.can_run(spec)


def test_duration_covers_omit_test_and_retries():
    short, longer = spec_for(duration=10), spec_for(duration=10, omit=5)
    assert iperf3.duration(short) > 10 + short.options.connect_timeout
    assert iperf3.duration(longer) - iperf3.duration(short) == 5
    # A hung attempt is killed before the probe's whole budget runs out.
    assert short.options.duration < iperf3.attempt_deadline(short) < iperf3.duration(short)


def results(name: str, spec=None):
    return parse((FIXTURES / name).read_text(), spec or spec_for())


def test_combine_sums_receivers_and_retransmits_per_slot():
    a, b = results("3.12/tcp_default.json"), results("3.12/tcp_parallel4.json")
    (total,) = iperf3.combine([a, b], [5201, 5202])
    assert total.ok and total.context["processes"] == 2
    assert total.throughput_bps == a[0].throughput_bps + b[0].throughput_bps
    assert total.metrics["retransmits"] == a[0].metrics["retransmits"] + b[0].metrics["retransmits"]
    assert total.metrics["max_cwnd_bytes"] == max(
        a[0].metrics["max_cwnd_bytes"], b[0].metrics["max_cwnd_bytes"]
    )
    assert len(total.intervals) == min(len(a[0].intervals), len(b[0].intervals))
    for slot, (x, y) in enumerate(zip(a[0].intervals, b[0].intervals, strict=False)):
        assert total.intervals[slot].bps == x.bps + y.bps
        assert total.intervals[slot].retransmits == x.retransmits + y.retransmits
        assert total.intervals[slot].start == min(x.start, y.start)


def test_combine_udp_loss_is_weighted_by_packets():
    a, b = results("3.12/udp_100m.json"), results("3.9/udp.json")
    (total,) = iperf3.combine([a, b], [5201, 5202])
    sent = a[0].metrics["packets_sent"] + b[0].metrics["packets_sent"]
    assert total.metrics["packets_sent"] == sent
    assert total.metrics["loss_ratio"] == 0.0


def test_combine_bidir_keeps_directions():
    a = results("3.12/tcp_bidir.json", spec_for(bidir=True))
    forward, reverse = iperf3.combine([a, a], [5201, 5202])
    assert (forward.direction, reverse.direction) == (Direction.FORWARD, Direction.REVERSE)
    assert reverse.throughput_bps == 2 * a[1].throughput_bps


def test_combine_any_failure_fails_the_whole_and_names_ports():
    good, refused = results("3.12/tcp_default.json"), results("3.12/error_refused.json")
    busy = results("3.12/error_server_busy.json")
    (total,) = iperf3.combine([good, refused, busy], [5201, 5202, 5203])
    assert total.status is Status.REFUSED
    assert total.throughput_bps is None and total.metrics == {} and total.intervals == []
    assert total.reason == (
        "port 5202: refused: unable to connect to server: Connection refused; "
        "port 5203: busy: the server is busy running a test. try again later"
    )
    assert "port 5202: start time unknown" in total.flags
