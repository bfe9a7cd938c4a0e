"""A pScheduler run and its merged result (throughput, rtt or trace test) → one Result.

The run object is what ``GET /pscheduler/tasks/<task>/runs/<run>`` answers (``state``,
``start-time``, ``end-time``, ``errors``, ``result-merged``); the test is the task's
``{"type": ..., "spec": {...}}``. Field meanings follow pScheduler's result schemas:
throughput rates in bit/s, ``rtt`` of throughput streams in microseconds (iperf3's unit,
passed through), rtt-test and trace times as ISO 8601 durations.
"""

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from netprobe.errors import DocumentError
from netprobe.ingest import after, instant, lookup, mapping, number, seconds, sequence, text
from netprobe.model import Direction, Hop, Interval, Result, Status

TESTS = ("throughput", "rtt", "trace")
"""pScheduler test types translated into Results."""

FAILED_STATES: dict[str, Status] = {
    "failed": Status.TOOL_ERROR,
    "missed": Status.MISSED,
    "nonstart": Status.MISSED,  # a participant could not start it: the slot never ran
    "overdue": Status.TIMEOUT,  # still running past its scheduled end
    "preempted": Status.ABORTED,
    "canceled": Status.ABORTED,
}
"""Final run states that are not ``finished``, with the failure status each becomes."""

PENDING_STATES = ("scheduling", "pending", "on-deck", "running", "cleanup")
"""Run states with no final result yet: wait (``wait-merged``) and ask again."""


def parse_run(
    run: Mapping[str, Any],
    test: Mapping[str, Any],
    *,
    tool: str = "pscheduler",
    probe: str | None = None,
    participants: Sequence[str] = (),
    where: str = "",
) -> Result:
    """Translate a finished (or failed, missed, ...) pScheduler run into a Result.

    Args:
        run: the run object, with ``state``, ``start-time``, ``end-time``, ``result-merged``.
        test: the task's test, ``{"type": "throughput", "spec": {...}}``.
        tool: the tool that ran it (``iperf3``); stored in ``Result.tool``.
        probe: the probe name to store; default ``pscheduler:<test type>``.
        participants: the task's participant hosts, lead first (fills a missing source).
        where: prefix for the run's field names in errors (``"run."`` inside a body).

    Returns:
        One Result; a run state other than ``finished`` or ``succeeded: false`` gives a
        failure status with the reason, and no measured value.

    Raises:
        DocumentError: the run is not final yet, or a field is missing or malformed.
    """
    state = text(lookup(run, "state"), f"{where}state")
    if state in PENDING_STATES:
        raise DocumentError(f"{where}state: the run is still {state!r}, no final result yet")
    if state != "finished" and state not in FAILED_STATES:
        raise DocumentError(f"{where}state: unknown run state {state!r}")
    started = instant(lookup(run, "start-time"), f"{where}start-time")
    end = lookup(run, "end-time")
    ended = instant(end, f"{where}end-time") if end is not None else None
    context: dict[str, str | int | float | bool] = {"source": "pscheduler"}
    if isinstance(run.get("href"), str):
        context["run_href"] = run["href"]
        context["run_id"] = run["href"].rstrip("/").rsplit("/", 1)[-1]
        context["archive_id"] = context["run_id"]
    if state != "finished":
        result = _blank(
            test,
            started=started,
            ended=ended,
            tool=tool,
            probe=probe,
            participants=participants,
            context=context,
        )
        result.status = FAILED_STATES[state]
        result.reason = f"pScheduler run {state}: {_run_errors(run) or 'no reason given'}"
        return result
    merged = lookup(run, "result-merged")
    if merged is None:
        raise DocumentError(f"{where}result-merged: missing from a finished run")
    return parse_merged(
        merged,
        test,
        started=started,
        ended=ended,
        tool=tool,
        probe=probe,
        participants=participants,
        context=context,
    )


def parse_merged(
    merged: Mapping[str, Any],
    test: Mapping[str, Any],
    *,
    started: datetime,
    ended: datetime | None = None,
    tool: str = "pscheduler",
    probe: str | None = None,
    participants: Sequence[str] = (),
    context: Mapping[str, str | int | float | bool] | None = None,
) -> Result:
    """Translate a ``result-merged`` document of a throughput, rtt or trace test.

    Args:
        merged: the merged result (``succeeded``, ``error``, then per-test fields).
        test: the task's test, ``{"type": ..., "spec": {...}}``.
        started: the run's start, aware UTC; interval offsets are relative to it.
        ended: the run's end, aware UTC, if known.
        tool, probe, participants: as for ``parse_run``.
        context: facts to keep (``source``, ``archive_id``, hrefs).

    Returns:
        One Result: OK with metrics, or a failure (``succeeded: false``) with its reason.

    Raises:
        DocumentError: an unsupported test type, or a missing or malformed field.
    """
    result = _blank(
        test,
        started=started,
        ended=ended,
        tool=tool,
        probe=probe,
        participants=participants,
        context=context or {"source": "pscheduler"},
    )
    mapping(merged, "result")
    succeeded = merged.get("succeeded")
    if not isinstance(succeeded, bool):
        raise DocumentError(f"result.succeeded: expected true or false, got {succeeded!r}")
    if not succeeded:
        result.status = Status.TOOL_ERROR
        result.reason = _failure_reason(merged)
        return result
    {"throughput": _throughput, "rtt": _rtt, "trace": _trace}[result.test](merged, result)
    return result


def _blank(
    test: Mapping[str, Any],
    *,
    started: datetime,
    ended: datetime | None,
    tool: str,
    probe: str | None,
    participants: Sequence[str],
    context: Mapping[str, str | int | float | bool],
) -> Result:
    """An OK Result with no metrics yet, named after the test's source and destination.

    Raises:
        DocumentError: the test type is not translated, or it names no destination.
    """
    kind = text(lookup(test, "type"), "test.type")
    if kind not in TESTS:
        raise DocumentError(f"test.type: {kind!r} is not translated (expected one of {TESTS})")
    spec = mapping(lookup(test, "spec"), "test.spec")
    dest = text(lookup(spec, "dest"), "test.spec.dest")
    source = spec.get("source") or spec.get("source-node") or next(iter(participants), None)
    reverse = spec.get("reverse") is True
    return Result(
        probe=probe or f"pscheduler:{kind}",
        test=kind,
        tool=tool,
        endpoint=dest,
        direction=Direction.REVERSE if reverse else Direction.FORWARD,
        status=Status.OK,
        started=started,
        ended=ended,
        site=text(source, "test.spec.source") if source is not None else "local",
        context=dict(context),
    )


def _run_errors(run: Mapping[str, Any]) -> str:
    """The run's own words on why it failed: ``errors``, else the merged result's error."""
    errors = run.get("errors")
    if isinstance(errors, list):
        errors = "; ".join(str(e) for e in errors if e)
    if errors:
        return str(errors).strip()
    merged = run.get("result-merged")
    if isinstance(merged, Mapping):
        return _failure_reason(merged)
    return str(run.get("state-display") or "")


def _failure_reason(merged: Mapping[str, Any]) -> str:
    """The error text of an unsucceeded result, else the last line of its diagnostics."""
    error = merged.get("error")
    if isinstance(error, str) and error.strip():
        return error.strip()
    diags = merged.get("diags")
    if isinstance(diags, str) and diags.strip():
        return diags.strip().splitlines()[-1]
    return "the tool reported failure without a reason"


def _throughput(merged: Mapping[str, Any], result: Result) -> None:
    """Fill throughput metrics, streams and intervals from pScheduler's throughput result."""
    total = mapping(lookup(merged, "summary.summary"), "result.summary.summary")
    sender = total.get("throughput-bits")
    receiver = total.get("receiver-throughput-bits")
    if sender is None and receiver is None:
        raise DocumentError(
            "result.summary.summary.throughput-bits: missing from a succeeded result"
        )
    metrics = result.metrics
    if sender is not None:
        metrics["sender_bps"] = number(sender, "result.summary.summary.throughput-bits")
    if receiver is not None:
        metrics["throughput_bps"] = number(
            receiver, "result.summary.summary.receiver-throughput-bits"
        )
    else:
        # iperf2 and nuttcp report one side only: keep it, and say which side it is.
        metrics["throughput_bps"] = metrics["sender_bps"]
        result.context["throughput_side"] = "sender"
    if total.get("retransmits") is not None:
        metrics["retransmits"] = number(total["retransmits"], "result.summary.summary.retransmits")
    _udp(total, metrics)
    streams = sequence(lookup(merged, "summary.streams"), "result.summary.streams")
    streams = [s for s in streams if isinstance(s, Mapping)]
    rtts = [
        number(s["rtt"], "result.summary.streams[].rtt")
        for s in streams
        if s.get("rtt") is not None
    ]
    if rtts:
        metrics["rtt_ms"] = sum(rtts) / len(rtts) / 1000.0
    result.context["streams"] = len(streams)
    for key in ("mss", "mtu", "tcp-window-size"):
        if merged.get(key) is not None:
            result.context[key.replace("-", "_")] = merged[key]
    entries = sequence(lookup(merged, "intervals"), "result.intervals")
    result.intervals = intervals_of(entries, result.started, "result.intervals")


def _udp(total: Mapping[str, Any], metrics: dict[str, float]) -> None:
    """Packets, loss and jitter of a UDP throughput summary (pScheduler's jitter is in ms)."""
    sent, lost, jitter = total.get("sent"), total.get("lost"), total.get("jitter")
    if sent is not None:
        metrics["packets_sent"] = number(sent, "result.summary.summary.sent")
        if lost is not None and metrics["packets_sent"] > 0:
            lost_count = number(lost, "result.summary.summary.lost")
            metrics["packets_received"] = metrics["packets_sent"] - lost_count
            metrics["loss_ratio"] = lost_count / metrics["packets_sent"]
    if jitter is not None:
        metrics["jitter_ms"] = number(jitter, "result.summary.summary.jitter")


def intervals_of(entries: Sequence[Any], started: datetime, where: str) -> list[Interval]:
    """pScheduler's ``intervals`` (each ``{streams, summary}``) → Intervals from each summary.

    Args:
        entries: the list; offsets (``start``, ``end``, s) are relative to ``started``.
        started: the run's start, aware UTC.
        where: the list's path, for errors (``result.intervals``).

    Raises:
        DocumentError: an entry without summary, or a field missing or not a number
            (named ``where[i].summary.field``).
    """
    out = []
    for i, item in enumerate(entries):
        entry = item.get("summary") if type(item) is dict else None
        plain = _plain_interval(entry, started) if type(entry) is dict else None
        out.append(plain or _interval(item, f"{where}[{i}].summary", started))
    return out


_PLAIN = frozenset({float, int})
"""Types the fast path takes (not bool, not numeric strings: _interval checks those)."""


def _plain_interval(entry: dict, started: datetime) -> Interval | None:
    """The interval when every field is a plain finite number, else None (then _interval
    checks it field by field and names what is wrong). A link-year holds 525,600 of them."""
    get = entry.get
    start, end, bps = get("start"), get("end"), get("throughput-bits")
    rtt, cwnd, retransmits = get("rtt"), get("tcp-window-size"), get("retransmits")
    if not (type(start) in _PLAIN and type(end) in _PLAIN and type(bps) in _PLAIN):
        return None
    for optional in (rtt, cwnd, retransmits):
        if optional is not None and (type(optional) not in _PLAIN or optional - optional):
            return None
    # x - x is 0 for finite numbers only (inf - inf and nan - nan are nan)
    if start - start or end - end or bps - bps:
        return None
    try:
        begins = started + timedelta(seconds=start)
        return Interval(
            start=begins,
            seconds=end - start,
            bps=float(bps),
            retransmits=int(retransmits) if retransmits is not None else None,
            rtt_ms=rtt / 1000.0 if rtt is not None else None,
            cwnd_bytes=int(cwnd) if cwnd is not None else None,
            omitted=get("omitted") is True,
        )
    except OverflowError:  # out of the range of dates
        return None


def _interval(interval: Mapping[str, Any], path: str, started: datetime) -> Interval:
    """One ``intervals[].summary`` entry, its offsets made absolute, checked field by field."""
    entry = mapping(lookup(interval, "summary"), path)
    start = number(lookup(entry, "start"), f"{path}.start")
    end = number(lookup(entry, "end"), f"{path}.end")
    rtt = entry.get("rtt")
    cwnd = entry.get("tcp-window-size")
    retransmits = entry.get("retransmits")
    return Interval(
        start=after(started, start, f"{path}.start"),
        seconds=end - start,
        bps=number(lookup(entry, "throughput-bits"), f"{path}.throughput-bits"),
        retransmits=int(number(retransmits, f"{path}.retransmits"))
        if retransmits is not None
        else None,
        rtt_ms=number(rtt, f"{path}.rtt") / 1000.0 if rtt is not None else None,
        cwnd_bytes=int(number(cwnd, f"{path}.tcp-window-size")) if cwnd is not None else None,
        omitted=entry.get("omitted") is True,
    )


def _rtt(merged: Mapping[str, Any], result: Result) -> None:
    """Fill ping statistics from pScheduler's rtt result (times as ISO 8601 durations)."""
    metrics = result.metrics
    sent = merged.get("sent")
    received = merged.get("received")
    if sent is not None:
        metrics["packets_sent"] = number(sent, "result.sent")
    if received is not None:
        metrics["packets_received"] = number(received, "result.received")
    if received is not None and metrics["packets_received"] == 0:
        result.status = Status.UNREACHABLE
        result.reason = f"no reply to {int(metrics.get('packets_sent', 0))} packets"
        result.metrics = {}
        return
    metrics["loss_ratio"] = number(lookup(merged, "loss"), "result.loss")
    for key, name in (
        ("min", "rtt_min_ms"),
        ("mean", "rtt_avg_ms"),
        ("max", "rtt_max_ms"),
        ("stddev", "rtt_mdev_ms"),
    ):
        if merged.get(key) is not None:
            metrics[name] = seconds(merged[key], f"result.{key}") * 1000.0


def _trace(merged: Mapping[str, Any], result: Result) -> None:
    """Fill hops from the first path of pScheduler's trace result."""
    paths = lookup(merged, "paths")
    if not isinstance(paths, list) or not paths:
        raise DocumentError("result.paths: expected a non-empty list of paths")
    result.hops = hops_of_path(sequence(paths[0], "result.paths[0]"), "result.paths[0]")
    result.context["paths"] = len(paths)


def hops_of_path(path: Sequence[Mapping[str, Any]], where: str) -> list[Hop]:
    """A pScheduler trace path (one object per TTL, ``{}`` where nobody answered) → Hops.

    Raises:
        DocumentError: a hop is not an object or its ``rtt`` is not a duration.
    """
    hops = []
    for ttl, hop in enumerate(path, start=1):
        if not isinstance(hop, Mapping):
            raise DocumentError(f"{where}[{ttl - 1}]: expected an object")
        rtt = hop.get("rtt")
        name = hop.get("hostname")
        hops.append(
            Hop(
                ttl=ttl,
                address=hop.get("ip"),
                name=name.rstrip(".") if isinstance(name, str) else None,
                rtt_ms=seconds(rtt, f"{where}[{ttl - 1}].rtt") * 1000.0
                if rtt is not None
                else None,
            )
        )
    return hops
