"""Turning verdicts into notifications, with state so that nothing is sent twice.

``deliver`` is the one call behind ``netprobe alert``; ``check_status`` the one behind
``netprobe check``. The rules are pure (``state.transition``); each sink is a module with
``NAME``, ``RESEND`` and ``send(notifications, settings) -> SendReport``.
"""

import importlib

# Loaded on first use (PEP 562): `netprobe.config` reads `alerts.rules` at every start-up,
# and importing the senders (urllib, smtplib, ssl) with it cost every command ~0.1 s.
_HOMES = {
    "SINKS": "deliver",
    "AlertRun": "deliver",
    "deliver": "deliver",
    "check_status": "nagios",
    "AlertKey": "notification",
    "Event": "notification",
    "Notification": "notification",
    "SendReport": "notification",
    "AlertSettings": "rules",
    "HoldDown": "rules",
    "QuietHours": "rules",
    "Rules": "rules",
    "SinkSettings": "rules",
    "AlertState": "state",
    "transition": "state",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    """The public names, each imported from its module when first asked for."""
    if name not in _HOMES:
        raise AttributeError(f"module 'netprobe.alerts' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"netprobe.alerts.{_HOMES[name]}"), name)
    # Importing netprobe.alerts.deliver binds the *module* to the name `deliver` here:
    # bind the function over it, so `from netprobe.alerts import deliver` stays a function.
    globals()[name] = value
    return value
