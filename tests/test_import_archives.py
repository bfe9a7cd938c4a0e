"""`netprobe import esmond|opensearch` against a real HTTP(S) server on 127.0.0.1.

The esmond archive serves the esmond doc's real metadata search response and throughput
base data (tests/fixtures/perfsonar/esmond/); its one ``failures`` point is BUILT (no sample
exists; the format is esmond's ``{"error": …}``). The OpenSearch archive serves hits made
from tests/fixtures/perfsonar/opensearch/pscheduler_throughput-hit.json (built, see its
README line). Errors run the real process: one line on stderr, exit 1, no traceback.
"""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from archive_server import ESMOND_ROOT, Archive, serve, throughput_hits

from netprobe.ingest.esmond_archive import read_archive
from netprobe.ingest.http import JsonClient
from netprobe.model import Status
from netprobe.store import SqliteStore

ESMOND = Path(__file__).parent / "fixtures" / "perfsonar" / "esmond"
KEY = "f6b732e9f351487a96126f0c25e5e546"
FAILURE_TS = 1397450000  # between the doc's throughput points


def esmond_archive() -> Archive:
    metadata = json.loads((ESMOND / "throughput-metadata-search-response.json").read_text())
    throughput = json.loads((ESMOND / "throughput-base-response.json").read_text())
    built_failure = {"ts": FAILURE_TS, "val": {"error": "Unable to connect to host2 (built)"}}
    return Archive(
        metadata=metadata,
        base={
            f"{ESMOND_ROOT}{KEY}/throughput/base": throughput,
            f"{ESMOND_ROOT}{KEY}/packet-retransmits/base": [],
            f"{ESMOND_ROOT}{KEY}/failures/base": [built_failure],
        },
    )


def netprobe(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real `netprobe` process (its main() maps errors to one line and an exit code)."""
    return subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


def test_esmond_metadata_then_base_in_windows_stored_once(run_cli, tmp_path):
    archive = esmond_archive()
    db = str(tmp_path / "np.sqlite")
    args = ["--db", db, "--since", "2014-04-13", "--until", "2014-04-15", "--window", "6h"]
    with serve(archive) as url:
        first = json.loads(run_cli("import", "esmond", url, *args, "--json").stdout)
        again = json.loads(run_cli("import", "esmond", url, *args, "--json").stdout)
    assert first["read"] == 5 and first["stored"] == 5 and first["failures_stored"] == 1
    assert first["skipped"] == {"esmond event type throughput-subintervals": 1}
    assert (again["stored"], again["already_present"], again["read"]) == (0, 5, 5)
    throughput_windows = [
        (int(q["time-start"]), int(q["time-end"]))
        for _, path, q in archive.requests
        if path.endswith("/throughput/base")
    ]
    assert len(throughput_windows) == 2 * 8  # two days in 6-hour windows, twice
    starts, ends = zip(*throughput_windows[:8], strict=True)
    assert list(starts[1:]) == list(ends[:-1])  # windows share their edge: nothing between
    with SqliteStore(db) as store:
        stored = store.results()
    expected = json.loads((ESMOND / "throughput-base-response.json").read_text())
    ok = [r for r in stored if r.ok]
    assert [r.throughput_bps for r in ok] == [p["val"] for p in expected]
    assert {(r.site, r.endpoint, r.probe) for r in stored} == {
        ("host1.example.net", "host2.example.net", "esmond:throughput")
    }
    (failure,) = [r for r in stored if not r.ok]
    assert failure.status is Status.TOOL_ERROR
    assert failure.reason == "Unable to connect to host2 (built)"
    assert failure.started == datetime.fromtimestamp(FAILURE_TS, UTC)
    assert "throughput_bps" not in failure.metrics


TRACE_KEY = "0c2d6b7e0f0e4e1c9a4b5d6e7f8a9b0c"  # built: esmond makes keys when metadata is POSTed


def with_trace_measurement(archive: Archive) -> Archive:
    """Add the doc's tracepath metadata as esmond would list it once POSTed (a BUILT
    metadata-key and base-uris added), with the doc's real packet-trace base data."""
    meta = json.loads((ESMOND / "tracepath-metadata-post-body.json").read_text())
    meta["metadata-key"] = TRACE_KEY
    for event in meta["event-types"]:
        event["base-uri"] = f"{ESMOND_ROOT}{TRACE_KEY}/{event['event-type']}/base"
    trace = json.loads((ESMOND / "packet-trace-base-response.json").read_text())
    archive.metadata.append(meta)
    archive.base[f"{ESMOND_ROOT}{TRACE_KEY}/packet-trace/base"] = trace
    archive.base[f"{ESMOND_ROOT}{TRACE_KEY}/failures/base"] = []
    return archive


def test_esmond_metadata_search_is_paged_and_filtered():
    archive = with_trace_measurement(esmond_archive())
    until = datetime(2014, 4, 16, tzinfo=UTC)
    with serve(archive) as url:
        client = JsonClient(timeout=5)
        since = until - timedelta(days=3)
        reads = list(read_archive(client, url, since=since, until=until, page=1))
        searches = [q for _, path, q in archive.requests if path == ESMOND_ROOT]
        only = list(read_archive(client, url, since=since, until=until, source="host2.example.net"))
        none = list(read_archive(client, url, since=until, until=until, source="elsewhere"))
    assert [(q["offset"], q["limit"]) for q in searches] == [("0", "1"), ("1", "1"), ("2", "1")]
    by_probe = {}
    for read in reads:
        for result in read.results:
            by_probe.setdefault(result.probe, []).append(result)
    assert sorted((p, len(r)) for p, r in by_probe.items()) == [
        ("esmond:throughput", 5),
        ("esmond:trace", 1),
    ]
    (trace,) = by_probe["esmond:trace"]
    assert (trace.site, trace.endpoint) == ("host2.example.net", "host1.example.net")
    assert trace.hops[0].address == "198.124.238.65"
    assert [r.probe for read in only for r in read.results] == ["esmond:trace"]
    assert none == []


HOURLY_START = datetime(2024, 5, 1, tzinfo=UTC)


def two_links(count: int) -> Archive:
    """Two links measured at the same times: every start time has two hits (ties)."""
    hits = throughput_hits(count, start=HOURLY_START, every=600, failed_every=10)
    hits += throughput_hits(count, start=HOURLY_START, every=600, dest="perfsonar.starlight.net")
    return Archive(hits={"pscheduler_throughput": hits})


@pytest.mark.parametrize("overlap", [0, 4])
def test_opensearch_search_after_pages_with_ties_and_overlaps(run_cli, tmp_path, overlap):
    archive = two_links(150)
    archive.overlap = overlap
    db = str(tmp_path / "np.sqlite")
    with serve(archive) as url:
        # 7 hits a page: pages end in the middle of a pair of tied start times
        counts = json.loads(
            run_cli("import", "opensearch", url, "--db", db, "--page", "7", "--json").stdout
        )
        again = json.loads(
            run_cli("import", "opensearch", url, "--db", db, "--page", "7", "--json").stdout
        )
    assert counts["stored"] == 300 and counts["failures_stored"] == 15
    assert counts["read"] == counts["stored"] + counts["already_present"]
    if not overlap:
        assert counts["read"] == 300  # the reader's own re-read of tied hits is not counted
    assert again["stored"] == 0 and again["already_present"] == again["read"]
    searches = [body for method, _, body in archive.requests if method == "POST"]
    assert len(searches) >= 2 * (300 // 7)
    assert searches[0]["sort"] == [{"pscheduler.start_time": {"order": "asc"}}]
    assert "search_after" not in searches[0] and "search_after" in searches[1]
    with SqliteStore(db) as store:
        stored = store.results()
    assert len(stored) == 300
    assert len({(r.endpoint, r.started) for r in stored}) == 300
    failed = [r for r in stored if not r.ok]
    assert {r.reason for r in failed} == {"iperf2 could not connect (test)"}
    assert all(r.throughput_bps is None for r in failed)


def test_opensearch_time_range(run_cli, tmp_path):
    archive = two_links(100)
    with serve(archive) as url:
        counts = json.loads(
            run_cli(
                "import", "opensearch", url, "--db", str(tmp_path / "np.sqlite"),
                "--since", "2024-05-01T01:00:00Z", "--until", "2024-05-01T02:00:00Z", "--json",
            ).stdout
        )  # fmt: skip
    assert counts["stored"] == 2 * 6  # one result per link every 10 minutes, [since, until)


def test_opensearch_credentials_reach_the_archive(run_cli, tmp_path):
    archive = two_links(3)
    password = tmp_path / "password"
    password.write_text("s3cret\n")
    token = tmp_path / "token"
    token.write_text("t0ken\n")
    with serve(archive) as url:
        db = str(tmp_path / "np.sqlite")
        run_cli("import", "opensearch", url, "--db", db, "--user", "reader", "--password-file",
                str(password))  # fmt: skip
        run_cli("import", "opensearch", url, "--db", db, env={"NETPROBE_ARCHIVE_TOKEN": "t0ken"})
        run_cli("import", "opensearch", url, "--db", db, "--token-file", str(token))
    seen = [body["authorization"] for _, _, body in archive.requests]
    assert seen == ["Basic cmVhZGVyOnMzY3JldA==", "Bearer t0ken", "Bearer t0ken"]


def test_user_without_password_is_a_usage_error(tmp_path):
    env = {**os.environ, "NETPROBE_ARCHIVE_PASSWORD": ""}
    proc = netprobe(
        "import", "opensearch", "http://127.0.0.1:9", "--db", str(tmp_path / "np.sqlite"),
        "--user", "reader", env=env,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("Error: --user reader: no password")


def test_http_500_is_one_clear_line(tmp_path):
    with serve(Archive(status=500)) as url:
        proc = netprobe("import", "opensearch", url, "--db", str(tmp_path / "np.sqlite"))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"Error: POST {url}/pscheduler_throughput/_search: HTTP 500 Internal Server Error: "
        '{"error": "the archive is broken (test)"}'
    ]


def test_slow_answer_past_the_timeout(tmp_path):
    with serve(Archive(delay=3.0)) as url:
        proc = netprobe(
            "import", "esmond", url, "--db", str(tmp_path / "np.sqlite"), "--timeout", "0.3"
        )
    assert proc.returncode == 1
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith(f"Error: GET {url}{ESMOND_ROOT}?")
    assert line.endswith("no answer within 0.3 s (timeout; raise it with --timeout)")


def test_nothing_listening(tmp_path):
    with serve(Archive()) as url:
        pass  # the port is free again
    proc = netprobe("import", "esmond", url, "--db", str(tmp_path / "np.sqlite"))
    assert proc.returncode == 1
    assert "connection refused" in proc.stderr and "Traceback" not in proc.stderr


def test_self_signed_certificate(certificate, tmp_path):
    cert, key = certificate
    archive = two_links(2)
    db = str(tmp_path / "np.sqlite")
    with serve(archive, cert=cert, key=key) as url:
        refused = netprobe("import", "opensearch", url, "--db", db)
        with_ca = netprobe(
            "import", "opensearch", url, "--db", db, "--ca-file", str(cert), "--json"
        )
        insecure = netprobe("import", "opensearch", url, "--db", db, "--insecure", "--json")
    assert url.startswith("https://")
    assert refused.returncode == 1
    (line,) = refused.stderr.strip().splitlines()
    assert "TLS certificate not trusted" in line and "--ca-file" in line
    assert with_ca.returncode == 0, with_ca.stderr
    assert json.loads(with_ca.stdout)["stored"] == 4
    assert with_ca.stderr == ""
    assert insecure.returncode == 0, insecure.stderr
    assert json.loads(insecure.stdout)["already_present"] == 4
    assert "WARNING: TLS certificate verification is OFF" in insecure.stderr


def test_opensearch_summaries_by_default_intervals_on_request(run_cli, tmp_path):
    archive = two_links(3)
    with serve(archive) as url:
        run_cli("import", "opensearch", url, "--db", str(tmp_path / "a.sqlite"))
        run_cli("import", "opensearch", url, "--db", str(tmp_path / "b.sqlite"), "--intervals")
    bodies = [body for method, _, body in archive.requests if method == "POST"]
    assert bodies[0]["_source"] == {"excludes": ["result.intervals", "result.streams"]}
    assert bodies[-1]["_source"] == {
        "excludes": ["result.intervals.json.streams", "result.streams"]
    }
    # the archive left each interval's streams out, as OpenSearch's source filtering does
    (page,) = [archive.index("pscheduler_throughput", tuple(bodies[-1]["_source"]["excludes"]))]
    sent = json.loads(page[1][0])["_source"]["result"]["intervals"]["json"]
    assert sent and all(set(i) == {"summary"} for i in sent)
    with (
        SqliteStore(tmp_path / "a.sqlite") as summaries,
        SqliteStore(tmp_path / "b.sqlite") as full,
    ):
        plain, detailed = summaries.results(), full.results()
    assert all(r.intervals == [] for r in plain)
    template = json.loads(
        (ESMOND.parent / "opensearch" / "pscheduler_throughput-hit.json").read_text()
    )
    expected = [
        i["summary"]["throughput-bits"] for i in template["_source"]["result"]["intervals"]["json"]
    ]
    assert [i.bps for i in detailed[0].intervals] == expected
    assert [r.throughput_bps for r in plain] == [r.throughput_bps for r in detailed]


def test_progress_line_only_on_a_terminal(tmp_path):
    import pty

    with serve(two_links(30)) as url:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-c", "from netprobe.cli import main; main()", "import",
             "opensearch", url, "--db", str(tmp_path / "np.sqlite"), "--page", "10"],
            stdout=subprocess.PIPE, stderr=follower, text=True,
        )  # fmt: skip
        os.close(follower)
        out, _ = proc.communicate(timeout=60)
        seen = b""
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the terminal closed with the process
                break
            if not chunk:
                break
            seen += chunk
        os.close(leader)
    assert proc.returncode == 0
    assert b"\rread 60  stored 60  already present 0  rejected 0" in seen
    assert out.startswith("read 60 documents")
