"""One link and direction: its series → change points → parts under the plan → verdicts.

Pure: a `Series` (or plain arrays wrapped in one) and a `CapacityPlan` in, a
`LinkAnalysis` out. No store, no clock: ``now`` is an argument.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from netprobe.analysis.completeness import Completeness, completeness
from netprobe.analysis.expectation import Expectation, Part, expectations, split_parts
from netprobe.analysis.verdicts import Evidence, Rules, judge
from netprobe.detect.changes import segments
from netprobe.detect.find import Detection, find_changes
from netprobe.model import Direction, Verdict
from netprobe.plan import CapacityPlan
from netprobe.store import Series

GRACE = timedelta(days=14)
"""How long after a plan upgrade the previous expected rate still applies."""

MIN_SIZE = 5  # shortest change-point regime, measured values (as `netprobe detect`)

# Throughput changes are changes of level. find_changes' model="auto" switches to the drift
# of the first differences when they look like a random walk (a smooth, strongly
# autocorrelated link with no bad runs, e.g. AR(1) phi 0.95), and then misses a 63 % drop
# outright (tests/test_analysis.py shows one); medians per regime also only mean something
# for level regimes, and the verdicts compare medians.
MODEL = "level"


@dataclass(frozen=True)
class LinkAnalysis:
    """The analysis of one link in one direction.

    Attributes:
        link: the link's name in the config.
        endpoint, direction: the series analysed.
        n: rows (slots) analysed, failures and missed slots included.
        start, end: times of the first and last row (None when there is no row).
        detection: change points and segments (medians with the time-of-day profile
            removed); None when no value was measured at all.
        parts: the segments split where the expected rate changes, each with its expected
            rate and the medians of its measured values.
        steps: the expectation steps (plan steps and upgrade graces) used.
        completeness: counts over every row; ``recent`` over the failure window.
        verdicts: most severe first; ``numbers["ongoing"]`` is 1.0 for what holds now.
    """

    link: str
    endpoint: str
    direction: Direction
    n: int
    start: datetime | None
    end: datetime | None
    detection: Detection | None
    parts: list[Part]
    steps: list[Expectation]
    completeness: Completeness
    recent: Completeness
    verdicts: list[Verdict]


def epoch_seconds(times: np.ndarray) -> np.ndarray:
    """``datetime64`` UTC times to float epoch seconds."""
    return times.astype("datetime64[us]").astype(np.int64) / 1e6


def analyze_link(
    series: Series,
    plan: CapacityPlan,
    *,
    now: datetime,
    grace: timedelta = GRACE,
    rules: Rules | None = None,
    link: str | None = None,
    seed: int = 0,
    also: Sequence[Verdict] = (),
) -> LinkAnalysis:
    """Change points of ``series``, its parts under ``plan``, and the verdicts on them.

    Args:
        series: one throughput series, oldest first (values bit/s, NaN = no value).
        plan: the link's capacity plan.
        now: aware UTC time the analysis is made at (the failure window ends there, an
            upgrade is judged only once its grace has passed by then).
        grace: time after a plan upgrade before the new rate is expected.
        rules: verdict thresholds (default ``Rules()``).
        link: the link's name for summaries (default: the endpoint).
        seed: seed of the bootstrap intervals.
        also: verdicts on this link and direction made elsewhere (``health``: stale,
            completeness, loss, path-changed), ordered in with the throughput's.

    Raises:
        ValueError: a naive ``now``, a negative grace, or values find_changes refuses
            (an infinite value).
    """
    if now.tzinfo is None:
        raise ValueError(f"expected an aware UTC now, got naive {now.isoformat()}")
    if grace < timedelta(0):
        raise ValueError(f"expected a grace >= 0, got {grace}")
    rules = rules or Rules()
    values = np.asarray(series.values, dtype=float)
    epoch = epoch_seconds(series.times)
    steps = expectations(plan, grace)
    recent_start = now - rules.recent
    window = (epoch >= recent_start.timestamp()) & (epoch < now.timestamp())
    recent = completeness(values[window], series.status[window])
    detection = None
    if np.any(~np.isnan(values)):
        increasing = bool(np.all(np.diff(epoch) > 0))  # several probes may share a time
        detection = find_changes(
            values, epoch if increasing else None, min_size=MIN_SIZE, model=MODEL, seed=seed
        )
    cuts = [c.index for c in detection.change_points] if detection else []
    raw = segments(values, cuts, epoch) if len(values) else []
    parts = split_parts(values, epoch, cuts, steps) if len(values) else []
    start = series.time(0) if len(series) else None
    end = series.time(len(series) - 1) if len(series) else None
    evidence = Evidence(
        link=link or series.endpoint,
        endpoint=series.endpoint,
        direction=series.direction,
        plan=plan,
        steps=steps,
        detection=detection,
        raw=raw,
        parts=parts,
        epoch=epoch,
        values=values,
        last=end or now,
        now=now.astimezone(UTC),
        recent=recent,
        recent_start=recent_start.astimezone(UTC),
    )
    return LinkAnalysis(
        link=evidence.link,
        endpoint=series.endpoint,
        direction=series.direction,
        n=len(series),
        start=start,
        end=end,
        detection=detection,
        parts=parts,
        steps=steps,
        completeness=completeness(values, series.status),
        recent=recent,
        verdicts=judge(evidence, rules, also),
    )
