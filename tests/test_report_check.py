"""`netprobe report --check`: what a report lacks from the list a support desk asks for.

Two real SQLite stores. One nearly complete: the lab recordings of the real tools
(iperf3 --bidir, ping, traceroute in tests/fixtures, read by the probes' own parsers) and
the esmond doc's tracepath sample as the far end's trace back to the site (read by the
esmond translator), the ping and traces moved into the period; plus 30 days of hourly
throughput both ways with a drop (generated: a change needs a history to be found). One
missing things: what `netprobe import esmond` brings from a loopback archive serving the
esmond doc's real throughput and packet-trace documents.
"""

import json
import zipfile
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from archive_server import serve
from test_analyze_cli import START, hourly, results
from test_import_archives import esmond_archive, with_trace_measurement

from netprobe.ingest.esmond import Measurement, parse_base
from netprobe.localize.reverse import reverse_traces
from netprobe.model import (
    Direction,
    Endpoint,
    ProbeSpec,
    Result,
    RttOptions,
    ThroughputOptions,
    TraceOptions,
)
from netprobe.probes import iperf3_json, ping, trace
from netprobe.report.check import check_report, missing
from netprobe.report.facts import MISSING, NOT_NEEDED, PRESENT, Fact
from netprobe.store import SqliteStore

FIXTURES = Path(__file__).parent / "fixtures"
G = 1e9
END = datetime(2026, 11, 25, tzinfo=UTC)  # the iperf3 recording ran on 2026-11-24 23:50
DAYS = 30
NCSA = Endpoint("ncsa", "host2.example.net")  # the name the esmond trace gives its source
SITE = "host1.example.net"  # and its destination


def recorded(path: str) -> dict:
    return json.loads((FIXTURES / path).read_text())


def spec(test: str, options) -> ProbeSpec:
    return ProbeSpec(name=f"ncsa-{test}", test=test, endpoint=NCSA, options=options, site=SITE)


def lab_recordings() -> list[Result]:
    """iperf3 --bidir, ping and traceroute as the lab ran them, read by their parsers."""
    bidir = (FIXTURES / "iperf3/3.12/tcp_bidir.json").read_text()
    out = iperf3_json.parse(bidir, spec("throughput", ThroughputOptions(bidir=True)))
    for name, module, options, hours in (
        ("ping/ok.json", ping, RttOptions(), 3),
        ("trace/ok.json", trace, TraceOptions(), 2),
    ):
        run = recorded(name)
        out += module.parse(
            run["stdout"],
            spec(module.TEST, options),
            stderr=run["stderr"],
            returncode=run["returncode"],
            started=END - timedelta(hours=hours),
            argv=run["argv"],
        )
    return out


def far_end_trace(at: datetime) -> Result:
    """The esmond doc's tracepath sample (host2 → host1), as the esmond import reads it."""
    body = recorded("perfsonar/esmond/tracepath-metadata-post-body.json")
    meta = Measurement(
        key="tracepath-example",
        source=body["source"],
        destination=body["destination"],
        tool=body["tool-name"],
        event_types={e["event-type"]: "" for e in body["event-types"]},
        input_source=body["input-source"],
        input_destination=body["input-destination"],
    )
    data = recorded("perfsonar/esmond/tracepath-data-post-body.json")["data"][0]
    points = [{"ts": data["ts"], "val": data["val"][0]["val"]}]
    (result,) = parse_base("packet-trace", points, meta)
    return replace(result, started=at)


def history(direction: Direction, drop_at: int | None) -> list[Result]:
    """Hourly throughput over the DAYS before END (the last hour is the iperf3 recording's)."""
    levels = np.full(DAYS * 24 - 1, 17 * G)
    if drop_at is not None:
        levels[drop_at:] *= 0.6
    shift = END - timedelta(days=DAYS) - START
    generated = results(direction, hourly(levels, seed=7 + (drop_at is None)))
    return [replace(r, started=r.started + shift, ended=None, site=SITE) for r in generated]


def config_file(root: Path, endpoint: str, host: str) -> str:
    path = root / "site.toml"
    path.write_text(
        "schema = 1\n\n"
        f'[site]\nname = "{SITE}"\nstate_dir = "{root}"\n\n'
        f'[[endpoints]]\nname = "{endpoint}"\nhost = "{host}"\n\n'
        f'[[links]]\nname = "lyon-{endpoint}"\nendpoint = "{endpoint}"\n'
        'plan = [{ from = 2010-01-01, capacity = "20Gbps" }]\n'
    )
    return str(path)


@pytest.fixture(scope="module")
def complete(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("complete")
    with SqliteStore(root / "netprobe.sqlite") as store:
        store.write(history(Direction.FORWARD, drop_at=20 * 24))
        store.write(history(Direction.REVERSE, drop_at=None))
        store.write(lab_recordings())
        store.write([far_end_trace(END - timedelta(hours=1))])
    return config_file(root, "ncsa", NCSA.host)


PERIOD = ("--endpoint", "ncsa", "--from", "2026-10-26", "--to", "2026-11-25T01:00:00Z")


def test_a_complete_report_lacks_nothing(run_cli, complete, tmp_path):
    bundle = tmp_path / "ncsa.zip"
    args = ("report", "--config", complete, *PERIOD, "--check", "--json", "--bundle", str(bundle))
    body = json.loads(run_cli(*args).stdout)
    assert body["missing"] == []
    items = {i["item"]: i for i in body["items"]}
    assert list(items) == [
        "ends",
        "method",
        "plan",
        "before",
        "started",
        "worked",
        "rtt",
        "forward-trace",
        "reverse-trace",
        "raw",
    ]
    assert all(i["status"] == PRESENT for i in items.values())
    ends = " ".join(items["ends"]["details"])
    assert "address 198.18.0.1" in ends and "measured at 198.18.0.2 port 5201" in ends
    assert "iperf3 3.12 TCP, 1 stream(s)" in items["method"]["details"][0]
    assert "from ncsa (4 hops, bwctl/tracepath)" in items["reverse-trace"]["details"][0]
    with zipfile.ZipFile(bundle) as z:
        assert "results.json" in z.namelist()


def test_the_page_carries_the_checklist_and_both_paths(run_cli, complete):
    page = run_cli("report", "--config", complete, *PERIOD, "--format", "md").stdout
    assert "## Facts for the network support desk" in page
    assert "**Missing:** the raw tool output." in page  # no --bundle
    paths = page.split("## Paths")[1].split("## Traceroute around")[0]
    assert "Forward path (from the site)" in paths and "198.18.1.1" in paths
    assert "Reverse path (from the far end)" in paths and "10.1.1.10" in paths
    assert "(esmond:trace, ncsa → host1.example.net)" in paths


def test_a_report_missing_things_says_what_and_exits_1(run_cli, tmp_path):
    db = tmp_path / "netprobe.sqlite"
    archive = with_trace_measurement(esmond_archive())
    since = ("--since", "2014-04-13", "--until", "2014-04-17")
    with serve(archive) as url:
        run_cli("import", "esmond", url, "--db", str(db), *since)
    config = config_file(tmp_path, "host2.example.net", "host2.example.net")
    period = ("--endpoint", "host2.example.net", "--from", "2014-04-13", "--to", "2014-04-17")
    out = run_cli("report", "--config", config, *period, "--check", expect=1).stdout
    assert "[ ] the round-trip time (RTT): missing" in out
    assert "no RTT stored in the period: add an rtt probe (ping)" in out
    assert "[ ] a traceroute from the site to the far end: missing" in out
    assert "[x] a traceroute from the far end back" in out  # imported from the archive
    assert "[x] both end addresses and ports: present" in out
    assert "[ ] the raw tool output: missing" in out
    assert out.rstrip().splitlines()[-1].startswith("5 missing: before, started")

    body = json.loads(
        run_cli("report", "--config", config, *period, "--check", "--json", expect=1).stdout
    )
    assert body["missing"] == ["before", "started", "rtt", "forward-trace", "raw"]
    ends = next(i for i in body["items"] if i["item"] == "ends")
    assert "address 10.1.1.1" in ends["details"][0]  # the archive's source address

    page = tmp_path / "r.md"  # with -o the page is written all the same, then exit 1
    args = ("report", "--config", config, *period, "--check", "--format", "md", "-o", str(page))
    out = run_cli(*args, expect=1).stdout
    assert out.rstrip().endswith("5 missing: before, started, rtt, forward-trace, raw")
    assert "**Missing:** the rate before the problem;" in page.read_text()


def test_json_without_check_is_a_usage_error(run_cli, complete):
    result = run_cli("report", "--config", complete, *PERIOD, "--json", expect=2)
    assert "--json goes with --check" in result.stderr


def fact(item: str, status: str = PRESENT) -> Fact:
    return Fact(item, item, "why" if status != PRESENT else "value", status)


def test_an_item_is_missing_when_any_fact_is_or_none_answers_it():
    facts = [fact("ends"), fact("before"), fact("before", MISSING)]
    facts.append(fact("reverse-trace", NOT_NEEDED))
    items = {i.item: i for i in check_report(facts)}
    assert items["ends"].status == PRESENT
    assert items["before"].status == MISSING and items["before"].details == (
        "before: value",
        "before: why",
    )
    assert items["reverse-trace"].status == NOT_NEEDED
    assert items["rtt"].status == MISSING and items["rtt"].details == ("not in the report",)
    assert {i.item for i in missing(items.values())} == {
        "before",
        "method",
        "plan",
        "started",
        "worked",
        "rtt",
        "forward-trace",
        "raw",
    }


def test_reverse_traces_are_those_from_the_far_end_to_the_site():
    there = far_end_trace(END)  # host2.example.net (10.1.1.1) → host1.example.net
    ours = replace(there, site=SITE, endpoint="ncsa", context={})  # a forward trace
    elsewhere = replace(there, endpoint="host3.example.net", context={})
    by_address = replace(
        there,
        site="x",
        endpoint="y",
        context={"source_address": "HOST2.example.net.", "destination_address": "198.18.0.1"},
    )
    found = reverse_traces(
        [there, ours, elsewhere, by_address],
        site=SITE,
        site_names=["198.18.0.1"],
        endpoint=NCSA,
    )
    assert [r.context.get("source_address") for r in found] == ["10.1.1.1", "HOST2.example.net."]
    assert {(r.site, r.endpoint, r.direction) for r in found} == {(SITE, "ncsa", Direction.REVERSE)}
    assert there.direction is Direction.FORWARD  # the inputs are not changed
