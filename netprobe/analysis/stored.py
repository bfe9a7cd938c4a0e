"""What the analysis reads from the store beside each link's throughput series: every
probe's rows and its endpoint's recent traces (for ``health``), and the results around
the change points where current problems began (for ``host_context``)."""

from datetime import datetime

from netprobe.analysis import health, host_context
from netprobe.analysis.link import LinkAnalysis
from netprobe.analysis.verdicts import Rules
from netprobe.config import Config
from netprobe.model import Result, Status, Verdict
from netprobe.probes import PROBES
from netprobe.store import Store


def probe_verdicts(
    config: Config,
    store: Store,
    endpoint: str,
    *,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    rules: Rules | None = None,
) -> list[Verdict]:
    """The ``health`` verdicts on the probes aimed at ``endpoint``: stale, completeness and
    loss per probe and direction, path-changed from its traces of the last
    ``rules.path_hold``; one per kind and direction (``health.merge``).

    Raises:
        StoreError: the store cannot be read.
    """
    rules = rules or Rules()
    recent = now - rules.recent
    found: list[Verdict] = []
    for probe in config.probes_to(endpoint):
        spec = config.spec(probe)
        tool = PROBES.get(probe.tool)
        run = float(tool.duration(spec)) if tool else 0.0
        lossy = probe.test == "rtt" or getattr(probe.options, "udp", False)
        for direction in spec.directions:
            rows = store.series(
                endpoint,
                direction,
                "loss_ratio",
                since=since,
                until=until,
                test=probe.test,
                probe=probe.name,
            )
            last = health.newest_ran(rows) or _last_slot(store, probe.name, now)
            found.append(
                health.stale(probe, direction, last=last, run_seconds=run, now=now, rules=rules)
            )
            if len(rows):
                start = max(recent, rows.time(0), *([since] if since else []))
                found.append(
                    health.completeness(
                        probe, rows, start=start, run_seconds=run, now=now, rules=rules
                    )
                )
            if lossy:
                found.append(health.loss(probe, rows, now=now, rules=rules))
    found.append(
        health.path_change(_traces(store, endpoint, since, until, now, rules), now=now, rules=rules)
    )
    return health.merge([v for v in found if v is not None])


def _traces(
    store: Store,
    endpoint: str,
    since: datetime | None,
    until: datetime | None,
    now: datetime,
    rules: Rules,
) -> list[Result]:
    """The OK traces of ``endpoint`` in the path hold before ``now``, and the one before."""
    start = max(now - rules.path_hold, since) if since else now - rules.path_hold
    bound = min(start, until) if until else start
    ok = {"endpoint": endpoint, "test": "trace", "status": Status.OK}
    earlier = store.results(**ok, since=since, until=bound, limit=1)
    return earlier + store.results(**ok, since=start, until=until)


def host_notes(store: Store, analyses: list[LinkAnalysis]) -> dict[tuple[str, str, str], str]:
    """Host context changes that coincide with the change points where current problems
    began (``host_context``), by (endpoint, direction, kind) of the problem's verdict.

    Raises:
        StoreError: the store cannot be read.
    """
    notes = {}
    for a in analyses:
        problems = host_context.coinciding(a)
        if not problems or a.start is None or a.end is None:
            continue
        # wide enough for AROUND results each side at the link's mean spacing, thrice over
        span = (a.end - a.start) / max(a.n - 1, 1) * host_context.AROUND * 3
        for v in problems:
            around = store.results(
                endpoint=a.endpoint, test="throughput", since=v.since - span, until=v.since + span
            )
            event = "the drop" if v.kind == "degraded" else "the change"
            note = host_context.context_change(
                v.since, [r for r in around if r.direction is a.direction], event=event
            )
            if note:
                notes[(a.endpoint, a.direction.value, v.kind)] = note
    return notes


def _last_slot(store: Store, probe: str, now: datetime) -> datetime | None:
    """The newest slot recorded for ``probe`` (run or missed), unless it is after ``now``."""
    slot = store.last_slot(probe)
    return slot if slot is not None and slot <= now else None
