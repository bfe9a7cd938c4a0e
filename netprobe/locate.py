"""Which segment of the paths degraded: the analysis' link states and the stored traces,
fed to the boolean-tomography ranking of `netprobe.localize`.

Only the forward direction is placed on a path: trace probes run from the site, so the
reverse path of a link is not known (a traceroute from the far end would be needed).
"""

from dataclasses import dataclass, field
from datetime import datetime

from netprobe.analysis import LinkAnalysis, analyze, current_verdicts
from netprobe.config import Config
from netprobe.localize import (
    LinkEvidence,
    Localization,
    link_segments,
    localize,
    nearest_trace,
    path_changed,
    traces_around,
)
from netprobe.model import Direction, Hop
from netprobe.store import Store

DEGRADED = ("degraded", "below-plan")
"""Current verdicts that count a link as degraded; ``ok`` and ``recovered`` count it healthy."""
HEALTHY = ("ok", "recovered")


@dataclass(frozen=True)
class Located:
    """The ranking, the evidence it was given, and the links left out (no trace, no state)."""

    localization: Localization
    evidence: list[LinkEvidence]
    traces: dict[str, list[Hop]]
    left_out: dict[str, str] = field(default_factory=dict)  # link → why


def locate(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Located:
    """Analyse every configured link, place each forward link on its traced path (in the
    ``[[segments]]`` of the config, where its hops are theirs), rank.

    Raises:
        StoreError: the store cannot be read.
    """
    analyses = analyze(config, store, since=since, until=until, now=now)
    evidence, traces, left_out = [], {}, {}
    for analysis in analyses:
        if analysis.direction is not Direction.FORWARD:
            continue
        state, changed_at = _state(analysis)
        found = [
            (r.started, r.hops)
            for r in store.results(endpoint=analysis.endpoint, test="trace", until=until)
            if r.hops
        ]
        at = changed_at or analysis.end
        hops = nearest_trace(found, at) if at else None
        if not hops:
            left_out[analysis.link] = "no trace of its path is stored"
            continue
        before, after = traces_around(found, at)
        change = path_changed(before, after) if before and after else None
        path = link_segments(hops, source=config.site.name, named=config.segments)
        traces[analysis.link] = list(hops)
        evidence.append(
            LinkEvidence(
                analysis.link,
                path.names,
                state,
                joints=path.joints,
                path_change=change or False,
                changed_at=changed_at,
            )
        )
    return Located(localize(evidence), evidence, traces, left_out)


def _state(analysis: LinkAnalysis) -> tuple[bool | None, datetime | None]:
    """Degraded (with when), healthy, or unknown (only failures, say) from current verdicts."""
    current = current_verdicts([analysis])
    bad = [v for v in current if v.kind in DEGRADED]
    if bad:
        return True, min(v.since for v in bad)
    if any(v.kind in HEALTHY for v in current):
        return False, None
    return None, None
