"""Text to numbers, once, at the edge: rates to bit/s, durations to seconds, dates to UTC.

Every function raises ValueError with a message saying what was expected; callers
(config, the CLI's parameter types) add the file and key.
"""

import math
import re
from datetime import UTC, date, datetime, time

_RATE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([kKmMgGtT]?)(bps|bit/s|b/s)?\s*$")
_RATE_PREFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}

_DURATION = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(ms|s|m|h|d|w)?\s*$")
_DURATION_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}


def parse_rate(text: str | int | float) -> float:
    """Parse a rate such as ``20Gbps``, ``200M``, ``1.5 Gbit/s`` or a bare number into bit/s.

    Raises:
        ValueError: not a non-negative rate with an optional k/M/G/T prefix.
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a rate such as '20Gbps', got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _RATE.match(text)
        if not match:
            raise ValueError(f"expected a rate such as '20Gbps' or '200Mbps', got {text!r}")
        value = float(match.group(1)) * _RATE_PREFIX[match.group(2).lower()]
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(f"expected a finite rate >= 0, got {text!r}")
    return value


def parse_duration(text: str | int | float) -> float:
    """Parse a duration such as ``10m``, ``1h``, ``30s``, ``250ms`` or bare seconds into seconds.

    Raises:
        ValueError: not a non-negative duration in ms/s/m/h/d/w.
    """
    if isinstance(text, bool):
        raise ValueError(f"expected a duration such as '10m', got {text!r}")
    if isinstance(text, int | float):
        value = float(text)
    else:
        match = _DURATION.match(text)
        if not match:
            raise ValueError(f"expected a duration such as '30s', '10m' or '1h', got {text!r}")
        value = float(match.group(1)) * _DURATION_UNIT[match.group(2) or "s"]
    if value < 0 or value != value or value == float("inf"):
        raise ValueError(f"expected a finite duration >= 0, got {text!r}")
    return value


def parse_time(text: str | date | datetime) -> datetime:
    """Parse ``2020-01-01``, an ISO 8601 time with offset, or epoch seconds into aware UTC.

    A date alone means its midnight UTC. A time without an offset is refused: a capacity
    plan or a report period must not depend on the machine's time zone.

    Raises:
        ValueError: unparsable, or a time of day without a UTC offset.
    """
    if isinstance(text, datetime):
        value = text
    elif isinstance(text, date):
        return datetime.combine(text, time(), tzinfo=UTC)
    else:
        raw = str(text).strip()
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw):
            return datetime.fromtimestamp(float(raw), tz=UTC)
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"expected a date '2020-01-01' or a time '2020-01-01T12:00:00Z', got {text!r}"
            ) from None
        if "T" not in raw.upper() and " " not in raw and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
    if value.tzinfo is None:
        raise ValueError(
            f"expected a time with a UTC offset (e.g. '...Z' or '+01:00'), got {text!r}"
        )
    return value.astimezone(UTC)


def format_time(t: datetime) -> str:
    """Render an aware time for people and tickets as ISO 8601 UTC: ``2026-02-12T14:00:00Z``."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_rate(bps: float | None) -> str:
    """Render bit/s for people: ``18.4 Gbit/s``; ``-`` for no value."""
    if bps is None:
        return "-"
    for prefix, scale in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if abs(bps) >= scale:
            return f"{bps / scale:.3g} {prefix}bit/s"
    return f"{bps:.3g} bit/s"


_ISO_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?"
    r"(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$"
)


def parse_iso8601_duration(text: str) -> float:
    """Parse an ISO 8601 duration as pScheduler and pSConfig write them (``PT4H``, ``P1DT30M``,
    ``PT0.0002S``) into seconds. Years and months are refused: they have no fixed length.

    Raises:
        ValueError: not a ``P[nW][nD][T[nH][nM][nS]]`` duration.
    """
    raw = text.strip().upper() if isinstance(text, str) else ""
    match = _ISO_DURATION.match(raw)
    if not match or raw.endswith(("P", "T")):
        raise ValueError(f"expected an ISO 8601 duration such as 'PT4H' or 'PT30S', got {text!r}")
    weeks, days, hours, minutes, seconds = (float(g) if g else 0.0 for g in match.groups())
    return weeks * 604800 + days * 86400 + hours * 3600 + minutes * 60 + seconds


def format_iso8601_duration(seconds: float) -> str:
    """Seconds as the ISO 8601 duration pScheduler's specs take: ``PT10S``, ``PT0.2S``.

    Raises:
        ValueError: a negative or non-finite number of seconds.
    """
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"expected seconds >= 0, got {seconds!r}")
    return f"PT{seconds:.6f}".rstrip("0").rstrip(".") + "S"
