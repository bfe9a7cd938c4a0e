"""The ``trace`` test with traceroute: the hop list, so analysis can see a path change.

OK when the destination itself answered; otherwise UNREACHABLE with the hops seen so far
(a router's ``!N``/``!H`` or a run of silent ``*`` hops).
"""

import ipaddress
import re
from datetime import UTC, datetime

from netprobe.model import Hop, ProbeSpec, Result, Status, TraceOptions
from netprobe.probes.outcome import classify, first_line, run_text_tool, where_reasons

NAME = "traceroute"
TEST = "trace"
MARGIN = 5.0  # seconds past the worst case before the run is killed

_HEADER = re.compile(r"^traceroute to (\S+) \(([^)]+)\)", re.MULTILINE)
_HOP = re.compile(r"^\s*(\d+)\s+(.*)$")
_RTT = re.compile(r"^[\d.]+$")
_ANNOTATIONS = {
    "!H": "host unreachable",
    "!N": "network unreachable",
    "!P": "protocol unreachable",
    "!S": "source route failed",
    "!F": "fragmentation needed",
    "!X": "communication administratively prohibited",
    "!V": "host precedence violation",
    "!C": "precedence cutoff",
}


def can_run(spec: ProbeSpec) -> list[str]:
    """Every reason this spec cannot run here (empty when it can)."""
    options = spec.options
    if not isinstance(options, TraceOptions):
        return [f"probe {spec.name}: traceroute runs the trace test, not {spec.test!r}"]
    reasons = where_reasons(spec, "traceroute")
    if options.reverse and not spec.netns:
        reasons.append(
            f"probe {spec.name}: a reverse trace runs in the endpoint's network namespace: "
            f"set netns in [[endpoints]] {spec.endpoint.name!r}"
        )
    if not 1 <= options.max_hops <= 255:
        reasons.append(f"probe {spec.name}: max_hops must be 1..255 (got {options.max_hops})")
    if not 1 <= options.queries <= 10:
        reasons.append(f"probe {spec.name}: queries must be 1..10 (got {options.queries})")
    if options.wait <= 0:
        reasons.append(f"probe {spec.name}: wait must be > 0 s (got {options.wait:g})")
    return reasons


def duration(spec: ProbeSpec) -> float:
    """Worst case in seconds: every probe of every hop waits its full ``wait``."""
    options = spec.options
    return options.max_hops * options.queries * options.wait


def command(spec: ProbeSpec) -> list[str]:
    """The traceroute command line for ``spec`` (UDP probes: they need no privilege)."""
    options = spec.options
    argv = ["traceroute", "-n", "-q", str(options.queries), "-w", f"{options.wait:g}"]
    argv += ["-m", str(options.max_hops)]
    if spec.endpoint.family in ("ipv4", "ipv6"):
        argv.append("-4" if spec.endpoint.family == "ipv4" else "-6")
    if spec.bind:
        argv += ["-s", spec.bind]
    return [*argv, spec.endpoint.host]


def run(spec: ProbeSpec) -> list[Result]:
    """Trace now (inside ``spec.netns`` if given); one Result.

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
    """Read traceroute's output into one Result with its hops (no I/O).

    Args:
        text: traceroute's stdout (the header may be there or on stderr).
        stderr: traceroute's stderr.
        returncode: its exit code; None when it was killed at the deadline.
        started, ended: UTC times of the run (``started`` defaults to now).

    Returns:
        One Result; ``hops`` holds one Hop per TTL and answering address (address None
        when no probe of that TTL was answered), ``rtt_ms`` the fastest answer.
    """
    result = Result(
        probe=spec.name,
        test=TEST,
        tool=NAME,
        endpoint=spec.endpoint.name,
        direction=spec.directions[0],
        status=Status.OK,
        started=started or datetime.now(UTC),
        ended=ended,
        site=spec.site,
        argv=list(argv or []),
    )
    header = _HEADER.search(stderr + "\n" + text)
    if header is None:
        message = first_line(stderr, text) or f"traceroute exited {returncode} with no output"
        result.status = Status.TIMEOUT if returncode is None else classify(message)
        result.reason = message
        return [result]
    destination = header.group(2)
    result.context["destination"] = destination
    notes: list[str] = []
    for line in text.splitlines():
        match = _HOP.match(line)
        if match:
            hops, note = _hop(int(match.group(1)), match.group(2))
            result.hops.extend(hops)
            notes += note
    reached = any(hop.address == destination for hop in result.hops)
    if returncode is None:
        result.status = Status.TIMEOUT
        result.reason = "traceroute did not finish within its deadline and was killed"
    elif not reached:
        result.status = Status.UNREACHABLE
        last = next((hop for hop in reversed(result.hops) if hop.address), None)
        seen = f"last answer from {last.address} at hop {last.ttl}" if last else "no hop answered"
        result.reason = f"{destination} not reached; {seen}" + "".join(f"; {n}" for n in notes)
    return [result]


def _hop(ttl: int, rest: str) -> tuple[list[Hop], list[str]]:
    """Hops of one line (``1  198.18.1.1  0.05 ms !N  *``) and notes on ``!`` marks."""
    answers: dict[str, list[float]] = {}
    names: dict[str, str] = {}
    notes: list[str] = []
    current: str | None = None
    words = rest.replace("(", " (").split()
    for index, word in enumerate(words):
        if word == "*" or word == "ms":
            continue
        if _RTT.match(word) and index + 1 < len(words) and words[index + 1] == "ms":
            if current is not None:
                answers[current].append(float(word))
        elif word.startswith("!"):
            meaning = _ANNOTATIONS.get(word[:2], f"ICMP code {word[1:]}")
            notes.append(f"{current or 'a router'} answered {word} ({meaning}) at hop {ttl}")
        elif word.startswith("(") and word.endswith(")") and current is not None:
            address = word[1:-1]  # ``name (address)``: the name came first
            if current != address:
                names[address] = current
                answers.setdefault(address, []).extend(answers.pop(current))
                current = address
        else:
            current = word
            answers.setdefault(current, [])
    if not answers:
        return [Hop(ttl=ttl, address=None)], notes
    return [
        Hop(
            ttl=ttl,
            address=address if _is_address(address) else None,
            name=names.get(address) or (None if _is_address(address) else address),
            rtt_ms=min(rtts) if rtts else None,
        )
        for address, rtts in answers.items()
    ], notes


def _is_address(text: str) -> bool:
    """True for an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
