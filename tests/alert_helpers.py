"""Hand-built verdicts for the alert tests (the analysis that makes real ones is elsewhere)."""

from datetime import UTC, datetime, timedelta

from netprobe.model import Direction, Verdict

T0 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def verdict(
    kind: str = "degraded",
    endpoint: str = "ncsa",
    direction: Direction = Direction.FORWARD,
    hours: float = 2.0,
    **numbers: float,
) -> Verdict:
    """A verdict of ``kind`` lasting ``hours`` up to T0, with ``numbers``."""
    numbers = numbers or ({"drop": 0.55, "throughput_bps": 18e9} if kind == "degraded" else {})
    return Verdict(
        endpoint=endpoint,
        direction=direction,
        kind=kind,
        since=T0 - timedelta(hours=hours),
        until=T0,
        summary=f"{endpoint} {direction.value} {kind}: 40 Gbit/s -> 18 Gbit/s",
        numbers=numbers,
    )


def ok(endpoint: str = "ncsa", direction: Direction = Direction.FORWARD) -> Verdict:
    """A healthy verdict for the link."""
    return verdict("ok", endpoint, direction, throughput_bps=39e9)


def at(minutes: float) -> datetime:
    """T0 plus ``minutes``."""
    return T0 + timedelta(minutes=minutes)
