"""Mail sink: one plain-text message per batch over SMTP, STARTTLS and login optional."""

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from netprobe.alerts.notification import Event, Notification, SendReport
from netprobe.alerts.rules import SinkSettings
from netprobe.alerts.text import block, one_line

NAME = "mail"
RESEND = None
"""No re-posts: mail is sent when an alert opens and when it resolves."""


def message(notifications: list[Notification], sender: str, to: list[str]) -> EmailMessage:
    """The message: a subject that says what happened, a body with every alert's numbers."""
    msg = EmailMessage()
    if len(notifications) == 1:
        subject = one_line(notifications[0])
    else:
        opened = sum(n.event is not Event.RESOLVE for n in notifications)
        subject = (
            f"{len(notifications)} alerts: {opened} open, {len(notifications) - opened} resolved"
        )
    msg["Subject"] = f"[netprobe] {subject}"[:200]
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain="netprobe")
    msg.set_content("\n\n".join(block(n) for n in notifications) + "\n")
    return msg


def send(notifications: list[Notification], settings: SinkSettings) -> SendReport:
    """Send one message with every notification to ``options["to"]`` via ``options["host"]``.

    Options: host, port (25), starttls (false), username/password (no login when absent),
    sender, to (list), timeout (seconds), cafile (a CA bundle to verify the server with).
    """
    report = SendReport()
    o = settings.options
    what = f"{NAME} sink {settings.name!r}: {o['host']}:{o.get('port', 25)}"
    msg = message(notifications, str(o["sender"]), list(o["to"]))
    try:
        with smtplib.SMTP(
            str(o["host"]), int(o.get("port", 25)), timeout=float(o.get("timeout", 10.0))
        ) as smtp:
            if o.get("starttls"):
                smtp.starttls(context=ssl.create_default_context(cafile=o.get("cafile")))
            if o.get("username"):
                smtp.login(str(o["username"]), str(o.get("password", "")))
            smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        detail = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else exc.smtp_error
        )
        report.fail(
            notifications,
            f"{what} refused: {exc.smtp_code} {detail}",
            retry=400 <= exc.smtp_code < 500,
        )
    except smtplib.SMTPRecipientsRefused as exc:
        report.fail(
            notifications, f"{what} refused the recipients {sorted(exc.recipients)}", retry=False
        )
    except (smtplib.SMTPNotSupportedError, ssl.SSLError) as exc:
        # no STARTTLS or login offered, or a certificate that does not verify: a retry
        # would meet the same server
        report.fail(notifications, f"{what}: {exc}", retry=False)
    except smtplib.SMTPException as exc:  # disconnected mid-way
        report.fail(notifications, f"{what}: {exc}", retry=True)
    except OSError as exc:
        report.fail(notifications, f"{what}: cannot connect: {exc}", retry=True)
    else:
        report.sent.extend(notifications)
    return report
