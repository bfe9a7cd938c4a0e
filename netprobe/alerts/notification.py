"""What an alert sends: the Notification record, its identity, and a sink's SendReport."""

from dataclasses import dataclass, field, replace
from datetime import datetime
from enum import StrEnum

from netprobe.model import Suspect


class Event(StrEnum):
    """What happened to an alert: it opened, it is still open (a re-post), it resolved."""

    OPEN = "open"
    REPEAT = "repeat"
    RESOLVE = "resolve"


@dataclass(frozen=True, order=True)
class AlertKey:
    """The identity of an alert: one per site, endpoint, direction and kind."""

    site: str
    endpoint: str
    direction: str  # "forward", "reverse", or "" for link-wide kinds such as "stale"
    kind: str

    def label(self) -> str:
        """``site/endpoint/direction/kind``, for messages and logs."""
        return "/".join(p for p in (self.site, self.endpoint, self.direction, self.kind) if p)


@dataclass(frozen=True)
class Notification:
    """One message about one alert, as every sink receives it.

    Args:
        key: the alert's identity.
        event: open, repeat (still open, re-posted) or resolve.
        severity: "warning" or "critical".
        summary: one sentence from the verdict that opened the alert.
        numbers: the verdict's numbers (bit/s, fractions, ms, seconds; keys name the unit).
        started: when the trouble began (the verdict's ``since``), aware UTC.
        at: when this notification was made, aware UTC.
        ended: when the alert resolved (resolve only).
        host_context_changed: a note when the host's context (iperf3 version, congestion
            control, MTU, a host-bound sender) changed with the trouble: the host, not the
            network, may be the cause.
        report_url: a link to the evidence, when ``[alerts] report_url`` is set.
        held: True when quiet hours delayed this notification.
        suspect: where the trouble most likely is on the path (``netprobe localize``) and
            the links that say so, when the link's path is known.
    """

    key: AlertKey
    event: Event
    severity: str
    summary: str
    numbers: dict[str, float] = field(default_factory=dict)
    started: datetime | None = None
    at: datetime | None = None
    ended: datetime | None = None
    host_context_changed: str | None = None
    report_url: str | None = None
    held: bool = False
    suspect: Suspect | None = None

    def as_dict(self) -> dict[str, object]:
        """The documented JSON form (docs/alerts.md): times as ISO 8601 UTC strings."""
        return {
            "site": self.key.site,
            "endpoint": self.key.endpoint,
            "direction": self.key.direction,
            "kind": self.key.kind,
            "event": self.event.value,
            "severity": self.severity,
            "summary": self.summary,
            "numbers": dict(self.numbers),
            "started": iso_utc(self.started),
            "at": iso_utc(self.at),
            "ended": iso_utc(self.ended),
            "host_context_changed": self.host_context_changed,
            "report_url": self.report_url,
            "held": self.held,
            "suspect": suspect_dict(self.suspect),
        }

    @classmethod
    def from_dict(cls, data: dict) -> "Notification":
        """The inverse of ``as_dict`` (the state file keeps notifications in that form)."""
        key = AlertKey(data["site"], data["endpoint"], data["direction"], data["kind"])
        return cls(
            key=key,
            event=Event(data["event"]),
            severity=data["severity"],
            summary=data["summary"],
            numbers=dict(data["numbers"]),
            started=_time(data["started"]),
            at=_time(data["at"]),
            ended=_time(data["ended"]),
            host_context_changed=data["host_context_changed"],
            report_url=data["report_url"],
            held=data["held"],
            suspect=_suspect(data.get("suspect")),  # state written before it had one
        )

    def repeated(self, at: datetime) -> "Notification":
        """This (open) notification re-posted at ``at``."""
        return replace(self, event=Event.REPEAT, at=at)


@dataclass
class SendReport:
    """What a sink did with a batch: sent, to retry later (sink down), or given up (refused)."""

    sent: list[Notification] = field(default_factory=list)
    retry: list[Notification] = field(default_factory=list)
    gave_up: list[Notification] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # one line per failure, naming the sink

    def fail(self, batch: list[Notification], error: str, *, retry: bool) -> None:
        """Record ``batch`` as failed with ``error``: to retry later, or given up."""
        (self.retry if retry else self.gave_up).extend(batch)
        self.errors.append(error)


def iso_utc(moment: datetime | None) -> str | None:
    """``2026-03-02T12:00:00Z`` for an aware UTC time; None for None."""
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def suspect_dict(s: Suspect | None) -> dict[str, object] | None:
    """The documented JSON form of a suspect (docs/alerts.md); None for None."""
    if s is None:
        return None
    return {
        "segments": list(s.segments),
        "candidates": s.candidates,
        "probability": s.probability,
        "degraded": [{"link": link, "since": iso_utc(since)} for link, since in s.degraded],
        "healthy": list(s.healthy),
        "contradicts": list(s.contradicts),
    }


def _suspect(data: dict | None) -> Suspect | None:
    if data is None:
        return None
    return Suspect(
        segments=tuple(data["segments"]),
        candidates=data["candidates"],
        probability=data["probability"],
        degraded=tuple((d["link"], _time(d["since"])) for d in data["degraded"]),
        healthy=tuple(data["healthy"]),
        contradicts=tuple(data["contradicts"]),
    )


class Undelivered(Exception):
    """A sink could not deliver a batch: ``retry`` says whether a later attempt may work."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry
