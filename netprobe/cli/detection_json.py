"""Change points and segments as JSON, the same for `netprobe detect` and `netprobe analyze`."""

import math
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy loads only when a series is analysed, not at every command start
    from netprobe.detect.changes import Segment
    from netprobe.model import ChangePoint


def number(value: float | None) -> float | None:
    """A float for JSON: None for a missing value or NaN."""
    return None if value is None or math.isnan(value) else float(value)


def iso(time: datetime | None) -> str | None:
    """An aware UTC time as ISO 8601 with ``Z``; None stays None."""
    return None if time is None else time.isoformat().replace("+00:00", "Z")


def change_point_json(c: "ChangePoint") -> dict:
    """One change point: index (first row of the new regime), time, kind, medians, change."""
    return {
        "index": c.index,
        "time": iso(c.time),
        "kind": c.kind,
        "before": number(c.before),
        "after": number(c.after),
        "change": number(c.change),
        "ci": [number(c.ci[0]), number(c.ci[1])],
        "p_value": number(c.p_value),
    }


def segment_json(s: "Segment") -> dict:
    """One regime: rows start..end-1, times, counts, quantiles and share of bad runs."""
    return {
        "start": s.start,
        "end": s.end,
        "start_time": iso(s.start_time),
        "end_time": iso(s.end_time),
        "n": s.n,
        "missing": s.missing,
        "median": number(s.median),
        "p10": number(s.p10),
        "p90": number(s.p90),
        "bad_share": number(s.bad_share),
    }
