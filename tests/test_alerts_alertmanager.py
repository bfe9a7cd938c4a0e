"""`netprobe alert`'s delivery against a real Alertmanager: open once, keep alive, resolve."""

from datetime import UTC, datetime, timedelta

from alertmanager_fixture import free_port

from netprobe.alerts import AlertSettings, AlertState, Event, SinkSettings, deliver
from netprobe.alerts.alertmanager import alert_body
from netprobe.alerts.state import transition
from netprobe.model import Direction, Verdict


def degraded(now: datetime) -> Verdict:
    return Verdict(
        endpoint="ncsa",
        direction=Direction.FORWARD,
        kind="degraded",
        since=now - timedelta(hours=3),
        until=now,
        summary="ncsa forward dropped from 38 Gbit/s to 17 Gbit/s (-55 %, CI -58..-52 %)",
        numbers={"drop": 0.55, "throughput_bps": 17e9, "expected_bps": 32e9},
    )


def ok(now: datetime) -> Verdict:
    return Verdict("ncsa", Direction.FORWARD, "ok", now - timedelta(hours=1), now, "fine", {})


def ours(alerts: list[dict]) -> list[dict]:
    return [a for a in alerts if a["labels"].get("endpoint") == "ncsa"]


def test_a_degradation_opens_one_alert_kept_alive_then_resolved(alertmanager, tmp_path):
    sink = SinkSettings("alertmanager", "am", {"url": alertmanager.url})  # resend 5m
    settings = AlertSettings(sinks=(sink,), report_url="https://np.example.org/r/{endpoint}")
    now = datetime.now(UTC)
    t0 = now - timedelta(minutes=10)  # evaluations must end near Alertmanager's clock

    def evaluate(at, verdict):
        return deliver([verdict], site="lyon", state_dir=tmp_path, settings=settings, now=at)

    first = evaluate(t0, degraded(t0))
    assert [n.event for n in first.notifications] == [Event.OPEN]
    assert first.errors == [] and len(first.reports["am"].sent) == 1
    [alert] = ours(alertmanager.alerts())
    assert alert["labels"] == {
        "alertname": "NetprobeDegraded",
        "site": "lyon",
        "endpoint": "ncsa",
        "direction": "forward",
        "severity": "critical",
    }
    assert alert["annotations"]["report"] == "https://np.example.org/r/ncsa"
    assert "drop=0.55" in alert["annotations"]["numbers"]
    assert alert["status"]["state"] == "active"

    second = evaluate(t0 + timedelta(minutes=2), degraded(t0 + timedelta(minutes=2)))
    assert second.notifications == [] and second.reports["am"].sent == []
    assert len(ours(alertmanager.alerts())) == 1

    third = evaluate(t0 + timedelta(minutes=8), degraded(t0 + timedelta(minutes=8)))
    assert [n.event for n in third.reports["am"].sent] == [Event.REPEAT]  # resend elapsed
    assert len(ours(alertmanager.alerts())) == 1

    fourth = evaluate(now, ok(now))
    assert [n.event for n in fourth.notifications] == [Event.RESOLVE]
    assert fourth.reports["am"].sent and fourth.open_alerts == []
    assert ours(alertmanager.alerts()) == []  # endsAt has passed: resolved, no longer listed


def test_the_alert_body_keeps_labels_and_start_from_open_to_resolve():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    settings = AlertSettings()
    state, [opened] = transition(AlertState(), [degraded(now)], now, settings, site="lyon")
    later = now + timedelta(hours=1)
    _, [resolved] = transition(state, [ok(later)], later, settings, site="lyon")
    a, b = alert_body(opened, resend=300), alert_body(resolved, resend=300)
    assert a["labels"] == b["labels"] and a["startsAt"] == b["startsAt"] == "2026-03-02T09:00:00Z"
    assert a["endsAt"] == "2026-03-02T12:20:00Z"  # 4 x resend ahead: lapses if netprobe stops
    assert b["endsAt"] == "2026-03-02T13:00:00Z"


def test_an_alert_queued_while_alertmanager_was_down_arrives_firing(alertmanager, tmp_path):
    down = SinkSettings("alertmanager", "am", {"url": f"http://127.0.0.1:{free_port()}"})
    up = SinkSettings("alertmanager", "am", {"url": alertmanager.url})
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    first = deliver(
        [degraded(long_ago)],
        site="lyon",
        state_dir=tmp_path,
        settings=AlertSettings(sinks=(down,)),
        now=long_ago,
    )
    assert len(first.reports["am"].retry) == 1 and first.reports["am"].sent == []
    now = datetime.now(UTC)
    second = deliver(
        [degraded(now)],
        site="lyon",
        state_dir=tmp_path,
        settings=AlertSettings(sinks=(up,)),
        now=now,
    )
    assert second.notifications == [] and [n.event for n in second.reports["am"].sent] == [
        Event.OPEN
    ]
    [alert] = ours(alertmanager.alerts())
    assert alert["status"]["state"] == "active"  # not lapsed: posted as of now
