"""The verdict rules: a link's change points and parts, judged against its plan.

Every rule returns `Verdict`s whose ``numbers`` hold the evidence (bit/s, shares 0..1,
p-values, row indices) and ``ongoing`` (1.0 when the condition holds at the newest probe,
0.0 when it ended). docs/analysis.md states each rule; ``order`` puts the most severe first.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

from netprobe.analysis.completeness import Completeness
from netprobe.analysis.expectation import Expectation, Part, expectation_at
from netprobe.detect.changes import BAD_RUN, Segment
from netprobe.detect.find import Detection
from netprobe.model import Direction, Verdict
from netprobe.plan import CapacityPlan
from netprobe.units import format_rate, format_time

SEVERITY = (
    "degraded",
    "stale",
    "failing",
    "loss",
    "upgrade-not-delivered",
    "below-plan",
    "completeness",
    "unstable",
    "path-changed",
)
"""Problem kinds, most severe first; ``recovered`` and ``ok`` are not problems."""


@dataclass(frozen=True)
class Rules:
    """The thresholds of the verdicts (shares 0..1).

    Attributes:
        min_drop: smallest drop (0.10 = 10 %) that is a degradation.
        recover_share: a later regime at this share of the pre-drop median is a recovery.
        follow_share: after an upgrade's grace, the median must have risen this share of the
            way from the old expected rate to the new one.
        unstable_bad_share: a regime with this share of bad runs is unstable.
        failing_share: this share of failed probes in the recent window is failing ...
        min_failures: ... with at least this many failures.
        recent: the window back from ``now`` judged for failures.
        min_samples: fewest measured values a regime or part needs to be judged (and
            fewest scheduled slots a completeness verdict needs).
        stale_slots: a probe is stale when this many of its slots have passed since its
            newest result (each with its jitter, run time and a minute of slack) ...
        completeness_below: ... incomplete when under this share of its scheduled slots in
            the recent window produced a result ...
        loss_above: ... lossy when its mean loss ratio over ``loss_window`` is above this.
        path_hold: a route change is ``path-changed`` for this long after the trace that
            showed it, so that an alert run every few minutes sees it whatever the trace
            interval.
    """

    min_drop: float = 0.10
    recover_share: float = 0.95
    follow_share: float = 0.5
    unstable_bad_share: float = 0.15
    failing_share: float = 0.2
    min_failures: int = 3
    recent: timedelta = timedelta(days=7)
    min_samples: int = 10
    stale_slots: int = 2
    completeness_below: float = 0.9
    loss_above: float = 0.01
    loss_window: timedelta = timedelta(hours=1)
    path_hold: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class Evidence:
    """What the rules read about one link and direction (times aware UTC, rates bit/s).

    ``raw`` summarises the measured values between change points (no time-of-day
    correction); ``epoch``/``values`` are the whole series; ``recent`` counts the slots of
    [``recent_start``, ``now``).
    """

    link: str
    endpoint: str
    direction: Direction
    plan: CapacityPlan
    steps: list[Expectation]
    detection: Detection | None
    raw: list[Segment]
    parts: list[Part]
    epoch: np.ndarray
    values: np.ndarray
    last: datetime
    now: datetime
    recent: Completeness
    recent_start: datetime

    def subject(self) -> str:
        """How a summary names the link: ``lyon-ncsa (forward)``."""
        return f"{self.link} ({self.direction.value})"

    def time(self, row: int) -> datetime:
        """The aware UTC time of ``row``."""
        return datetime.fromtimestamp(float(self.epoch[row]), UTC)

    def verdict(
        self, kind: str, since: datetime, until: datetime, summary: str, numbers: dict
    ) -> Verdict:
        """A Verdict on this endpoint and direction; ``numbers["throughput_bps"]`` is the
        link's current rate (the median of its newest part), which every verdict carries so
        that alerts and `netprobe check` can graph one figure whatever the kind."""
        latest = self.parts[-1].stats.median if self.parts and self.parts[-1].stats.n else None
        if latest is not None and "throughput_bps" not in numbers:
            numbers = {**numbers, "throughput_bps": latest}
        return Verdict(self.endpoint, self.direction, kind, since, until, summary, numbers)


def judge(ev: Evidence, rules: Rules, also: Sequence[Verdict] = ()) -> list[Verdict]:
    """Every verdict on ``ev``, most severe first (see ``order``); ``ok`` when no throughput
    problem holds now. ``also``: verdicts on the same link and direction made from its
    probes' schedule, loss and traces (``health``), ordered in with the rest."""
    found = _degraded_and_recovered(ev, rules)
    undelivered = _upgrades_not_delivered(ev, rules)
    folded = {v.since for v in undelivered}
    found += undelivered + _below_plan(ev, rules, folded) + _unstable(ev, rules)
    found += _failing(ev, rules)
    if not any(v.kind in SEVERITY and v.numbers["ongoing"] for v in found):
        found += _ok(ev)
    return order([*found, *also])


def order(verdicts: list[Verdict]) -> list[Verdict]:
    """Ongoing problems (by ``SEVERITY``), then recoveries, ``ok``, past problems; newest first."""

    def key(v: Verdict) -> tuple[int, int, float]:
        if v.kind in SEVERITY:
            group, rank = (0 if v.numbers["ongoing"] else 3), SEVERITY.index(v.kind)
        else:
            group, rank = (1 if v.kind == "recovered" else 2), 0
        return group, rank, -v.since.timestamp()

    return sorted(verdicts, key=key)


def _days(span: timedelta) -> str:
    return f"{span / timedelta(days=1):g} days"


def _recovery(ev: Evidence, i: int, rules: Rules) -> int | None:
    """The first regime after change ``i``'s drop that is back near the old level or the plan."""
    target = rules.recover_share * ev.raw[i].median
    for j in range(i + 2, len(ev.raw)):
        seg = ev.raw[j]
        step = expectation_at(ev.steps, seg.start_time)
        level = min(target, step.expected_bps) if step else target
        if seg.n >= rules.min_samples and seg.median >= level:
            return j
    return None


def _degraded_and_recovered(ev: Evidence, rules: Rules) -> list[Verdict]:
    out = []
    changes = ev.detection.change_points if ev.detection else []
    for i, c in enumerate(changes):
        if c.kind != "drop" or not (c.change <= -rules.min_drop and c.ci[1] < 0):
            continue
        at = ev.time(c.index)  # c.time is None when probes share a time
        step = expectation_at(ev.steps, at)
        j = _recovery(ev, i, rules)
        back = ev.raw[j] if j is not None else None
        summary = (
            f"Throughput on {ev.subject()} dropped {-c.change:.0%} on {format_time(at)}, "
            f"from {format_rate(c.before)} to {format_rate(c.after)} (95% interval "
            f"{-c.ci[1]:.0%} to {-c.ci[0]:.0%}, Mann-Whitney p = {c.p_value:.1g})"
        )
        summary += f", and recovered on {format_time(back.start_time)}." if back else "."
        out.append(
            ev.verdict(
                "degraded",
                at,
                back.start_time if back else ev.last,
                summary,
                {
                    "index": c.index,
                    "before_bps": c.before,
                    "after_bps": c.after,
                    "change": c.change,
                    "ci_low": c.ci[0],
                    "ci_high": c.ci[1],
                    "p_value": c.p_value,
                    "expected_bps": step.expected_bps if step else math.nan,
                    "ongoing": 0.0 if back else 1.0,
                },
            )
        )
        if back is None:
            continue
        pre = ev.raw[i]
        out.append(
            ev.verdict(
                "recovered",
                back.start_time,
                back.end_time,
                f"Throughput on {ev.subject()} recovered on {format_time(back.start_time)} to a "
                f"median of {format_rate(back.median)}, {back.median / pre.median:.0%} of the "
                f"{format_rate(pre.median)} before the drop on {format_time(at)}.",
                {
                    "index": back.start,
                    "drop_index": c.index,
                    "median_bps": back.median,
                    "before_drop_bps": pre.median,
                    "share_of_before": back.median / pre.median,
                    "expected_bps": _expected_at(ev, back.start_time),
                    "ongoing": 0.0,
                },
            )
        )
    return out


def _expected_at(ev: Evidence, t: datetime) -> float:
    step = expectation_at(ev.steps, t)
    return step.expected_bps if step else math.nan


def _upgrades_not_delivered(ev: Evidence, rules: Rules) -> list[Verdict]:
    """After each rise of the expected rate and its grace, did the median follow?"""
    out = []
    for k in range(1, len(ev.steps)):
        new, old = ev.steps[k], ev.steps[k - 1]
        if new.grace or not new.expected_bps > old.expected_bps or ev.now < new.start:
            continue
        end = ev.steps[k + 1].start if k + 1 < len(ev.steps) else None
        rows = ev.epoch >= new.start.timestamp()
        if end is not None:
            rows &= ev.epoch < end.timestamp()
        measured = ev.values[rows & ~np.isnan(ev.values)]
        if len(measured) < rules.min_samples:
            continue
        median = float(np.median(measured))
        halfway = old.expected_bps + rules.follow_share * (new.expected_bps - old.expected_bps)
        if median >= halfway:
            continue
        old_capacity = ev.plan.capacity_at(new.step_start - timedelta(microseconds=1))
        ongoing = end is None or ev.last < end
        last_row = int(np.flatnonzero(rows)[-1])
        out.append(
            ev.verdict(
                "upgrade-not-delivered",
                new.step_start,
                ev.last if ongoing else ev.time(last_row),
                f"The plan raised {ev.subject()} from {format_rate(old_capacity)} to "
                f"{format_rate(new.capacity_bps)} on {format_time(new.step_start)}, but after "
                f"{_days(new.start - new.step_start)} of grace the median of {len(measured)} "
                f"probes is {format_rate(median)}, under the {format_rate(halfway)} halfway "
                f"from the old expected {format_rate(old.expected_bps)} to the new "
                f"{format_rate(new.expected_bps)}.",
                {
                    "median_bps": median,
                    "n": len(measured),
                    "expected_before_bps": old.expected_bps,
                    "expected_bps": new.expected_bps,
                    "threshold_bps": halfway,
                    "capacity_before_bps": old_capacity or math.nan,
                    "capacity_bps": new.capacity_bps,
                    "grace_days": (new.start - new.step_start) / timedelta(days=1),
                    "ongoing": 1.0 if ongoing else 0.0,
                },
            )
        )
    return out


def _below_plan(ev: Evidence, rules: Rules, folded: set[datetime]) -> list[Verdict]:
    """Parts whose median is under their expected rate (upgrade-not-delivered parts folded)."""
    out = []
    for i, part in enumerate(ev.parts):
        exp, s = part.expectation, part.stats
        if exp is None or s.n < rules.min_samples or not s.median < exp.expected_bps:
            continue
        if exp.step_start in folded and not exp.grace:
            continue  # the upgrade-not-delivered verdict says it
        ongoing = i == len(ev.parts) - 1
        grace = (
            " (the previous step's rate, during the grace after an upgrade)" if exp.grace else ""
        )
        period = (
            f"Since {format_time(s.start_time)}"
            if ongoing
            else f"From {format_time(s.start_time)} to {format_time(s.end_time)}"
        )
        out.append(
            ev.verdict(
                "below-plan",
                s.start_time,
                s.end_time,
                f"{period} the median throughput on {ev.subject()} "
                f"{'has been' if ongoing else 'was'} "
                f"{format_rate(s.median)} over {s.n} probes, "
                f"{s.median / exp.expected_bps:.0%} of the {format_rate(exp.expected_bps)} "
                f"expected{grace} of the planned {format_rate(exp.capacity_bps)}.",
                {
                    "index": s.start,
                    "median_bps": s.median,
                    "p10_bps": s.p10,
                    "p90_bps": s.p90,
                    "n": s.n,
                    "expected_bps": exp.expected_bps,
                    "capacity_bps": exp.capacity_bps,
                    "share_of_expected": s.median / exp.expected_bps,
                    "grace": 1.0 if exp.grace else 0.0,
                    "ongoing": 1.0 if ongoing else 0.0,
                },
            )
        )
    return out


def _unstable(ev: Evidence, rules: Rules) -> list[Verdict]:
    """Regimes opened by an instability change, or with a high share of bad runs."""
    out = []
    changes = ev.detection.change_points if ev.detection else []
    for j, s in enumerate(ev.raw):
        opened = changes[j - 1] if j and changes[j - 1].kind == "instability" else None
        bad = s.n >= rules.min_samples and s.bad_share >= rules.unstable_bad_share
        if opened is None and not bad:
            continue
        ongoing = j == len(ev.raw) - 1
        numbers = {
            "index": s.start,
            "bad_share": s.bad_share,
            "median_bps": s.median,
            "p10_bps": s.p10,
            "p90_bps": s.p90,
            "n": s.n,
            "ongoing": 1.0 if ongoing else 0.0,
        }
        cause = ""
        if opened is not None:
            numbers["p_value"] = opened.p_value
            changed = format_time(ev.time(opened.index))
            cause = f"; its spread changed on {changed} (p = {opened.p_value:.1g})"
        period = (
            f"since {format_time(s.start_time)}"
            if ongoing
            else f"from {format_time(s.start_time)} to {format_time(s.end_time)}"
        )
        out.append(
            ev.verdict(
                "unstable",
                s.start_time,
                s.end_time,
                f"Throughput on {ev.subject()} was unstable {period}: {s.bad_share:.0%} of "
                f"{s.n} probes under {BAD_RUN:.0%} of the median {format_rate(s.median)}, "
                f"10th percentile {format_rate(s.p10)}{cause}.",
                numbers,
            )
        )
    return out


def _failing(ev: Evidence, rules: Rules) -> list[Verdict]:
    """Too many failed probes, or no measured value at all, in the recent window."""
    r = ev.recent
    window = f"in the {_days(rules.recent)} to {format_time(ev.now)}"
    numbers = {
        "slots": r.slots,
        "measured": r.measured,
        "failed": r.failed,
        "missed": r.missed,
        "failure_share": r.failure_share,
        "window_days": rules.recent / timedelta(days=1),
        "ongoing": 1.0,
    }
    numbers.update({f"status_{k}": v for k, v in r.by_status.items()})
    causes = ", ".join(f"{k} {v}" for k, v in r.by_status.items() if k not in ("ok", "missed"))
    missed = f"; {r.missed} more slots were missed (never ran)" if r.missed else ""
    if r.slots == 0:
        summary = (
            f"No probe of {ev.subject()} is stored {window}; the last was at "
            f"{format_time(ev.last)}."
        )
    elif r.measured == 0:
        summary = (
            f"None of the {r.slots} probe slots of {ev.subject()} {window} measured a rate "
            f"({causes or 'all missed'})."
        )
    elif r.failed >= rules.min_failures and r.failure_share >= rules.failing_share:
        summary = (
            f"{r.failed} of the {r.slots - r.missed} probes of {ev.subject()} {window} failed "
            f"({r.failure_share:.0%}: {causes}){missed}."
        )
    else:
        return []
    return [ev.verdict("failing", ev.recent_start, ev.now, summary, numbers)]


def _ok(ev: Evidence) -> list[Verdict]:
    if not ev.parts or ev.parts[-1].stats.n == 0:
        return []
    s = ev.parts[-1].stats
    expected = ev.parts[-1].expected_bps or math.nan
    numbers = {"index": s.start, "median_bps": s.median, "n": s.n, "expected_bps": expected}
    summary = (
        f"Throughput on {ev.subject()} is as expected: a median of {format_rate(s.median)} "
        f"over {s.n} probes since {format_time(s.start_time)}"
    )
    if math.isnan(expected):
        summary += ", with no plan in force to compare."
    else:
        numbers["share_of_expected"] = s.median / expected
        summary += f", {s.median / expected:.0%} of the {format_rate(expected)} expected."
    numbers["ongoing"] = 1.0
    return [ev.verdict("ok", s.start_time, ev.last, summary, numbers)]
