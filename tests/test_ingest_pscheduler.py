"""pScheduler runs and merged results → Results.

Real documents: the throughput result of pScheduler's own validate.py self-test (iperf2)
and pScheduler's trace-result.json, both in tests/fixtures/perfsonar/pscheduler/. Built
here (no real sample exists in shared/): the run envelopes (field names from pScheduler's
``run_json``), an iperf3-style result with receiver rate, retransmits and stream RTT
(field names from the throughput RESULT_SCHEMA), a UDP summary, and the rtt results
(field names from pscheduler-test-rtt's result schema).
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netprobe.errors import DocumentError
from netprobe.ingest.pscheduler_result import (
    FAILED_STATES,
    PENDING_STATES,
    parse_merged,
    parse_run,
)
from netprobe.model import Direction, Hop, Status
from netprobe.units import parse_iso8601_duration

FIXTURES = Path(__file__).parent / "fixtures" / "perfsonar" / "pscheduler"
STARTED = datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
THROUGHPUT = {"type": "throughput", "spec": {"source": "10.0.2.15", "dest": "10.0.2.4"}}
RUN_HREF = "https://ps.example/pscheduler/tasks/7c0e/runs/3f1a-42"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def run_of(merged, state="finished", **extra):
    """A run object as ``GET …/runs/<uuid>`` answers it (built)."""
    return {
        "href": RUN_HREF,
        "state": state,
        "start-time": "2024-03-01T13:00:00+01:00",
        "end-time": "2024-03-01T13:00:12+01:00",
        "result-merged": merged,
        **extra,
    }


def iperf3_like(**summary):
    """A throughput result shaped as pScheduler's iperf3 tool merges it (built)."""
    total = {
        "start": 0,
        "end": 10,
        "throughput-bits": 950e6,
        "receiver-throughput-bits": 940e6,
        "retransmits": 159,
        **summary,
    }
    return {
        "succeeded": True,
        "diags": "",
        "intervals": [
            {
                "streams": [],
                "summary": {
                    "start": 0.0,
                    "end": 1.0,
                    "throughput-bits": 900e6,
                    "retransmits": 12,
                    "rtt": 1400,
                    "tcp-window-size": 312000,
                },
            },
            {
                "streams": [],
                "summary": {"start": 1.0, "end": 2.0, "throughput-bits": 960e6, "omitted": True},
            },
        ],
        "summary": {
            "streams": [{"stream-id": 5, "rtt": 1500}, {"stream-id": 7, "rtt": 2500}],
            "summary": total,
        },
        "mss": 1448,
    }


def test_iperf2_self_test_result():
    result = parse_run(
        run_of(load("throughput-result-example-iperf2.json")), THROUGHPUT, tool="iperf2"
    )
    assert result.status is Status.OK
    assert (result.site, result.endpoint, result.direction) == (
        "10.0.2.15",
        "10.0.2.4",
        Direction.FORWARD,
    )
    assert (result.probe, result.test, result.tool) == (
        "pscheduler:throughput",
        "throughput",
        "iperf2",
    )
    assert result.started == datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
    assert result.ended == datetime(2024, 3, 1, 12, 0, 12, tzinfo=UTC)
    # iperf2 reports the sending side only; it is kept and labelled as such.
    assert result.metrics == {"sender_bps": 1.76e9, "throughput_bps": 1.76e9}
    assert result.context["throughput_side"] == "sender"
    assert result.context["source"] == "pscheduler"
    assert result.context["archive_id"] == "3f1a-42"
    assert [i.bps for i in result.intervals] == [
        1.39e9,
        1.73e9,
        1.58e9,
        1.78e9,
        1.76e9,
        1.88e9,
        1.85e9,
        1.85e9,
        1.90e9,
        1.87e9,
    ]
    assert result.intervals[3].start == result.started + timedelta(seconds=3)
    assert result.intervals[3].seconds == 1.0


def test_iperf3_receiver_rate_retransmits_and_stream_rtt():
    result = parse_merged(iperf3_like(), THROUGHPUT, started=STARTED, tool="iperf3")
    assert result.metrics == {
        "sender_bps": 950e6,
        "throughput_bps": 940e6,
        "retransmits": 159.0,
        "rtt_ms": 2.0,  # mean of the streams' 1500 and 2500 µs
    }
    assert "throughput_side" not in result.context
    assert result.context["streams"] == 2
    assert result.context["mss"] == 1448
    first, second = result.intervals
    assert (first.bps, first.retransmits, first.rtt_ms, first.cwnd_bytes) == (
        900e6,
        12,
        1.4,
        312000,
    )
    assert second.omitted and second.start == STARTED + timedelta(seconds=1)


def test_intervals_written_as_numeric_strings_read_the_same():
    plain = iperf3_like()
    as_text = iperf3_like()
    for interval in as_text["intervals"]:
        summary = interval["summary"]
        for key, value in summary.items():
            if type(value) in (int, float):
                summary[key] = str(value)  # as some archives write numbers
    fast = parse_merged(plain, THROUGHPUT, started=STARTED).intervals
    checked = parse_merged(as_text, THROUGHPUT, started=STARTED).intervals
    assert fast == checked and len(fast) == 2


def test_a_bad_interval_field_is_named():
    doc = iperf3_like()
    doc["intervals"][1]["summary"]["throughput-bits"] = float("inf")
    with pytest.raises(DocumentError, match=r"result\.intervals\[1\]\.summary\.throughput-bits"):
        parse_merged(doc, THROUGHPUT, started=STARTED)


def test_reverse_test_is_the_reverse_direction():
    test = {
        "type": "throughput",
        "spec": {"source": "a.example", "dest": "b.example", "reverse": True},
    }
    result = parse_merged(iperf3_like(), test, started=STARTED)
    assert (result.site, result.endpoint, result.direction) == (
        "a.example",
        "b.example",
        Direction.REVERSE,
    )


def test_udp_summary():
    merged = iperf3_like(sent=1000, lost=10, jitter=0.02)
    result = parse_merged(merged, THROUGHPUT, started=STARTED)
    assert result.metrics["packets_sent"] == 1000
    assert result.metrics["packets_received"] == 990
    assert result.metrics["loss_ratio"] == 0.01
    assert result.metrics["jitter_ms"] == 0.02


@pytest.mark.parametrize("state", sorted(FAILED_STATES))
def test_every_unfinished_final_state_is_a_failure_with_its_reason(state):
    run = run_of(None, state=state, errors="participant ps2.example refused the run")
    result = parse_run(run, THROUGHPUT)
    assert result.status is FAILED_STATES[state]
    assert result.status is not Status.OK
    assert result.reason == f"pScheduler run {state}: participant ps2.example refused the run"
    assert result.metrics == {} and result.throughput_bps is None


def test_states_map_to_the_expected_statuses():
    assert FAILED_STATES["missed"] is Status.MISSED
    assert FAILED_STATES["failed"] is Status.TOOL_ERROR
    assert FAILED_STATES["overdue"] is Status.TIMEOUT


def test_failed_run_takes_its_reason_from_the_result_when_errors_are_empty():
    merged = {"succeeded": False, "error": "iperf3 returned an error: unable to connect"}
    result = parse_run(run_of(merged, state="failed"), THROUGHPUT)
    assert result.reason == "pScheduler run failed: iperf3 returned an error: unable to connect"


@pytest.mark.parametrize("state", PENDING_STATES)
def test_a_run_not_final_yet_is_refused(state):
    with pytest.raises(DocumentError, match=f"state: the run is still '{state}'"):
        parse_run(run_of(None, state=state), THROUGHPUT)


def test_unsucceeded_result_is_a_failure_never_a_number():
    merged = {
        "succeeded": False,
        "error": "Unable to connect to server: Connection refused",
        "diags": "iperf3 -c 10.0.2.4",
        "summary": {"summary": {"throughput-bits": 0}},
    }
    result = parse_run(run_of(merged), THROUGHPUT)
    assert result.status is Status.TOOL_ERROR
    assert result.reason == "Unable to connect to server: Connection refused"
    assert result.metrics == {}


def test_unsucceeded_result_without_error_uses_the_last_line_of_diags():
    merged = {"succeeded": False, "diags": "iperf3 -c 10.0.2.4\nerror - the server is busy"}
    result = parse_merged(merged, THROUGHPUT, started=STARTED)
    assert result.reason == "error - the server is busy"


def test_rtt_result():
    merged = {
        "succeeded": True,
        "roundtrips": [],
        "sent": 10,
        "received": 9,
        "lost": 1,
        "loss": 0.1,
        "min": "PT0.0411S",
        "mean": "PT0.04115S",
        "max": "PT0.0412S",
        "stddev": "PT0.00005S",
    }
    test = {"type": "rtt", "spec": {"dest": "ps2.example", "count": 10}}
    result = parse_merged(merged, test, started=STARTED, tool="ping", participants=["ps1.example"])
    assert (result.site, result.endpoint, result.probe) == (
        "ps1.example",
        "ps2.example",
        "pscheduler:rtt",
    )
    assert result.metrics == pytest.approx(
        {
            "packets_sent": 10,
            "packets_received": 9,
            "loss_ratio": 0.1,
            "rtt_min_ms": 41.1,
            "rtt_avg_ms": 41.15,
            "rtt_max_ms": 41.2,
            "rtt_mdev_ms": 0.05,
        }
    )


def test_rtt_with_no_reply_is_unreachable_without_numbers():
    merged = {"succeeded": True, "roundtrips": [], "sent": 5, "received": 0, "loss": 1.0}
    result = parse_merged(merged, {"type": "rtt", "spec": {"dest": "x"}}, started=STARTED)
    assert result.status is Status.UNREACHABLE
    assert result.reason == "no reply to 5 packets"
    assert result.metrics == {}


def test_trace_result_example():
    test = {"type": "trace", "spec": {"dest": "www.perfsonar.net"}}
    result = parse_merged(
        load("trace-result-example.json"),
        test,
        started=STARTED,
        tool="paris-traceroute",
        participants=["dev7.example"],
    )
    assert result.site == "dev7.example" and result.endpoint == "www.perfsonar.net"
    assert result.hops[:3] == [
        Hop(ttl=1, address="10.0.2.2", rtt_ms=pytest.approx(0.2)),
        Hop(
            ttl=2,
            address="192.52.179.65",
            name="dc-desk-wifi-rtr1.internet2.edu",
            rtt_ms=pytest.approx(1.5),
        ),
        Hop(
            ttl=3,
            address="206.196.177.29",
            name="clpk-ucaid-gige.maxgigapop.net",
            rtt_ms=pytest.approx(21.4),
        ),
    ]
    assert [h.ttl for h in result.hops] == list(range(1, len(result.hops) + 1))
    assert result.context["paths"] == 1


@pytest.mark.parametrize(
    ("merged", "test", "message"),
    [
        (
            {"succeeded": True},
            {"type": "latency", "spec": {"dest": "x"}},
            "test.type: 'latency' is not translated",
        ),
        ({"succeeded": True}, {"type": "throughput", "spec": {}}, "test.spec.dest: missing"),
        ({"succeeded": "yes"}, THROUGHPUT, "result.succeeded: expected true or false"),
        ({"succeeded": True}, THROUGHPUT, "result.summary.summary: missing"),
        (
            {"succeeded": True, "summary": {"summary": {}}},
            THROUGHPUT,
            "result.summary.summary.throughput-bits: missing",
        ),
        (
            {"succeeded": True, "summary": {"summary": {"throughput-bits": "fast"}}},
            THROUGHPUT,
            "result.summary.summary.throughput-bits: expected a number, got 'fast'",
        ),
        (
            {"succeeded": True, "roundtrips": []},
            {"type": "rtt", "spec": {"dest": "x"}},
            "result.loss: missing",
        ),
        (
            {"succeeded": True, "paths": []},
            {"type": "trace", "spec": {"dest": "x"}},
            "result.paths: expected a non-empty list",
        ),
    ],
)
def test_malformed_results_name_the_field(merged, test, message):
    with pytest.raises(ValueError) as caught:
        parse_merged(merged, test, started=STARTED)
    assert isinstance(caught.value, DocumentError)
    assert message in str(caught.value)


def test_run_time_without_offset_is_refused():
    run = run_of(iperf3_like(), **{"start-time": "2024-03-01T13:00:00"})
    with pytest.raises(DocumentError, match="start-time: expected a time with a UTC offset"):
        parse_run(run, THROUGHPUT)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("PT4H", 14400.0),
        ("PT10M", 600.0),
        ("PT30S", 30.0),
        ("PT0.0002S", 0.0002),
        ("P1DT30M", 88200.0),
        ("P1W", 604800.0),
        ("pt1h", 3600.0),
    ],
)
def test_iso8601_durations(text, seconds):
    assert parse_iso8601_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["P", "PT", "4h", "P1Y", "P1M", "P1DT", "PT-5S", ""])
def test_bad_iso8601_durations(text):
    with pytest.raises(ValueError, match="expected an ISO 8601 duration"):
        parse_iso8601_duration(text)
