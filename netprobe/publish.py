"""The analysis written back to the store for dashboards: change points, the plan line,
verdicts, each link's health, and the route changes the stored traces show.

What `netprobe analyze --write` and `netprobe alert --write` do after analysing. Writing
the same analysis again replaces its points (one per measurement, time and tag set).
"""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from netprobe.alerts.nagios import check_status
from netprobe.analysis import LinkAnalysis, current_verdicts
from netprobe.analysis.points import (
    changepoint_points,
    health_point,
    plan_points,
    verdict_points,
)
from netprobe.config import Config
from netprobe.localize import PathChange, route_changes
from netprobe.model import AnalysisPoint, Result
from netprobe.store import Store


def publish(
    config: Config,
    store: Store,
    analyses: Sequence[LinkAnalysis],
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, int]:
    """Write the points of ``analyses`` and the route changes of the traces stored in
    [since, until) to ``store``.

    Returns:
        How many points were written per measurement.

    Raises:
        StoreError: the store cannot be read or written (StoreUnavailable: InfluxDB is
            down; nothing is spooled, the next analysis writes the points again).
    """
    site = config.site.name
    points: list[AnalysisPoint] = []
    for analysis in analyses:
        current = current_verdicts([analysis])
        state, _ = check_status(current, config.alerts)
        worst = current[0].kind if current else "none"
        points += changepoint_points(analysis, site)
        points += plan_points(analysis, site, now)
        points += verdict_points(analysis, site)
        points.append(health_point(analysis, site, now, int(state), worst))
    links = {link.endpoint: link.name for link in config.links}
    points += path_change_points(store.results(test="trace", since=since, until=until), links)
    store.write_points(points)
    return dict(Counter(p.measurement for p in points))


def path_change_points(traces: Sequence[Result], links: dict[str, str]) -> list[AnalysisPoint]:
    """One ``path_change`` per route change between consecutive traces of one trace probe,
    at the first trace of the new route; ``links`` names the link of each endpoint."""
    paths: dict[tuple[str, str, str], list[tuple[datetime, list]]] = {}
    for r in traces:
        paths.setdefault((r.site, r.probe, r.endpoint), []).append((r.started, r.hops))
    points = []
    for (site, probe, endpoint), found in paths.items():
        tags = {"site": site, "probe": probe, "endpoint": endpoint}
        if endpoint in links:
            tags["link"] = links[endpoint]
        for at, change in route_changes(found):
            points.append(AnalysisPoint("path_change", at, tags, _change_fields(change)))
    return points


def _change_fields(change: PathChange) -> dict[str, str | int]:
    return {
        "text": change.key,
        "first_hop": change.first + 1,
        "added": " ".join(change.added),
        "removed": " ".join(change.removed),
        "route": " ".join(hop or "*" for hop in change.after),
    }
