"""perfSONAR 5 OpenSearch hits → Results.

No real OpenSearch document exists in shared/, so every hit here is BUILT: the field
names come from shared/perfsonar/README.md (perfsonar/logstash's pipeline renames, e.g.
``[run][start-time]`` → ``pscheduler.start_time``, ``[result][summary][summary]
[throughput-bits]`` → ``result.throughput``) and the index template
(shared/perfsonar/opensearch/index_template-pscheduler.json: ``*.json`` objects are
stored unparsed). The trace hit's ``result.json`` is the real pScheduler trace result's
``paths`` (tests/fixtures/perfsonar/pscheduler/trace-result-example.json); the
throughput hit's ``result.intervals.json`` is the real iperf2 self-test's intervals.
"""

import copy
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netprobe.errors import DocumentError
from netprobe.ingest.opensearch import parse_hit
from netprobe.model import Direction, Hop, Status

FIXTURES = Path(__file__).parent / "fixtures" / "perfsonar" / "pscheduler"
RUN_ID = "0e5b8f0a-6f3b-4f9e-8d3e-2b1c0a9f8e7d"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def hit(test_type: str, result: dict, **spec) -> dict:
    """A search hit of a ``pscheduler_<test>`` data stream (built, see module docstring)."""
    return {
        "_index": f".ds-pscheduler_{test_type}-2024.05.02-000001",
        "_id": "k3JdMY8BqX1a2b3c4d5e",
        "_source": {
            "test": {
                "type": test_type,
                "spec": {
                    "source": "ccperfsonar1.in2p3.fr",
                    "dest": "psb-bw-100g.ncsa.illinois.edu",
                    "duration": 30,
                    **spec,
                },
            },
            "pscheduler": {
                "start_time": "2024-05-02T08:00:03Z",
                "duration": "PT37S",
                "tool": "iperf3",
                "run_id": RUN_ID,
                "task_id": "5b0c2d9e",
            },
            "meta": {
                "source": {"ip": "193.48.99.77", "hostname": "ccperfsonar1.in2p3.fr"},
                "destination": {"ip": "141.142.0.10", "hostname": "psb-bw-100g.ncsa.illinois.edu"},
                "ip_version": 4,
            },
            "result": result,
        },
        "sort": [1714636803000],
    }


def throughput_hit(**result) -> dict:
    intervals = load("throughput-result-example-iperf2.json")["intervals"]
    return hit(
        "throughput",
        {
            "succeeded": True,
            "throughput": 9.41e9,
            "retransmits": 23,
            "mss": 8948,
            "intervals": {"json": intervals},
            **result,
        },
    )


def test_throughput_hit():
    result = parse_hit(throughput_hit())
    assert result.status is Status.OK
    assert (result.site, result.endpoint, result.direction) == (
        "ccperfsonar1.in2p3.fr",
        "psb-bw-100g.ncsa.illinois.edu",
        Direction.FORWARD,
    )
    assert (result.probe, result.test, result.tool) == (
        "opensearch:throughput",
        "throughput",
        "iperf3",
    )
    assert result.started == datetime(2024, 5, 2, 8, 0, 3, tzinfo=UTC)
    assert result.ended == result.started + timedelta(seconds=37)
    assert result.metrics == {"sender_bps": 9.41e9, "throughput_bps": 9.41e9, "retransmits": 23.0}
    assert result.context == {
        "source": "opensearch",
        "archive_id": "k3JdMY8BqX1a2b3c4d5e",
        "index": ".ds-pscheduler_throughput-2024.05.02-000001",
        "run_id": RUN_ID,
        "source_address": "193.48.99.77",
        "destination_address": "141.142.0.10",
        "throughput_side": "sender",
        "mss": 8948.0,
    }
    assert len(result.intervals) == 10
    assert result.intervals[9].bps == 1.87e9
    assert result.intervals[9].start == result.started + timedelta(seconds=9)


def test_udp_throughput_hit():
    result = parse_hit(throughput_hit(packets_sent=4000, packets_lost=40, jitter=0.011))
    assert result.metrics["loss_ratio"] == 0.01
    assert result.metrics["packets_received"] == 3960
    assert result.metrics["jitter_ms"] == 0.011


def test_unsucceeded_hit_is_a_failure_never_a_number():
    doc = hit("throughput", {"succeeded": False, "error": "Unable to connect to server"})
    result = parse_hit(doc)
    assert result.status is Status.TOOL_ERROR
    assert result.reason == "Unable to connect to server"
    assert result.metrics == {} and result.throughput_bps is None


def test_reverse_test_and_epoch_millis_start():
    doc = throughput_hit()
    doc["_source"]["test"]["spec"]["reverse"] = True
    doc["_source"]["pscheduler"]["start_time"] = 1714636803000
    doc["_source"]["pscheduler"]["end_time"] = "2024-05-02T10:00:40+02:00"
    result = parse_hit(doc)
    assert result.direction is Direction.REVERSE
    assert result.started == datetime(2024, 5, 2, 8, 0, 3, tzinfo=UTC)
    assert result.ended == datetime(2024, 5, 2, 8, 0, 40, tzinfo=UTC)


def test_rtt_hit_seconds_to_ms():
    doc = hit(
        "rtt",
        {
            "succeeded": True,
            "packets": {"sent": 10, "received": 10, "lost": 0, "loss": 0.0},
            "rtt": {"min": 0.0981, "mean": 0.0985, "max": 0.0993, "stddev": 0.0003},
        },
    )
    result = parse_hit(doc)
    assert result.metrics == pytest.approx(
        {
            "packets_sent": 10,
            "packets_received": 10,
            "loss_ratio": 0.0,
            "rtt_min_ms": 98.1,
            "rtt_avg_ms": 98.5,
            "rtt_max_ms": 99.3,
            "rtt_mdev_ms": 0.3,
        }
    )


def test_rtt_hit_with_no_reply_is_unreachable():
    doc = hit("rtt", {"succeeded": True, "packets": {"sent": 10, "received": 0, "loss": 1.0}})
    result = parse_hit(doc)
    assert result.status is Status.UNREACHABLE
    assert result.metrics == {}


def test_trace_hit_from_raw_paths():
    paths = load("trace-result-example.json")["paths"]
    result = parse_hit(
        hit("trace", {"succeeded": True, "json": paths, "hop": {"count": len(paths[0])}})
    )
    assert result.hops[1] == Hop(
        ttl=2,
        address="192.52.179.65",
        name="dc-desk-wifi-rtr1.internet2.edu",
        rtt_ms=pytest.approx(1.5),
    )
    assert len(result.hops) == len(paths[0])


def test_trace_hit_from_hop_addresses():
    doc = hit("trace", {"succeeded": True, "hop": {"ip": ["10.0.0.1", None, "10.0.0.3"]}})
    assert parse_hit(doc).hops == [Hop(1, "10.0.0.1"), Hop(2, None), Hop(3, "10.0.0.3")]


def test_names_fall_back_to_addresses_then_to_the_spec():
    doc = throughput_hit()
    del doc["_source"]["meta"]["source"]["hostname"]
    del doc["_source"]["meta"]["destination"]
    result = parse_hit(doc)
    assert (result.site, result.endpoint) == ("193.48.99.77", "psb-bw-100g.ncsa.illinois.edu")


def broken(path: str, value=None) -> dict:
    doc = copy.deepcopy(throughput_hit())
    *parents, last = path.split(".")
    target = doc
    for step in parents:
        target = target[step]
    if value is None:
        del target[last]
    else:
        target[last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"_id": "x"}, "_source: missing"),
        ("not a hit", "hit: expected an object"),
        (broken("_source.test.type", "latencybg"), "test.type: 'latencybg' is not translated"),
        (broken("_source.pscheduler.start_time"), "pscheduler.start_time: missing"),
        (
            broken("_source.pscheduler.start_time", "2024-05-02T08:00:03"),
            "pscheduler.start_time: expected a time with a UTC offset",
        ),
        (broken("_source.result.succeeded"), "result.succeeded: expected true or false"),
        (broken("_source.result.throughput"), "result.throughput: missing"),
        (broken("_source.result.throughput", "9 Gbps"), "result.throughput: expected a number"),
        (
            broken("_source.result.intervals.json", {"0": {}}),
            "result.intervals.json: expected a list",
        ),
        (broken("_source.pscheduler.duration", "37 seconds"), "pscheduler.duration: expected"),
    ],
)
def test_malformed_hits_name_the_field(doc, message):
    with pytest.raises(DocumentError) as caught:
        parse_hit(doc)
    assert message in str(caught.value)


def test_missing_destination_everywhere_is_named():
    doc = throughput_hit()
    del doc["_source"]["meta"]["destination"]
    del doc["_source"]["test"]["spec"]["dest"]
    with pytest.raises(DocumentError, match="meta.destination.ip: missing"):
        parse_hit(doc)
