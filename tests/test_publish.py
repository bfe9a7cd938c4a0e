"""The analysis written back to the store for dashboards, on SQLite and on a real influxd."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from test_store import STORE_KINDS, store_settings

from netprobe.analysis import analyze
from netprobe.config import load_config
from netprobe.model import AnalysisPoint, Direction, Hop, Result, Status
from netprobe.publish import path_change_points, publish
from netprobe.store import open_store

G = 1e9
START = datetime(2026, 3, 1, tzinfo=UTC)
N = 240  # hourly for 10 days
DROP = 150  # forward loses 40 % here
NOW = START + timedelta(hours=N)
ROUTE_A = ["10.0.0.1", "192.0.2.1", "192.0.2.9", "198.51.100.7"]
ROUTE_B = ["10.0.0.1", "203.0.113.4", "192.0.2.9", "198.51.100.7"]
REROUTED = START + timedelta(hours=132)  # the first trace over ROUTE_B


def throughput(direction: Direction, values: np.ndarray) -> list[Result]:
    return [
        Result(
            probe="ncsa-tcp",
            test="throughput",
            tool="iperf3",
            endpoint="ncsa",
            direction=direction,
            status=Status.OK,
            started=START + timedelta(hours=i),
            site="cc-in2p3",
            metrics={"throughput_bps": float(bps)},
        )
        for i, bps in enumerate(values)
    ]


def traces() -> list[Result]:
    """A trace every 12 hours; the route changes at REROUTED; one trace failed."""
    out = []
    for i in range(0, N, 12):
        at = START + timedelta(hours=i)
        route = ROUTE_A if at < REROUTED else ROUTE_B
        failed = i == 60
        out.append(
            Result(
                probe="ncsa-trace",
                test="trace",
                tool="tracepath",
                endpoint="ncsa",
                direction=Direction.FORWARD,
                status=Status.TIMEOUT if failed else Status.OK,
                started=at,
                site="cc-in2p3",
                hops=[] if failed else [Hop(ttl, a) for ttl, a in enumerate(route, 1)],
                reason="timed out" if failed else None,
            )
        )
    return out


@pytest.fixture
def deployment(request, tmp_path):
    """A config whose one link steps up from 20 to 40 Gbit/s on day 5 (14 days' grace),
    and a store of that kind: forward drops 40 % at DROP, reverse runs steadily."""
    rng = np.random.default_rng(7)
    forward = 17 * G * (1 + 0.02 * rng.standard_normal(N))
    forward[DROP:] *= 0.6
    reverse = 17 * G * (1 + 0.02 * rng.standard_normal(N))
    config = tmp_path / "site.toml"
    config.write_text(
        "schema = 1\n\n"
        f'[site]\nname = "cc-in2p3"\nstate_dir = "{tmp_path}"\n\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n\n'
        '[[links]]\nname = "lyon-ncsa"\nendpoint = "ncsa"\n'
        'plan = [{ from = 2025-06-01, capacity = "20Gbps" }, '
        '{ from = 2026-03-06, capacity = "40Gbps" }]\n'
    )
    kind = request.param
    with open_store(kind, **store_settings(kind, request, tmp_path)) as store:
        store.write(throughput(Direction.FORWARD, forward))
        store.write(throughput(Direction.REVERSE, reverse))
        store.write(traces())
        yield load_config(config), store


@pytest.mark.parametrize("deployment", STORE_KINDS, indirect=True)
def test_publish_writes_what_the_dashboards_draw(deployment):
    config, store = deployment
    analyses = analyze(config, store, now=NOW)
    written = publish(config, store, analyses, now=NOW)
    assert written["changepoint"] == 1 and written["path_change"] == 1
    assert written["plan"] == 6 and written["health"] == 2

    (change,) = store.points("changepoint")
    assert change.tags == {
        "site": "cc-in2p3",
        "link": "lyon-ncsa",
        "endpoint": "ncsa",
        "direction": "forward",
        "kind": "drop",
    }
    assert abs(change.time - (START + timedelta(hours=DROP))) <= timedelta(hours=2)
    assert -0.45 < change.fields["change"] < -0.35
    assert change.fields["ci_low"] <= change.fields["change"] <= change.fields["ci_high"]
    assert change.fields["text"] == "lyon-ncsa (forward) drop -40%"

    plan = [p for p in store.points("plan") if p.tags["direction"] == "forward"]
    assert [(p.time, p.fields["expected_bps"], p.fields["capacity_bps"]) for p in plan] == [
        (datetime(2025, 6, 1, tzinfo=UTC), 16 * G, 20 * G),
        (datetime(2026, 3, 6, tzinfo=UTC), 16 * G, 40 * G),  # the grace: 16 still expected
        (NOW, 16 * G, 40 * G),
    ]
    assert [p.fields["grace"] for p in plan] == [False, True, True]
    assert {p.tags["link"] for p in plan} == {"lyon-ncsa"}

    health = {p.tags["direction"]: p.fields for p in store.points("health")}
    assert health["forward"] == {"state": 2, "health": "critical", "verdict": "degraded"}
    assert health["reverse"] == {"state": 0, "health": "ok", "verdict": "ok"}

    verdicts = store.points("verdict")
    kinds = {(p.tags["direction"], p.tags["kind"]) for p in verdicts}
    assert ("forward", "degraded") in kinds and ("reverse", "ok") in kinds
    degraded = next(p for p in verdicts if p.tags["kind"] == "degraded")
    assert degraded.time == change.time and degraded.fields["ongoing"] is True
    assert "dropped 40%" in degraded.fields["summary"]

    (path,) = store.points("path_change")
    assert path.time == REROUTED
    assert path.tags == {
        "site": "cc-in2p3",
        "probe": "ncsa-trace",
        "endpoint": "ncsa",
        "link": "lyon-ncsa",
    }
    assert path.fields == {
        "text": "route change +203.0.113.4 -192.0.2.1",
        "first_hop": 2,
        "added": "203.0.113.4",
        "removed": "192.0.2.1",
        "route": " ".join(ROUTE_B),
    }


@pytest.mark.parametrize("deployment", STORE_KINDS, indirect=True)
def test_publishing_again_replaces_the_points(deployment):
    config, store = deployment
    analyses = analyze(config, store, now=NOW)
    publish(config, store, analyses, now=NOW)
    first = {m: store.points(m) for m in ("changepoint", "plan", "verdict", "health")}
    publish(config, store, analyses, now=NOW)
    assert {m: store.points(m) for m in first} == first


POINT_TIME = datetime(2026, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


@pytest.mark.parametrize("deployment", STORE_KINDS, indirect=True)
def test_points_round_trip_with_hostile_names_and_time_ranges(deployment):
    _, store = deployment
    tags = {"site": 'lyon "a", b=c', "endpoint": "ncsa 100%\n#x", "kind": "ü\\", "empty": ""}
    fields = {"text": 'say "hi"\nback\\slash', "n": 3, "rate": 1.5, "flag": False}
    points = [
        AnalysisPoint("changepoint", POINT_TIME + timedelta(hours=h), tags, fields)
        for h in range(3)
    ]
    store.write_points(points)
    expected = [AnalysisPoint(p.measurement, p.time, dict(tags), fields) for p in points]
    for p in expected:
        del p.tags["empty"]  # an empty tag value is left out, as InfluxDB does
    assert store.points("changepoint") == expected
    one_hour = timedelta(hours=1)
    assert store.points("changepoint", since=POINT_TIME + one_hour) == expected[1:]
    assert store.points("changepoint", until=POINT_TIME + one_hour) == expected[:1]
    assert store.points("plan") == []
    store.write_points([AnalysisPoint("changepoint", POINT_TIME, tags, {**fields, "n": 4})])
    assert store.points("changepoint")[0].fields["n"] == 4


def test_path_changes_are_per_trace_probe():
    # Two probes to one endpoint (IPv4 and IPv6 routes) never compare with each other.
    at = START
    v4 = [Hop(1, "10.0.0.1"), Hop(2, "192.0.2.1")]
    v6 = [Hop(1, "2001:db8::1"), Hop(2, "2001:db8::2")]

    def trace(probe, hours, hops):
        return Result(
            probe=probe,
            test="trace",
            tool="tracepath",
            endpoint="ncsa",
            direction=Direction.FORWARD,
            status=Status.OK,
            started=at + timedelta(hours=hours),
            hops=hops,
        )

    found = [trace("v4", 0, v4), trace("v6", 1, v6), trace("v4", 2, v4), trace("v6", 3, v6)]
    assert path_change_points(found, {}) == []
    found.append(trace("v6", 4, [Hop(1, "2001:db8::1"), Hop(2, "2001:db8::9")]))
    (point,) = path_change_points(found, {"ncsa": "lyon-ncsa"})
    assert point.tags == {"site": "local", "probe": "v6", "endpoint": "ncsa", "link": "lyon-ncsa"}
    assert point.fields["first_hop"] == 2


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_analyze_write_reports_what_it_wrote(run_cli, deployment, tmp_path):
    config, store = deployment
    args = ("analyze", "--config", str(tmp_path / "site.toml"), "--until", NOW.isoformat())
    out = run_cli(*args, "--write", "--json")
    assert out.stderr.startswith("wrote 1 changepoint, 2 health, 1 path_change, 6 plan, ")
    assert out.stdout.startswith("[")  # the JSON stays alone on stdout
    assert [p.time for p in store.points("health")] == [NOW, NOW]
    run_cli(*args, "--write")  # again: the same points, replaced
    assert len(store.points("changepoint")) == 1


@pytest.mark.parametrize("deployment", ["sqlite"], indirect=True)
def test_alert_write_publishes_each_evaluation(run_cli, deployment, tmp_path):
    config, store = deployment
    before = datetime.now(UTC)
    run_cli("alert", "--config", str(tmp_path / "site.toml"), "--window", "400d", "--write")
    health = store.points("health")
    assert {p.tags["direction"] for p in health} == {"forward", "reverse"}
    assert all(p.time >= before for p in health)
    assert len(store.points("path_change")) == 1
