"""perfSONAR 5 archive documents (OpenSearch ``pscheduler_*`` data streams) → Results.

perfSONAR 5's Logstash pipeline flattens each archived run: ``pscheduler.start_time``,
``pscheduler.end_time``, ``pscheduler.duration``, ``pscheduler.tool``, ``pscheduler.run_id``,
``meta.source.{ip,hostname}``, ``meta.destination.{ip,hostname}``, ``test.{type,spec}`` and
per test ``result.*``: throughput keeps ``result.throughput`` (pScheduler's
``summary.summary.throughput-bits``, the sender side for iperf3), ``result.retransmits``,
``result.packets_sent``/``packets_lost``/``jitter`` and ``result.intervals.json``; rtt keeps
``result.packets.*`` and ``result.rtt.{min,mean,max,stddev}`` in seconds; trace keeps
``result.hop.ip`` and the raw paths in ``result.json``.
"""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from netprobe.errors import DocumentError
from netprobe.ingest import (
    after,
    epoch,
    instant,
    lookup,
    mapping,
    number,
    seconds,
    sequence,
    text,
)
from netprobe.ingest.pscheduler_result import TESTS, hops_of_path, intervals_of
from netprobe.model import Direction, Hop, Result, Status


def parse_hit(hit: Any) -> Result:
    """Translate one search hit (``{"_id", "_index", "_source"}``) into a Result.

    Returns:
        One Result with ``context["source"] = "opensearch"``, ``archive_id`` = the hit's
        ``_id`` and ``run_id`` = pScheduler's run UUID when present. ``result.succeeded:
        false`` gives a failure Result with ``result.error`` as reason, never a number.

    Raises:
        DocumentError: a test type other than throughput, rtt or trace, or a missing or
            malformed field (named by its path in ``_source``).
    """
    source = mapping(lookup(mapping(hit, "hit"), "_source"), "_source")
    kind = text(lookup(source, "test.type"), "test.type")
    if kind not in TESTS:
        raise DocumentError(f"test.type: {kind!r} is not translated (expected one of {TESTS})")
    started = _time(lookup(source, "pscheduler.start_time"), "pscheduler.start_time")
    result = Result(
        probe=f"opensearch:{kind}",
        test=kind,
        tool=lookup(source, "pscheduler.tool") or "pscheduler",
        endpoint=_host(source, "destination", "dest"),
        direction=Direction.REVERSE
        if lookup(source, "test.spec.reverse") is True
        else Direction.FORWARD,
        status=Status.OK,
        started=started,
        ended=_ended(source, started),
        site=_host(source, "source", "source"),
        context=_context(hit, source),
    )
    succeeded = lookup(source, "result.succeeded")
    if not isinstance(succeeded, bool):
        raise DocumentError(f"result.succeeded: expected true or false, got {succeeded!r}")
    if not succeeded:
        result.status = Status.TOOL_ERROR
        error = lookup(source, "result.error")
        result.reason = (
            str(error).strip() if error else "the tool reported failure without a reason"
        )
        return result
    {"throughput": _throughput, "rtt": _rtt, "trace": _trace}[kind](source, result)
    return result


def _time(value: Any, path: str) -> datetime:
    """An ISO 8601 time, or epoch milliseconds (OpenSearch's numeric date format)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return epoch(value / 1000.0, path)
    return instant(value, path)


def _ended(source: Mapping[str, Any], started: datetime) -> datetime | None:
    """``pscheduler.end_time``, else start plus ``pscheduler.duration``, else unknown."""
    end = lookup(source, "pscheduler.end_time")
    if end is not None:
        return _time(end, "pscheduler.end_time")
    duration = lookup(source, "pscheduler.duration")
    if duration is not None:
        return after(started, seconds(duration, "pscheduler.duration"), "pscheduler.duration")
    return None


def _host(source: Mapping[str, Any], side: str, spec_key: str) -> str:
    """The host of one side by name, else by address, else as the test spec named it."""
    for path in (f"meta.{side}.hostname", f"meta.{side}.ip", f"test.spec.{spec_key}"):
        value = lookup(source, path)
        if isinstance(value, str) and value.strip():
            return value
    if side == "source":
        return "local"  # single-participant tests may name no source
    raise DocumentError(f"meta.{side}.ip: missing (and no test.spec.{spec_key})")


def _context(hit: Mapping[str, Any], source: Mapping[str, Any]) -> dict:
    """Where the document came from, to recognise it when imported again."""
    context: dict[str, str | int | float | bool] = {"source": "opensearch"}
    for key, path in (
        ("archive_id", "_id"),
        ("index", "_index"),
    ):
        if isinstance(hit.get(path), str):
            context[key] = hit[path]
    for key, path in (
        ("run_id", "pscheduler.run_id"),
        ("run_href", "pscheduler.run_href"),
        ("source_address", "meta.source.ip"),
        ("destination_address", "meta.destination.ip"),
    ):
        value = lookup(source, path)
        if isinstance(value, str):
            context[key] = value
    return context


def _throughput(source: Mapping[str, Any], result: Result) -> None:
    """Throughput metrics; the archive keeps pScheduler's summary rate (sender side)."""
    metrics = result.metrics
    metrics["sender_bps"] = number(lookup(source, "result.throughput"), "result.throughput")
    metrics["throughput_bps"] = metrics["sender_bps"]
    result.context["throughput_side"] = "sender"
    for key, name in (
        ("retransmits", "retransmits"),
        ("packets_sent", "packets_sent"),
        ("jitter", "jitter_ms"),
    ):
        value = lookup(source, f"result.{key}")
        if value is not None:
            metrics[name] = number(value, f"result.{key}")
    lost = lookup(source, "result.packets_lost")
    if lost is not None and metrics.get("packets_sent", 0) > 0:
        lost_count = number(lost, "result.packets_lost")
        metrics["packets_received"] = metrics["packets_sent"] - lost_count
        metrics["loss_ratio"] = lost_count / metrics["packets_sent"]
    for key in ("mss", "mtu"):
        if lookup(source, f"result.{key}") is not None:
            result.context[key] = number(lookup(source, f"result.{key}"), f"result.{key}")
    intervals = sequence(lookup(source, "result.intervals.json"), "result.intervals.json")
    result.intervals = intervals_of(intervals, result.started, "result.intervals.json")


def _rtt(source: Mapping[str, Any], result: Result) -> None:
    """Ping statistics: ``result.packets.*`` and ``result.rtt.*`` (seconds) → ms."""
    metrics = result.metrics
    for key, name in (
        ("sent", "packets_sent"),
        ("received", "packets_received"),
        ("loss", "loss_ratio"),
    ):
        value = lookup(source, f"result.packets.{key}")
        if value is not None:
            metrics[name] = number(value, f"result.packets.{key}")
    if metrics.get("packets_received") == 0:
        result.status = Status.UNREACHABLE
        result.reason = f"no reply to {int(metrics.get('packets_sent', 0))} packets"
        result.metrics = {}
        return
    for key, name in (
        ("min", "rtt_min_ms"),
        ("mean", "rtt_avg_ms"),
        ("max", "rtt_max_ms"),
        ("stddev", "rtt_mdev_ms"),
    ):
        value = lookup(source, f"result.rtt.{key}")
        if value is not None:
            metrics[name] = seconds(value, f"result.rtt.{key}") * 1000.0
    if "rtt_avg_ms" not in metrics and "loss_ratio" not in metrics:
        raise DocumentError("result.rtt.mean: missing (and no result.packets.loss)")


def _trace(source: Mapping[str, Any], result: Result) -> None:
    """Hops from the raw paths (``result.json``), else from the list ``result.hop.ip``."""
    paths = lookup(source, "result.json")
    if isinstance(paths, list) and paths and isinstance(paths[0], list):
        result.hops = hops_of_path(paths[0], "result.json[0]")
        return
    addresses = lookup(source, "result.hop.ip")
    if not isinstance(addresses, list) or not addresses:
        raise DocumentError("result.hop.ip: expected the list of hop addresses")
    result.hops = [Hop(ttl=ttl, address=ip or None) for ttl, ip in enumerate(addresses, 1)]
