"""Every InfluxQL query of the Grafana dashboards runs on a real influxd holding netprobe results.

There is no Grafana here: the test does Grafana's macro substitution itself ($timeFilter,
$__interval, template variables, also inside ``/^$var$/`` regexes), on the queries of
panels, annotations and template variables, and asks influxd for each.
"""

import json
import re
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest

from netprobe.model import Direction, Result, Status
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


def seeded() -> list[Result]:
    """Two days of hourly throughput and rtt results on two links, with one failure of each kind."""
    now = datetime.now(UTC).replace(microsecond=0)
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
                        else {"throughput_bps": 9e9, "retransmits": hour, "rtt_ms": 98.0},
                        reason=f"{failure} on purpose" if failure else None,
                    )
                )
            results.append(
                Result(
                    probe=f"{endpoint}-rtt",
                    test="rtt",
                    tool="ping",
                    endpoint=endpoint,
                    direction=Direction.FORWARD,
                    status=Status.OK,
                    started=at + timedelta(minutes=5),
                    site="cc-in2p3",
                    metrics={"rtt_avg_ms": 99.0 + hour % 3, "loss_ratio": 0.0},
                )
            )
    return results


@pytest.fixture(scope="module")
def grafana_influxd(influxd):
    """The session's influxd with `seeded` results written by the InfluxDB store."""
    with InfluxStore(influxd.url, database=DATABASE) as store:
        store.write(seeded())
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
