"""The record field of an InfluxDB point: every interval value back exactly, old records read."""

import math
from dataclasses import replace
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st
from test_store import T0, full_result, throughput

from netprobe.model import Hop, Interval
from netprobe.store import influx_record


def same(a: object, b: object) -> bool:
    """Equal and of the same type (NaN equal to NaN, 0.0 and -0.0 told apart)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return math.copysign(1, a) == math.copysign(1, b) and (a == b or a != a and b != b)
    return a == b


def assert_intervals_back(written: list[Interval], read: list[Interval]) -> None:
    assert len(read) == len(written)
    for mine, theirs in zip(written, read, strict=True):
        assert mine.start == theirs.start
        for name in influx_record.COLUMNS[1:]:
            assert same(getattr(mine, name), getattr(theirs, name)), (name, mine, theirs)


def round_trip(results):
    texts = influx_record.encode(results)
    for result, text in zip(results, texts, strict=True):
        back = influx_record.decode(text, result.started)
        assert_intervals_back(result.intervals, back["intervals"])
        assert back["hops"] == result.hops and back["ended"] == result.ended
        assert (back["context"], back["flags"], back["argv"]) == (
            result.context,
            result.flags,
            result.argv,
        )
    return texts


ODD = [
    Interval(T0, 1.0, 5e9, None, math.nan, None, False),
    Interval(T0 + timedelta(seconds=1), 1.000041, math.inf, 3, None, 2**40, True),
    Interval(T0 - timedelta(seconds=1), 0.5, -0.0, -5, 1.5, 7, False),
]


def test_every_interval_value_comes_back_exactly_with_its_nones():
    results = [
        full_result(),
        replace(throughput(T0), intervals=ODD),
        replace(throughput(T0), intervals=[Interval(T0, 1.0, 1e9)] * 3),  # no optional value
        throughput(T0, bps=None),  # no intervals at all
    ]
    texts = round_trip(results)
    assert all("'types'" in text for text in texts[:3])
    (alone,) = round_trip(results[2:3])  # the types are chosen for a whole batch
    assert "'types':'i1 f8 f8 - - - -'" in alone  # narrowest integers, absent columns: no room


def test_values_binary_columns_cannot_keep_exactly_fall_back_to_rows_for_that_result_only():
    odd = [
        replace(throughput(T0), intervals=[Interval(T0, "1.0", 5e9)]),  # text
        replace(throughput(T0), intervals=[Interval(T0, 1.0, 5e9, 4.0)]),  # a float count
        replace(throughput(T0), intervals=[Interval(T0, 1.0, 5e9, 2**70)]),  # beyond int64
        replace(throughput(T0), intervals=[Interval(T0, 1.0, 5e9, omitted=None)]),
    ]
    texts = round_trip([*odd, full_result()])
    assert ["'types'" in text for text in texts] == [False] * 4 + [True]


def test_an_ordinary_record_needs_no_escaping_in_line_protocol_and_quotes_survive():
    (text,) = influx_record.encode([throughput(T0)])
    assert '"' not in text and "\\" not in text and text.startswith("{'v':2,")
    quoted = replace(
        throughput(T0),
        context={"it's": 'say "hi" \\ ok'},
        argv=["-T", "'x'"],
        hops=[Hop(1, None, "a'b\"c")],
    )
    round_trip([quoted])


def test_a_version_1_record_is_read():
    written = (
        '{"ended":10000000,"context":{"iperf3_version":"3.12"},"flags":["f"],"argv":["iperf3"],'
        '"intervals":[[0,1.0,9400000000.0,3,101.5,4096,false],[1000000,1.0,1.5,null,null,null,'
        'true]],"hops":[[1,"198.18.0.1","gw",0.25],[2,null,null,null]]}'
    )
    back = influx_record.decode(written, T0)
    assert back["ended"] == T0 + timedelta(seconds=10)
    assert back["intervals"] == [
        Interval(T0, 1.0, 9.4e9, 3, 101.5, 4096, False),
        Interval(T0 + timedelta(seconds=1), 1.0, 1.5, None, None, None, True),
    ]
    assert back["hops"] == [Hop(1, "198.18.0.1", "gw", 0.25), Hop(2, None)]
    assert (back["context"], back["flags"], back["argv"]) == (
        {"iperf3_version": "3.12"},
        ["f"],
        ["iperf3"],
    )


floats = st.floats(allow_nan=True, allow_infinity=True)
intervals = st.builds(
    Interval,
    start=st.integers(-(2**40), 2**40).map(lambda us: T0 + timedelta(microseconds=us)),
    seconds=floats,
    bps=floats,
    retransmits=st.none() | st.integers(-(2**63), 2**63 - 1),
    rtt_ms=st.none() | floats,
    cwnd_bytes=st.none() | st.integers(-(2**63), 2**63 - 1),
    omitted=st.booleans(),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(intervals, max_size=6), min_size=1, max_size=5))
def test_any_intervals_round_trip(batches):
    round_trip([replace(throughput(T0), intervals=chosen) for chosen in batches])
