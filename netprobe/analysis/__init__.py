"""Series from the store → change points → verdicts against each link's capacity plan.

``analyze`` reads the store for every configured link and direction; ``analyze_link`` is
the pure part (a Series and a plan in), ``health`` the pure rules on the link's probes as
scheduled (stale, completeness, loss, path-changed). docs/analysis.md states every rule.
"""

from datetime import UTC, datetime, timedelta

from netprobe.analysis import health, host_context
from netprobe.analysis.completeness import Completeness
from netprobe.analysis.expectation import Expectation, Part
from netprobe.analysis.link import GRACE, LinkAnalysis, analyze_link
from netprobe.analysis.verdicts import SEVERITY, Rules, order
from netprobe.config import Config
from netprobe.errors import ConfigError
from netprobe.model import Direction, Status, Verdict
from netprobe.probes import PROBES
from netprobe.store import Store

__all__ = [
    "GRACE",
    "SEVERITY",
    "Completeness",
    "Expectation",
    "LinkAnalysis",
    "Part",
    "Rules",
    "analyze",
    "analyze_link",
    "current_verdicts",
    "host_notes",
    "probe_verdicts",
]


def analyze(
    config: Config,
    store: Store,
    *,
    endpoint: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    grace: timedelta = GRACE,
    rules: Rules | None = None,
) -> list[LinkAnalysis]:
    """Analyse the throughput of every configured link, per direction found in the store.

    Args:
        config: gives the links and their plans.
        store: where the results are read.
        endpoint: only the link to this endpoint.
        since, until: only results started in [since, until) (aware UTC).
        now: when the analysis is made (default: ``until``, else the clock).
        grace, rules: see ``analyze_link``.

    Returns:
        One LinkAnalysis per link and direction with at least one stored throughput result
        or a verdict on its probes (``health``), in config order, forward before reverse.

    Raises:
        ConfigError: ``endpoint`` has no configured link.
        StoreError: the store cannot be read.
    """
    links = config.links
    if endpoint is not None:
        links = tuple(link for link in links if link.endpoint == endpoint)
        if not links:
            known = ", ".join(link.endpoint for link in config.links) or "none"
            raise ConfigError(
                f"endpoint {endpoint!r} has no [[links]] entry with a capacity plan; "
                f"endpoints with one: {known}"
            )
    now = now or until or datetime.now(UTC)
    rules = rules or Rules()
    out = []
    for link in links:
        found = probe_verdicts(config, store, link.endpoint, since=since, until=until, now=now)
        for direction in Direction:
            series = store.series(link.endpoint, direction, since=since, until=until)
            also = [v for v in found if v.direction is direction]
            if len(series):
                out.append(
                    analyze_link(
                        series,
                        link.plan,
                        now=now,
                        grace=grace,
                        rules=rules,
                        link=link.name,
                        also=also,
                    )
                )
            elif also:
                out.append(_probes_only(link.name, link.endpoint, direction, also))
    return out


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
    loss per probe and direction, path-changed from its two newest traces; one per kind
    and direction (``health.merge``).

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
    traces = store.results(
        endpoint=endpoint, test="trace", status=Status.OK, since=since, until=until, limit=2
    )
    found.append(health.path_change(traces, now=now))
    return health.merge([v for v in found if v is not None])


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


def _probes_only(
    link: str, endpoint: str, direction: Direction, verdicts: list[Verdict]
) -> LinkAnalysis:
    """The analysis of a direction with no throughput result: its probes' verdicts alone."""
    nothing = Completeness(0, 0, 0, 0)
    return LinkAnalysis(
        link,
        endpoint,
        direction,
        0,
        None,
        None,
        None,
        [],
        [],
        nothing,
        nothing,
        order(verdicts),
    )


def current_verdicts(analyses: list[LinkAnalysis]) -> list[Verdict]:
    """The verdicts that hold at each link's newest probe (problems that ended are left out)."""
    return [v for a in analyses for v in a.verdicts if v.numbers.get("ongoing", 1.0)]
