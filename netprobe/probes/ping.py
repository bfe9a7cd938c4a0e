"""The ``rtt`` test with ping (iputils, busybox and BSD summaries): RTT and loss.

All packets lost is UNREACHABLE with no RTT values; a name that does not resolve is
RESOLVE_FAILED; any other complaint of ping is TOOL_ERROR with ping's own words.
"""

import re
from datetime import UTC, datetime

from netprobe.model import Direction, ProbeSpec, Result, RttOptions, Status
from netprobe.probes.outcome import classify, first_line, run_text_tool, where_reasons

NAME = "ping"
TEST = "rtt"
REPLY_WAIT = 2  # seconds ping waits for the last reply (-W)
MARGIN = 5.0  # seconds past the expected end before the run is killed

_COUNTS = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")
_RTT = re.compile(
    r"(?:rtt|round-trip) min/avg/max(?:/(?:mdev|stddev))? = "
    r"([\d.]+)/([\d.]+)/([\d.]+)(?:/([\d.]+))? ms"
)


def can_run(spec: ProbeSpec) -> list[str]:
    """Every reason this spec cannot run here (empty when it can)."""
    options = spec.options
    if not isinstance(options, RttOptions):
        return [f"probe {spec.name}: ping runs the rtt test, not {spec.test!r}"]
    reasons = where_reasons(spec, "ping")
    if options.count < 1:
        reasons.append(f"probe {spec.name}: count must be >= 1 (got {options.count})")
    if options.interval <= 0:
        reasons.append(f"probe {spec.name}: interval must be > 0 s (got {options.interval:g})")
    if options.size is not None and not 0 <= options.size <= 65507:
        reasons.append(f"probe {spec.name}: size must be 0..65507 bytes (got {options.size})")
    return reasons


def duration(spec: ProbeSpec) -> float:
    """Seconds the probe runs at most: count × interval plus the wait for the last reply."""
    return spec.options.count * spec.options.interval + REPLY_WAIT


def command(spec: ProbeSpec) -> list[str]:
    """The ping command line for ``spec`` (without the namespace prefix)."""
    options = spec.options
    argv = ["ping", "-n", "-c", str(options.count), "-i", f"{options.interval:g}"]
    argv += ["-W", str(REPLY_WAIT)]
    if options.size is not None:
        argv += ["-s", str(options.size)]
    if spec.endpoint.family in ("ipv4", "ipv6"):
        argv.append("-4" if spec.endpoint.family == "ipv4" else "-6")
    if spec.bind:
        argv += ["-I", spec.bind]
    return [*argv, spec.endpoint.host]


def run(spec: ProbeSpec) -> list[Result]:
    """Ping now (inside ``spec.netns`` if given); one Result.

    Raises:
        ProbeError: the spec cannot run here (see can_run).
    """
    return run_text_tool(
        spec,
        command(spec),
        reasons=can_run(spec),
        deadline=duration(spec) + MARGIN,
        parse=parse,
    )


def parse(
    text: str,
    spec: ProbeSpec,
    *,
    stderr: str = "",
    returncode: int | None = 0,
    started: datetime | None = None,
    ended: datetime | None = None,
    argv: list[str] | None = None,
) -> list[Result]:
    """Read ping's output into one Result (no I/O).

    Args:
        text: ping's stdout.
        stderr: ping's stderr (its error messages).
        returncode: ping's exit code; None when it was killed at the deadline.
        started, ended: UTC times of the run (``started`` defaults to now).

    Returns:
        One Result: metrics rtt_min_ms, rtt_avg_ms, rtt_max_ms, rtt_mdev_ms (ms),
        loss_ratio (0..1), packets_sent, packets_received when any reply came.
    """
    result = Result(
        probe=spec.name,
        test=TEST,
        tool=NAME,
        endpoint=spec.endpoint.name,
        direction=Direction.FORWARD,
        status=Status.OK,
        started=started or datetime.now(UTC),
        ended=ended,
        site=spec.site,
        argv=list(argv or []),
    )
    counts = _COUNTS.search(text)
    if returncode is None:  # killed at the deadline: SIGKILL leaves no summary to read
        result.status = Status.TIMEOUT
        result.reason = "ping did not finish within its deadline and was killed"
        return [result]
    if counts is None:
        message = first_line(stderr, text) or f"ping exited {returncode} without a summary"
        result.status = classify(message)
        result.reason = message
        return [result]
    sent, received = int(counts.group(1)), int(counts.group(2))
    result.metrics = {"packets_sent": sent, "packets_received": received}
    if sent:
        result.metrics["loss_ratio"] = (sent - received) / sent
    rtt = _RTT.search(text)
    if not received:
        result.status = Status.UNREACHABLE
        result.reason = _no_reply_reason(text, stderr, sent)
    elif rtt is None:
        result.status = Status.TOOL_ERROR
        result.reason = f"ping reported {received} replies but no min/avg/max line"
    else:
        keys = ("rtt_min_ms", "rtt_avg_ms", "rtt_max_ms", "rtt_mdev_ms")
        values = zip(keys, rtt.groups(), strict=True)
        result.metrics.update({key: float(value) for key, value in values if value})
    return [result]


def _no_reply_reason(text: str, stderr: str, sent: int) -> str:
    """Why nothing came back: a router's own message (``Destination Net Unreachable``)
    when ping printed one, else the bare count."""
    for line in text.splitlines():
        if "unreachable" in line.lower() or "exceeded" in line.lower():
            return f"no reply to {sent} packets; {line.strip()}"
    extra = first_line(stderr)
    return f"no reply to {sent} packets" + (f"; {extra}" if extra else "")
