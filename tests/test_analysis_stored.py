"""What the analysis reads beside the throughput series, on both stores (SQLite and a real
influxd): the probes' verdicts and the host notes."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from test_alert_cli import recent
from test_alert_probes_cli import hour, ping, result, routes, throughput, write_config
from test_analyze_cli import hourly
from test_store import STORE_KINDS, store_settings

from netprobe.analysis import analyze, host_notes, probe_verdicts
from netprobe.config import load_config
from netprobe.model import Direction
from netprobe.store import open_store

G = 1e9


@pytest.fixture(params=STORE_KINDS)
def store(request, tmp_path):
    with open_store(request.param, **store_settings(request.param, request, tmp_path)) as opened:
        yield opened


def test_the_probes_verdicts_read_the_same_from_either_store(store, tmp_path):
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", '["stale"]'))
    now = datetime.now(UTC)
    store.write(throughput(hour() - timedelta(hours=53), 48))  # the last 5 h ago
    store.write(routes(now, 35))
    store.write([ping(now - timedelta(minutes=10 * i + 1), 0.2) for i in range(6)])

    found = probe_verdicts(
        config, store, "ncsa", since=now - timedelta(days=30), until=None, now=now
    )
    by_kind = {v.kind: v for v in found}
    assert set(by_kind) == {"stale", "completeness", "loss", "path-changed"}
    assert all(v.direction is Direction.FORWARD for v in found)
    assert by_kind["stale"].numbers["age_s"] > 5 * 3600
    assert by_kind["completeness"].numbers["produced"] == 48
    assert by_kind["loss"].numbers["loss_ratio"] == pytest.approx(0.2)
    assert "+203.0.113.7" in by_kind["path-changed"].summary


def test_a_probe_that_never_ran_in_the_window_is_stale_from_its_last_slot(store, tmp_path):
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", '["stale"]'))
    now = datetime.now(UTC)
    long_ago = hour() - timedelta(days=40)
    old = result("ncsa-fwd", "throughput", "iperf3", long_ago, slot=long_ago)
    store.write([old])
    window = {"since": now - timedelta(days=30), "until": None, "now": now}
    [stale] = probe_verdicts(config, store, "ncsa", **window)
    assert stale.kind == "stale" and stale.numbers["age_s"] > 40 * 86400
    [only] = analyze(config, store, since=window["since"], now=now)
    assert only.n == 0 and [v.kind for v in only.verdicts] == ["stale"]


def test_host_notes_name_the_iperf3_upgrade_at_the_drop(store, tmp_path):
    config = load_config(write_config(tmp_path, "http://127.0.0.1:9", '["degraded"]'))
    forward = np.full(30 * 24, 17 * G)
    forward[-5 * 24 :] *= 0.6
    results = recent(Direction.FORWARD, hourly(forward, seed=3))
    for i, r in enumerate(results):
        r.probe = "ncsa-fwd"
        r.context = {"iperf3_version": "3.9" if i < len(results) - 5 * 24 else "3.12"}
    store.write(results)
    now = datetime.now(UTC)
    analyses = analyze(config, store, since=now - timedelta(days=30), now=now)
    notes = host_notes(store, analyses)
    upgraded = f"{results[-5 * 24].started:%Y-%m-%d}"
    assert notes[("ncsa", "forward", "degraded")].startswith(f"iperf3 3.9 → 3.12 on {upgraded}")
