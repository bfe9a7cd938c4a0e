"""The rules that turn verdicts into alerts, and the settings of each sink: plain records.

Written in the ``[alerts]`` table of a schedule file (``netprobe.config_alerts`` reads it);
the state machine (``state.transition``) and the sinks only read these records.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime, time
from pathlib import Path

ALERT_KINDS = (
    "degraded",
    "below-plan",
    "upgrade-not-delivered",
    "unstable",
    "failing",
    "path-changed",
    "stale",
    "completeness",
    "loss",
)
"""Verdict kinds that can open an alert; any other kind ("ok", "recovered") is good news."""

SEVERITIES = ("warning", "critical")
DEFAULT_SEVERITY = {"degraded": "critical", "stale": "critical", "failing": "critical"}
"""Severity of each kind unless ``[alerts.severity]`` says otherwise; the rest are warnings."""


@dataclass(frozen=True)
class HoldDown:
    """ "M of the last N": an alert opens when M of the last N evaluations were bad."""

    m: int = 1
    n: int = 1

    @classmethod
    def parse(cls, text: str) -> "HoldDown":
        """``"3 of 5"`` → HoldDown(3, 5).

        Raises:
            ValueError: not ``M of N`` with 1 <= M <= N <= 100.
        """
        found = re.fullmatch(r"\s*(\d+)\s+of\s+(\d+)\s*", text) if isinstance(text, str) else None
        if not found or not 1 <= int(found[1]) <= int(found[2]) <= 100:
            raise ValueError("expected 'M of N' with 1 <= M <= N <= 100, such as '3 of 5'")
        return cls(int(found[1]), int(found[2]))


@dataclass(frozen=True)
class QuietHours:
    """A daily UTC window (may wrap past midnight) in which notifications are held, not lost."""

    start: time
    end: time

    @classmethod
    def parse(cls, text: str) -> "QuietHours":
        """``"22:00-07:00"`` → QuietHours(22:00, 07:00), times in UTC.

        Raises:
            ValueError: not ``HH:MM-HH:MM`` or an empty window.
        """
        found = (
            re.fullmatch(r"\s*(\d\d):(\d\d)\s*-\s*(\d\d):(\d\d)\s*", text)
            if isinstance(text, str)
            else None
        )
        try:
            start = time(int(found[1]), int(found[2]))
            end = time(int(found[3]), int(found[4]))
        except (TypeError, ValueError):
            raise ValueError("expected 'HH:MM-HH:MM' in UTC such as '22:00-07:00'") from None
        if start == end:
            raise ValueError("expected a window of some length, start and end differ")
        return cls(start, end)

    def contains(self, now: datetime) -> bool:
        """True when ``now`` (aware UTC) falls inside the window."""
        at = now.time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= at < self.end
        return at >= self.start or at < self.end


@dataclass(frozen=True)
class Rules:
    """When a verdict counts as bad for one link.

    ``min_drop`` is a fraction (0.2 = a drop of at least 20 %), checked against a verdict's
    ``numbers["drop"]`` (or ``-numbers["change"]``) when it has one; ``min_duration`` is in
    seconds, checked against ``until - since``; ``loss_above`` and ``completeness_below``
    are fractions checked against ``numbers["loss_ratio"]`` and ``numbers["completeness"]``.
    """

    kinds: frozenset[str] = frozenset(ALERT_KINDS)
    min_drop: float = 0.0
    min_duration: float = 0.0
    hold_down: HoldDown = HoldDown()
    loss_above: float = 0.0
    completeness_below: float = 1.0


@dataclass(frozen=True)
class SinkSettings:
    """One ``[[alerts.sinks]]`` entry: its kind, a name for the state, and its keys.

    ``options`` holds the kind's own keys, already converted (seconds, lists, paths).
    """

    kind: str
    name: str
    options: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class AlertSettings:
    """The whole ``[alerts]`` table: rules (with per-link overrides), quiet hours, sinks."""

    rules: Rules = Rules()
    links: dict[str, Rules] = field(default_factory=dict)  # endpoint name → its rules
    quiet_hours: QuietHours | None = None
    severity: dict[str, str] = field(default_factory=dict)
    report_url: str | None = None  # a template with {site}, {endpoint}, {direction}, {kind}
    sinks: tuple[SinkSettings, ...] = ()
    state_file: Path | None = None  # None: STATE_DIR/alerts.sqlite

    def rules_for(self, endpoint: str) -> Rules:
        """The rules of ``endpoint``: its override if there is one, else the defaults."""
        return self.links.get(endpoint, self.rules)

    def severity_of(self, kind: str) -> str:
        """ "warning" or "critical" for an alert of ``kind``."""
        return self.severity.get(kind) or DEFAULT_SEVERITY.get(kind, "warning")
