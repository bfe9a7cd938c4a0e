"""Locate the faulty segment: which part of the paths explains which links degraded.

Pure: traces and link states in, ranked segments out. `paths` turns trace hops into
segments and spots route changes; `rank` does the boolean network tomography.
"""

from netprobe.localize.paths import (
    NamedSegment,
    PathChange,
    SegmentPath,
    link_segments,
    named_segment,
    nearest_trace,
    path_changed,
    route_changes,
    traces_around,
)
from netprobe.localize.rank import (
    ROUTE_CHANGE,
    SEGMENT,
    Candidate,
    Cause,
    LinkEvidence,
    Localization,
    TestPoint,
    localize,
)

__all__ = [
    "ROUTE_CHANGE",
    "SEGMENT",
    "Candidate",
    "Cause",
    "LinkEvidence",
    "Localization",
    "NamedSegment",
    "PathChange",
    "SegmentPath",
    "TestPoint",
    "link_segments",
    "localize",
    "named_segment",
    "nearest_trace",
    "path_changed",
    "route_changes",
    "traces_around",
]
