"""The InfluxDB 2.x/3.x write path (``bucket``/``org`` + token): every request checked by a
loopback server playing the documented ``/api/v2/write`` in front of a real influxd 1.x.

Not tested against a real InfluxDB 2.x or 3.x: none can be installed here.
"""

from datetime import timedelta

import pytest
from influx_v2_server import v2_server
from test_store import T0, full_result, throughput

from netprobe.errors import ConfigError, StoreRejected, StoreUnavailable
from netprobe.model import AnalysisPoint
from netprobe.store import InfluxStore
from netprobe.store.spool import Spool, SpooledStore

ORG, TOKEN = "in2p3 ops", "s3cr3t=="


@pytest.fixture
def server(influxd, influx_database, monkeypatch):
    """The v2 server over a fresh influxd database named as the bucket; the token in
    NP_TEST_INFLUX_TOKEN."""
    influxd.query(f'CREATE DATABASE "{influx_database}"')
    monkeypatch.setenv("NP_TEST_INFLUX_TOKEN", TOKEN)
    with v2_server(influxd.url, org=ORG, bucket=influx_database, token=TOKEN) as running:
        yield running
    assert not running.problems


def v2_store(server, **overrides) -> InfluxStore:
    settings = {"bucket": server.bucket, "org": ORG, "token": "env:NP_TEST_INFLUX_TOKEN"}
    return InfluxStore(server.url, **{**settings, **overrides})


def test_writes_go_to_the_v2_endpoint_and_read_back_through_influxql(server):
    results = [full_result(), throughput(T0), throughput(T0 + timedelta(minutes=10), bps=None)]
    point = AnalysisPoint("health", T0, {"endpoint": "ncsa 100%"}, {"state": 2})
    with v2_store(server) as store:
        store.write(results)
        store.write_points([point])
        assert store.results() == sorted(results, key=lambda r: r.started)
        assert store.points("health") == [point]
        assert list(store.series("ncsa", throughput(T0).direction).values[:1]) == [9.4e9]
        payloads = store._payloads(results)
    first = server.writes[0]
    assert first["params"] == {"org": [ORG], "bucket": [server.bucket], "precision": ["us"]}
    assert first["headers"]["Authorization"] == f"Token {TOKEN}"
    assert first["headers"]["Content-Type"] == "text/plain; charset=utf-8"
    assert first["body"] == payloads[0]  # the same line protocol as the v1 path
    assert len(server.writes) == 2


def test_a_batch_is_split_into_requests_of_batch_points(server):
    results = [throughput(T0 + timedelta(minutes=i)) for i in range(25)]
    with v2_store(server, batch=10) as store:
        store.write(results)
        assert len(store.results()) == 25
    assert [w["body"].count(b"\n") + 1 for w in server.writes] == [10, 10, 5]


def test_a_wrong_token_is_one_clear_line_and_the_results_wait(server, tmp_path, monkeypatch):
    monkeypatch.setenv("NP_TEST_INFLUX_TOKEN", "wrong")
    with v2_store(server) as store, pytest.raises(StoreUnavailable) as caught:
        store.write([throughput(T0)])
    assert str(caught.value) == (
        f"InfluxDB at {server.url} refused the token (401: unauthorized access): "
        "check [store] username, password or token"
    )
    assert "wrong" not in str(caught.value)
    spooled = SpooledStore(v2_store(server), Spool(tmp_path / "spool"))
    spooled.write([throughput(T0)])
    assert spooled.spool.status().queued == 1


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_server_error_spools_and_a_flush_delivers_once(server, tmp_path, status):
    spooled = SpooledStore(v2_store(server), Spool(tmp_path / "spool"))
    server.status = status
    runs = [throughput(T0 + timedelta(minutes=10 * i)) for i in range(4)]
    spooled.write(runs[:2])
    spooled.write(runs[2:])
    assert spooled.spool.status().queued == 4
    assert f"answered {status}: answering {status} on purpose" in spooled.problem
    server.status = None
    assert spooled.flush().written == 4
    spooled.write(runs[1:3])  # a replay: no duplicate
    assert spooled.results() == runs


def test_data_refused_with_400_is_kept_aside_with_the_reason(server, tmp_path):
    spooled = SpooledStore(v2_store(server), Spool(tmp_path / "spool"))
    good = throughput(T0)
    conflict = throughput(T0 + timedelta(minutes=10))
    conflict.metrics["retransmits"] = 1.5  # a float where the field holds integers
    spooled.write([good, conflict])
    assert spooled.results() == [good]
    status = spooled.spool.status()
    assert status.queued == 0 and status.rejected == 1
    (reason,) = status.reasons
    assert "refused the data (400)" in reason and "field type conflict" in reason
    with v2_store(server) as store, pytest.raises(StoreRejected):
        store.write([conflict])


def test_an_unknown_bucket_is_named(server):
    store = v2_store(server, bucket="nope", database=server.bucket)
    with store, pytest.raises(StoreUnavailable, match="bucket 'nope' of org 'in2p3 ops' does not"):
        store.write([throughput(T0)])


@pytest.mark.parametrize(
    "settings",
    [
        {"bucket": "b"},
        {"org": "o", "database": "d", "token": "env:NP_TEST_INFLUX_TOKEN"},
        {"bucket": "b", "org": "o"},
        {"bucket": "b", "org": "o", "username": "u", "token": "env:NP_TEST_INFLUX_TOKEN"},
    ],
)
def test_bucket_needs_org_and_a_token(settings, monkeypatch):
    monkeypatch.setenv("NP_TEST_INFLUX_TOKEN", TOKEN)
    with pytest.raises(ConfigError, match="bucket and org write through the InfluxDB 2.x/3.x"):
        InfluxStore("http://127.0.0.1:1", **settings)


def test_bodies_stay_small_when_results_carry_many_intervals(server, monkeypatch):
    monkeypatch.setattr("netprobe.store.influx.BATCH_CHARACTERS", 2_000)
    results = [throughput(T0 + timedelta(minutes=i)) for i in range(10)]
    with v2_store(server) as store:
        store.write(results)
        assert len(store.results()) == 10
    bodies = [w["body"] for w in server.writes]
    assert len(bodies) > 1 and all(len(body) <= 2_000 for body in bodies)
    assert sum(body.count(b"\n") + 1 for body in bodies) == 10
