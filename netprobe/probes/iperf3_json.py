"""Pure parsing of ``iperf3 -J`` output (every version from 3.1 on) into Results.

Version differences handled (seen in real outputs of 3.1.3, 3.1.6, 3.6, 3.7, 3.9, 3.12):

- ``sender`` flags are absent before 3.9 and give the local side's role, not the block's:
  sender and receiver totals are told apart by key (``sum_sent``/``sum_received``,
  ``streams[].sender``/``receiver``). The flag is used only to split the streams of a
  ``--bidir`` run between its two flows, which only exist on versions that have the flag.
- UDP: 3.1–3.9 give only ``end.sum`` (the sender's bytes and rate with the receiver's
  jitter and loss); 3.12 adds ``sum_sent``/``sum_received``. Loss is computed from packet
  counts, never taken from ``lost_percent``. Without a receiver block the receiver
  throughput is the sender rate times the fraction of packets that arrived.
- Per-stream TCP fields (``retransmits``, ``snd_cwnd``, ``rtt``, ``pmtu``) come and go and
  are zero in reverse mode on the client: all optional; zeros read as "not measured". With
  ``--get-server-output`` the sender's figures are taken from ``server_output_json`` (server
  run with -J) or its retransmits from the summary lines of ``server_output_text``.
- ``sender_tcp_congestion`` (3.1.6+), ``receiver_tcp_congestion`` (3.6+), ``tcp_mss_default``
  or ``tcp_mss`` (with ``-M``), ``test_start.tos`` may be absent.
- 3.12 ``--bidir`` has no ``test_start.bidir``: it is detected from ``*_bidir_reverse``.
- Errors: a document with an ``error`` key (3.6/3.7 prefix it with ``error - ``); a document
  with an empty ``end`` and no error (3.9 cut short) is a failure too, never a zero.
- Junk: text before the ``{``, text or a second document after it, ``nan``/``-nan``/``inf``
  numbers, documents cut off mid-way, impossible values (flagged, never stored).
"""

import json
import math
import re
from datetime import UTC, datetime, timedelta

from netprobe.model import (
    Direction,
    Interval,
    ProbeSpec,
    Result,
    Status,
    ThroughputOptions,
    failed_results,
)

TOOL = "iperf3"

# iperf3 prints C's printf("%f") of a NaN or infinity bare (nan, -nan, inf); Python's json
# only knows NaN and Infinity. Strings are matched first so that words inside them stay.
_NONFINITE = re.compile(
    r'("(?:[^"\\]|\\.)*")|(?<![\w.])(-?)(nan|inf(?:inity)?)(?!\w)', re.IGNORECASE
)
_TEXT_ERROR = re.compile(r"^iperf3: (.*error - .*?)[\s:]*$", re.M)
_DECODER = json.JSONDecoder(strict=False)  # terminal junk may hold control characters

# TCP delivers no more than was sent; the receiver's count may exceed the sender's by the
# bytes in flight at the omit boundary (0.6 % in a real 3.9 run with -O 3). Ten times that
# is no rounding: one of the counters is wrong.
_RECEIVER_EXCESS = 1.10

# iperf3 up to 3.15 is one thread, so its cpu_utilization_percent (process CPU time over
# wall time) tops out at 100 % of one core. Real CPU-bound senders read 95-99.5 % (3.9
# loopback run: 99.5 %), because setup, teardown and the omit period count as wall time with
# little CPU. 90 % leaves that slack while staying far above a network-bound sender (the
# 3.12 runs over a 300 Mbit/s link read 2-50 %).
HOST_BOUND_CPU_PCT = 90.0

# (fragment of iperf3's message, status) in the order they are tried.
_ERRORS: tuple[tuple[str, Status], ...] = (
    ("busy", Status.BUSY),
    ("connection refused", Status.REFUSED),
    ("name or service not known", Status.RESOLVE_FAILED),
    ("nodename nor servname", Status.RESOLVE_FAILED),
    ("temporary failure in name resolution", Status.RESOLVE_FAILED),
    ("no address associated with hostname", Status.RESOLVE_FAILED),
    ("resolve", Status.RESOLVE_FAILED),
    # 3.12 reports getaddrinfo's EAI_AGAIN (DNS not answering) through errno as EAGAIN;
    # a TCP connect() itself never fails with EAGAIN.
    ("unable to connect to server: resource temporarily unavailable", Status.RESOLVE_FAILED),
    ("no route to host", Status.UNREACHABLE),
    ("network is unreachable", Status.UNREACHABLE),
    ("host is unreachable", Status.UNREACHABLE),
    # The SYN went unanswered (host down, filtered, link cut): the path, not the tool.
    ("connection timed out", Status.UNREACHABLE),
    ("operation timed out", Status.UNREACHABLE),
)


def extract(text: str) -> tuple[dict | None, str]:
    """Find the first complete iperf3 document in text.

    Args:
        text: whatever iperf3 printed, junk included.

    Returns:
        (the document, or None when there is none; the text after it, stripped — or the
        whole text when no document was found).
    """
    clean = _NONFINITE.sub(_finite_token, text)
    for match in re.finditer(r"\{", clean):
        try:
            doc, end = _DECODER.raw_decode(clean, match.start())
        except json.JSONDecodeError:
            continue
        # An inner object of a cut-off document decodes too: only a top-level one has these.
        if isinstance(doc, dict) and _is_document(doc):
            return doc, clean[end:].strip()
    return None, text.strip()


def _is_document(obj: dict) -> bool:
    """True for an iperf3 top-level object (interval blocks also have numeric start/end)."""
    return (
        isinstance(obj.get("start"), dict)
        or isinstance(obj.get("end"), dict)
        or isinstance(obj.get("intervals"), list)
        or isinstance(obj.get("error"), str)
    )


def _finite_token(match: re.Match) -> str:
    if match.group(1):
        return match.group(1)
    if match.group(3).lower() == "nan":
        return "NaN"
    return f"{match.group(2)}Infinity"


def classify_error(message: str) -> Status:
    """Status of an iperf3 error message (BUSY, REFUSED, ..., TOOL_ERROR by default)."""
    lowered = message.lower()
    for fragment, status in _ERRORS:
        if fragment in lowered:
            return status
    return Status.TOOL_ERROR


def strip_error_prefix(message: str) -> str:
    """iperf3 3.6/3.7 prefix their messages with ``error - ``; keep the tool's own words."""
    message = message.strip()
    return message[len("error - ") :] if message.startswith("error - ") else message


def parse(text: str, spec: ProbeSpec, *, started: datetime | None = None) -> list[Result]:
    """Parse one iperf3 ``-J`` output into one Result per direction measured.

    Args:
        text: iperf3's output, stderr after stdout (junk around the document is tolerated).
        spec: the probe that was run; gives names and, for failures, the directions.
        started: when the run began (UTC); defaults to the document's own timestamp.

    Returns:
        OK results with metrics, intervals and context, or failures without throughput.
    """
    doc, rest = extract(text)
    if doc is None:
        # Some errors (bad parameters, old versions) come as a text line even with -J.
        said = _TEXT_ERROR.findall(rest)
        if said:
            message = strip_error_prefix(said[-1])
            return _failures(spec, classify_error(message), message, started, {})
        reason = "iperf3 printed no complete JSON document"
        return _failures(spec, Status.TOOL_ERROR, _with_rest(reason, rest), started, {})
    try:
        return _parse_document(doc, rest, spec, started)
    except (AttributeError, TypeError, KeyError, ValueError, OverflowError) as err:
        # Valid JSON in a shape no iperf3 writes (a block that is a list, a string for a
        # number): the expected failure of foreign input, reported, never raised.
        reason = f"iperf3 document of unexpected shape ({type(err).__name__}: {err})"
        return _failures(spec, Status.TOOL_ERROR, reason, started, {})


def _parse_document(
    doc: dict, rest: str, spec: ProbeSpec, started: datetime | None
) -> list[Result]:
    context = _context(doc)
    t0 = _timestamp(doc)
    when = started or t0
    if "error" in doc:
        message = strip_error_prefix(doc["error"] if isinstance(doc["error"], str) else "")
        message = message or f"iperf3 reported an error without words: {doc['error']!r}"
        status = classify_error(message)
        return _failures(spec, status, _with_rest(message, rest), when, context)
    if not doc.get("end"):
        reason = "iperf3 run cut short: the document has no end summary"
        return _failures(spec, Status.TOOL_ERROR, _with_rest(reason, rest), when, context)
    results = [
        _flow_result(doc, flow, spec, when, t0, context) for flow in _flows(doc, spec.options)
    ]
    if rest:
        for result in results:
            result.flags.append("text after the JSON document")
            result.context["trailing_text"] = rest[:500]
    return results


def _with_rest(reason: str, rest: str) -> str:
    return f"{reason}; then: {rest[:500]}" if rest else reason


def _failures(
    spec: ProbeSpec, status: Status, reason: str, when: datetime | None, context: dict
) -> list[Result]:
    return failed_results(
        spec,
        tool=TOOL,
        status=status,
        reason=reason,
        started=when or datetime.fromtimestamp(0, UTC),
        context=context,
        flags=[] if when else ["start time unknown"],
    )


def _timestamp(doc: dict) -> datetime | None:
    secs = doc.get("start", {}).get("timestamp", {}).get("timesecs")
    if isinstance(secs, int | float) and math.isfinite(secs):
        return datetime.fromtimestamp(secs, UTC)
    return None


def _context(doc: dict) -> dict:
    """Host facts of the run: version, MSS, TOS, system, both ends; present keys only."""
    start = doc.get("start", {})
    test = start.get("test_start", {})
    context: dict = {}
    version = start.get("version")
    if isinstance(version, str):
        context["iperf3_version"] = version.removeprefix("iperf ").strip()
    mss = start.get("tcp_mss") or start.get("tcp_mss_default")
    if isinstance(mss, int) and mss > 0:
        context["mss"] = mss
    for key, name in (("protocol", "protocol"), ("num_streams", "streams"), ("tos", "tos")):
        if isinstance(test.get(key), str | int) and not isinstance(test[key], bool):
            context[name] = test[key]
    if isinstance(start.get("system_info"), str):
        context["system_info"] = start["system_info"]
    connected = start.get("connected")
    if isinstance(connected, list) and connected and isinstance(connected[0], dict):
        # both ends as the socket saw them, for the report; the client's port is ephemeral
        for key in ("local_host", "remote_host", "remote_port"):
            value = connected[0].get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                context[key] = value
    end = doc.get("end", {})
    if isinstance(end.get("sender_tcp_congestion"), str):
        context["congestion"] = end["sender_tcp_congestion"]
    if isinstance(end.get("receiver_tcp_congestion"), str):
        context["congestion_receiver"] = end["receiver_tcp_congestion"]
    return context


class _Flow:
    """One direction's blocks inside a document."""

    def __init__(self, direction: Direction, local_sends: bool, suffix: str, doc: dict) -> None:
        end = doc["end"]
        test = doc.get("start", {}).get("test_start", {})
        self.direction = direction
        self.local_sends = local_sends
        self.bidir_reverse = bool(suffix)
        self.udp = str(test.get("protocol", "")).upper() == "UDP"
        self.sent = end.get(f"sum_sent{suffix}")
        self.received = end.get(f"sum_received{suffix}")
        # Before 3.12 a UDP run has one ``sum`` carrying sender bytes and receiver loss.
        self.combined = self.udp and not suffix and self.received is None and "sum" in end
        if self.combined:
            self.sent = self.received = end["sum"]
        bidir = _is_bidir(doc)
        self.streams = [s for s in end.get("streams", []) if not bidir or _role(s) == local_sends]
        self.intervals = [
            (
                iv.get(f"sum{suffix}"),
                [s for s in iv.get("streams", []) if not bidir or _role(s) == local_sends],
            )
            for iv in doc.get("intervals", [])
            if isinstance(iv.get(f"sum{suffix}"), dict)
        ]
        # The remote side sent this flow: only its sockets know RTT and cwnd (the local
        # "sender" block then describes the receiving socket, or holds zeros).
        server_end = doc.get("server_output_json", {}).get("end", {})
        self.server_senders = (
            []
            if local_sends
            else [
                s["sender"]
                for s in server_end.get("streams", [])
                if isinstance(s.get("sender"), dict) and (not bidir or _role(s))
            ]
        )
        text = doc.get("server_output_text")
        self.server_text_retransmits = (
            _text_retransmits(text)
            if isinstance(text, str) and not local_sends and not bidir
            else None
        )


# A summary line of a sending server's text output (``--get-server-output`` when the server
# runs without -J): "[  5]   0.00-10.00  sec  2.71 GBytes  23.2 Gbits/sec    2   sender".
_SENDER_LINE = re.compile(
    r"^\[\s*(SUM|\d+)\]\s+\S+\s+sec\s+\S+\s+\S+\s+\S+\s+\S+/sec\s+(\d+)\s+sender\s*$", re.M
)


def _text_retransmits(text: str) -> float | None:
    """The sender's retransmits from iperf3's text summary: the [SUM] line, else the streams'."""
    lines = _SENDER_LINE.findall(text)
    totals = [int(count) for tag, count in lines if tag == "SUM"]
    if totals:
        return float(totals[-1])
    return float(sum(int(count) for _, count in lines)) if lines else None


def _role(stream: dict) -> bool:
    """The local side's role for a stream (True: sending); only meaningful in bidir runs."""
    for key in ("sender", "udp"):
        if isinstance(stream.get(key), dict):
            return bool(stream[key].get("sender"))
    return bool(stream.get("sender"))


def _is_bidir(doc: dict) -> bool:
    end = doc.get("end", {})
    if "sum_sent_bidir_reverse" in end or "sum_received_bidir_reverse" in end:
        return True
    return bool(doc.get("start", {}).get("test_start", {}).get("bidir"))


def _flows(doc: dict, options: object) -> list[_Flow]:
    test = doc.get("start", {}).get("test_start", {})
    if "reverse" in test:
        reverse = bool(test["reverse"])
    else:
        reverse = isinstance(options, ThroughputOptions) and options.reverse
    main = _Flow(Direction.REVERSE if reverse else Direction.FORWARD, not reverse, "", doc)
    if _is_bidir(doc):
        return [main, _Flow(Direction.REVERSE, False, "_bidir_reverse", doc)]
    return [main]


def _flow_result(
    doc: dict,
    flow: _Flow,
    spec: ProbeSpec,
    when: datetime | None,
    t0: datetime | None,
    context: dict,
) -> Result:
    flags: list[str] = [] if when else ["start time unknown"]
    check = _Checker(flags)
    metrics = _udp_metrics(flow, check) if flow.udp else _tcp_metrics(flow, check)
    cpu = doc["end"].get("cpu_utilization_percent", {})
    local, remote = check.value(cpu, "host_total", "cpu"), check.value(cpu, "remote_total", "cpu")
    context = dict(context)
    if flow.bidir_reverse:  # iperf3 names congestion by the main flow's roles: swap them
        sender, receiver = context.pop("congestion_receiver", None), context.pop("congestion", None)
        context.update(
            {k: v for k, v in (("congestion", sender), ("congestion_receiver", receiver)) if v}
        )
    if local is not None:
        metrics["cpu_local_pct"] = local
    if remote is not None:
        metrics["cpu_remote_pct"] = remote
    sender_cpu = local if flow.local_sends else remote
    if sender_cpu is not None:
        context["host_bound"] = sender_cpu >= HOST_BOUND_CPU_PCT
    pmtu = [s["pmtu"] for _, streams in flow.intervals for s in streams if _positive(s.get("pmtu"))]
    if pmtu:
        context["mtu"] = max(pmtu)
    origin = t0 or when
    intervals = _intervals(flow, origin, check) if origin else []
    began = when or datetime.fromtimestamp(0, UTC)
    ends = [
        b["end"]
        for b in (flow.sent, flow.received)
        if isinstance(b, dict) and _positive(b.get("end"))
    ]
    status, reason = Status.OK, None
    if "throughput_bps" not in metrics:
        status = Status.TOOL_ERROR
        reason = "no usable receiver throughput" + (f": {'; '.join(flags)}" if flags else "")
        metrics, intervals = {}, []
    return Result(
        probe=spec.name,
        test=spec.test,
        tool=TOOL,
        endpoint=spec.endpoint.name,
        direction=flow.direction,
        status=status,
        started=began,
        ended=began + timedelta(seconds=max(ends)) if ends else None,
        site=spec.site,
        metrics=metrics,
        intervals=intervals,
        context=context,
        flags=flags,
        reason=reason,
    )


class _Checker:
    """Reads numbers out of blocks, flagging the impossible ones instead of returning them."""

    def __init__(self, flags: list[str]) -> None:
        self.flags = flags

    def value(self, block: object, key: str, where: str) -> float | None:
        """block[key] as a finite, non-negative float; None (flagged if present) otherwise."""
        if not isinstance(block, dict) or key not in block:
            return None
        raw = block[key]
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.flags.append(f"{where}.{key} is not a number: {raw!r}")
            return None
        if not math.isfinite(raw) or raw < 0:
            self.flags.append(f"{where}.{key} is impossible: {raw}")
            return None
        return float(raw)


def _tcp_metrics(flow: _Flow, check: _Checker) -> dict[str, float]:
    metrics: dict[str, float] = {}
    rx = check.value(flow.received, "bits_per_second", "sum_received")
    tx = check.value(flow.sent, "bits_per_second", "sum_sent")
    rx_bytes = check.value(flow.received, "bytes", "sum_received")
    tx_bytes = check.value(flow.sent, "bytes", "sum_sent")
    if rx is not None and tx_bytes and rx_bytes is not None:
        if rx_bytes > tx_bytes * _RECEIVER_EXCESS:
            check.flags.append(f"receiver bytes {rx_bytes:.0f} exceed sender bytes {tx_bytes:.0f}")
            rx = None
        elif rx_bytes == 0:
            # TCP is reliable: a finished run whose sender wrote data delivered some of it.
            check.flags.append(f"receiver counted 0 bytes of {tx_bytes:.0f} sent")
            rx = None
    if rx is not None:
        metrics["throughput_bps"] = rx
    if tx is not None:
        metrics["sender_bps"] = tx
    if flow.local_sends:
        senders = [s["sender"] for s in flow.streams if isinstance(s.get("sender"), dict)]
    else:
        senders = flow.server_senders  # from --get-server-output; empty without it
    retransmits = check.value(flow.sent, "retransmits", "sum_sent")
    if retransmits is None and not flow.local_sends:
        retransmits = flow.server_text_retransmits
    if retransmits is None and senders and all("retransmits" in s for s in senders):
        retransmits = sum(check.value(s, "retransmits", "streams.sender") or 0 for s in senders)
    if retransmits is not None:
        metrics["retransmits"] = retransmits
    rtts = [v for s in senders if (v := check.value(s, "mean_rtt", "streams.sender"))]
    if rtts:
        metrics["rtt_ms"] = sum(rtts) / len(rtts) / 1000.0  # iperf3 reports microseconds
    cwnds = [v for s in senders if (v := check.value(s, "max_snd_cwnd", "streams.sender"))]
    if cwnds:
        metrics["max_cwnd_bytes"] = max(cwnds)
    return metrics


def _udp_metrics(flow: _Flow, check: _Checker) -> dict[str, float]:
    metrics: dict[str, float] = {}
    received, sent = flow.received, flow.sent
    tx = check.value(sent, "bits_per_second", "sum_sent")
    if tx is not None:
        metrics["sender_bps"] = tx
    lost_pct = check.value(received, "lost_percent", "sum_received")
    if lost_pct is not None and lost_pct > 100:
        check.flags.append(f"sum_received.lost_percent is impossible: {lost_pct}")
    total = check.value(received, "packets", "sum_received")  # the receiver's highest sequence
    lost = check.value(received, "lost_packets", "sum_received")
    sent_packets = check.value(sent, "packets", "sum_sent")
    loss = None
    if total is not None and lost is not None:
        wrapped = lost > total or (sent_packets is not None and total > sent_packets * 1.01 + 10)
        if wrapped:
            check.flags.append(f"UDP counters wrapped: {lost:.0f} lost of {total:.0f} packets")
        else:
            loss = lost / total if total else None
            metrics["packets_received"] = total - lost
    if sent_packets is not None and "packets_received" in metrics:
        metrics["packets_sent"] = sent_packets
    if loss is not None:
        metrics["loss_ratio"] = loss
    jitter = check.value(received, "jitter_ms", "sum_received")
    if jitter is not None:
        metrics["jitter_ms"] = jitter
    if flow.combined:
        # Old versions report only the sender's rate: what arrived is that minus the losses.
        if tx is not None and loss is not None:
            metrics["throughput_bps"] = tx * (1.0 - loss)
    else:
        rx = check.value(received, "bits_per_second", "sum_received")
        if rx is not None:
            metrics["throughput_bps"] = rx
    return metrics


def _intervals(flow: _Flow, origin: datetime, check: _Checker) -> list[Interval]:
    out = []
    for block, streams in flow.intervals:
        bps = check.value(block, "bits_per_second", "interval")
        offset = check.value(block, "start", "interval")
        seconds = check.value(block, "seconds", "interval")
        if bps is None or offset is None or seconds is None:
            continue
        rtts = [s["rtt"] for s in streams if _positive(s.get("rtt"))]
        cwnds = [s["snd_cwnd"] for s in streams if _positive(s.get("snd_cwnd"))]
        retransmits = block.get("retransmits")
        out.append(
            Interval(
                start=origin + timedelta(seconds=offset),
                seconds=seconds,
                bps=bps,
                retransmits=retransmits if _positive(retransmits, zero=True) else None,
                rtt_ms=sum(rtts) / len(rtts) / 1000.0 if rtts else None,
                cwnd_bytes=sum(cwnds) if cwnds else None,  # all streams' windows together
                omitted=bool(block.get("omitted", False)),
            )
        )
    return out


def _positive(value: object, *, zero: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value >= 0 if zero else value > 0
