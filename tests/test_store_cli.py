"""`netprobe store status|flush|reconcile|copy` against a real influxd and SQLite file."""

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from influx_fixture import need_influxd
from test_store import T0, throughput

from netprobe.lab.influxd import Influxd
from netprobe.store import InfluxStore, SqliteStore
from netprobe.store.spool import Spool

SINCE = (T0 - timedelta(days=1)).date().isoformat()
UNTIL = (T0 + timedelta(days=2)).date().isoformat()


def site(tmp_path, url: str | None = None, database: str = "np") -> str:
    """A config file for site lyon with its state under tmp_path; InfluxDB at ``url``."""
    store = f'[store]\nkind = "influxdb"\nurl = "{url}"\ndatabase = "{database}"\n' if url else ""
    config = tmp_path / "site.toml"
    config.write_text(
        f'schema = 1\n[site]\nname = "lyon"\nstate_dir = "{tmp_path / "state"}"\n{store}'
        '[[endpoints]]\nname = "ncsa"\nhost = "198.18.3.2"\n'
    )
    return str(config)


def netprobe(*args: str, expect: int) -> str:
    """Run the real `netprobe` entry point; assert its exit code; return its stderr."""
    done = subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == expect, done.stdout + done.stderr
    return done.stderr


def test_status_and_flush_of_a_spool_after_an_outage(run_cli, influxd, influx_database, tmp_path):
    config = site(tmp_path, influxd.url, influx_database)
    queued = [throughput(T0 + timedelta(minutes=10 * i)) for i in range(3)]
    Spool(tmp_path / "state" / "spool").append(queued)

    shown = run_cli("store", "status", "--config", config).stdout
    assert "queued:   3 results (started 2026-01-05T12:00:00.123456Z .." in shown
    assert (
        json.loads(run_cli("store", "status", "--config", config, "--json").stdout)["queued"] == 3
    )

    flushed = json.loads(run_cli("store", "flush", "--config", config, "--json").stdout)
    assert flushed == {"written": 3, "rejected": 0, "queued": 0}
    assert InfluxStore(influxd.url, database=influx_database).results() == queued
    assert "queued:   0 results\n" in run_cli("store", "status", "--config", config).stdout


def test_flush_while_influxdb_is_down_is_one_line_and_keeps_the_queue(tmp_path):
    url = Influxd(tmp_path).url  # nothing listens there
    config = site(tmp_path, url)
    Spool(tmp_path / "state" / "spool").append([throughput(T0)])
    error = netprobe("store", "flush", "--config", config, expect=1)
    assert error.startswith(f"Error: cannot reach InfluxDB at {url}: ")
    assert error.count("\n") == 1
    assert Spool(tmp_path / "state" / "spool").status().queued == 1


def test_flush_of_a_sqlite_site_says_there_is_no_spool(tmp_path):
    error = netprobe("store", "flush", "--config", site(tmp_path), expect=2)
    assert "only kind = 'influxdb' has a spool to flush" in error


def test_copy_then_reconcile_both_ways(run_cli, influxd, influx_database, tmp_path):
    config = site(tmp_path, influxd.url, influx_database)
    (tmp_path / "state").mkdir()
    day = [throughput(T0 + timedelta(hours=h)) for h in range(30)]
    day[3] = throughput(day[3].started, bps=None)
    with SqliteStore(tmp_path / "state" / "netprobe.sqlite") as sqlite:
        sqlite.write(day)
    window = ("--since", SINCE, "--until", UNTIL)

    differs = run_cli("store", "reconcile", "--config", config, *window, expect=1).stdout
    assert "2026-01-05  ncsa                     forward        12        0  differs" in differs
    assert "2 link-days, 2 differ" in differs

    copied = run_cli("store", "copy", "--config", config, "--from", "sqlite", "--to", "influxdb",
                     *window)  # fmt: skip
    assert copied.stdout == "copied 30 results from sqlite to influxdb\n"
    assert InfluxStore(influxd.url, database=influx_database).results() == day
    rows = json.loads(
        run_cli("store", "reconcile", "--config", config, *window, "--all", "--json").stdout
    )
    assert [(r["day"], r["sqlite"], r["influxdb"]) for r in rows] == [
        ("2026-01-05", 12, 12),
        ("2026-01-06", 18, 18),
    ]

    back = tmp_path / "back.sqlite"
    run_cli("store", "copy", "--config", config, "--from", "influxdb", "--to", "sqlite",
            "--sqlite", str(back), *window)  # fmt: skip
    assert SqliteStore(back).results() == day


@pytest.mark.parametrize("args", [["--from", "sqlite", "--to", "sqlite"]])
def test_copy_needs_two_different_stores(run_cli, tmp_path, args):
    result = run_cli("store", "copy", "--config", site(tmp_path), *args, expect=2)
    assert "same store" in result.stdout + result.stderr


def test_copy_to_influxdb_needs_it_configured(tmp_path):
    args = ["--from", "sqlite", "--to", "influxdb"]
    error = netprobe("store", "copy", "--config", site(tmp_path), *args, expect=2)
    assert "set kind = 'influxdb'" in error


def test_netprobe_run_during_an_outage_keeps_the_result_and_flush_delivers_it(run_cli, tmp_path):
    need_influxd()
    (tmp_path / "server").mkdir()
    server = Influxd(tmp_path / "server")
    config = Path(site(tmp_path, server.url))
    config.write_text(
        config.read_text()
        + '[[probes]]\nname = "lo-rtt"\ntest = "rtt"\nendpoint = "ncsa"\nevery = "1h"\n'
        'options = { count = 2, interval = "0.2s" }\n'
    )
    config.write_text(config.read_text().replace("198.18.3.2", "127.0.0.1"))
    args = ("--config", str(config))
    try:
        ran = json.loads(run_cli("run", *args, "--no-jitter", "--json").stdout)  # influxd is down
        assert [r["status"] for r in ran] == ["ok"]
        assert json.loads(run_cli("store", "status", *args, "--json").stdout)["queued"] == 1
        assert run_cli("run", *args, "--no-jitter").stdout.strip() == "No probe was due."

        server.start()
        flushed = json.loads(run_cli("store", "flush", *args, "--json").stdout)
        assert flushed == {"written": 1, "rejected": 0, "queued": 0}
        stored = json.loads(run_cli("results", *args, "--json").stdout)
        assert [(r["probe"], r["started"]) for r in stored] == [("lo-rtt", ran[0]["started"])]
    finally:
        server.stop()
