"""esmond (perfSONAR 4.x archive) documents → Results, on the esmond REST doc's own examples.

The expected numbers are read from the files in tests/fixtures/perfsonar/esmond/. The doc
has no base-data response for histogram-rtt, failures or a throughput+retransmits pair, so
those points are taken from its POST bodies (same ``{"ts", "val"}`` values, grouped by
event type there); the ``failures`` point is built (no sample exists), marked below.
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netprobe.errors import DocumentError
from netprobe.ingest.esmond import (
    Measurement,
    merge_by_time,
    parse_base,
    parse_metadata,
)
from netprobe.model import Direction, Hop, Status

FIXTURES = Path(__file__).parent / "fixtures" / "perfsonar" / "esmond"
KEY = "f6b732e9f351487a96126f0c25e5e546"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def points_of(post_body: dict, event_type: str) -> list[dict]:
    """The ``{"ts", "val"}`` points of one event type in an esmond data POST body."""
    return [
        {"ts": item["ts"], "val": entry["val"]}
        for item in post_body["data"]
        for entry in item["val"]
        if entry["event-type"] == event_type
    ]


@pytest.fixture
def meta() -> Measurement:
    (found,) = parse_metadata(load("throughput-metadata-search-response.json"))
    return found


def test_metadata_search_response(meta):
    assert meta.key == KEY
    assert (meta.source, meta.destination) == ("10.1.1.1", "10.1.1.2")
    assert (meta.site, meta.endpoint) == ("host1.example.net", "host2.example.net")
    assert meta.tool == "bwctl/iperf3"
    assert meta.transport == "tcp"
    assert meta.test == "throughput"
    assert meta.event_types["throughput"] == f"/esmond/perfsonar/archive/{KEY}/throughput/base"
    assert set(meta.event_types) == {
        "packet-retransmits",
        "throughput",
        "failures",
        "throughput-subintervals",
    }
    # The doc's example repeats "time-duration" ("20" then "14400"); JSON keeps the last.
    assert meta.duration == 14400.0


def test_throughput_base(meta):
    results = parse_base("throughput", load("throughput-base-response.json"), meta)
    assert [r.metrics["throughput_bps"] for r in results] == [
        7016320000.0,
        7225480000.0,
        7095460000.0,
        7042540000.0,
    ]
    first = results[0]
    assert first.started == datetime.fromtimestamp(1397421672, tz=UTC)
    assert first.started.tzinfo is not None
    assert first.ended == first.started + timedelta(seconds=14400)
    assert (first.site, first.endpoint, first.direction) == (
        "host1.example.net",
        "host2.example.net",
        Direction.FORWARD,
    )
    assert (first.probe, first.test, first.tool, first.status) == (
        "esmond:throughput",
        "throughput",
        "bwctl/iperf3",
        Status.OK,
    )
    assert first.context["source"] == "esmond"
    assert first.context["archive_id"] == f"{KEY}@1397421672"
    assert len({r.context["archive_id"] for r in results}) == 4


def test_throughput_and_retransmits_merge_by_time(meta):
    body = load("throughput-data-post-body-with-subintervals.json")
    results = parse_base("throughput", points_of(body, "throughput"), meta)
    results += parse_base("packet-retransmits", points_of(body, "packet-retransmits"), meta)
    (merged,) = merge_by_time(results)
    assert merged.metrics == {"throughput_bps": 8446270000.0, "retransmits": 112.0}
    assert merged.started == datetime.fromtimestamp(1397807404, tz=UTC)


def test_merge_keeps_two_tests_that_share_a_timestamp(meta):
    # This doc example gives two tests the same ts: each throughput keeps its own retransmits.
    body = load("data-post-body-throughput-retransmits.json")
    results = parse_base("throughput", points_of(body, "throughput"), meta)
    results += parse_base("packet-retransmits", points_of(body, "packet-retransmits"), meta)
    merged = merge_by_time(results)
    assert [r.metrics for r in merged] == [
        {"throughput_bps": 1000000000.0, "retransmits": 10.0},
        {"throughput_bps": 900000000.0, "retransmits": 5.0},
    ]
    assert [r.metrics for r in results[:2]] == [
        {"throughput_bps": 1000000000.0},
        {"throughput_bps": 900000000.0},
    ], "merging must not change its input"


def test_failures_are_failure_results_without_a_number(meta):
    # Built: the doc has no failures response; the shape is the pScheduler esmond
    # archiver's {"error": text}.
    points = [{"ts": 1397315930, "val": {"error": "Unable to connect to 10.1.1.2 port 5201"}}]
    ok = parse_base("throughput", [{"ts": 1397315930, "val": 1e9}], meta)
    (failure,) = parse_base("failures", points, meta)
    assert failure.status is Status.TOOL_ERROR
    assert failure.reason == "Unable to connect to 10.1.1.2 port 5201"
    assert failure.throughput_bps is None
    merged = merge_by_time([failure, *ok])
    assert [r.status for r in merged] == [Status.TOOL_ERROR, Status.OK]
    assert merged[0].metrics == {}


def rtt_meta() -> Measurement:
    body = load("ping-rtt-metadata-post-body.json")
    return Measurement(
        key="ping-example",
        source=body["source"],
        destination=body["destination"],
        tool=body["tool-name"],
        event_types={e["event-type"]: "" for e in body["event-types"]},
        input_source=body["input-source"],
        input_destination=body["input-destination"],
    )


def test_histogram_rtt_statistics():
    meta = rtt_meta()
    assert meta.test == "rtt"
    points = points_of(load("ping-rtt-data-post-body.json"), "histogram-rtt")
    assert points[0]["val"] == {"41.00": 99, "41.10": 1}
    (result,) = parse_base("histogram-rtt", points, meta)
    assert result.probe == "esmond:rtt"
    metrics = result.metrics
    assert metrics["rtt_min_ms"] == 41.0
    assert metrics["rtt_max_ms"] == 41.1
    assert metrics["rtt_median_ms"] == 41.0
    assert metrics["rtt_avg_ms"] == pytest.approx((41.0 * 99 + 41.1) / 100)
    mean = (41.0 * 99 + 41.1) / 100
    mdev = ((99 * (41.0 - mean) ** 2 + (41.1 - mean) ** 2) / 100) ** 0.5
    assert metrics["rtt_mdev_ms"] == pytest.approx(mdev)
    assert metrics["packets_received"] == 100


def test_histogram_median_of_an_even_count_between_buckets():
    (result,) = parse_base("histogram-rtt", [{"ts": 0, "val": {"10": "1", "20": "1"}}], rtt_meta())
    assert result.metrics["rtt_median_ms"] == 15.0


def test_packet_loss_rate_base(meta):
    results = parse_base("packet-loss-rate", load("packet-loss-rate-base-response.json"), meta)
    assert [r.metrics["loss_ratio"] for r in results] == [
        0.04666666666666667,
        0.06666666666666667,
        0.0,
        0.0,
    ]
    assert results[1].started == datetime.fromtimestamp(1397555538, tz=UTC)


def test_packet_loss_rate_as_fraction():
    points = points_of(load("owamp-data-post-body.json"), "packet-loss-rate")
    (result,) = parse_base("packet-loss-rate", points, rtt_meta())
    assert result.metrics == {"packets_sent": 600.0, "loss_ratio": 0.0}


def test_packet_trace_base_one_hop_per_ttl():
    meta = Measurement(
        key="trace-example",
        source="198.124.238.66",
        destination="198.129.254.30",
        tool="bwctl/tracepath",
        event_types={"packet-trace": ""},
    )
    (result,) = parse_base("packet-trace", load("packet-trace-base-response.json"), meta)
    assert result.probe == "esmond:trace"
    assert result.hops == [
        Hop(ttl=1, address="198.124.238.65", rtt_ms=0.246),
        Hop(ttl=2, address="134.55.38.77", rtt_ms=22.159),
        Hop(ttl=3, address="134.55.42.41", rtt_ms=22.430),
        Hop(ttl=4, address="134.55.43.82", rtt_ms=33.548),
        Hop(ttl=5, address="134.55.49.57", rtt_ms=44.019),
        Hop(ttl=6, address="134.55.50.201", rtt_ms=65.203),
        Hop(ttl=7, address="134.55.40.6", rtt_ms=67.694),
        Hop(ttl=8, address="134.55.49.2", rtt_ms=68.914),
        Hop(ttl=9, address="198.129.254.30", rtt_ms=68.887),
    ]
    assert result.context["queries"] == 2


def test_packet_trace_from_tracepath_post_body():
    body = load("tracepath-metadata-post-body.json")
    meta = Measurement(
        key="tracepath-example",
        source=body["source"],
        destination=body["destination"],
        tool=body["tool-name"],
        event_types={e["event-type"]: "" for e in body["event-types"]},
    )
    points = points_of(load("tracepath-data-post-body.json"), "packet-trace")
    (result,) = parse_base("packet-trace", points, meta)
    assert [(h.address, h.rtt_ms) for h in result.hops] == [
        ("10.1.1.1", 0.278),
        ("10.1.1.10", 22.243),
        ("10.1.1.12", 22.516),
        ("10.1.1.2", 33.562),
    ]


def test_trace_hop_that_did_not_answer_and_a_later_query_that_did(meta):
    val = [
        {"ttl": "1", "query": "1", "ip": None, "rtt": None, "success": 0, "error_message": "*"},
        {"ttl": "1", "query": "2", "ip": "192.0.2.1", "rtt": "1.5", "success": 1},
        {"ttl": "2", "query": "1", "ip": None, "rtt": None, "success": 0},
    ]
    (result,) = parse_base("packet-trace", [{"ts": 1, "val": val}], meta)
    assert result.hops == [Hop(ttl=1, address="192.0.2.1", rtt_ms=1.5), Hop(ttl=2, address=None)]


@pytest.mark.parametrize(
    ("event_type", "points", "message"),
    [
        ("histogram-owdelay", [], "not translated"),
        ("throughput", {"ts": 1}, "expected a list of points"),
        ("throughput", [{"val": 1e9}], "throughput[0].ts: missing"),
        ("throughput", [{"ts": 1, "val": "fast"}], "throughput[0].val: expected a number"),
        ("throughput", [{"ts": 1, "val": True}], "throughput[0].val: expected a number"),
        ("packet-loss-rate", [{"ts": 1, "val": 1.5}], "expected a loss ratio in [0, 1]"),
        ("histogram-rtt", [{"ts": 1, "val": {}}], "histogram-rtt[0].val: an empty histogram"),
        ("failures", [{"ts": 1, "val": {}}], "failures[0].val.error: missing"),
        ("packet-trace", [{"ts": 1, "val": []}], "a non-empty list of hops"),
    ],
)
def test_malformed_points_name_the_field(meta, event_type, points, message):
    with pytest.raises(DocumentError) as caught:
        parse_base(event_type, points, meta)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"metadata-key": "x"}, "expected a list"),
        ([{"source": "a", "destination": "b"}], "metadata[0].metadata-key: missing"),
        ([{"metadata-key": "k", "destination": "b"}], "metadata[0].source: missing"),
        (
            [{"metadata-key": "k", "source": "a", "destination": "b", "event-types": [{}]}],
            "metadata[0].event-types[0].event-type: missing",
        ),
    ],
)
def test_malformed_metadata_names_the_field(doc, message):
    with pytest.raises(DocumentError) as caught:
        parse_metadata(doc)
    assert message in str(caught.value)
