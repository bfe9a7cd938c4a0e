"""Turning verdicts into notifications, with state so that nothing is sent twice.

``deliver`` is the one call behind ``netprobe alert``; ``check_status`` the one behind
``netprobe check``. The rules are pure (``state.transition``); each sink is a module with
``NAME``, ``RESEND`` and ``send(notifications, settings) -> SendReport``.
"""

from netprobe.alerts.deliver import SINKS, AlertRun, deliver
from netprobe.alerts.nagios import check_status
from netprobe.alerts.notification import AlertKey, Event, Notification, SendReport
from netprobe.alerts.rules import AlertSettings, HoldDown, QuietHours, Rules, SinkSettings
from netprobe.alerts.state import AlertState, transition

__all__ = [
    "SINKS",
    "AlertKey",
    "AlertRun",
    "AlertSettings",
    "AlertState",
    "Event",
    "HoldDown",
    "Notification",
    "QuietHours",
    "Rules",
    "SendReport",
    "SinkSettings",
    "check_status",
    "deliver",
    "transition",
]
