"""iperf3 JSON parsing over every recorded output (3.1.3 … 3.12) and broken variants of them."""

import json
import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netprobe.model import Direction, Endpoint, ProbeSpec, Status, ThroughputOptions
from netprobe.probes.iperf3_json import classify_error, extract, parse

FIXTURES = Path(__file__).parent / "fixtures" / "iperf3"
ALL = sorted(p.relative_to(FIXTURES).as_posix() for p in FIXTURES.glob("*/*.json"))

F, R = Direction.FORWARD, Direction.REVERSE
OK = Status.OK
# Every fixture, with the (direction, status) of each Result it must give.
EXPECTED = {
    "3.1.3/perfsonar-tcp-1stream-lan.json": [(F, OK)],
    "3.1.3/perfsonar-udp-1stream-lan.json": [(F, OK)],
    "3.1.3/tcp_default.json": [(F, OK)],
    "3.1.3/udp.json": [(F, OK)],
    "3.1.6/perfsonar-tcp-1stream-wan-a.json": [(F, OK)],
    "3.1.6/perfsonar-tcp-1stream-wan-b.json": [(F, OK)],
    "3.1.6/tcp_t20_htcp_run1.json": [(F, OK)],
    "3.1.6/tcp_t20_htcp_run2.json": [(F, OK)],
    "3.12/error_connect_timeout.json": [(F, Status.UNREACHABLE)],
    "3.12/error_refused.json": [(F, Status.REFUSED)],
    "3.12/error_resolve.json": [(F, Status.RESOLVE_FAILED)],
    "3.12/error_server_busy.json": [(F, Status.BUSY)],
    "3.12/loopback_reverse_get_server_output.json": [(R, OK)],
    "3.12/loopback_reverse_p2_get_server_output.json": [(R, OK)],
    "3.12/tcp_bidir.json": [(F, OK), (R, OK)],
    "3.12/tcp_default.json": [(F, OK)],
    "3.12/tcp_ipv6.json": [(F, OK)],
    "3.12/tcp_omit_interval.json": [(F, OK)],
    "3.12/tcp_parallel4.json": [(F, OK)],
    "3.12/tcp_reverse.json": [(R, OK)],
    "3.12/tcp_zerocopy_window_cc_mss.json": [(F, OK)],
    "3.12/udp_100m.json": [(F, OK)],
    "3.12/udp_100m_reverse.json": [(R, OK)],
    "3.6/error_control_socket_closed.json": [(F, Status.TOOL_ERROR)],
    "3.6/tcp_bytes_large_file.json": [(F, OK)],
    "3.7/error_auth_failed.json": [(F, Status.TOOL_ERROR)],
    "3.7/error_refused.json": [(F, Status.REFUSED)],
    "3.9/incomplete_connected.json": [(F, Status.TOOL_ERROR)],
    "3.9/incomplete_not_connected.json": [(F, Status.TOOL_ERROR)],
    # The receiver counted 0 of 46464 bytes sent: an iperf3 race, not a measurement.
    "3.9/tcp_bytes_10k.json": [(F, Status.TOOL_ERROR)],
    "3.9/tcp_loopback.json": [(F, OK)],
    "3.9/tcp_omit3_t10.json": [(F, OK)],
    "3.9/udp.json": [(F, OK)],
}
GOOD = [name for name in ALL if all(status is OK for _, status in EXPECTED[name])]
FAILED = [name for name in ALL if name not in GOOD]


def spec_for(**options) -> ProbeSpec:
    return ProbeSpec(
        name="p",
        test="throughput",
        endpoint=Endpoint(name="lab", host="198.18.0.2"),
        options=ThroughputOptions(**options),
    )


SPEC = spec_for()


def text(name: str) -> str:
    return (FIXTURES / name).read_text()


def doc(name: str) -> dict:
    return json.loads(text(name))


def receiver_rate(d: dict, suffix: str = "") -> float:
    """The receiver throughput read straight from the document, as the README defines it."""
    end = d["end"]
    if f"sum_received{suffix}" in end:
        return end[f"sum_received{suffix}"]["bits_per_second"]
    total = end["sum"]  # UDP before 3.12: sender rate and receiver loss in one block
    return total["bits_per_second"] * (1 - total["lost_packets"] / total["packets"])


def test_every_fixture_has_an_expectation():
    assert sorted(EXPECTED) == ALL


@pytest.mark.parametrize("name", ALL)
def test_directions_and_statuses(name):
    results = parse(text(name), SPEC)
    assert [(r.direction, r.status) for r in results] == EXPECTED[name]
    for r in results:
        assert r.tool == "iperf3" and r.endpoint == "lab" and r.probe == "p"


@pytest.mark.parametrize("name", GOOD)
def test_ok_results_carry_receiver_and_sender_throughput(name):
    d = doc(name)
    results = parse(text(name), SPEC)
    for result, suffix in zip(results, ["", "_bidir_reverse"], strict=False):
        assert result.throughput_bps == pytest.approx(receiver_rate(d, suffix))
        sent = d["end"].get(f"sum_sent{suffix}") or d["end"]["sum"]
        assert result.metrics["sender_bps"] == pytest.approx(sent["bits_per_second"])
        assert result.metrics["cpu_local_pct"] == d["end"]["cpu_utilization_percent"]["host_total"]
        assert result.context["iperf3_version"] == d["start"]["version"].split()[-1]
        connected = d["start"]["connected"][0]
        assert result.context["remote_host"] == connected["remote_host"]
        assert result.context["remote_port"] == connected["remote_port"]
        assert result.reason is None and result.flags == []
        assert result.started == datetime.fromtimestamp(d["start"]["timestamp"]["timesecs"], UTC)
        assert isinstance(result.context["host_bound"], bool)


@pytest.mark.parametrize("name", GOOD)
def test_intervals_are_absolute_utc_and_mark_omitted(name):
    d = doc(name)
    t0 = datetime.fromtimestamp(d["start"]["timestamp"]["timesecs"], UTC)
    main = parse(text(name), SPEC)[0]
    raw = [iv["sum"] for iv in d["intervals"]]
    assert len(main.intervals) == len(raw) > 0
    for got, want in zip(main.intervals, raw, strict=True):
        assert got.start == t0 + timedelta(seconds=want["start"])
        assert got.start.tzinfo is UTC
        assert got.bps == pytest.approx(want["bits_per_second"])
        assert got.omitted == want["omitted"]


@pytest.mark.parametrize("name", FAILED)
def test_failures_have_a_reason_and_no_values(name):
    for result in parse(text(name), SPEC):
        assert result.throughput_bps is None
        assert result.metrics == {} and result.intervals == []
        assert result.reason


def test_parallel_streams_sum_and_stream_maxima():
    d = doc("3.12/tcp_parallel4.json")
    (result,) = parse(text("3.12/tcp_parallel4.json"), SPEC)
    assert result.throughput_bps == d["end"]["sum_received"]["bits_per_second"]
    assert result.metrics["retransmits"] == d["end"]["sum_sent"]["retransmits"]
    senders = [s["sender"] for s in d["end"]["streams"]]
    assert len(senders) == result.context["streams"] == 4
    assert result.metrics["max_cwnd_bytes"] == max(s["max_snd_cwnd"] for s in senders)
    mean_rtt_us = sum(s["mean_rtt"] for s in senders) / 4
    assert result.metrics["rtt_ms"] == pytest.approx(mean_rtt_us / 1000)
    # Interval cwnd is the streams' windows together.
    first = d["intervals"][0]["streams"]
    assert result.intervals[0].cwnd_bytes == sum(s["snd_cwnd"] for s in first)


def test_bidir_gives_each_flow_its_own_blocks():
    d = doc("3.12/tcp_bidir.json")
    forward, reverse = parse(text("3.12/tcp_bidir.json"), spec_for(bidir=True))
    end = d["end"]
    assert forward.throughput_bps == end["sum_received"]["bits_per_second"]
    assert reverse.throughput_bps == end["sum_received_bidir_reverse"]["bits_per_second"]
    assert reverse.metrics["retransmits"] == end["sum_sent_bidir_reverse"]["retransmits"]
    assert [i.bps for i in reverse.intervals] == [
        iv["sum_bidir_reverse"]["bits_per_second"] for iv in d["intervals"]
    ]
    # The local "sender" block of the reverse flow describes the receiving socket: not an RTT.
    assert "rtt_ms" not in reverse.metrics and "max_cwnd_bytes" not in reverse.metrics
    assert forward.metrics["rtt_ms"] > 0


def test_bidir_reverse_flow_names_the_servers_congestion_as_its_senders():
    d = doc("3.12/tcp_bidir.json")
    d["end"].update(sender_tcp_congestion="cubic", receiver_tcp_congestion="bbr")
    forward, reverse = parse(json.dumps(d), spec_for(bidir=True))
    assert (forward.context["congestion"], forward.context["congestion_receiver"]) == (
        "cubic",
        "bbr",
    )
    assert (reverse.context["congestion"], reverse.context["congestion_receiver"]) == (
        "bbr",
        "cubic",
    )


def test_reverse_takes_sender_retransmits_but_not_local_zero_rtt():
    d = doc("3.12/tcp_reverse.json")
    (result,) = parse(text("3.12/tcp_reverse.json"), SPEC)
    assert result.direction is Direction.REVERSE
    assert result.metrics["retransmits"] == d["end"]["sum_sent"]["retransmits"]
    assert "rtt_ms" not in result.metrics  # reported as 0: unknown, not zero


@pytest.mark.parametrize(
    "name, retransmits",
    [
        ("3.12/loopback_reverse_get_server_output.json", 2),
        ("3.12/loopback_reverse_p2_get_server_output.json", 6),
    ],
)
def test_reverse_retransmits_from_server_text_when_the_client_lost_them(name, retransmits):
    d = doc(name)
    del d["end"]["sum_sent"]["retransmits"]  # as clients before 3.12 could leave them
    for stream in d["end"]["streams"]:
        del stream["sender"]["retransmits"]
    (result,) = parse(json.dumps(d), SPEC)
    assert result.metrics["retransmits"] == retransmits


def test_reverse_rtt_from_server_output_json():
    d = doc("3.12/tcp_reverse.json")
    server_stream = {"sender": {"mean_rtt": 4000, "max_snd_cwnd": 123456, "retransmits": 9}}
    d["server_output_json"] = {"end": {"streams": [server_stream]}}
    (result,) = parse(json.dumps(d), SPEC)
    assert result.metrics["rtt_ms"] == 4.0
    assert result.metrics["max_cwnd_bytes"] == 123456


def test_host_context():
    (result,) = parse(text("3.12/tcp_zerocopy_window_cc_mss.json"), SPEC)
    assert result.context["mss"] == 1400  # -M given: tcp_mss, not tcp_mss_default
    assert result.context["mtu"] == 1500
    assert result.context["congestion"] == result.context["congestion_receiver"] == "cubic"
    assert result.context["tos"] == 0
    assert result.context["system_info"].startswith("Linux")
    (ipv6,) = parse(text("3.12/tcp_ipv6.json"), SPEC)
    assert (ipv6.context["congestion"], ipv6.context["congestion_receiver"]) == ("bbr", "cubic")
    (old,) = parse(text("3.1.3/tcp_default.json"), SPEC)
    assert old.context["mss"] == 1448 and "congestion" not in old.context


def test_host_bound_uses_the_senders_cpu():
    (loop,) = parse(text("3.9/tcp_loopback.json"), SPEC)  # local sender at 99.5 %
    assert loop.context["host_bound"] is True
    d = doc("3.12/tcp_reverse.json")
    d["end"]["cpu_utilization_percent"].update(host_total=99.0, remote_total=20.0)
    (rev,) = parse(json.dumps(d), SPEC)  # the receiver is busy, the remote sender is not
    assert rev.context["host_bound"] is False
    d["end"]["cpu_utilization_percent"].update(host_total=20.0, remote_total=97.0)
    (rev,) = parse(json.dumps(d), SPEC)
    assert rev.context["host_bound"] is True


@pytest.mark.parametrize(
    "name, reason",
    [
        ("3.7/error_auth_failed.json", "test authorization failed"),
        ("3.7/error_refused.json", "unable to connect to server: Connection refused"),
        ("3.6/error_control_socket_closed.json", "control socket has closed unexpectedly"),
        ("3.12/error_server_busy.json", "the server is busy running a test. try again later"),
        ("3.9/incomplete_connected.json", "iperf3 run cut short: the document has no end summary"),
    ],
)
def test_failure_reason_is_the_tools_words_without_prefix(name, reason):
    (result,) = parse(text(name), SPEC)
    assert result.reason == reason


def test_a_text_error_without_json_is_the_tools_words():
    (result,) = parse(text("3.12/text_parameter_error.txt"), SPEC)
    assert result.status is Status.TOOL_ERROR
    assert result.reason == (
        "parameter error - client receive timeout is valid only in receiving mode"
    )
    old = "iperf3: error - unable to connect to server: Connection refused\n"
    (refused,) = parse(old, SPEC)
    assert refused.status is Status.REFUSED
    assert refused.reason == "unable to connect to server: Connection refused"


def test_a_failure_gives_every_direction_the_spec_asked_for():
    results = parse(text("3.12/error_refused.json"), spec_for(bidir=True))
    assert [(r.direction, r.status) for r in results] == [(F, Status.REFUSED), (R, Status.REFUSED)]


def test_started_argument_wins_and_missing_time_is_flagged():
    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    (result,) = parse(text("3.12/error_refused.json"), SPEC, started=when)
    assert result.started == when and result.flags == []
    (unknown,) = parse(text("3.12/error_refused.json"), SPEC)
    assert "start time unknown" in unknown.flags


@pytest.mark.parametrize(
    "message, status",
    [
        ("unable to connect to server: No route to host", Status.UNREACHABLE),
        ("unable to connect to server: Network is unreachable", Status.UNREACHABLE),
        ("unable to connect to server: Name or service not known", Status.RESOLVE_FAILED),
        ("unable to connect to server: nodename nor servname provided", Status.RESOLVE_FAILED),
        ("unable to resolve host", Status.RESOLVE_FAILED),
        ("the server is busy running a test. try again later", Status.BUSY),
        ("unable to send control message: Bad file descriptor", Status.TOOL_ERROR),
    ],
)
def test_classify_error(message, status):
    assert classify_error(message) is status


# --- real-world junk, built from the real files ---------------------------------------------


@pytest.mark.parametrize("name", GOOD)
def test_junk_before_the_document(name):
    junk = "\x1b[?1034hiperf3: warning - something odd\r\n"
    assert _rates(parse(junk + text(name), SPEC)) == _rates(parse(text(name), SPEC))


@pytest.mark.parametrize("name", GOOD)
def test_error_line_after_the_document_is_kept(name):
    tail = "iperf3: error - control socket has closed unexpectedly"
    results = parse(text(name) + "\n" + tail + "\n", SPEC)
    assert _rates(results) == _rates(parse(text(name), SPEC))
    for result in results:
        assert result.context["trailing_text"] == tail
        assert "text after the JSON document" in result.flags


@pytest.mark.parametrize("name", GOOD)
def test_document_printed_twice(name):
    once = parse(text(name), SPEC)
    twice = parse(text(name) + text(name), SPEC)
    assert _rates(twice) == _rates(once)
    assert all(r.status is OK for r in twice)


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("keep", [0.1, 0.5, 0.97])
def test_cut_off_mid_document_is_a_failure(name, keep):
    whole = text(name)
    results = parse(whole[: int(len(whole) * keep)], SPEC)
    for result in results:
        assert result.status is Status.TOOL_ERROR
        assert result.throughput_bps is None and result.metrics == {}
        assert result.reason.startswith("iperf3 printed no complete JSON document")


def test_error_document_with_text_after_keeps_both():
    (result,) = parse(text("3.12/error_refused.json") + "iperf3: interrupt\n", SPEC)
    assert result.status is Status.REFUSED
    assert result.reason.endswith("then: iperf3: interrupt")


SENTINEL = 987654321.125


def _with_sentinel(name: str, block: str, key: str) -> str:
    d = doc(name)
    d["end"][block][key] = SENTINEL
    return json.dumps(d, indent="\t")


@pytest.mark.parametrize("word", ["nan", "-nan", "inf", "-inf", "NaN"])
def test_non_finite_receiver_rate_is_flagged_not_stored(word):
    bad = _with_sentinel("3.12/tcp_default.json", "sum_received", "bits_per_second")
    (result,) = parse(bad.replace(str(SENTINEL), word), SPEC)
    assert result.status is Status.TOOL_ERROR
    assert result.throughput_bps is None
    assert any("sum_received.bits_per_second is impossible" in f for f in result.flags)


def test_nan_jitter_is_dropped_rest_kept():
    bad = _with_sentinel("3.12/udp_100m.json", "sum_received", "jitter_ms")
    (result,) = parse(bad.replace(str(SENTINEL), "-nan"), SPEC)
    assert result.ok and "jitter_ms" not in result.metrics
    assert (
        result.throughput_bps == doc("3.12/udp_100m.json")["end"]["sum_received"]["bits_per_second"]
    )
    assert result.flags == ["sum_received.jitter_ms is impossible: nan"]


def test_nan_in_a_string_is_left_alone():
    d = doc("3.12/error_server_busy.json")
    d["error"] = "odd: nan, inf"
    (result,) = parse(json.dumps(d), SPEC)
    assert result.reason == "odd: nan, inf"


def test_negative_sender_rate_is_flagged():
    d = doc("3.12/tcp_default.json")
    d["end"]["sum_sent"]["bits_per_second"] = -5.0
    (result,) = parse(json.dumps(d), SPEC)
    assert result.ok and "sender_bps" not in result.metrics
    assert result.flags == ["sum_sent.bits_per_second is impossible: -5.0"]


def test_loss_comes_from_packet_counts_not_lost_percent():
    d = doc("3.12/udp_100m.json")
    received = d["end"]["sum_received"]
    received.update(lost_packets=250, lost_percent=250.0)
    (result,) = parse(json.dumps(d), SPEC)
    assert result.ok
    assert result.metrics["loss_ratio"] == pytest.approx(250 / received["packets"])
    assert result.metrics["packets_received"] == received["packets"] - 250
    assert result.metrics["packets_sent"] == d["end"]["sum_sent"]["packets"]
    assert result.flags == ["sum_received.lost_percent is impossible: 250.0"]


@pytest.mark.parametrize("name", ["3.12/udp_100m.json", "3.1.3/udp.json"])
def test_wrapped_udp_counters_are_flagged(name):
    d = doc(name)
    block = d["end"].get("sum_received") or d["end"]["sum"]
    block["lost_packets"] = block["packets"] + 4_294_000_000
    (result,) = parse(json.dumps(d), SPEC)
    assert "loss_ratio" not in result.metrics and "packets_received" not in result.metrics
    assert any(f.startswith("UDP counters wrapped") for f in result.flags)
    if "sum_received" in d["end"]:  # 3.12 reports the receiver rate itself: still usable
        assert result.ok
    else:  # before 3.12 the receiver rate needs the loss: nothing trustworthy is left
        assert result.status is Status.TOOL_ERROR and result.throughput_bps is None


def test_receiver_bytes_far_above_sender_bytes_are_flagged():
    d = doc("3.12/tcp_default.json")
    d["end"]["sum_received"]["bytes"] = d["end"]["sum_sent"]["bytes"] * 3
    (result,) = parse(json.dumps(d), SPEC)
    assert result.status is Status.TOOL_ERROR and result.throughput_bps is None
    assert any("exceed sender bytes" in f for f in result.flags)


def test_receiver_slightly_above_sender_after_omit_is_fine():
    d = doc("3.9/tcp_omit3_t10.json")
    assert d["end"]["sum_received"]["bytes"] > d["end"]["sum_sent"]["bytes"]
    (result,) = parse(text("3.9/tcp_omit3_t10.json"), SPEC)
    assert result.ok and result.flags == []


def test_extract_returns_the_rest():
    d, rest = extract("junk {" + text("3.12/error_refused.json") + "trailer")
    assert d["error"].endswith("Connection refused") and rest == "trailer"
    assert extract("no json here") == (None, "no json here")


def _rates(results) -> list[tuple]:
    return [(r.direction, r.status, r.throughput_bps, r.metrics.get("sender_bps")) for r in results]


def test_rates_are_finite_everywhere():
    for name in GOOD:
        for result in parse(text(name), SPEC):
            assert all(math.isfinite(v) and v >= 0 for v in result.metrics.values()), name
