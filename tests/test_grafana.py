"""Every InfluxQL query of the Grafana dashboards runs on a real influxd holding netprobe results.

There is no Grafana here: the test does Grafana's macro substitution itself ($timeFilter,
$__interval, template variables, also inside ``/^$var$/`` regexes), on the queries of
panels, annotations and template variables, and asks influxd for each.
"""

import json
import re
import urllib.request
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import numpy as np
import pytest

from netprobe.analysis import analyze
from netprobe.config import load_config
from netprobe.config_schema import Link
from netprobe.model import Direction, Hop, Result, Status
from netprobe.plan import CapacityPlan, PlanStep
from netprobe.publish import publish
from netprobe.store import InfluxStore
from netprobe.store.line_protocol import encode_name

GRAFANA = Path(__file__).resolve().parents[1] / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
MACROS = {"$timeFilter": "time > now() - 30d", "$__interval": "1h"}
VARIABLES = {"site": "cc-in2p3", "endpoint": "ncsa 100%", "direction": "forward"}
DATABASE = "grafana_dashboards"
FAILURES = [s for s in Status if s is not Status.OK]


def queries(dashboard: dict) -> list[tuple[str, str]]:
    """(where, query) of every query a dashboard holds: panels, annotations, variables."""
    found = [
        (f"panel {p['title']!r} target {t['refId']}", t["query"])
        for p in dashboard["panels"]
        for t in p.get("targets", [])
    ]
    found += [(f"annotation {a['name']!r}", a["query"]) for a in dashboard["annotations"]["list"]]
    found += [(f"variable {v['name']!r}", v["query"]) for v in dashboard["templating"]["list"]]
    return found


def substitute(query: str) -> str:
    """The query as Grafana sends it, the variables set to seeded values as stored.

    Grafana takes a variable's values from SHOW TAG VALUES: names as `encode_name` stored them.
    """
    for macro, value in MACROS.items():
        query = query.replace(macro, value)
    for name, value in VARIABLES.items():  # regex-escaped inside /.../, as Grafana does
        value = encode_name(value)
        query = query.replace(f"/^${name}$/", f"/^{re.escape(value)}$/")
        query = query.replace(f"${name}", value)
    assert "$" not in query.replace("$/", ""), f"a macro left unsubstituted in {query}"
    return query


NOW = datetime.now(UTC).replace(microsecond=0)
REROUTED = NOW - timedelta(hours=12)  # the trace that shows ncsa's new route


def seeded() -> list[Result]:
    """Two days of hourly throughput and rtt results on two links, with one failure of each
    kind; ncsa's throughput halves 20 hours ago and its route changes 12 hours ago."""
    now = NOW
    noise = np.random.default_rng(4)
    results = []
    for endpoint in ("ncsa 100%", "starlight"):
        for hour in range(48):
            at = now - timedelta(hours=hour)
            for direction in Direction:
                failure = FAILURES[hour] if endpoint != "starlight" and hour < 8 else None
                results.append(
                    Result(
                        probe=f"{endpoint}-tcp",
                        test="throughput",
                        tool="iperf3",
                        endpoint=endpoint,
                        direction=direction,
                        status=failure or Status.OK,
                        started=at,
                        site="cc-in2p3",
                        metrics={}
                        if failure
                        else {
                            "throughput_bps": noise.normal(1, 0.01)
                            * (4.5e9 if endpoint != "starlight" and hour < 20 else 9e9),
                            "retransmits": hour,
                            "rtt_ms": 98.0,
                        },
                        reason=f"{failure} on purpose" if failure else None,
                    )
                )
            rtt = {"rtt_avg_ms": 99.0 + hour % 3, "loss_ratio": 0.0}
            results.append(forward(endpoint, "rtt", "ping", at + timedelta(minutes=5), metrics=rtt))
            route = ["10.0.0.1", "192.0.2.1" if at < REROUTED else "203.0.113.4", "192.0.2.9"]
            hops = [Hop(ttl, address) for ttl, address in enumerate(route, 1)]
            results.append(
                forward(endpoint, "trace", "tracepath", at + timedelta(minutes=7), hops=hops)
            )
    return results


def forward(endpoint: str, test: str, tool: str, at: datetime, **fields) -> Result:
    """A forward result of ``test`` to ``endpoint`` at ``at``, by probe ENDPOINT-TEST."""
    return Result(
        probe=f"{endpoint}-{test}",
        test=test,
        tool=tool,
        endpoint=endpoint,
        direction=Direction.FORWARD,
        status=Status.OK,
        started=at,
        site="cc-in2p3",
        **fields,
    )


def analysed(store: InfluxStore, root: Path) -> None:
    """The analysis of the seeded results written back by `publish`, as `--write` does, for
    a config whose links reach the two seeded endpoints (20 Gbit/s, 40 from yesterday)."""
    config = root / "site.toml"
    config.write_text(
        f'schema = 1\n\n[site]\nname = "cc-in2p3"\nstate_dir = "{root}"\n\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n'
    )
    plan = CapacityPlan(
        (PlanStep(NOW - timedelta(days=400), 20e9), PlanStep(NOW - timedelta(days=1), 40e9))
    )
    links = tuple(Link(f"lyon-{e}", e, plan) for e in ("ncsa 100%", "starlight"))
    config = replace(load_config(config), links=links)
    publish(config, store, analyze(config, store, now=NOW), now=NOW)


@pytest.fixture(scope="module")
def grafana_influxd(influxd, tmp_path_factory):
    """The session's influxd with `seeded` results written by the InfluxDB store, and
    their analysis."""
    with InfluxStore(influxd.url, database=DATABASE) as store:
        store.write(seeded())
        analysed(store, tmp_path_factory.mktemp("grafana"))
    yield influxd
    influxd.query(f'DROP DATABASE "{DATABASE}"')


def answer(server, query: str) -> list[dict]:
    """The series of a query's answer, asked the way Grafana asks (GET /query, epoch=ms)."""
    params = urlencode({"db": DATABASE, "q": query, "epoch": "ms"})
    with urllib.request.urlopen(f"{server.url}/query?{params}", timeout=10) as response:
        (result,) = json.load(response)["results"]
    assert "error" not in result, f"influxd refused {query}: {result['error']}"
    return result.get("series", [])


@pytest.mark.parametrize(
    ("where", "query"),
    [
        pytest.param(w, q, id=f"{d.stem}: {w}")
        for d in DASHBOARDS
        for w, q in queries(json.loads(d.read_text()))
    ],
)
def test_every_dashboard_query_returns_series_on_netprobe_results(grafana_influxd, where, query):
    series = answer(grafana_influxd, substitute(query))
    assert series, f"{where}: no series for {substitute(query)}"
    assert all(s["values"] for s in series), f"{where}: a series without values"
    values = [v for s in series for row in s["values"] for v in row[1:]]
    assert any(v is not None for v in values), f"{where}: only empty values"


def test_the_completeness_is_the_share_of_ok_results(grafana_influxd):
    (overview,) = [json.loads(d.read_text()) for d in DASHBOARDS if d.stem == "overview"]
    (panel,) = [p for p in overview["panels"] if p["title"].startswith("Completeness")]
    rows = {
        (s["tags"]["endpoint"], s["tags"]["direction"]): s["values"][0][1]
        for s in answer(grafana_influxd, substitute(panel["targets"][0]["query"]))
    }
    assert rows == {
        ("ncsa 100%25", "forward"): pytest.approx(100 * 40 / 48),
        ("ncsa 100%25", "reverse"): pytest.approx(100 * 40 / 48),
        ("starlight", "forward"): 100,
        ("starlight", "reverse"): 100,
    }


def test_the_link_page_offers_the_seeded_sites_and_endpoints(grafana_influxd):
    (link,) = [json.loads(d.read_text()) for d in DASHBOARDS if d.stem == "link"]
    offered = {
        v["name"]: {
            row[1] for s in answer(grafana_influxd, substitute(v["query"])) for row in s["values"]
        }
        for v in link["templating"]["list"]
    }
    assert offered == {"site": {"cc-in2p3"}, "endpoint": {"ncsa 100%25", "starlight"}}


def test_the_datasource_provisioned_is_the_one_the_dashboards_use():
    text = (GRAFANA / "provisioning/datasources/netprobe.yaml").read_text()
    uid = re.search(r"^ +uid: (\S+)$", text, re.M).group(1)
    assert re.search(r"^ +version: InfluxQL$", text, re.M)
    assert re.search(r"^ +dbName: \$\{NETPROBE_INFLUX_DATABASE\}$", text, re.M)
    used = {
        t["datasource"]["uid"]
        for d in DASHBOARDS
        for p in json.loads(d.read_text())["panels"]
        for t in p["targets"]
    }
    assert used == {uid}


def panel_answer(server, dashboard: str, title: str, ref: str) -> dict[tuple, list]:
    """The values of each series one panel target answers, by its (endpoint, direction)."""
    (board,) = [json.loads(d.read_text()) for d in DASHBOARDS if d.stem == dashboard]
    (panel,) = [p for p in board["panels"] if p["title"].startswith(title)]
    (query,) = [t["query"] for t in panel["targets"] if t["refId"] == ref]
    return {
        (s["tags"].get("endpoint"), s["tags"]["direction"]): s["values"]
        for s in answer(server, substitute(query))
    }


def test_the_overview_colours_each_link_direction_by_its_verdicts(grafana_influxd):
    health = panel_answer(grafana_influxd, "overview", "Latest throughput", "C")
    expected = panel_answer(grafana_influxd, "overview", "Latest throughput", "B")
    assert {tags: rows[0][1] for tags, rows in health.items()} == {
        ("ncsa 100%25", "forward"): 2,  # degraded: critical
        ("ncsa 100%25", "reverse"): 2,
        ("starlight", "forward"): 1,  # below the plan: warning
        ("starlight", "reverse"): 1,
    }
    assert {rows[0][1] for rows in expected.values()} == {16e9}  # 40 from yesterday: grace


def test_the_link_page_draws_the_plan_as_steps_and_marks_the_changes(grafana_influxd):
    now_ms = NOW.timestamp() * 1000
    day_ms = 86_400_000
    expected = panel_answer(grafana_influxd, "link", "Throughput", "B")
    capacity = panel_answer(grafana_influxd, "link", "Throughput", "C")
    assert expected[(None, "forward")] == [[now_ms - day_ms, 16e9], [now_ms, 16e9]]
    assert capacity[(None, "forward")] == [[now_ms - day_ms, 40e9], [now_ms, 40e9]]
    (link,) = [json.loads(d.read_text()) for d in DASHBOARDS if d.stem == "link"]
    marks = {a["name"]: a["query"] for a in link["annotations"]["list"]}
    changes = answer(grafana_influxd, substitute(marks["Change points"]))
    assert [row[1:] for s in changes for row in s["values"]] == [
        ["lyon-ncsa 100% (forward) drop -50%", "drop", "forward"],
        ["lyon-ncsa 100% (reverse) drop -50%", "drop", "reverse"],
    ]
    (route,) = answer(grafana_influxd, substitute(marks["Path changes"]))
    seen = REROUTED + timedelta(minutes=7)  # the trace's own time
    text = "route change +203.0.113.4 -192.0.2.1"
    assert route["values"] == [[seen.timestamp() * 1000, text, "ncsa 100%25-trace"]]
