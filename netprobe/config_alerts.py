"""The ``[alerts]`` table of a schedule file: rules, per-link overrides, quiet hours, sinks.

Read like every other table (``config_values.Table``): each bad value is recorded with
file, key, value and what was expected, and unknown keys are refused. The records are
``netprobe.alerts.rules``'s, so the alert room reads plain values and no TOML.
"""

from dataclasses import fields
from pathlib import Path
from typing import Any

from netprobe import config_values as v
from netprobe.alerts.rules import (
    ALERT_KINDS,
    SEVERITIES,
    AlertSettings,
    HoldDown,
    QuietHours,
    Rules,
    SinkSettings,
)
from netprobe.config_values import Problems, Table

RULE_KEYS = tuple(f.name for f in fields(Rules))
SINK_KEYS = {
    "alertmanager": ("url", "resend", "timeout"),
    "webhook": ("url", "format", "timeout"),
    "mail": (
        "host",
        "port",
        "starttls",
        "username",
        "password",
        "sender",
        "to",
        "timeout",
        "cafile",
    ),
}
"""The keys of each sink kind beside ``kind`` and ``name``."""

_REQUIRED = {"url", "host", "sender", "to"}
_PLACEHOLDERS = {"site": "s", "endpoint": "e", "direction": "forward", "kind": "degraded"}


def read_alerts(
    problems: Problems, file: Path, data: object, refs: list[tuple[str, str]]
) -> AlertSettings | None:
    """The ``[alerts]`` table of ``file``; problems recorded, None if any.

    ``refs`` receives (key, endpoint) of each per-link override, checked across files.
    """
    if not isinstance(data, dict):
        problems.bad(file, "alerts", data, "expected a table [alerts]")
        return None
    t = Table(problems, file, "alerts", data)
    base = file.parent
    rules = _rules(t, Rules())
    links: dict[str, Rules] = {}
    for i, item in enumerate(t.get("links", _array, []) or []):
        key = f"alerts.links[{i}]"
        if not isinstance(item, dict):
            problems.bad(file, key, item, "expected a table")
            continue
        lt = Table(problems, file, key, item)
        endpoint = lt.get("endpoint", v.name, hint="the endpoint these rules are for")
        if endpoint:
            refs.append((f"{key}.endpoint", endpoint))
        override = _rules(lt, rules or Rules())
        if lt.finish() and endpoint and override:
            links[endpoint] = override
    settings = AlertSettings(
        rules=rules or Rules(),
        links=links,
        quiet_hours=t.get("quiet_hours", QuietHours.parse, None),
        severity=t.get("severity", _severity, {}) or {},
        report_url=t.get("report_url", _report_url, None),
        sinks=tuple(_sinks(t, t.get("sinks", _array, []) or [], base)),
        state_file=t.get("state_file", v.folder_path(base), None),
    )
    return settings if t.finish() else None


def _rules(t: Table, inherited: Rules) -> Rules | None:
    """The rule keys of ``t``, each defaulting to ``inherited``'s value."""
    before = len(t.problems.lines)
    values = {
        "kinds": t.get("kinds", _kinds, inherited.kinds),
        "min_drop": t.get("min_drop", _fraction, inherited.min_drop),
        "min_duration": t.get("min_duration", v.duration(positive=False), inherited.min_duration),
        "hold_down": t.get("hold_down", HoldDown.parse, inherited.hold_down),
        "loss_above": t.get("loss_above", _fraction, inherited.loss_above),
        "completeness_below": t.get("completeness_below", v.share, inherited.completeness_below),
    }
    return Rules(**values) if len(t.problems.lines) == before else None


def _sinks(t: Table, items: list, base: Path) -> list[SinkSettings]:
    sinks: list[SinkSettings] = []
    for i, item in enumerate(items):
        key = f"alerts.sinks[{i}]"
        if not isinstance(item, dict):
            t.problems.bad(t.file, key, item, "expected a table")
            continue
        s = Table(t.problems, t.file, key, item)
        kind = s.get("kind", v.choice(*SINK_KEYS), hint=f"one of: {', '.join(SINK_KEYS)}")
        name = s.get("name", v.name, kind)
        if kind is None:
            continue  # which keys are valid depends on the kind
        options = {}
        for option in SINK_KEYS[kind]:
            default = v.REQUIRED if option in _REQUIRED else None
            value = s.get(option, _sink_value(option, base), default, hint=_HINTS.get(option, ""))
            if value is not None:
                options[option] = value
        if name in {sink.name for sink in sinks}:
            t.problems.bad(t.file, f"{key}.name", name, "duplicate; give each sink its own name")
        if s.finish() and name:
            sinks.append(SinkSettings(kind, name, options))
    return sinks


_HINTS = {
    "url": 'a URL such as "http://127.0.0.1:9093"',
    "host": 'the SMTP server, e.g. host = "smtp.example.org"',
    "sender": 'the From address, e.g. sender = "netprobe@example.org"',
    "to": 'a list of addresses, e.g. to = ["noc@example.org"]',
}


def _sink_value(option: str, base: Path) -> v.Convert:
    return {
        "url": v.http_url,
        "resend": v.duration(positive=True),
        "timeout": v.duration(positive=True),
        "format": v.choice("json", "slack"),
        "port": v.integer(1, 65535),
        "starttls": v.boolean,
        "to": _addresses,
        "sender": _address,
        "cafile": lambda x: str(v.folder_path(base)(x)),
    }.get(option, v.text)


def _array(value: Any) -> list:
    if not isinstance(value, list):
        raise ValueError("expected an array of tables ([[...]])")
    return value


def _fraction(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < 1:
        raise ValueError("expected a fraction 0 <= x < 1 such as 0.2")
    return float(value)


def _kinds(value: Any) -> frozenset[str]:
    unknown = [k for k in value if k not in ALERT_KINDS] if isinstance(value, list) else []
    if not isinstance(value, list) or not value or unknown:
        named = f" ({', '.join(map(str, unknown))} unknown)" if unknown else ""
        raise ValueError(f"expected a non-empty list of: {', '.join(ALERT_KINDS)}{named}")
    return frozenset(value)


def _severity(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or any(
        k not in ALERT_KINDS or s not in SEVERITIES for k, s in value.items()
    ):
        raise ValueError(
            f"expected a table of kind = severity, kinds {', '.join(ALERT_KINDS)}, "
            f"severities {', '.join(SEVERITIES)}"
        )
    return dict(value)


def _report_url(value: Any) -> str:
    try:
        v.text(value).format(**_PLACEHOLDERS)
    except (KeyError, IndexError, ValueError):
        raise ValueError(
            "expected a URL whose only {placeholders} are {site}, {endpoint}, {direction}, {kind}"
        ) from None
    return value


def _address(value: Any) -> str:
    if not isinstance(value, str) or "@" not in value or any(c.isspace() for c in value):
        raise ValueError('expected a mail address such as "noc@example.org"')
    return value


def _addresses(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise ValueError('expected a list of mail addresses such as ["noc@example.org"]')
    return [_address(a) for a in value]
