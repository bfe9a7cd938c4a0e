"""Results as plain data: JSON-ready dicts (ISO UTC times) and back, and flat CSV rows.

Shared by `netprobe results`, `netprobe probe --json` and the back-ends that keep results
as text (the InfluxDB store, the spool), so every output spells a Result the same way.
"""

from datetime import UTC, datetime
from typing import Any

from netprobe.model import Direction, Hop, Interval, Result, Status

# Every documented metric, with the test that produces it: `Store.series` reads a metric
# from results of that test only, so an rtt probe to the same endpoint never shows up as
# a missing throughput observation. loss_ratio belongs to ping; UDP iperf3 loss is read
# with test="throughput".
METRIC_TESTS: dict[str, str] = {
    "throughput_bps": "throughput",
    "sender_bps": "throughput",
    "retransmits": "throughput",
    "rtt_ms": "throughput",
    "max_cwnd_bytes": "throughput",
    "jitter_ms": "throughput",
    "cpu_local_pct": "throughput",
    "cpu_remote_pct": "throughput",
    "loss_ratio": "rtt",
    "rtt_min_ms": "rtt",
    "rtt_avg_ms": "rtt",
    "rtt_max_ms": "rtt",
    "rtt_mdev_ms": "rtt",
    "packets_sent": "rtt",
    "packets_received": "rtt",
}
# Metrics that are counts: kept as integers.
COUNT_METRICS = frozenset({"retransmits", "max_cwnd_bytes", "packets_sent", "packets_received"})

CSV_COLUMNS: tuple[str, ...] = (
    "started",
    "ended",
    "slot",
    "site",
    "probe",
    "test",
    "tool",
    "endpoint",
    "direction",
    "status",
    *METRIC_TESTS,
    "reason",
    "flags",
)


def format_time(value: datetime | None) -> str | None:
    """Render an aware time as ISO 8601 UTC with a ``Z`` (``2026-01-02T03:04:05.000006Z``)."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _parse_time(text: str | None) -> datetime | None:
    if text is None:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def result_to_dict(result: Result) -> dict[str, Any]:
    """A Result as a JSON-ready dict; ``throughput_bps`` and ``retransmits`` are null if absent.

    ``error`` repeats ``reason`` under the name `netprobe probe --json` promises.
    """
    return {
        "probe": result.probe,
        "test": result.test,
        "tool": result.tool,
        "site": result.site,
        "endpoint": result.endpoint,
        "direction": result.direction.value,
        "status": result.status.value,
        "started": format_time(result.started),
        "ended": format_time(result.ended),
        "slot": format_time(result.slot),
        "throughput_bps": result.metrics.get("throughput_bps"),
        "retransmits": result.metrics.get("retransmits"),
        "reason": result.reason,
        "error": result.reason,
        "metrics": dict(result.metrics),
        "context": dict(result.context),
        "flags": list(result.flags),
        "argv": list(result.argv),
        "intervals": [
            {
                "start": format_time(i.start),
                "seconds": i.seconds,
                "bps": i.bps,
                "retransmits": i.retransmits,
                "rtt_ms": i.rtt_ms,
                "cwnd_bytes": i.cwnd_bytes,
                "omitted": i.omitted,
            }
            for i in result.intervals
        ],
        "hops": [
            {"ttl": h.ttl, "address": h.address, "name": h.name, "rtt_ms": h.rtt_ms}
            for h in result.hops
        ],
    }


def result_from_dict(data: dict[str, Any]) -> Result:
    """The Result a `result_to_dict` dict came from.

    Raises:
        KeyError, ValueError: a required key is missing or a value is not what it should be.
    """
    return Result(
        probe=data["probe"],
        test=data["test"],
        tool=data["tool"],
        site=data.get("site", "local"),
        endpoint=data["endpoint"],
        direction=Direction(data["direction"]),
        status=Status(data["status"]),
        started=_parse_time(data["started"]),
        ended=_parse_time(data.get("ended")),
        slot=_parse_time(data.get("slot")),
        metrics=dict(data.get("metrics", {})),
        context=dict(data.get("context", {})),
        flags=list(data.get("flags", [])),
        argv=list(data.get("argv", [])),
        reason=data.get("reason", data.get("error")),
        intervals=[
            Interval(**{**i, "start": _parse_time(i["start"])}) for i in data.get("intervals", [])
        ],
        hops=[Hop(**h) for h in data.get("hops", [])],
    )


def result_to_row(result: Result) -> dict[str, str]:
    """A Result as one flat CSV row keyed by `CSV_COLUMNS`: empty cells for absent values."""
    row = {
        "started": format_time(result.started),
        "ended": format_time(result.ended),
        "slot": format_time(result.slot),
        "site": result.site,
        "probe": result.probe,
        "test": result.test,
        "tool": result.tool,
        "endpoint": result.endpoint,
        "direction": result.direction.value,
        "status": result.status.value,
        **{name: result.metrics.get(name) for name in METRIC_TESTS},
        "reason": result.reason,
        "flags": ";".join(result.flags),
    }
    return {key: "" if value is None else str(value) for key, value in row.items()}
