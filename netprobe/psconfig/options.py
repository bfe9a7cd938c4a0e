"""A pScheduler test's spec, schedule and tools as netprobe probe options, every
and jitter, with what has no equivalent."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netprobe.errors import DocumentError
from netprobe.psconfig.plan import Plan
from netprobe.psconfig.shapes import table
from netprobe.psconfig.toml import format_duration, format_rate
from netprobe.units import parse_iso8601_duration

# pScheduler spec key → (netprobe option, kind). Kinds: duration (ISO 8601), int, bool,
# rate (bit/s), text. "ip-version" becomes the endpoint's family.
OPTION_MAP: dict[str, dict[str, tuple[str, str]]] = {
    "throughput": {
        "duration": ("duration", "duration"),
        "omit": ("omit", "duration"),
        "interval": ("interval", "duration"),
        "parallel": ("parallel", "int"),
        "udp": ("udp", "bool"),
        "bandwidth": ("bandwidth", "rate"),
        "window-size": ("window", "int"),
        "mss": ("mss", "int"),
        "congestion": ("congestion", "text"),
        "ip-tos": ("tos", "int"),
        "zero-copy": ("zerocopy", "bool"),
        "reverse": ("reverse", "bool"),
    },
    "rtt": {
        "count": ("count", "int"),
        "interval": ("interval", "duration"),
        "length": ("size", "int"),
    },
    "trace": {
        "hops": ("max_hops", "int"),
        "queries": ("queries", "int"),
        "wait": ("wait", "duration"),
    },
}
"""The pScheduler test types netprobe runs, and the spec keys each translates."""

_STRUCTURE = {"source", "dest", "source-node", "dest-node", "schema", "ip-version"}
# netprobe's tool for each test, and the word that pScheduler tool names running it share
# (iperf3, bwctliperf3; ping, bwctlping; traceroute, paris-traceroute, bwctltraceroute).
_TOOL_FAMILY = {"throughput": "iperf3", "rtt": "ping", "trace": "traceroute"}
_FAMILY = {4: "ipv4", 6: "ipv6"}


@dataclass
class Schedule:
    """Fields of the [[probes]] table that come from a pSConfig schedule."""

    every: str
    jitter: str | None


def schedule_of(
    template: Mapping[str, Any], task: Mapping[str, Any], where: str, plan: Plan
) -> Schedule | None:
    """``every`` and ``jitter`` from the task's schedule (``repeat``, ``slip``, ``sliprand``)."""
    name = task.get("schedule")
    schedule = table(template, "schedules").get(name) if name else None
    if not isinstance(schedule, Mapping) or not schedule.get("repeat"):
        plan.skip(f"{where}: no repeating schedule (pScheduler would run it once); not scheduled")
        return None
    try:
        every = parse_iso8601_duration(schedule["repeat"])
        slip = parse_iso8601_duration(schedule["slip"]) if schedule.get("slip") else 0.0
    except ValueError as exc:
        raise DocumentError(f"schedules.{name}: {exc}") from None
    if every < 60 or every != int(every):
        plan.skip(f"{where}: repeat {schedule['repeat']} is not whole seconds >= 1 minute")
        return None
    for key in ("start", "until", "max-runs"):
        if schedule.get(key) is not None:
            plan.skip(f"{where}: schedule {key} = {schedule[key]!r} not translated")
    jitter = None
    if slip and schedule.get("sliprand"):
        # netprobe's jitter must stay below the period: pSConfig often slips a whole period.
        jitter = min(slip, every / 2)
        if jitter < slip:
            plan.skip(
                f"{where}: slip {schedule['slip']} shortened to jitter {format_duration(jitter)} "
                "(netprobe keeps jitter under half the period)"
            )
    elif slip:
        plan.skip(f"{where}: slip {schedule['slip']} without sliprand not translated")
    return Schedule(format_duration(every), format_duration(jitter) if jitter else None)


def options_of(
    kind: str, spec: Mapping[str, Any], where: str, plan: Plan
) -> tuple[dict[str, Any], str]:
    """netprobe options and the endpoint family from a pScheduler test spec."""
    options: dict[str, Any] = {}
    for key, value in spec.items():
        if key in _STRUCTURE:
            continue
        if key not in OPTION_MAP[kind]:
            plan.skip(f"{where}: {kind} option {key} = {value!r} has no netprobe equivalent")
            continue
        name, how = OPTION_MAP[kind][key]
        try:
            options[name] = _convert(value, how)
        except (ValueError, TypeError):
            plan.skip(f"{where}: {kind} option {key} = {value!r} not understood")
    family = "any"
    if "ip-version" in spec:
        version = spec["ip-version"]
        family = _FAMILY.get(version, "any") if isinstance(version, int) else "any"
        if family == "any":
            plan.skip(f"{where}: ip-version = {spec['ip-version']!r} not understood")
    return options, family


def _convert(value: Any, how: str) -> Any:
    """One spec value in the form the netprobe option takes.

    Raises:
        ValueError: the value is not of the expected kind.
    """
    if how == "duration":
        return format_duration(parse_iso8601_duration(value))
    if how == "bool":
        if not isinstance(value, bool):
            raise ValueError(value)
        return value
    if how == "text":
        if not isinstance(value, str):
            raise ValueError(value)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(value)
    if how == "rate":
        return format_rate(value)
    if value != int(value):
        raise ValueError(value)
    return int(value)


def check_tools(kind: str, tools: list[Any] | None, where: str, plan: Plan) -> None:
    """Say so when none of the task's pScheduler tools is the one netprobe runs the test
    with (iperf3, ping, traceroute): the probe then measures with a different tool."""
    names = [str(t) for t in tools or []]
    if not names or any(_TOOL_FAMILY[kind] in name for name in names):
        return
    plan.skip(f"{where}: tools {names} not available in netprobe; {_TOOL_FAMILY[kind]} used")
