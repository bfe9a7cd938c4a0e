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

import re
from datetime import UTC, datetime, timedelta

from netprobe.model import ProbeSpec, Result, Status, failed_results
from netprobe.probes.iperf3_context import host_context, start_time
from netprobe.probes.iperf3_errors import classify_error, strip_error_prefix
from netprobe.probes.iperf3_extract import extract
from netprobe.probes.iperf3_flows import Flow, flows
from netprobe.probes.iperf3_metrics import (
    Checker,
    flow_intervals,
    positive,
    tcp_metrics,
    udp_metrics,
)

TOOL = "iperf3"

_TEXT_ERROR = re.compile(r"^iperf3: (.*error - .*?)[\s:]*$", re.M)

# iperf3 up to 3.15 is one thread, so its cpu_utilization_percent (process CPU time over
# wall time) tops out at 100 % of one core. Real CPU-bound senders read 95-99.5 % (3.9
# loopback run: 99.5 %), because setup, teardown and the omit period count as wall time with
# little CPU. 90 % leaves that slack while staying far above a network-bound sender (the
# 3.12 runs over a 300 Mbit/s link read 2-50 %).
HOST_BOUND_CPU_PCT = 90.0


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
    context = host_context(doc)
    t0 = start_time(doc)
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
        _flow_result(doc, flow, spec, when, t0, context) for flow in flows(doc, spec.options)
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


def _flow_result(
    doc: dict,
    flow: Flow,
    spec: ProbeSpec,
    when: datetime | None,
    t0: datetime | None,
    context: dict,
) -> Result:
    flags: list[str] = [] if when else ["start time unknown"]
    check = Checker(flags)
    metrics = udp_metrics(flow, check) if flow.udp else tcp_metrics(flow, check)
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
    pmtu = [s["pmtu"] for _, streams in flow.intervals for s in streams if positive(s.get("pmtu"))]
    if pmtu:
        context["mtu"] = max(pmtu)
    origin = t0 or when
    intervals = flow_intervals(flow, origin, check) if origin else []
    began = when or datetime.fromtimestamp(0, UTC)
    ends = [
        b["end"]
        for b in (flow.sent, flow.received)
        if isinstance(b, dict) and positive(b.get("end"))
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
