"""`netprobe alert` and `netprobe check` on the probes' own verdicts (stale, path-changed,
loss, completeness): a real SQLite store, the real analysis, a real Alertmanager."""

import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from test_alert_cli import netprobe
from test_report_build import trace

from netprobe.model import Direction, Result, Status
from netprobe.store import SqliteStore

G = 1e9
ROUTE = ["198.18.1.1", "192.0.2.1", "198.51.100.9"]
DETOUR = ["198.18.1.1", "203.0.113.7", "198.51.100.9"]


def hour() -> datetime:
    """The last full hour before now."""
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)


def result(probe: str, test: str, tool: str, at: datetime, **fields) -> Result:
    """An OK forward result of ``probe`` to ncsa started at ``at``."""
    return Result(probe, test, tool, "ncsa", Direction.FORWARD, Status.OK, started=at, **fields)


def throughput(start: datetime, hours: int) -> list[Result]:
    """Hourly probes of about 17 Gbit/s from ``start``."""
    rng = np.random.default_rng(5)
    return [
        result(
            "ncsa-fwd",
            "throughput",
            "iperf3",
            start + timedelta(hours=i),
            metrics={"throughput_bps": float(17 * G * rng.uniform(0.97, 1.03))},
        )
        for i in range(hours)
    ]


def ping(at: datetime, loss: float) -> Result:
    return result("ncsa-rtt", "rtt", "ping", at, metrics={"loss_ratio": loss, "rtt_avg_ms": 110.0})


def write_config(root, am_url: str, kinds: str, store: str = "results.sqlite") -> str:
    config = root / f"{store}.toml"
    config.write_text(
        "schema = 1\n\n"
        f'[site]\nname = "cc-in2p3"\nstate_dir = "{root / "state"}"\n\n'
        f'[store]\nkind = "sqlite"\npath = "{root / store}"\n\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n\n'
        '[[links]]\nname = "lyon-ncsa"\nendpoint = "ncsa"\n'
        'plan = [{ from = 2025-06-01, capacity = "20Gbps" }]\n\n'
        '[[probes]]\nname = "ncsa-fwd"\ntest = "throughput"\nendpoint = "ncsa"\nevery = "1h"\n\n'
        '[[probes]]\nname = "ncsa-trace"\ntest = "trace"\nendpoint = "ncsa"\nevery = "1h"\n\n'
        '[[probes]]\nname = "ncsa-rtt"\ntest = "rtt"\nendpoint = "ncsa"\nevery = "10m"\n\n'
        f"[alerts]\nkinds = {kinds}\n\n"
        f'[[alerts.sinks]]\nkind = "alertmanager"\nurl = "{am_url}"\n'
    )
    return str(config)


def write(root, results: list[Result], store: str = "results.sqlite") -> None:
    with SqliteStore(root / store) as store:
        store.write(results)


def active(alertmanager) -> list[dict]:
    return [a for a in alertmanager.alerts() if a["status"]["state"] == "active"]


def test_a_probe_gone_quiet_opens_a_stale_alert_until_results_come_back(alertmanager, tmp_path):
    config = write_config(tmp_path, alertmanager.url, '["stale"]')
    write(tmp_path, throughput(hour() - timedelta(hours=53), 48))  # the last 5 h ago

    first = netprobe("alert", "--config", config)
    assert first.returncode == 0, first.stderr
    assert "open" in first.stdout and "stale" in first.stdout and "ncsa-fwd" in first.stdout
    [held] = active(alertmanager)
    assert held["labels"]["alertname"] == "NetprobeStale"
    assert held["labels"]["endpoint"] == "ncsa" and held["labels"]["severity"] == "critical"
    assert "ncsa-fwd" in held["annotations"]["summary"]

    check = netprobe("check", "--config", config)
    assert check.returncode == 2 and "stale" in check.stdout, check.stdout

    write(tmp_path, throughput(hour() - timedelta(hours=4), 5))  # up to the last full hour
    back = netprobe("alert", "--config", config)
    assert back.returncode == 0, back.stderr
    assert "resolve" in back.stdout and "stale" in back.stdout
    assert active(alertmanager) == []
    fine = netprobe("check", "--config", config)
    assert fine.returncode == 0 and fine.stdout.startswith("NETPROBE OK"), fine.stdout


def routes(now: datetime, changed_minutes_ago: int) -> list[Result]:
    """Traces every 10 minutes for 4 hours up to ``now``; DETOUR from the given time on."""
    times = [now - timedelta(minutes=m) for m in range(240, 0, -10)]
    changed = now - timedelta(minutes=changed_minutes_ago)
    return [trace(t, DETOUR if t >= changed else ROUTE) for t in times]


def test_a_new_route_opens_a_path_changed_alert_for_the_path_hold(alertmanager, tmp_path):
    config = write_config(tmp_path, alertmanager.url, '["path-changed"]')
    now = datetime.now(UTC)
    write(tmp_path, throughput(hour() - timedelta(hours=47), 48))
    write(tmp_path, routes(now, 35))  # two traces have shown the new route since

    opened = netprobe("alert", "--config", config)
    assert opened.returncode == 0, opened.stderr
    assert "path-changed" in opened.stdout and "+203.0.113.7" in opened.stdout
    [held] = active(alertmanager)
    assert held["labels"]["alertname"] == "NetprobePathChanged"
    assert held["labels"]["direction"] == "forward" and held["labels"]["severity"] == "warning"

    check = netprobe("check", "--config", config)
    assert check.returncode == 1 and "path-changed" in check.stdout, check.stdout

    # The same link as it stands when the change is older than the hold (1 h): settled.
    later = write_config(tmp_path, alertmanager.url, '["path-changed"]', "later.sqlite")
    write(tmp_path, throughput(hour() - timedelta(hours=47), 48), "later.sqlite")
    write(tmp_path, routes(now, 95), "later.sqlite")
    settled = netprobe("alert", "--config", later)
    assert "resolve" in settled.stdout, settled.stdout
    assert active(alertmanager) == []


@pytest.mark.parametrize(
    ("loss", "code"),
    [(0.0, 0), (0.2, 1)],
)
def test_check_reports_packet_loss(tmp_path, loss, code):
    config = write_config(tmp_path, "http://127.0.0.1:9", '["loss"]')
    now = datetime.now(UTC)
    write(tmp_path, throughput(hour() - timedelta(hours=47), 48))
    write(tmp_path, [ping(now - timedelta(minutes=10 * i + 1), loss) for i in range(6)])
    check = netprobe("check", "--config", config)
    assert check.returncode == code, check.stdout
    if code:
        assert "loss" in check.stdout and "'ncsa_forward_loss_ratio'=0.2" in check.stdout


def test_check_reports_slots_that_produced_nothing(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9", '["completeness"]')
    results = throughput(hour() - timedelta(hours=47), 48)
    for r in results[::3]:  # a third of the slots failed
        r.status, r.metrics, r.reason = Status.REFUSED, {}, "connection refused"
    write(tmp_path, results)
    check = netprobe("check", "--config", config)
    assert check.returncode == 1, check.stdout
    # 48 slots, or 47 when the newest one's result may still be on its way
    assert "completeness" in check.stdout
    assert re.search(r"32 of the 4[78] slots of probe ncsa-fwd", check.stdout), check.stdout


def test_analyze_shows_the_probes_verdicts_even_without_throughput(tmp_path):
    config = write_config(tmp_path, "http://127.0.0.1:9", '["stale"]')
    with open(config, "a") as f:
        f.write(
            '\n[[probes]]\nname = "ncsa-rev"\ntest = "throughput"\nendpoint = "ncsa"\n'
            'every = "1h"\noptions = { reverse = true }\n'
        )
    now = datetime.now(UTC)
    long_ago = hour() - timedelta(days=10)
    reverse = result("ncsa-rev", "throughput", "iperf3", long_ago, slot=long_ago)
    reverse.direction, reverse.metrics = Direction.REVERSE, {"throughput_bps": 9 * G}
    write(tmp_path, throughput(hour() - timedelta(hours=53), 48))
    write(tmp_path, routes(now, 35))
    write(tmp_path, [ping(now - timedelta(minutes=10 * i + 1), 0.2) for i in range(6)])
    write(tmp_path, [reverse])

    table = netprobe("analyze", "--config", config, "--since", "3d")
    assert table.returncode == 0, table.stderr
    for shown in ("stale", "path-changed", "loss", "slots overdue", "from hop 2"):
        assert shown in table.stdout, table.stdout
    assert "lyon-ncsa reverse: no throughput result, only its probes" in table.stdout

    as_json = netprobe("analyze", "--config", config, "--since", "3d", "--json")
    forward, reverse_only = json.loads(as_json.stdout)
    assert {"stale", "path-changed", "loss", "ok"} <= {v["kind"] for v in forward["verdicts"]}
    assert reverse_only["direction"] == "reverse" and reverse_only["n"] == 0
    [stale] = reverse_only["verdicts"]
    assert stale["kind"] == "stale" and "ncsa-rev" in stale["summary"]
    assert stale["numbers"]["age_s"] > 10 * 86400

    page = tmp_path / "report.html"
    report = netprobe(
        "report", "--config", config, "--endpoint", "ncsa", "--from", "3d", "-o", str(page)
    )
    assert report.returncode == 0, report.stderr  # the reverse direction has nothing to plot
    assert "stale" in page.read_text()
