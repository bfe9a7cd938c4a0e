"""The mail sink against a real SMTP server in-process (aiosmtpd): plain, and with
STARTTLS and login over a self-signed certificate."""

import ssl
import subprocess
from email import message_from_bytes
from email.policy import default

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from alert_helpers import at, ok, verdict
from alertmanager_fixture import free_port

from netprobe.alerts import AlertSettings, SinkSettings, deliver


class Inbox:
    """aiosmtpd handler keeping every message it accepts."""

    def __init__(self) -> None:
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(
            (envelope.rcpt_tos, message_from_bytes(envelope.content, policy=default))
        )
        return "250 OK"


def start(inbox: Inbox, **kwargs) -> Controller:
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


def mail_settings(port: int, **options) -> AlertSettings:
    sink = SinkSettings(
        "mail",
        "oncall",
        {"host": "127.0.0.1", "port": port, "sender": "netprobe@lyon.example.org",
         "to": ["noc@example.org"], "timeout": 10.0, **options},
    )  # fmt: skip
    return AlertSettings(sinks=(sink,), report_url="https://np.example.org/{endpoint}")


def test_the_opening_and_the_resolution_arrive_as_plain_text(tmp_path):
    inbox = Inbox()
    controller = start(inbox)
    try:
        settings = mail_settings(controller.port)
        for minutes, verdicts in ((0, [verdict()]), (10, [verdict()]), (20, [ok()])):
            run = deliver(
                verdicts, site="lyon", state_dir=tmp_path, settings=settings, now=at(minutes)
            )
            assert run.errors == []
    finally:
        controller.stop()
    assert len(inbox.messages) == 2
    (to, opened), (_, resolved) = inbox.messages
    assert to == ["noc@example.org"]
    assert opened["Subject"] == (
        "[netprobe] OPEN critical lyon/ncsa/forward/degraded: ncsa forward degraded: "
        "40 Gbit/s -> 18 Gbit/s"
    )
    body = opened.get_content()
    assert "numbers: drop=0.55, throughput_bps=18 Gbit/s" in body
    assert "report: https://np.example.org/ncsa" in body
    assert resolved["Subject"].startswith("[netprobe] RESOLVED critical lyon/ncsa")
    assert "ended: 2026-03-02T12:20:00+00:00" in resolved.get_content()


@pytest.fixture
def certificate(tmp_path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    return key, cert


def test_starttls_and_login(tmp_path, certificate):
    key, cert = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    logins = []

    def authenticate(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        return AuthResult(success=auth_data.password == b"s3cret")

    inbox = Inbox()
    controller = start(
        inbox, tls_context=context, require_starttls=True, authenticator=authenticate,
        auth_require_tls=True,
    )  # fmt: skip
    try:
        good = mail_settings(
            controller.port, starttls=True, cafile=str(cert), username="np", password="s3cret"
        )
        run = deliver([verdict()], site="lyon", state_dir=tmp_path / "a", settings=good, now=at(0))
        assert run.errors == [] and len(inbox.messages) == 1
        unverified = mail_settings(controller.port, starttls=True, username="np", password="s3cret")
        run = deliver(
            [verdict()], site="lyon", state_dir=tmp_path / "c", settings=unverified, now=at(0)
        )
        assert len(run.reports["oncall"].gave_up) == 1  # self-signed, no cafile: never trusted
        assert "CERTIFICATE_VERIFY_FAILED" in run.errors[0]
        plain = mail_settings(controller.port)
        run = deliver([verdict()], site="lyon", state_dir=tmp_path / "b", settings=plain, now=at(0))
        assert len(run.reports["oncall"].gave_up) == 1  # the server insists on STARTTLS
        assert "STARTTLS" in run.errors[0] and len(inbox.messages) == 1
    finally:
        controller.stop()
    assert logins == [(b"np", b"s3cret")]


def test_a_refused_login_is_given_up_not_retried(tmp_path):
    # Without TLS: aiosmtpd 1.4 stalls after a failed login inside STARTTLS (its bug).
    def refuse(server, session, envelope, mechanism, auth_data):
        return AuthResult(success=False, handled=False)

    inbox = Inbox()
    controller = start(inbox, authenticator=refuse, auth_require_tls=False)
    try:
        settings = mail_settings(controller.port, username="np", password="wrong")
        run = deliver([verdict()], site="lyon", state_dir=tmp_path, settings=settings, now=at(0))
        assert len(run.reports["oncall"].gave_up) == 1
        assert "refused: 535" in run.errors[0] and inbox.messages == []
        again = deliver([verdict()], site="lyon", state_dir=tmp_path, settings=settings, now=at(10))
        assert again.reports["oncall"].errors == []  # nothing left to retry
    finally:
        controller.stop()


def test_starttls_against_a_server_without_it_is_given_up(tmp_path):
    inbox = Inbox()
    controller = start(inbox)
    try:
        settings = mail_settings(controller.port, starttls=True)
        run = deliver([verdict()], site="lyon", state_dir=tmp_path, settings=settings, now=at(0))
    finally:
        controller.stop()
    assert len(run.reports["oncall"].gave_up) == 1 and "STARTTLS" in run.errors[0]
    assert inbox.messages == []
