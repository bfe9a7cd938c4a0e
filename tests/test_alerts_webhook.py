"""The webhook sink against a real HTTP receiver on loopback: the documented body, the
Slack text, retry-later vs give-up, and no double sending under concurrent runs."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from alert_helpers import at, ok, verdict
from alertmanager_fixture import free_port

from netprobe.alerts import AlertSettings, Event, SinkSettings, deliver


class Receiver:
    """An HTTP server in a thread that keeps every body and answers ``status``."""

    def __init__(self, port: int = 0, status: int = 200) -> None:
        self.bodies: list[dict] = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers["Content-Length"])
                receiver.bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


@pytest.fixture
def receiver():
    r = Receiver()
    try:
        yield r
    finally:
        r.close()


def settings_for(url: str, form: str = "json") -> AlertSettings:
    return AlertSettings(sinks=(SinkSettings("webhook", "hook", {"url": url, "format": form}),))


def evaluate(tmp_path, settings, verdicts, minutes, notes=None):
    return deliver(
        verdicts,
        site="lyon",
        state_dir=tmp_path,
        settings=settings,
        now=at(minutes),
        host_notes=notes,
    )


def test_the_json_body_is_the_documented_one(receiver, tmp_path):
    settings = settings_for(receiver.url)
    note = {("ncsa", "forward", "degraded"): "congestion cubic -> bbr"}
    evaluate(tmp_path, settings, [verdict()], 0, note)
    evaluate(tmp_path, settings, [verdict()], 10, note)
    evaluate(tmp_path, settings, [ok()], 20)
    assert len(receiver.bodies) == 2  # the open, then the resolution; nothing in between
    opened, resolved = (body["notifications"] for body in receiver.bodies)
    assert receiver.bodies[0]["version"] == 1 and receiver.bodies[0]["source"] == "netprobe"
    assert opened == [
        {
            "site": "lyon",
            "endpoint": "ncsa",
            "direction": "forward",
            "kind": "degraded",
            "event": "open",
            "severity": "critical",
            "summary": "ncsa forward degraded: 40 Gbit/s -> 18 Gbit/s",
            "numbers": {"drop": 0.55, "throughput_bps": 18e9},
            "started": "2026-03-02T10:00:00Z",
            "at": "2026-03-02T12:00:00Z",
            "ended": None,
            "host_context_changed": "congestion cubic -> bbr",
            "report_url": None,
            "held": False,
            "suspect": None,
        }
    ]
    assert [(n["event"], n["ended"]) for n in resolved] == [("resolve", "2026-03-02T12:20:00Z")]


def test_slack_text(receiver, tmp_path):
    note = {("ncsa", "forward", "degraded"): "iperf3 3.9 → 3.12 on 2026-03-02, the day of the drop"}
    evaluate(tmp_path, settings_for(receiver.url, "slack"), [verdict()], 0, note)
    [body] = receiver.bodies
    assert list(body) == ["text"]
    assert body["text"].startswith("OPEN critical lyon/ncsa/forward/degraded: ncsa forward")
    assert "throughput_bps=18 Gbit/s" in body["text"]
    assert (
        "host context changed: iperf3 3.9 → 3.12 on 2026-03-02, the day of the drop: "
        "the host, not the network, may be the cause"
    ) in body["text"]


def test_a_receiver_that_is_down_gets_the_notification_later(tmp_path):
    port = free_port()
    settings = settings_for(f"http://127.0.0.1:{port}/hook")
    first = evaluate(tmp_path, settings, [verdict()], 0)
    assert len(first.reports["hook"].retry) == 1 and "cannot reach" in first.errors[0]
    receiver = Receiver(port)
    try:
        second = evaluate(tmp_path, settings, [verdict()], 10)
        assert second.notifications == [] and second.errors == []
        assert [n["event"] for b in receiver.bodies for n in b["notifications"]] == ["open"]
        evaluate(tmp_path, settings, [verdict()], 20)
        assert len(receiver.bodies) == 1  # delivered once, not queued again
    finally:
        receiver.close()


def test_a_receiver_that_refuses_the_body_is_given_up(tmp_path):
    receiver = Receiver(status=400)
    try:
        settings = settings_for(receiver.url)
        first = evaluate(tmp_path, settings, [verdict()], 0)
        assert len(first.reports["hook"].gave_up) == 1 and "answered 400" in first.errors[0]
        evaluate(tmp_path, settings, [verdict()], 10)
        assert len(receiver.bodies) == 1  # not retried
    finally:
        receiver.close()


def test_concurrent_runs_send_one_opening(receiver, tmp_path):
    settings = settings_for(receiver.url)
    runs = []
    threads = [
        threading.Thread(target=lambda: runs.append(evaluate(tmp_path, settings, [verdict()], 0)))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(runs) == 4
    assert sorted(len(r.notifications) for r in runs) == [0, 0, 0, 1]
    assert len(receiver.bodies) == 1
    assert [n.event for r in runs for n in r.notifications] == [Event.OPEN]
