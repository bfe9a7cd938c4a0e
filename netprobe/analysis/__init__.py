"""Series from the store → change points → verdicts against each link's capacity plan.

``analyze`` reads the store for every configured link and direction; ``analyze_link`` is
the pure part (a Series and a plan in), ``health`` the pure rules on the link's probes as
scheduled (stale, completeness, loss, path-changed), which ``stored`` reads the store for,
as it does for ``host_notes``. docs/analysis.md states every rule.
"""

from datetime import UTC, datetime, timedelta

from netprobe.analysis.completeness import Completeness
from netprobe.analysis.expectation import Expectation, Part
from netprobe.analysis.link import GRACE, LinkAnalysis, analyze_link
from netprobe.analysis.stored import host_notes, probe_verdicts
from netprobe.analysis.verdicts import SEVERITY, Rules, order
from netprobe.config import Config
from netprobe.errors import ConfigError
from netprobe.model import Direction, Verdict
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
        found = probe_verdicts(
            config, store, link.endpoint, since=since, until=until, now=now, rules=rules
        )
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
