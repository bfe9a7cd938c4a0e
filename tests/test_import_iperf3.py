"""`netprobe import iperf3` over every recorded iperf3 -J output of tests/fixtures/iperf3/."""

import json
import shutil
from pathlib import Path

from netprobe.ingest.importer import import_reads
from netprobe.ingest.iperf3_files import PROBE, read_files
from netprobe.model import Direction, Status
from netprobe.store import SqliteStore

IPERF3 = Path(__file__).parent / "fixtures" / "iperf3"
JSON_FILES = sorted(IPERF3.rglob("*.json"))
# Error documents of a client that never connected: no host, no start time.
UNPLACED = {
    "3.12/error_connect_timeout.json",
    "3.12/error_refused.json",
    "3.12/error_resolve.json",
    "3.12/error_server_busy.json",
    "3.7/error_refused.json",
    "3.9/incomplete_not_connected.json",
}
# The perfsonar-* copies hold the same runs (same start times) as these files.
SAME_RUNS = 4


def test_every_version_imported_failures_as_failures_and_twice_stores_nothing(run_cli, tmp_path):
    db = str(tmp_path / "np.sqlite")
    first = json.loads(
        run_cli("import", "iperf3", str(IPERF3), "--db", db, "--site", "lyon", "--json").stdout
    )
    again = json.loads(
        run_cli("import", "iperf3", str(IPERF3), "--db", db, "--site", "lyon", "--json").stdout
    )
    placed = len(JSON_FILES) - len(UNPLACED)
    assert first["read"] == len(JSON_FILES)
    assert first["rejected"] == len(UNPLACED)
    assert first["results"] == placed + 1  # the --bidir run measured both directions
    assert first["stored"] == first["results"] - SAME_RUNS
    assert first["already_present"] == SAME_RUNS
    assert (again["stored"], again["already_present"]) == (0, first["results"])
    with SqliteStore(db) as store:
        stored = store.results()
    assert len(stored) == first["stored"]
    assert {r.probe for r in stored} == {PROBE} and {r.site for r in stored} == {"lyon"}
    failures = {r.context["file"].split("iperf3/")[-1]: r for r in stored if not r.ok}
    assert set(failures) == {
        "3.6/error_control_socket_closed.json",
        "3.7/error_auth_failed.json",
        "3.9/incomplete_connected.json",
        "3.9/tcp_bytes_10k.json",  # the receiver counted 0 bytes: never a 0 bit/s
    }
    assert failures["3.7/error_auth_failed.json"].reason == "test authorization failed"
    assert failures["3.7/error_auth_failed.json"].endpoint == "192.168.5.109"
    assert all(r.throughput_bps is None for r in failures.values())
    by_file = {r.context["file"].split("iperf3/")[-1]: r for r in stored if r.ok}
    # the first file of a run wins; its copy under another name is "already present"
    assert by_file["3.1.6/perfsonar-tcp-1stream-wan-a.json"].endpoint == "140.182.44.177"
    assert "3.1.6/tcp_t20_htcp_run2.json" not in by_file
    assert by_file["3.12/tcp_reverse.json"].direction is Direction.REVERSE
    assert by_file["3.12/tcp_default.json"].metrics["throughput_bps"] > 0


def test_rejections_carry_their_reason(run_cli, tmp_path):
    out = run_cli("import", "iperf3", str(IPERF3), "--db", str(tmp_path / "np.sqlite")).stdout
    assert "rejected 6×: the document names no remote host" in out
    assert "give --endpoint (first: " in out


def test_endpoint_option_names_the_endpoint_and_unplaced_runs_stay_out(tmp_path):
    folder = tmp_path / "logs"
    shutil.copytree(IPERF3 / "3.12", folder)
    (folder / "notes.json").write_text('{"not": "iperf3"}')
    (folder / "nested").mkdir()
    shutil.copy(IPERF3 / "3.7" / "error_auth_failed.json", folder / "nested" / "x.json")
    with SqliteStore(tmp_path / "np.sqlite") as store:
        counts = import_reads(
            read_files([folder], site="lyon", endpoint="ncsa", direction=Direction.REVERSE),
            store,
            batch=3,
        )
        stored = store.results()
    reasons = dict(counts.rejected)
    assert reasons == {
        "the document has no start time (start.timestamp): the run cannot be placed in time": 4,
        "not an iperf3 -J document (no JSON object of iperf3's)": 1,
    }
    assert {r.endpoint for r in stored} == {"ncsa"}
    assert any(r.status is Status.TOOL_ERROR for r in stored)  # the nested auth failure
    assert counts.stored == len(stored) == counts.results
