"""Alert state: a pure state machine from one evaluation's verdicts to notifications.

Each alert (one per site, endpoint, direction, kind) remembers whether it was bad in each
of its last N evaluations. It opens when M of the last N were bad ("3 of 5": one bad
evaluation never pages anyone) and resolves when its last M evaluations were all good,
so that it neither flaps open nor flaps shut. An opening is sent once; a resolution is
sent once; during quiet hours both are held in the state and sent when the hours end.
No clock, no I/O: ``now`` comes in, the new state and the notifications go out.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from netprobe.alerts.notification import AlertKey, Event, Notification
from netprobe.alerts.rules import ALERT_KINDS, AlertSettings, Rules
from netprobe.model import Suspect, Verdict


@dataclass(frozen=True)
class AlertRecord:
    """One alert's memory: bad (True) or good per evaluation, oldest first, and if open, how.

    ``current`` is the alert as last seen bad (an OPEN notification), kept while it is open
    so that re-posts and the resolution carry its facts.
    """

    key: AlertKey
    history: tuple[bool, ...] = ()
    current: Notification | None = None

    @property
    def open(self) -> bool:
        """True while the alert is open (opened and not yet resolved)."""
        return self.current is not None


@dataclass(frozen=True)
class AlertState:
    """Every alert with a memory, and the notifications held back by quiet hours."""

    records: dict[AlertKey, AlertRecord] = field(default_factory=dict)
    held: tuple[Notification, ...] = ()

    def open_alerts(self) -> list[Notification]:
        """The open alerts as they were last seen bad, in key order."""
        return [r.current for _, r in sorted(self.records.items()) if r.current is not None]


def is_bad(verdict: Verdict, rules: Rules) -> bool:
    """True when ``verdict`` is trouble under ``rules`` (kind, size, duration, thresholds)."""
    numbers = verdict.numbers
    if verdict.kind not in ALERT_KINDS or verdict.kind not in rules.kinds:
        return False
    drop = numbers.get("drop", -numbers["change"] if "change" in numbers else None)
    if drop is not None and drop < rules.min_drop:
        return False
    if (verdict.until - verdict.since).total_seconds() < rules.min_duration:
        return False
    if verdict.kind == "loss" and numbers.get("loss_ratio", 1.0) <= rules.loss_above:
        return False
    return not (
        verdict.kind == "completeness"
        and numbers.get("completeness", 0.0) >= rules.completeness_below
    )


def transition(
    previous: AlertState,
    verdicts: Sequence[Verdict],
    now: datetime,
    settings: AlertSettings,
    *,
    site: str,
    evaluated: Iterable[str] | None = None,
    host_notes: Mapping[tuple[str, str, str], str] | None = None,
    suspects: Mapping[tuple[str, str], Suspect] | None = None,
) -> tuple[AlertState, list[Notification]]:
    """One evaluation: the state after ``verdicts``, and the notifications to send now.

    Args:
        previous: the state after the last evaluation (``AlertState()`` the first time).
        verdicts: this evaluation's verdicts, of every kind ("ok" ones included or not).
        now: the evaluation time, aware UTC; notifications carry it.
        settings: the ``[alerts]`` rules, per-link overrides, quiet hours, severities.
        site: the site name, part of every alert's identity.
        evaluated: endpoints this evaluation looked at; an alert of another endpoint keeps
            its memory untouched. None: every endpoint named by a verdict or the state.
        host_notes: (endpoint, direction, kind) → what changed in the host context at the
            change point where that trouble began (``analysis.host_notes``).
        suspects: (endpoint, direction) → where on the path the trouble most likely is.

    Returns:
        The new state, and the notifications to send (none during quiet hours).
    """
    bad = _bad_verdicts(verdicts, settings, site)
    looked_at = (
        set(evaluated)
        if evaluated is not None
        else {v.endpoint for v in verdicts} | {k.endpoint for k in previous.records}
    )
    records = {k: r for k, r in previous.records.items() if k.endpoint not in looked_at}
    fresh: list[Notification] = []
    for key in sorted({k for k in previous.records if k.endpoint in looked_at} | set(bad)):
        record = previous.records.get(key, AlertRecord(key))
        verdict = bad.get(key)
        hold = settings.rules_for(key.endpoint).hold_down
        history = (*record.history, verdict is not None)[-hold.n :]
        current = record.current
        if verdict is not None and (current is not None or sum(history) >= hold.m):
            seen = _notification(key, verdict, now, settings, host_notes or {})
            seen = replace(seen, suspect=(suspects or {}).get((key.endpoint, key.direction)))
            if current is None:
                fresh.append(seen)
            current = replace(seen, started=current.started) if current else seen
        elif current is not None and not any(history[-hold.m :]):
            fresh.append(replace(current, event=Event.RESOLVE, at=now, ended=now))
            current = None
        if current is not None or any(history):
            records[key] = AlertRecord(key, history, current)
    quiet = settings.quiet_hours is not None and settings.quiet_hours.contains(now)
    if quiet:
        held = (*previous.held, *(replace(n, held=True) for n in fresh))
        return AlertState(records, held), []
    return AlertState(records, ()), [*previous.held, *fresh]


def _bad_verdicts(
    verdicts: Sequence[Verdict], settings: AlertSettings, site: str
) -> dict[AlertKey, Verdict]:
    """The bad verdicts by alert identity; of two for one alert, the later one counts."""
    bad: dict[AlertKey, Verdict] = {}
    for verdict in sorted(verdicts, key=lambda v: v.until):
        if is_bad(verdict, settings.rules_for(verdict.endpoint)):
            key = AlertKey(site, verdict.endpoint, verdict.direction.value, verdict.kind)
            bad[key] = verdict
    return bad


def _notification(
    key: AlertKey,
    verdict: Verdict,
    now: datetime,
    settings: AlertSettings,
    host_notes: Mapping[tuple[str, str, str], str],
) -> Notification:
    url = settings.report_url
    return Notification(
        key=key,
        event=Event.OPEN,
        severity=settings.severity_of(key.kind),
        summary=verdict.summary,
        numbers=dict(verdict.numbers),
        started=verdict.since,
        at=now,
        host_context_changed=host_notes.get((key.endpoint, key.direction, key.kind)),
        report_url=url.format(**vars(key)) if url else None,
    )
