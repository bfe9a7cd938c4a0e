"""`netprobe results` over a real SQLite store: table, JSON, CSV, filters, bad values."""

import csv
import io
import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from test_store import throughput

from netprobe.model import Direction, Status
from netprobe.store import SqliteStore
from netprobe.store.records import CSV_COLUMNS

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def db(tmp_path):
    """A store with, oldest first: an old OK result, a recent busy failure, a recent OK one."""
    path = tmp_path / "netprobe.sqlite"
    with SqliteStore(path) as store:
        store.write(
            [
                throughput(NOW - timedelta(days=3), bps=17.2e9),
                throughput(NOW - timedelta(hours=2), bps=None),
                throughput(
                    NOW - timedelta(hours=1),
                    endpoint="starlight",
                    direction=Direction.REVERSE,
                    metrics={"throughput_bps": 9.41e9, "retransmits": 7, "rtt_ms": 101.2},
                ),
            ]
        )
    return str(path)


def test_json_is_a_list_with_null_throughput_for_failures(run_cli, db):
    out = json.loads(run_cli("results", "--db", db, "--json").stdout)
    assert [r["status"] for r in out] == ["ok", "busy", "ok"]
    busy = out[1]
    assert busy["throughput_bps"] is None and busy["retransmits"] is None
    assert busy["error"] == "the server is busy running a test"
    assert out[2]["throughput_bps"] == 9.41e9 and out[2]["retransmits"] == 7
    assert out[2]["direction"] == "reverse" and out[2]["endpoint"] == "starlight"
    assert out[2]["started"].endswith("Z") and out[2]["ended"].endswith("Z")
    for key in ("metrics", "context", "flags", "argv", "intervals", "hops"):
        assert key in busy


def test_csv_has_a_header_and_one_row_per_result(run_cli, db):
    rows = list(csv.reader(io.StringIO(run_cli("results", "--db", db, "--csv").stdout)))
    assert tuple(rows[0]) == CSV_COLUMNS
    records = [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert [r["throughput_bps"] for r in records] == ["17200000000.0", "", "9410000000.0"]
    assert records[1]["reason"] == "the server is busy running a test"


def test_table_for_people(run_cli, db):
    lines = run_cli("results", "--db", db).stdout.splitlines()
    assert lines[0].split() == [
        "TIME", "(UTC)", "PROBE", "ENDPOINT", "DIRECTION", "STATUS", "THROUGHPUT", "RETR",
        "RTT", "REASON",
    ]  # fmt: skip
    assert len(lines) == 4
    assert "17.2 Gbit/s" in lines[1] and "12" in lines[1]
    assert "busy" in lines[2] and "the server is busy running a test" in lines[2]
    assert " 0 " not in lines[2] and "-" in lines[2]
    assert "9.41 Gbit/s" in lines[3] and "101 ms" in lines[3]
    assert lines[3].startswith((NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S"))


@pytest.mark.parametrize(
    ("args", "statuses"),
    [
        (["--since", "24h"], ["busy", "ok"]),
        (["--since", "1d", "--until", "90m"], ["busy"]),
        (["--since", (NOW - timedelta(days=4)).date().isoformat()], ["ok", "busy", "ok"]),
        (["--until", (NOW - timedelta(days=1)).isoformat()], ["ok"]),
        (["--endpoint", "starlight"], ["ok"]),
        (["--status", "busy"], ["busy"]),
        (["--probe", "ncsa-tcp", "--limit", "2"], ["busy", "ok"]),
        (["--endpoint", "nowhere"], []),
    ],
)
def test_filters(run_cli, db, args, statuses):
    out = json.loads(run_cli("results", "--db", db, "--json", *args).stdout)
    assert [r["status"] for r in out] == statuses


def test_db_from_the_environment_and_nothing_found(run_cli, db):
    result = run_cli("results", "--endpoint", "nowhere", env={"NETPROBE_DB": db})
    assert result.stdout == ""
    assert "No stored result matches." in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "Invalid value for '--since'"),
        (["--until", "2026-01-02T03:00"], "UTC offset"),
        (["--status", "fine"], "Invalid value for '--status'"),
        (["--limit", "0"], "Invalid value for '--limit'"),
        (["--json", "--csv"], "choose one of --json and --csv"),
    ],
)
def test_bad_values_are_usage_errors(run_cli, db, args, message):
    assert message in run_cli("results", "--db", db, *args, expect=2).stderr


def test_missing_database_is_one_line_and_exit_1(tmp_path):
    missing = tmp_path / "none.sqlite"
    proc = subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", "results", "--db", missing],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"Error: no database at {missing}: run a probe first, or point --db at one"
    ]
    assert not missing.exists()


def test_statuses_offered_are_the_model_statuses(run_cli):
    help_text = run_cli("results", "--help").stdout
    assert all(status.value in help_text for status in Status)


def test_table_keeps_a_long_reason_on_one_short_line(run_cli, tmp_path):
    path = tmp_path / "long.sqlite"
    reason = "iperf3: error - unable to connect to server:\n" + "Connection refused " * 10
    with SqliteStore(path) as store:
        store.write([throughput(NOW, bps=None, status=Status.REFUSED, reason=reason)])
    lines = run_cli("results", "--db", str(path)).stdout.splitlines()
    assert len(lines) == 2
    shown = lines[1].split("refused", 1)[1].lstrip(" -")
    assert shown == "iperf3: error - unable to connect to server: Connection ref…"
    assert len(shown) == 60


def test_store_from_the_config(run_cli, db, tmp_path):
    config = tmp_path / "site.toml"
    config.write_text(
        'schema = 1\n[site]\nname = "lyon"\n'
        f'[store]\nkind = "sqlite"\npath = "{db}"\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "198.18.3.2"\n'
    )
    out = json.loads(run_cli("results", "--config", str(config), "--json").stdout)
    assert len(out) == 3


def test_config_naming_a_store_not_yet_made_is_one_line(tmp_path):
    config = tmp_path / "site.toml"
    config.write_text(
        f'schema = 1\n[site]\nname = "lyon"\nstate_dir = "{tmp_path / "state"}"\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "198.18.3.2"\n'
    )
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from netprobe.cli import main; main()",
            "results",
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "netprobe.sqlite" in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "state").exists()  # reading creates nothing
