"""perfSONAR 4.x measurement archive (esmond) documents → Results.

An import first searches the metadata (``GET /esmond/perfsonar/archive/?event-type=…``,
read here by ``parse_metadata``), then reads each event type's base data
(``GET <base-uri>?time-range=…``: ``[{"ts": <unix s>, "val": …}]``, read by ``parse_base``).
Throughput and retransmits of one test are two event types with the same ``ts``:
``merge_by_time`` joins them back into one Result.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from netprobe.errors import DocumentError
from netprobe.ingest import after, epoch, lookup, mapping, number, sequence, text
from netprobe.model import Direction, Hop, Result, Status

EVENT_TYPES = (
    "throughput",
    "packet-retransmits",
    "failures",
    "histogram-rtt",
    "packet-loss-rate",
    "packet-trace",
)
"""Event types ``parse_base`` translates; an importer skips (and counts) the others."""

_TEST_OF_EVENT = {
    "throughput": "throughput",
    "packet-retransmits": "throughput",
    "histogram-rtt": "rtt",
    "packet-trace": "trace",
    "histogram-owdelay": "latency",
}


@dataclass(frozen=True)
class Measurement:
    """One esmond metadata object: a measured pair, its tool and its event types."""

    key: str  # metadata-key
    source: str  # address as measured (often an IP)
    destination: str
    tool: str  # tool-name, e.g. "bwctl/iperf3", "pscheduler/iperf3"
    event_types: dict[str, str] = field(default_factory=dict)  # event type → base-uri
    input_source: str | None = None  # the name the test was given, when there is one
    input_destination: str | None = None
    measurement_agent: str | None = None
    transport: str | None = None  # ip-transport-protocol: tcp, udp, icmp
    duration: float | None = None  # time-duration, seconds

    @property
    def test(self) -> str:
        """The netprobe test these event types measure: throughput, rtt, trace or latency."""
        for event, test in _TEST_OF_EVENT.items():
            if event in self.event_types:
                return test
        return "unknown"

    @property
    def site(self) -> str:
        """The source host, by name when the test was given one."""
        return self.input_source or self.source

    @property
    def endpoint(self) -> str:
        """The destination host, by name when the test was given one."""
        return self.input_destination or self.destination


def parse_metadata(doc: Any) -> list[Measurement]:
    """Read an esmond metadata search response (a list of metadata objects).

    Raises:
        DocumentError: not a list, or an object without metadata-key, source, destination.
    """
    if not isinstance(doc, list):
        raise DocumentError(f"metadata: expected a list of objects, got {type(doc).__name__}")
    found = []
    for i, item in enumerate(doc):
        where = f"metadata[{i}]"
        mapping(item, where)
        events = {}
        for j, event in enumerate(sequence(lookup(item, "event-types"), f"{where}.event-types")):
            name = text(lookup(event, "event-type"), f"{where}.event-types[{j}].event-type")
            events[name] = text(lookup(event, "base-uri"), f"{where}.event-types[{j}].base-uri")
        duration = lookup(item, "time-duration")
        found.append(
            Measurement(
                key=text(lookup(item, "metadata-key"), f"{where}.metadata-key"),
                source=text(lookup(item, "source"), f"{where}.source"),
                destination=text(lookup(item, "destination"), f"{where}.destination"),
                tool=lookup(item, "tool-name") or "unknown",
                event_types=events,
                input_source=lookup(item, "input-source"),
                input_destination=lookup(item, "input-destination"),
                measurement_agent=lookup(item, "measurement-agent"),
                transport=lookup(item, "ip-transport-protocol"),
                duration=number(duration, f"{where}.time-duration") if duration else None,
            )
        )
    return found


def parse_base(event_type: str, points: Any, meta: Measurement) -> list[Result]:
    """Translate one event type's base data (``[{"ts": s, "val": …}]``) into Results.

    Args:
        event_type: one of ``EVENT_TYPES``.
        points: the decoded base-data response.
        meta: the measurement the points belong to.

    Returns:
        One Result per point; ``failures`` points are failure Results with the error text.

    Raises:
        DocumentError: an event type not in ``EVENT_TYPES``, or a malformed point.
    """
    if event_type not in EVENT_TYPES:
        raise DocumentError(f"event-type: {event_type!r} is not translated ({EVENT_TYPES})")
    if not isinstance(points, list):
        raise DocumentError(f"{event_type}: expected a list of points, got {points!r}"[:200])
    fill = _FILL[event_type]
    results = []
    for i, point in enumerate(points):
        where = f"{event_type}[{i}]"
        mapping(point, where)
        ts = lookup(point, "ts")
        result = _blank(meta, epoch(ts, f"{where}.ts"), int(number(ts, f"{where}.ts")))
        fill(point.get("val"), f"{where}.val", result)
        results.append(result)
    return results


def merge_by_time(results: Iterable[Result]) -> list[Result]:
    """Join OK Results of the same measurement and start time into one (throughput with
    its retransmits, an rtt histogram with its loss rate). Failures stay as they are.

    A Result joins the first one of its measurement and time that lacks all its metrics,
    so two tests that share a timestamp keep their own values.

    Returns:
        New Results (the inputs are not changed), in order of first appearance.
    """
    partials: dict[tuple, list[Result]] = {}
    out: list[Result] = []
    for result in results:
        if not result.ok:
            out.append(result)
            continue
        key = (result.context.get("metadata_key"), result.test, result.started)
        same = partials.setdefault(key, [])
        target = next((r for r in same if not r.metrics.keys() & result.metrics.keys()), None)
        if target is None:
            target = replace(result, metrics={}, hops=[], context=dict(result.context))
            same.append(target)
            out.append(target)
        target.metrics.update(result.metrics)
        target.hops = target.hops or list(result.hops)
        target.context.update(result.context)
    return out


def _blank(meta: Measurement, started: datetime, ts: int) -> Result:
    """An OK Result of this measurement at ``started``, its archive id ``<key>@<ts>``."""
    return Result(
        probe=f"esmond:{meta.test}",
        test=meta.test,
        tool=meta.tool,
        endpoint=meta.endpoint,
        direction=Direction.FORWARD,
        status=Status.OK,
        started=started,
        ended=after(started, meta.duration, "time-duration") if meta.duration else None,
        site=meta.site,
        context={
            "source": "esmond",
            "metadata_key": meta.key,
            "archive_id": f"{meta.key}@{ts}",
            "source_address": meta.source,
            "destination_address": meta.destination,
        },
    )


def _throughput(val: Any, where: str, result: Result) -> None:
    """``throughput``: bit/s of the whole test."""
    result.metrics["throughput_bps"] = number(val, where)


def _retransmits(val: Any, where: str, result: Result) -> None:
    """``packet-retransmits``: TCP retransmissions over the whole test."""
    result.metrics["retransmits"] = number(val, where)


def _failure(val: Any, where: str, result: Result) -> None:
    """``failures``: ``{"error": "…"}``, the reason a test did not measure anything."""
    error = lookup(val, "error") if isinstance(val, Mapping) else val
    result.status = Status.TOOL_ERROR
    result.reason = text(error, f"{where}.error").strip()


def _histogram_rtt(val: Any, where: str, result: Result) -> None:
    """``histogram-rtt``: ``{"<ms>": count}`` → min, median, mean, max, mdev and count."""
    buckets = sorted(
        (number(ms, f"{where} key"), number(count, f"{where}[{ms}]"))
        for ms, count in mapping(val, where).items()
    )
    buckets = [(ms, count) for ms, count in buckets if count > 0]
    total = sum(count for _, count in buckets)
    if total == 0:
        raise DocumentError(f"{where}: an empty histogram")
    mean = sum(ms * count for ms, count in buckets) / total
    variance = sum(count * (ms - mean) ** 2 for ms, count in buckets) / total
    result.metrics.update(
        rtt_min_ms=buckets[0][0],
        rtt_median_ms=_weighted_median(buckets, total),
        rtt_avg_ms=mean,
        rtt_max_ms=buckets[-1][0],
        rtt_mdev_ms=variance**0.5,
        packets_received=total,
    )


def _weighted_median(buckets: Sequence[tuple[float, float]], total: float) -> float:
    """The median of sorted (value, count) buckets; the mean of the two middles if even."""

    def at(rank: float) -> float:
        seen = 0.0
        for value, count in buckets:
            seen += count
            if seen >= rank:
                return value
        return buckets[-1][0]

    if total % 2:
        return at((total + 1) / 2)
    return (at(total / 2) + at(total / 2 + 1)) / 2


def _loss_rate(val: Any, where: str, result: Result) -> None:
    """``packet-loss-rate``: a ratio, or ``{"numerator": lost, "denominator": sent}``."""
    if isinstance(val, Mapping):
        lost = number(lookup(val, "numerator"), f"{where}.numerator")
        sent = number(lookup(val, "denominator"), f"{where}.denominator")
        if sent <= 0:
            raise DocumentError(f"{where}.denominator: expected packets sent > 0, got {sent}")
        result.metrics.update(packets_sent=sent, loss_ratio=lost / sent)
        return
    ratio = number(val, where)
    if not 0.0 <= ratio <= 1.0:
        raise DocumentError(f"{where}: expected a loss ratio in [0, 1], got {ratio}")
    result.metrics["loss_ratio"] = ratio


def _packet_trace(val: Any, where: str, result: Result) -> None:
    """``packet-trace``: ``[{ttl, query, ip, rtt (ms), mtu, success, error_message}]``.

    Several queries per TTL become one Hop: the first query that got an answer (else the
    first query); the number of queries per TTL is kept in ``context["queries"]``.
    """
    if not isinstance(val, list) or not val:
        raise DocumentError(f"{where}: expected a non-empty list of hops")
    by_ttl: dict[int, list[tuple[bool, int, Mapping[str, Any], str]]] = {}
    for i, hop in enumerate(val):
        here = f"{where}[{i}]"
        mapping(hop, here)
        ttl = int(number(lookup(hop, "ttl"), f"{here}.ttl"))
        query = int(number(lookup(hop, "query", 1), f"{here}.query"))
        answered = bool(lookup(hop, "ip")) and lookup(hop, "success", 1) in (1, "1", True)
        by_ttl.setdefault(ttl, []).append((not answered, query, hop, here))
    for ttl in sorted(by_ttl):
        _, _, hop, here = min(by_ttl[ttl], key=lambda entry: entry[:2])
        rtt = lookup(hop, "rtt")
        result.hops.append(
            Hop(
                ttl=ttl,
                address=lookup(hop, "ip"),
                rtt_ms=number(rtt, f"{here}.rtt") if rtt is not None else None,
            )
        )
    result.context["queries"] = max(len(entries) for entries in by_ttl.values())


_FILL = {
    "throughput": _throughput,
    "packet-retransmits": _retransmits,
    "failures": _failure,
    "histogram-rtt": _histogram_rtt,
    "packet-loss-rate": _loss_rate,
    "packet-trace": _packet_trace,
}
