"""The pScheduler task of a probe: its test spec built from the probe's own options. Pure.

Key names follow pScheduler's spec schemas (``pscheduler-test-{throughput,rtt,trace}``
``validate.py``); every key used here exists since schema 1 of each, so the spec says
``schema: 1`` and any pScheduler 4.x or 5.x lead accepts it.
"""

from typing import Any

from netprobe.model import ProbeSpec, RttOptions, ThroughputOptions, TraceOptions
from netprobe.units import format_iso8601_duration as iso

SCHEMA = 1
"""The spec schema every key built here belongs to."""

_IP_VERSION = {"ipv4": 4, "ipv6": 6}


def problems(spec: ProbeSpec) -> list[str]:
    """Every option of ``spec`` that has no pScheduler equivalent (empty when none)."""
    opts = spec.options
    found = []
    if isinstance(opts, ThroughputOptions):
        if opts.bidir:
            found.append("bidir has no pScheduler equivalent; use two probes, one with reverse")
        if opts.processes != 1:
            found.append(
                f"processes = {opts.processes} is netprobe's own parallel-process mode; "
                "pScheduler runs one tool process (use parallel for streams)"
            )
    return found


def task(spec: ProbeSpec) -> dict[str, Any]:
    """The task to POST to ``/pscheduler/tasks``: the test, a one-run schedule and a reference.

    The schedule runs once, as soon as the path is free; ``slip`` (from the lead's settings)
    lets pScheduler start it that much later when another test holds the path.
    """
    schedule = {}
    if spec.lead is not None and spec.lead.slip > 0:
        schedule["slip"] = iso(spec.lead.slip)
    return {
        "schema": 1,
        "test": {"type": spec.test, "spec": test_spec(spec)},
        "schedule": schedule,
        "reference": {"netprobe": {"probe": spec.name, "site": spec.site}},
    }


def test_spec(spec: ProbeSpec) -> dict[str, Any]:
    """The ``test.spec`` of ``spec``: destination, address family and the test's options."""
    body: dict[str, Any] = {"schema": SCHEMA, "dest": spec.endpoint.host}
    if spec.endpoint.family in _IP_VERSION:
        body["ip-version"] = _IP_VERSION[spec.endpoint.family]
    opts = spec.options
    if isinstance(opts, ThroughputOptions):
        body.update(_throughput(opts))
    elif isinstance(opts, RttOptions):
        body["count"] = opts.count
        body["interval"] = iso(opts.interval)
        if opts.size is not None:
            body["length"] = opts.size
    elif isinstance(opts, TraceOptions):
        body.update(hops=opts.max_hops, queries=opts.queries, wait=iso(opts.wait))
    return body


def _throughput(opts: ThroughputOptions) -> dict[str, Any]:
    """The throughput keys, each set only when the option differs from the tool's default."""
    body: dict[str, Any] = {"duration": iso(opts.duration)}
    optional = {
        "omit": iso(opts.omit) if opts.omit else None,
        "interval": iso(opts.interval) if opts.interval else None,
        "parallel": opts.parallel if opts.parallel != 1 else None,
        "reverse": True if opts.reverse else None,
        "udp": True if opts.udp else None,
        "bandwidth": round(opts.bandwidth) if opts.bandwidth is not None else None,
        "window-size": opts.window,
        "congestion": opts.congestion,
        "mss": opts.mss,
        "zero-copy": True if opts.zerocopy else None,
        "ip-tos": opts.tos,
    }
    body.update({key: value for key, value in optional.items() if value is not None})
    return body
