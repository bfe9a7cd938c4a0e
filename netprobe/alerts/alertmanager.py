"""Alertmanager sink: API v2 ``POST /api/v2/alerts``.

An open alert is posted with ``startsAt`` and an ``endsAt`` ``4 × resend`` ahead, as
Prometheus does: the delivery step re-posts it every ``resend`` seconds while it stays
open, and if netprobe stops re-posting it, Alertmanager resolves it by itself. A
resolution is posted with ``endsAt`` = the time it resolved. Alertmanager matches posts
of one alert by their labels, which are the alert's identity.
"""

from datetime import timedelta

from netprobe.alerts.http_post import post_json
from netprobe.alerts.notification import Event, Notification, SendReport, Undelivered, iso_utc
from netprobe.alerts.rules import SinkSettings
from netprobe.alerts.text import evidence_text, host_note, numbers_text, suspect_text

NAME = "alertmanager"
RESEND = 300.0
"""Seconds between re-posts of an open alert, unless the sink's ``resend`` says otherwise."""
VALID_FOR = 4  # an open alert stays firing 4 × resend after its last post


def alertname(kind: str) -> str:
    """``degraded`` → ``NetprobeDegraded``, ``below-plan`` → ``NetprobeBelowPlan``."""
    return "Netprobe" + "".join(part.capitalize() for part in kind.split("-"))


def alert_body(n: Notification, resend: float = RESEND) -> dict[str, object]:
    """One alert of the API v2 body: labels, annotations, startsAt, endsAt."""
    if n.event is Event.RESOLVE:
        ends = n.ended or n.at
    else:
        ends = n.at + timedelta(seconds=VALID_FOR * resend)
    annotations = {"summary": n.summary, "numbers": numbers_text(n.numbers)}
    if n.report_url:
        annotations["report"] = n.report_url
    if n.host_context_changed:
        annotations["host_context_changed"] = host_note(n)
    if n.suspect:
        annotations["suspect"] = suspect_text(n.suspect)
        annotations["evidence"] = evidence_text(n.suspect)
    body: dict[str, object] = {
        "labels": {
            "alertname": alertname(n.key.kind),
            "site": n.key.site,
            "endpoint": n.key.endpoint,
            "direction": n.key.direction,
            "severity": n.severity,
        },
        "annotations": annotations,
        "startsAt": iso_utc(n.started or n.at),
        "endsAt": iso_utc(ends),
    }
    if n.report_url:
        body["generatorURL"] = n.report_url
    return body


def send(notifications: list[Notification], settings: SinkSettings) -> SendReport:
    """Post every notification in one request to ``settings.options["url"]``."""
    report = SendReport()
    options = settings.options
    resend = float(options.get("resend", RESEND))
    url = str(options["url"]).rstrip("/") + "/api/v2/alerts"
    try:
        post_json(
            url,
            [alert_body(n, resend) for n in notifications],
            timeout=float(options.get("timeout", 10.0)),
            what=f"{NAME} sink {settings.name!r}",
        )
    except Undelivered as exc:
        report.fail(notifications, str(exc), retry=exc.retry)
    else:
        report.sent.extend(notifications)
    return report
