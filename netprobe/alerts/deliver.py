"""One ``netprobe alert`` evaluation: state in, verdicts through the rules, sinks out.

Under the alert lock (two runs never interleave): load the state, run the state machine,
save the new state and queue its notifications for every sink in ONE transaction, then
deliver each sink's queue and remove what it took (or refused for good). A sink that is
down keeps its queue for the next run: nothing is lost; a crash between sending and
removing sends that batch again next time (Alertmanager takes repeats as one alert).
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from netprobe.alerts import alertmanager, mail, webhook
from netprobe.alerts.notification import Event, Notification, SendReport
from netprobe.alerts.rules import AlertSettings, SinkSettings
from netprobe.alerts.state import transition
from netprobe.alerts.statefile import AlertStateFile
from netprobe.locks import FileLock
from netprobe.model import Suspect, Verdict

SINKS = {module.NAME: module for module in (alertmanager, webhook, mail)}
"""Every sink module by its ``kind``; each has ``NAME``, ``RESEND`` (seconds between re-posts
of open alerts, None for none) and ``send(notifications, settings) -> SendReport``."""

STATE_FILE = "alerts.sqlite"
LOCK_FILE = "alerts.lock"


@dataclass
class AlertRun:
    """What one evaluation did: the notifications it made, what each sink did, what is open."""

    notifications: list[Notification] = field(default_factory=list)
    reports: dict[str, SendReport] = field(default_factory=dict)  # sink name → its report
    open_alerts: list[Notification] = field(default_factory=list)
    held: int = 0  # notifications kept back by quiet hours

    @property
    def errors(self) -> list[str]:
        """Every delivery failure, one line each, naming the sink."""
        return [line for report in self.reports.values() for line in report.errors]


def deliver(
    verdicts: Sequence[Verdict],
    *,
    site: str,
    state_dir: Path,
    settings: AlertSettings,
    now: datetime,
    evaluated: Iterable[str] | None = None,
    host_notes: Mapping[tuple[str, str, str], str] | None = None,
    suspects: Mapping[tuple[str, str], Suspect] | None = None,
    lock_wait: float = 30.0,
) -> AlertRun:
    """Turn one evaluation's verdicts into notifications and deliver them to every sink.

    Args:
        verdicts: the analysis' verdicts for this evaluation.
        site: the site name (``config.site.name``).
        state_dir: where the state file and the lock live (``config.site.state_dir``).
        settings: the ``[alerts]`` table (``config.alerts``).
        now: the evaluation time, aware UTC.
        evaluated: endpoints the analysis looked at (see ``state.transition``).
        host_notes: (endpoint, direction, kind) → the host context change coinciding with
            the change point where that trouble began (``analysis.host_notes``).
        suspects: (endpoint, direction) → the suspect segment (``locate.suspects``).
        lock_wait: seconds to wait for a concurrent ``netprobe alert`` to finish.

    Raises:
        ValueError: ``now`` is a naive datetime.
        LockBusy: another evaluation held the lock for longer than ``lock_wait``.
        StoreError: the state file cannot be read or written.
    """
    if now.tzinfo is None:
        raise ValueError(f"expected an aware UTC time, got the naive {now.isoformat()}")
    with FileLock(
        Path(state_dir) / LOCK_FILE, "the alert lock (another `netprobe alert` is going)", lock_wait
    ):
        db = AlertStateFile(settings.state_file or Path(state_dir) / STATE_FILE)
        try:
            state, fresh = transition(
                db.load(),
                verdicts,
                now,
                settings,
                site=site,
                evaluated=evaluated,
                host_notes=host_notes,
                suspects=suspects,
            )
            db.save(state, [(sink.name, n) for sink in settings.sinks for n in fresh])
            run = AlertRun(fresh, {}, state.open_alerts(), len(state.held))
            for sink in settings.sinks:
                run.reports[sink.name] = _deliver_to(db, sink, state.open_alerts(), now)
        finally:
            db.close()
    return run


def _deliver_to(
    db: AlertStateFile, sink: SinkSettings, open_alerts: list[Notification], now: datetime
) -> SendReport:
    """Send the sink's queue, plus re-posts of its open alerts when it wants them."""
    queued = db.outbox(sink.name)
    resend = sink.options.get("resend", SINKS[sink.kind].RESEND)
    # A sink that re-posts judges an open alert's freshness by ``at``: one queued while the
    # sink was down is posted as of now, or it would arrive already lapsed.
    queued = [(seq, _restamp(n, now) if resend else n) for seq, n in queued]
    batch = [n for _, n in queued]
    if resend:
        posted = db.posted(sink.name)
        waiting = {n.key for n in batch}
        batch += [
            n.repeated(now)
            for n in open_alerts
            if n.key in posted
            and n.key not in waiting
            and (now - posted[n.key]).total_seconds() >= float(resend)
        ]
    if not batch:
        return SendReport()
    report = SINKS[sink.kind].send(batch, sink)
    taken = {id(n) for n in report.sent + report.gave_up}
    sent = [n for n in report.sent if n.event is not Event.RESOLVE]
    db.done(
        sink.name,
        [seq for seq, n in queued if id(n) in taken],
        [n.key for n in sent],
        [n.key for n in report.sent if n.event is Event.RESOLVE],
        now,
    )
    return report


def _restamp(n: Notification, now: datetime) -> Notification:
    return n if n.event is Event.RESOLVE else replace(n, at=now)
