"""The InfluxDB store against a real influxd: schema, idempotence, errors, the spool."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from influx_fixture import need_influxd
from test_store import T0, full_result, throughput

from netprobe.errors import ConfigError, StoreError, StoreUnavailable
from netprobe.lab.influxd import Influxd
from netprobe.model import Direction, Hop, Interval, Result, Status
from netprobe.store import InfluxStore, influx_record
from netprobe.store.influx import PIPELINE_FIRST, PIPELINE_LINES, RESERVED_FIELDS
from netprobe.store.spool import Spool, SpooledStore

ODD_INTERVALS = [
    Interval(T0, 1.000041, 9.4e9, 3, 101.5, 4096),
    Interval(T0 + timedelta(seconds=1), 1.0, float("inf"), None, None, 2**40, omitted=True),
]


@pytest.fixture
def influx(influxd, influx_database):
    with InfluxStore(influxd.url, database=influx_database) as store:
        yield store


def query(server: Influxd, database: str, statement: str) -> list[dict]:
    """The series an InfluxQL statement answers, through a plain store connection."""
    with InfluxStore(server.url, database=database) as store:
        return [
            {"name": name, "columns": columns, "values": rows}
            for name, columns, rows, _ in store._query(statement)
        ]


def test_a_result_is_one_point_of_its_test_with_tags_and_base_unit_fields(
    influx, influxd, influx_database
):
    influx.write([throughput(T0), throughput(T0 + timedelta(minutes=10), bps=None)])
    (series,) = query(influxd, influx_database, "SELECT * FROM throughput")
    rows = [dict(zip(series["columns"], row, strict=True)) for row in series["values"]]
    assert rows[0]["throughput_bps"] == 9.4e9 and rows[0]["retransmits"] == 12
    assert {rows[0][t] for t in ("endpoint", "direction", "tool")} == {"ncsa", "forward", "iperf3"}
    assert rows[0]["status"] == "ok" and rows[1]["status"] == "busy"
    assert rows[1]["throughput_bps"] is None  # a failure is never a zero
    assert rows[1]["reason"] == "the server is busy running a test"
    assert influx_record.decode(rows[0]["record"], T0)["argv"] == []


def test_hostile_names_are_readable_in_influxql_as_written(influx, influxd, influx_database):
    name = 'lyon, "chi" = 100%\\g\nx'
    influx.write([throughput(T0, endpoint=name, probe="#p")])
    (series,) = query(influxd, influx_database, 'SHOW TAG VALUES WITH KEY = "endpoint"')
    assert series["values"] == [["endpoint", 'lyon, "chi" = 100%25%5Cg%0Ax']]
    assert [r.endpoint for r in influx.results(endpoint=name)] == [name]
    assert [r.probe for r in influx.results(probe="#p")] == ["#p"]


def test_rewriting_overwrites_the_point_so_nothing_is_duplicated(influx, influxd, influx_database):
    batch = [throughput(T0 + timedelta(minutes=10 * i)) for i in range(50)]
    for _ in range(3):
        influx.write(batch)
    (series,) = query(influxd, influx_database, "SELECT count(status) FROM throughput")
    assert series["values"][0][1] == 50
    assert influx.results() == batch


def test_every_test_kind_round_trips(influx):
    rtt = throughput(T0, probe="ncsa-rtt", test="rtt", tool="ping", metrics={"rtt_avg_ms": 99.5})
    trace = throughput(
        T0, probe="ncsa-trace", test="trace", tool="traceroute", metrics={}, hops=[Hop(1, None)]
    )
    written = [full_result(), rtt, trace, throughput(T0, bps=None)]
    influx.write(written)
    assert sorted(influx.results(), key=lambda r: r.probe) == sorted(written, key=lambda r: r.probe)
    assert influx.results(test="trace") == [trace]
    assert influx.series("ncsa", Direction.FORWARD, "rtt_avg_ms").values.tolist() == [99.5]


def test_a_reserved_metric_name_is_refused(influx):
    with pytest.raises(StoreError, match="metric named 'status'"):
        influx.write([throughput(T0, metrics={"throughput_bps": 1.0, "status": 2.0})])


def test_a_store_that_is_down_says_so_in_one_line(tmp_path):
    server = Influxd(tmp_path)  # never started: nothing listens on its port
    with (
        InfluxStore(server.url, database="x", timeout=2.0) as store,
        pytest.raises(StoreUnavailable, match=f"cannot reach InfluxDB at {server.url}: .*refused"),
    ):
        store.write([throughput(T0)])


@pytest.fixture(scope="module")
def auth_influxd(tmp_path_factory):
    need_influxd()
    with Influxd(tmp_path_factory.mktemp("auth"), auth=True) as server:
        server.query("CREATE USER admin WITH PASSWORD 'right' WITH ALL PRIVILEGES")
        yield server


def test_wrong_credentials_give_one_clear_error(auth_influxd, monkeypatch):
    monkeypatch.setenv("NP_TEST_INFLUX_PASSWORD", "wrong")
    store = InfluxStore(
        auth_influxd.url, database="d", username="admin", password="env:NP_TEST_INFLUX_PASSWORD"
    )
    with pytest.raises(StoreUnavailable) as caught:
        store.write([throughput(T0)])
    message = str(caught.value)
    assert "refused user 'admin' (401: authorization failed)" in message
    assert "check [store] username, password or token" in message
    assert "\n" not in message and "wrong" not in message
    with pytest.raises(StoreUnavailable, match="refused user 'admin'"):
        store.results()

    monkeypatch.setenv("NP_TEST_INFLUX_PASSWORD", "right")
    right = InfluxStore(
        auth_influxd.url, database="d", username="admin", password="env:NP_TEST_INFLUX_PASSWORD"
    )
    right.write([throughput(T0)])
    assert right.results() == [throughput(T0)]


def test_secrets_come_from_the_environment_or_a_file_never_the_config(tmp_path):
    with pytest.raises(ConfigError, match="password: expected 'env:NAME' or 'file:PATH'"):
        InfluxStore("http://127.0.0.1:1", database="d", username="u", password="hunter2")
    with pytest.raises(ConfigError, match="NP_SURELY_UNSET is unset"):
        InfluxStore("http://127.0.0.1:1", database="d", token="env:NP_SURELY_UNSET")
    secret = tmp_path / "token"
    secret.write_text("abc\n")
    store = InfluxStore("http://127.0.0.1:1", database="d", token=f"file:{secret}")
    assert store._headers["Authorization"] == "Token abc"
    with pytest.raises(ConfigError, match="url = 'localhost:8086'"):
        InfluxStore("localhost:8086", database="d")


def year_2020_result(minute: int) -> Result:
    return throughput(datetime(2020, 1, 1, tzinfo=UTC) + timedelta(minutes=minute))


def test_a_400_is_kept_aside_with_the_reason_and_not_retried(influxd, tmp_path):
    # a one-hour retention policy: InfluxDB answers 400 for points older than that
    influxd.query("CREATE DATABASE short WITH DURATION 1h NAME hour")
    now = datetime.now(UTC).replace(microsecond=0)
    fresh = [throughput(now - timedelta(minutes=m)) for m in (1, 2)]
    old = year_2020_result(0)
    store = SpooledStore(InfluxStore(influxd.url, database="short"), Spool(tmp_path / "spool"))
    store.write([fresh[0], old, fresh[1]])

    assert store.results() == sorted(fresh, key=lambda r: r.started)
    status = store.spool.status()
    assert status.queued == 0 and status.rejected == 1
    (reason,) = status.reasons
    assert "(400)" in reason and "beyond retention policy" in reason
    (record,) = store.spool.rejected_records()
    assert record["result"]["started"] == "2020-01-01T00:00:00Z"
    assert store.flush().written == 0  # nothing queued: the rejected one is not retried
    influxd.query('DROP DATABASE "short"')


def test_influxd_killed_mid_run_then_back_loses_and_duplicates_nothing(tmp_path):
    need_influxd()
    server = Influxd(tmp_path / "server")
    (tmp_path / "server").mkdir()
    server.start()
    try:
        spool = Spool(tmp_path / "spool")
        store = SpooledStore(InfluxStore(server.url, database="np", timeout=2.0), spool)
        runs = [throughput(T0 + timedelta(minutes=10 * i), slot=None) for i in range(30)]
        for result in runs[:10]:
            store.write([result])
        server.kill()
        for result in runs[10:20]:
            store.write([result])  # does not raise: the result waits in the spool
        assert spool.status().queued == 10
        assert "cannot reach InfluxDB" in store.problem
        assert store.last_slot("ncsa-tcp") is None  # no slots, and no error while it is down

        server.start()
        report = store.flush()
        assert (report.written, report.rejected, report.queued) == (10, 0, 0)
        for result in runs[20:]:
            store.write([result])
        store.write(runs[5:15])  # a replay on top: still no duplicate
        assert store.results() == runs
        assert spool.status().queued == 0 and not spool.queue.exists()
    finally:
        server.stop()


def test_queued_results_go_first_on_the_next_write(influxd, tmp_path):
    spool = Spool(tmp_path / "spool")
    slots = [T0.replace(microsecond=0) + timedelta(minutes=10 * i) for i in range(3)]
    queued = [throughput(s, slot=s) for s in slots[:2]]
    spool.append(queued)
    store = SpooledStore(InfluxStore(influxd.url, database="first"), spool)
    assert store.last_slot("ncsa-tcp") == slots[1]  # seen in the spool before the store
    store.write([throughput(slots[2], slot=slots[2])])
    assert store.results() == [*queued, throughput(slots[2], slot=slots[2])]
    assert store.last_slot("ncsa-tcp") == slots[2]
    assert spool.status().queued == 0
    influxd.query('DROP DATABASE "first"')


def test_a_torn_spool_line_is_set_aside_and_the_rest_flushed(influxd, tmp_path):
    spool = Spool(tmp_path / "spool")
    spool.append([throughput(T0)])
    with spool.queue.open("a") as out:
        out.write('{"probe": "half a li')  # a crash in the middle of an append
    spool.append([throughput(T0 + timedelta(minutes=10))])
    store = InfluxStore(influxd.url, database="torn")
    report = spool.flush(store)
    assert (report.written, report.rejected) == (2, 1)
    assert spool.status().reasons == {"unreadable spool line": 1}
    assert len(store.results()) == 2
    influxd.query('DROP DATABASE "torn"')


def test_a_result_that_can_never_be_stored_is_refused_not_queued(influxd, tmp_path):
    spool = Spool(tmp_path / "spool")
    store = SpooledStore(InfluxStore(influxd.url, database="never"), spool)
    with pytest.raises(StoreError, match="time zone"):
        store.write([throughput(T0.replace(tzinfo=None))])
    assert spool.status().queued == 0
    assert store.results(status=Status.OK) == []


HOSTILE = st.text(
    alphabet=st.sampled_from(" ,=\"'\\\n\r\t#%\x00ü✓a-")
    | st.characters(blacklist_categories=["Cs"]),
    min_size=1,
    max_size=20,
)
COUNTER = itertools.count()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(site=HOSTILE, probe=HOSTILE, endpoint=HOSTILE, tool=HOSTILE, test=HOSTILE, metric=HOSTILE)
def test_hostile_names_in_every_tag_measurement_and_field_round_trip(
    influx, site, probe, endpoint, tool, test, metric
):
    assume(metric not in RESERVED_FIELDS)
    at = T0 + timedelta(seconds=next(COUNTER))
    result = throughput(
        at, site=site, probe=probe, endpoint=endpoint, tool=tool, test=test,
        metrics={"throughput_bps": 1e9, metric: 0.25}, reason=probe,
    )  # fmt: skip
    influx.write([result])
    assert influx.results(probe=probe, endpoint=endpoint, test=test, since=at) == [result]
    series = influx.series(endpoint, Direction.FORWARD, metric, test=test, probe=probe, since=at)
    assert series.values.tolist() == [0.25]


def test_a_missing_database_that_may_not_be_created_is_named(influxd):
    store = InfluxStore(influxd.url, database="absent", create=False)
    with pytest.raises(StoreUnavailable, match="database 'absent' does not exist .*create it"):
        store.write([throughput(T0)])
    assert store.results() == [] and store.last_slot("ncsa-tcp") is None


def test_the_spool_checks_and_writes_with_lines_built_once(influxd, tmp_path, monkeypatch):
    built = []
    line = InfluxStore._line
    monkeypatch.setattr(
        InfluxStore, "_line", lambda self, r, record: built.append(r) or line(self, r, record)
    )
    store = SpooledStore(InfluxStore(influxd.url, database="once"), Spool(tmp_path / "spool"))
    runs = [throughput(T0 + timedelta(minutes=10 * i)) for i in range(3)]
    store.write(runs)
    assert built == runs and store.results() == runs
    influxd.query('DROP DATABASE "once"')


def test_a_point_written_before_the_columnar_record_is_read(influx):
    """Stores written by earlier versions keep their version 1 records (intervals as rows)."""
    record = (
        '{"ended":10000000,"context":{},"flags":[],"argv":[],"intervals":[[0,1.0,9.4e9,3,101.5,'
        '4096,false],[1000000,0.5,1.5,null,null,null,true]],"hops":[[1,"198.18.0.1","gw",0.25]]}'
    )
    started = (T0 - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)
    escaped = record.replace('"', '\\"')
    influx._write_payload(
        "throughput,direction=forward,endpoint=ncsa,probe=ncsa-tcp,site=local,tool=iperf3 "
        f'status="ok",throughput_bps=9.4e9,retransmits=12i,record="{escaped}" {started}'.encode()
    )
    (back,) = influx.results()
    assert back == throughput(
        T0,
        slot=None,
        intervals=[
            Interval(T0, 1.0, 9.4e9, 3, 101.5, 4096),
            Interval(T0 + timedelta(seconds=1), 0.5, 1.5, omitted=True),
        ],
        hops=[Hop(1, "198.18.0.1", "gw", 0.25)],
    )


def test_a_long_write_goes_in_bodies_built_while_the_one_before_is_taken(influx, monkeypatch):
    sent = []
    send = InfluxStore._write_payload
    monkeypatch.setattr(
        InfluxStore,
        "_write_payload",
        lambda self, body, *more: sent.append(body) or send(self, body, *more),
    )
    runs = [throughput(T0 + timedelta(minutes=i), intervals=ODD_INTERVALS) for i in range(1200)]
    influx.write(runs)
    first, rest = PIPELINE_FIRST, PIPELINE_LINES
    assert [body.count(b"\n") + 1 for body in sent] == [first, rest, rest, 1200 - first - 2 * rest]
    assert influx.results() == runs


def test_a_bad_result_in_a_later_body_stops_the_write_and_the_store_stays_usable(influx):
    runs = [throughput(T0 + timedelta(minutes=i)) for i in range(PIPELINE_FIRST + 1)]
    bad = throughput(T0 + timedelta(days=1), metrics={"throughput_bps": float("nan")})
    with pytest.raises(StoreError, match="throughput_bps = nan"):
        influx.write([*runs, bad])
    assert len(influx.results()) == PIPELINE_FIRST  # the body before its own was written
    influx.write([throughput(T0 + timedelta(days=2))])
    assert len(influx.results()) == PIPELINE_FIRST + 1
