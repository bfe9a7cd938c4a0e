"""The Store contract, run against every back-end: SQLite and a real influxd."""

import itertools
import json
import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netprobe.errors import ConfigError, StoreError
from netprobe.model import Direction, Hop, Interval, Result, Status
from netprobe.store import open_store
from netprobe.store.records import CSV_COLUMNS, result_from_dict, result_to_dict, result_to_row

STORE_KINDS = ["sqlite", "influxdb"]
T0 = datetime(2026, 1, 5, 12, 0, 0, 123456, tzinfo=UTC)


def store_settings(kind: str, request, tmp_path) -> dict:
    """Settings that open a fresh, empty store of ``kind``."""
    if kind == "influxdb":
        server = request.getfixturevalue("influxd")
        return {"url": server.url, "database": request.getfixturevalue("influx_database")}
    return {"path": tmp_path / "netprobe.sqlite"}


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    with open_store(request.param, **store_settings(request.param, request, tmp_path)) as opened:
        yield opened


def throughput(at: datetime, bps: float | None = 9.4e9, **overrides) -> Result:
    """A forward throughput result to ncsa at ``at``; ``bps=None`` makes it a busy failure."""
    fields = {
        "probe": "ncsa-tcp",
        "test": "throughput",
        "tool": "iperf3",
        "endpoint": "ncsa",
        "direction": Direction.FORWARD,
        "status": Status.OK if bps is not None else Status.BUSY,
        "started": at,
        "ended": at + timedelta(seconds=10),
        "slot": at.replace(second=0, microsecond=0),
        "metrics": {"throughput_bps": bps, "retransmits": 12} if bps is not None else {},
        "reason": None if bps is not None else "the server is busy running a test",
    }
    return Result(**{**fields, **overrides})


def full_result() -> Result:
    """A result using every field, with hostile text where text goes."""
    return Result(
        probe="star 'lyon' \"chi\"",
        test="throughput",
        tool="iperf3",
        endpoint="starlight-ü",
        direction=Direction.REVERSE,
        status=Status.OK,
        started=datetime(2026, 1, 5, 13, 0, 0, 7, tzinfo=timezone(timedelta(hours=2))),
        ended=datetime(2026, 1, 5, 11, 0, 10, 999999, tzinfo=UTC),
        site="cc-in2p3",
        metrics={
            "throughput_bps": 18.4e9,
            "sender_bps": 18.5e9,
            "retransmits": 1234,
            "rtt_ms": 101.25,
            "max_cwnd_bytes": 67108864,
            "cpu_local_pct": 97.5,
            "cpu_remote_pct": 12.0,
            "streams_bps_spread": 0.125,  # not a documented metric: kept anyway
        },
        intervals=[
            Interval(datetime(2026, 1, 5, 11, 0, 0, 7, tzinfo=UTC), 1.0, 1.1e9, 3, 101.5, 4096),
            Interval(datetime(2026, 1, 5, 11, 0, 1, 7, tzinfo=UTC), 1.0, 18.9e9, omitted=True),
            Interval(datetime(2026, 1, 5, 11, 0, 2, 7, tzinfo=UTC), 0.5, 0.0, 0, None, None),
        ],
        hops=[Hop(1, "198.18.0.1", "gw", 0.25), Hop(2, None), Hop(2, "198.18.1.1", None, 3.5)],
        context={"iperf3_version": "3.12", "mss": 8948, "host_bound": True, "cpu": 97.5},
        flags=["lost_percent>100", "naïve ✓"],
        reason="warning: «unicode» and 'quotes' \"too\"\nsecond line",
        argv=["iperf3", "-c", "psb-bw-100g.ncsa.illinois.edu", "-J", "--title", "a b"],
        slot=datetime(2026, 1, 5, 11, 0, tzinfo=UTC),
    )


def test_every_field_round_trips(store):
    original = full_result()
    store.write([original])
    (back,) = store.results()
    assert back == original
    assert back.started.tzinfo is UTC and back.started == original.started
    assert isinstance(back.metrics["retransmits"], int)


def test_failure_stays_a_failure_without_throughput(store):
    store.write([throughput(T0, bps=None)])
    (back,) = store.results()
    assert back.status is Status.BUSY
    assert back.throughput_bps is None
    assert "throughput_bps" not in back.metrics
    assert back.reason == "the server is busy running a test"


def test_failure_carrying_a_throughput_is_refused_and_nothing_is_written(store):
    bad = throughput(T0 + timedelta(minutes=10), status=Status.TIMEOUT, reason="killed")
    with pytest.raises(StoreError, match="timeout.*throughput"):
        store.write([throughput(T0), bad])
    assert store.results() == []


def test_text_that_is_not_unicode_is_refused_and_nothing_is_written(store):
    garbled = throughput(T0 + timedelta(minutes=10), bps=None, reason="iperf3: \udcff\udcfe")
    with pytest.raises(StoreError, match="not valid Unicode"):
        store.write([throughput(T0), garbled])
    assert store.results() == []


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_non_finite_metric_is_refused(store, value):
    with pytest.raises(StoreError, match="throughput_bps"):
        store.write([throughput(T0, bps=value)])


def test_naive_time_is_refused(store):
    with pytest.raises(StoreError, match="time zone"):
        store.write([throughput(T0.replace(tzinfo=None))])
    with pytest.raises(StoreError, match="time zone"):
        store.write([throughput(T0, ended=T0.replace(tzinfo=None))])
    with pytest.raises(StoreError, match="time zone"):
        store.results(since=T0.replace(tzinfo=None))


def test_rewriting_the_same_result_is_a_no_op(store):
    batch = [throughput(T0 + timedelta(minutes=10 * i)) for i in range(3)]
    batch[0].intervals = [Interval(T0, 1.0, 9e9)]
    store.write(batch)
    store.write(batch)
    store.write(batch[:1])
    back = store.results()
    assert back == batch
    assert len(back[0].intervals) == 1


def test_results_come_oldest_first_whatever_the_write_order(store):
    written = [throughput(T0 + timedelta(minutes=m)) for m in (30, 0, 20, 10)]
    store.write(written)
    assert [r.started for r in store.results()] == sorted(r.started for r in written)


def test_filters(store):
    day = [throughput(T0 + timedelta(hours=h)) for h in range(6)]
    day[2] = throughput(day[2].started, bps=None)
    rtt = throughput(T0, probe="ncsa-rtt", test="rtt", tool="ping", metrics={"rtt_avg_ms": 99.0})
    other = throughput(T0, endpoint="starlight", probe="star-tcp")
    store.write([*day, rtt, other])

    since, until = T0 + timedelta(hours=1), T0 + timedelta(hours=4)
    assert store.results(probe="ncsa-tcp", since=since, until=until) == day[1:4]
    assert store.results(endpoint="starlight") == [other]
    assert store.results(test="rtt") == [rtt]
    assert store.results(status=Status.BUSY) == [day[2]]
    assert store.results(probe="ncsa-tcp", limit=2) == day[4:]
    assert store.results(endpoint="nowhere") == []


def test_series_has_nan_for_failures_and_ignores_other_tests(store):
    at = [T0 + timedelta(minutes=10 * i) for i in range(5)]
    store.write(
        [
            throughput(at[0], bps=9.1e9),
            throughput(at[1], bps=None),
            throughput(at[2], bps=9.3e9),
            throughput(at[3], status=Status.MISSED, metrics={}, reason="host was down"),
            throughput(at[4], bps=9.4e9),
            throughput(at[1], direction=Direction.REVERSE, bps=5e9),
            throughput(at[0], probe="ncsa-rtt", test="rtt", tool="ping", metrics={}),
        ]
    )
    series = store.series("ncsa", Direction.FORWARD)
    assert len(series) == 5
    assert series.times.dtype == np.dtype("datetime64[us]")
    assert [series.time(i) for i in range(5)] == at
    np.testing.assert_array_equal(series.values, [9.1e9, np.nan, 9.3e9, np.nan, 9.4e9])
    assert list(series.status) == ["ok", "busy", "ok", "missed", "ok"]
    assert 0.0 not in series.values

    window = store.series("ncsa", Direction.FORWARD, since=at[1], until=at[3])
    assert [window.time(i) for i in range(len(window))] == at[1:3]

    retrans = store.series("ncsa", Direction.FORWARD, "retransmits")
    np.testing.assert_array_equal(retrans.values, [12, np.nan, 12, np.nan, 12])


def test_series_of_an_undocumented_metric_and_of_nothing(store):
    store.write([throughput(T0, metrics={"throughput_bps": 1e9, "odd_metric": 0.5})])
    odd = store.series("ncsa", Direction.FORWARD, "odd_metric", test="throughput")
    np.testing.assert_array_equal(odd.values, [0.5])
    empty = store.series("nowhere", Direction.FORWARD)
    assert len(empty) == 0 and empty.values.dtype == np.float64


def test_last_slot_is_the_newest_scheduled_slot(store):
    assert store.last_slot("ncsa-tcp") is None
    slots = [T0.replace(microsecond=0) + timedelta(minutes=10 * i) for i in range(3)]
    store.write([throughput(s + timedelta(seconds=7), slot=s) for s in reversed(slots)])
    store.write([throughput(slots[2] + timedelta(minutes=3), slot=None)])  # a run by hand
    assert store.last_slot("ncsa-tcp") == slots[2]
    assert store.last_slot("other") is None


def test_json_dict_round_trips_and_spells_failures_as_null():
    for result in (full_result(), throughput(T0, bps=None)):
        data = json.loads(json.dumps(result_to_dict(result)))
        assert result_from_dict(data) == result
    failed = result_to_dict(throughput(T0, bps=None))
    assert failed["throughput_bps"] is None and failed["retransmits"] is None
    assert failed["error"] == failed["reason"] == "the server is busy running a test"
    assert failed["started"] == "2026-01-05T12:00:00.123456Z"


def test_csv_row_has_every_column_and_empty_cells_for_absent_values():
    row = result_to_row(throughput(T0, bps=None))
    assert tuple(row) == CSV_COLUMNS
    assert row["throughput_bps"] == "" and row["status"] == "busy"


def test_open_store_rejects_unknown_kind_and_settings(tmp_path):
    with pytest.raises(ConfigError, match="'mongo' is unknown; expected one of: sqlite, influxdb"):
        open_store("mongo")
    with pytest.raises(ConfigError, match="sqlite store.*'path'"):
        open_store("sqlite", pth=tmp_path / "x.sqlite")
    with pytest.raises(ConfigError, match="sqlite store.*'creat'"):
        open_store("sqlite", path=tmp_path / "x.sqlite", creat=False)


TEXT = st.text(max_size=40)
COUNTER = itertools.count()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    probe=TEXT,
    endpoint=TEXT,
    reason=st.none() | TEXT,
    context=st.dictionaries(TEXT, TEXT | st.integers(-(2**53), 2**53) | st.booleans(), max_size=4),
    flags=st.lists(TEXT, max_size=3),
    hop_name=st.none() | TEXT,
)
def test_any_text_round_trips(store, probe, endpoint, reason, context, flags, hop_name):
    at = T0 + timedelta(seconds=next(COUNTER))
    result = throughput(at, bps=None, probe=probe, endpoint=endpoint, reason=reason)
    result.context, result.flags = context, flags
    result.hops = [Hop(1, "198.18.0.1", hop_name)]
    store.write([result])
    assert store.results(probe=probe, endpoint=endpoint, since=at, until=at + timedelta(1)) == [
        result
    ]
    assert result_from_dict(json.loads(json.dumps(result_to_dict(result)))) == result
