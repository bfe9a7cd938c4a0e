"""Webhook sink: the documented JSON body (docs/alerts.md), or ``{"text": ...}`` for
Slack and Mattermost incoming webhooks (``format = "slack"``)."""

from netprobe.alerts.http_post import post_json
from netprobe.alerts.notification import Notification, SendReport, Undelivered
from netprobe.alerts.rules import SinkSettings
from netprobe.alerts.text import block

NAME = "webhook"
RESEND = None
"""No re-posts: a webhook hears of an alert when it opens and when it resolves."""
FORMATS = ("json", "slack")
BODY_VERSION = 1


def body(notifications: list[Notification], form: str = "json") -> dict[str, object]:
    """The request body: ``{"version", "source", "notifications"}`` or ``{"text"}``."""
    if form == "slack":
        return {"text": "\n\n".join(block(n) for n in notifications)}
    return {
        "version": BODY_VERSION,
        "source": "netprobe",
        "notifications": [n.as_dict() for n in notifications],
    }


def send(notifications: list[Notification], settings: SinkSettings) -> SendReport:
    """POST one body with every notification to ``settings.options["url"]``."""
    report = SendReport()
    options = settings.options
    try:
        post_json(
            str(options["url"]),
            body(notifications, str(options.get("format", "json"))),
            timeout=float(options.get("timeout", 10.0)),
            what=f"{NAME} sink {settings.name!r}",
        )
    except Undelivered as exc:
        report.fail(notifications, str(exc), retry=exc.retry)
    else:
        report.sent.extend(notifications)
    return report
