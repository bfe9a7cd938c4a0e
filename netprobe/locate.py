"""Which segment of the paths degraded: the analysis' link states and the stored traces,
fed to the boolean-tomography ranking of `netprobe.localize`.

The forward direction of a link is placed on the path its trace probes saw from the site;
the reverse direction on the path of the traces that ran from the far end back to the
site (imported from its perfSONAR archive, `localize.reverse`), when there are any.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

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
from netprobe.localize.evidence import Where, suspect_of, where
from netprobe.localize.reverse import reverse_traces
from netprobe.model import Direction, Hop, Result, Suspect
from netprobe.store import Store

TRACE_MARGIN = timedelta(days=1)
"""Traces are read from this long before the window: the nearest one to an early change
may have been taken just before it."""

DEGRADED = ("degraded", "below-plan")
"""Current verdicts that count a link as degraded; ``ok`` and ``recovered`` count it healthy."""
HEALTHY = ("ok", "recovered")


@dataclass(frozen=True)
class Located:
    """The ranking, the evidence it was given, and the links left out (no trace, no state).

    Evidence is named by link, ``"<link> (reverse)"`` for a reverse direction; ``keys``
    maps each of those names to its (endpoint, direction).
    """

    localization: Localization
    evidence: list[LinkEvidence]
    traces: dict[str, list[Hop]]
    left_out: dict[str, str] = field(default_factory=dict)  # link → why
    keys: dict[str, tuple[str, Direction]] = field(default_factory=dict)


def evidence_name(link: str, direction: Direction) -> str:
    """``lyon-ncsa`` for the forward direction, ``lyon-ncsa (reverse)`` for the other."""
    return link if direction is Direction.FORWARD else f"{link} ({direction.value})"


def link_traces(
    config: Config,
    store: Store,
    endpoint: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Result]:
    """The stored traces of the link to ``endpoint`` both ways, each with its direction.

    Forward: the trace probes to it, run from the site. Reverse: its ``reverse`` trace
    probes (run in its namespace, the lab), and traces from it back to the site made
    elsewhere (imported: stored under the site's name or ``bind`` address as endpoint).

    Raises:
        StoreError: the store cannot be read.
    """
    span = {"since": since, "until": until, "test": "trace"}
    ours = store.results(endpoint=endpoint, **span)
    site_names = dict.fromkeys(n for n in (config.site.name, config.site.bind) if n)
    back = [r for name in site_names for r in store.results(endpoint=name, **span)]
    imported = reverse_traces(
        back, site=config.site.name, site_names=site_names, endpoint=config.endpoint(endpoint)
    )
    return sorted(ours + imported, key=lambda r: r.started)


def locate(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    analyses: list[LinkAnalysis] | None = None,
) -> Located:
    """Analyse every configured link, place each direction on its traced path, rank.

    Args:
        since, until, now: the window analysed (traces are read from ``TRACE_MARGIN``
            before ``since``), and the time the verdicts are judged at.
        analyses: the analyses of this period when the caller already made them
            (``netprobe alert``, ``netprobe report``); made here otherwise.

    Raises:
        StoreError: the store cannot be read.
    """
    if analyses is None:
        analyses = analyze(config, store, since=since, until=until, now=now)
    evidence, traces, left_out, keys = [], {}, {}, {}
    stored: dict[str, list[Result]] = {}
    for analysis in analyses:
        name = evidence_name(analysis.link, analysis.direction)
        state, changed_at = _state(analysis)
        if analysis.endpoint not in stored:
            stored[analysis.endpoint] = link_traces(
                config, store, analysis.endpoint, since=since and since - TRACE_MARGIN, until=until
            )
        found = [
            (r.started, r.hops)
            for r in stored[analysis.endpoint]
            if r.hops and r.direction is analysis.direction
        ]
        at = changed_at or analysis.end
        hops = nearest_trace(found, at) if at else None
        if not hops:
            left_out[name] = f"no {analysis.direction.value} trace of its path is stored"
            continue
        before, after = traces_around(found, at)
        change = path_changed(before, after) if before and after else None
        source = (
            config.site.name
            if analysis.direction is Direction.FORWARD
            else config.endpoint(analysis.endpoint).host
        )
        path = link_segments(hops, source=source)
        traces[name] = list(hops)
        keys[name] = (analysis.endpoint, analysis.direction)
        evidence.append(
            LinkEvidence(
                name,
                path.names,
                state,
                joints=path.joints,
                path_change=change or False,
                changed_at=changed_at,
            )
        )
    return Located(localize(evidence), evidence, traces, left_out, keys)


def suspects(located: Located) -> dict[tuple[str, str], Suspect]:
    """The suspect of every degraded link direction, by (endpoint, direction value)."""
    loc = located.localization
    found = {
        located.keys[e.name]: suspect_of(loc, located.evidence, e.name)
        for e in located.evidence
        if e.degraded
    }
    return {(ep, d.value): s for (ep, d), s in found.items() if s is not None}


def where_for(located: Located, endpoint: str) -> Where:
    """The localization evidence for the report of the link to ``endpoint``."""
    names = [name for name, (ep, _) in located.keys.items() if ep == endpoint]
    return where(located.localization, located.evidence, located.traces, names, located.left_out)


def _state(analysis: LinkAnalysis) -> tuple[bool | None, datetime | None]:
    """Degraded (with when), healthy, or unknown (only failures, say) from current verdicts."""
    current = current_verdicts([analysis])
    bad = [v for v in current if v.kind in DEGRADED]
    if bad:
        return True, min(v.since for v in bad)
    if any(v.kind in HEALTHY for v in current):
        return False, None
    return None, None
