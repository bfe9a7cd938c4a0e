"""Which segment of the paths degraded: the analysis' link states and the stored traces,
fed to the boolean-tomography ranking of `netprobe.localize`.

The forward direction of a link is placed on the path its trace probes saw from the site;
the reverse direction on the path of the traces that ran from the far end back to the
site (imported from its perfSONAR archive, `localize.reverse`), when there are any.
Intermediate test points (``role = "test-point"``) are evidence like any link; one
without a ``[[links]]`` plan has no verdict, but its traced path still tells where it
stands, so it can be suggested as the place to probe. Paths are cut into the config's
``[[segments]]`` where their hops are theirs.
"""

import ipaddress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

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
from netprobe.model import TEST_POINT, Direction, Endpoint, Hop, Result, Suspect
from netprobe.store import Store

TRACE_MARGIN = timedelta(days=1)
"""Traces are read from this long before the window: the nearest one to an early change
may have been taken just before it."""

DEGRADED = ("degraded", "below-plan")
"""Current verdicts that count a link as degraded; ``ok`` and ``recovered`` count it healthy."""
HEALTHY = ("ok", "recovered")


@dataclass(frozen=True)
class Located:
    """The ranking, the evidence it was given, the links left out (no trace, no state), and
    notes on the test points (no plan to judge them by, not on the path they should be).

    Evidence is named by link, ``"<link> (reverse)"`` for a reverse direction; ``keys``
    maps each of those names to its (endpoint, direction).
    """

    localization: Localization
    evidence: list[LinkEvidence]
    traces: dict[str, list[Hop]]
    left_out: dict[str, str] = field(default_factory=dict)  # link → why
    keys: dict[str, tuple[str, Direction]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def evidence_name(link: str, direction: Direction) -> str:
    """``lyon-ncsa`` for the forward direction, ``lyon-ncsa (reverse)`` for the other."""
    return link if direction is Direction.FORWARD else f"{link} ({direction.value})"


def _site_names(config: Config) -> dict[str, None]:
    """The names a far end's trace back to the site is stored under: its name, its bind."""
    return dict.fromkeys(n for n in (config.site.name, config.site.bind) if n)


def far_end_traces(
    config: Config, store: Store, *, since: datetime | None = None, until: datetime | None = None
) -> list[Result]:
    """The traces stored under the site's names: those made at the far ends back to it.

    Raises:
        StoreError: the store cannot be read.
    """
    span = {"since": since, "until": until, "test": "trace"}
    return [r for name in _site_names(config) for r in store.results(endpoint=name, **span)]


def link_traces(
    config: Config,
    store: Store,
    endpoint: str,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    back: list[Result] | None = None,
) -> list[Result]:
    """The stored traces of the link to ``endpoint`` both ways, each with its direction.

    Forward: the trace probes to it, run from the site. Reverse: its ``reverse`` trace
    probes (run in its namespace, the lab), and traces from it back to the site made
    elsewhere (imported: stored under the site's name or ``bind`` address as endpoint;
    ``back`` when the caller already read them with ``far_end_traces``).

    Raises:
        StoreError: the store cannot be read.
    """
    ours = store.results(endpoint=endpoint, since=since, until=until, test="trace")
    if back is None:
        back = far_end_traces(config, store, since=since, until=until)
    imported = reverse_traces(
        back,
        site=config.site.name,
        site_names=_site_names(config),
        endpoint=config.endpoint(endpoint),
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
    """Analyse every configured link, place each direction and each test point on its
    traced path (in the ``[[segments]]`` of the config, where its hops are theirs), rank.

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
    window_end = until or now or datetime.now(UTC)
    todo: list[tuple[str, Direction, LinkAnalysis | None]] = [
        (a.endpoint, a.direction, a) for a in analyses
    ]
    judged = {(a.endpoint, a.direction) for a in analyses}
    todo += [
        (e.name, Direction.FORWARD, None)
        for e in config.endpoints
        if e.role == TEST_POINT and (e.name, Direction.FORWARD) not in judged
    ]
    evidence, traces, left_out, keys, notes = [], {}, {}, {}, []
    span = {"since": since and since - TRACE_MARGIN, "until": until}
    back = far_end_traces(config, store, **span)  # read once, shared by every link
    stored: dict[str, list[Result]] = {}
    for endpoint_name, direction, analysis in todo:
        endpoint = config.endpoint(endpoint_name)
        name = evidence_name(_name(config, endpoint), direction)
        state, changed_at = _state(analysis) if analysis else (None, None)
        if analysis is None:
            notes.append(_unjudged(name, has_link=config.link_for(endpoint_name) is not None))
        if endpoint_name not in stored:
            stored[endpoint_name] = link_traces(config, store, endpoint_name, back=back, **span)
        found = [
            (r.started, r.hops)
            for r in stored[endpoint_name]
            if r.hops and r.direction is direction
        ]
        at = changed_at or (analysis.end if analysis else None) or window_end
        hops = nearest_trace(found, at)
        if not hops:
            left_out[name] = f"no {direction.value} trace of its path is stored"
            continue
        before, after = traces_around(found, at)
        change = path_changed(before, after) if before and after else None
        source = config.site.name if direction is Direction.FORWARD else endpoint.host
        path = link_segments(hops, source=source, named=config.segments)
        traces[name] = list(hops)
        keys[name] = (endpoint_name, direction)
        evidence.append(
            LinkEvidence(
                name,
                path.names,
                state,
                joints=path.joints,
                path_change=change or False,
                changed_at=changed_at,
                test_point=endpoint.role == TEST_POINT,
            )
        )
    notes += _off_the_path(config, evidence)
    result = localize(evidence)
    standing = _standing(config, traces)
    points = tuple(
        replace(p, name=standing[p.address]) if p.name is None and p.address in standing else p
        for p in result.test_points
    )
    return Located(replace(result, test_points=points), evidence, traces, left_out, keys, notes)


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


def _name(config: Config, endpoint: Endpoint) -> str:
    """What the evidence calls an endpoint: its link's name, or its own without a link."""
    link = config.link_for(endpoint.name)
    return link.name if link else endpoint.name


def _unjudged(name: str, *, has_link: bool) -> str:
    why = (
        "no forward throughput result is stored in the window"
        if has_link
        else "it has no [[links]] entry with a capacity plan to judge it by"
    )
    return f"test point {name}: state unknown, {why}; only its path is used"


def _off_the_path(config: Config, evidence: list[LinkEvidence]) -> list[str]:
    """Test points whose traced path is not the start of a link they are said to be ``on``."""
    paths = {e.name: list(e.segments) for e in evidence}
    notes = []
    for endpoint in config.endpoints:
        own = paths.get(_name(config, endpoint))
        for link in endpoint.on:
            theirs = paths.get(link)
            if own is None or theirs is None:
                continue
            common = next(
                (k for k, (a, b) in enumerate(zip(own[:-1], theirs, strict=False)) if a != b),
                min(len(own) - 1, len(theirs)),
            )
            if common < len(own) - 1:
                where = f"after {own[common - 1]}" if common else "from the start"
                notes.append(
                    f"test point {endpoint.name} is not on {link}'s path now: its trace "
                    f"leaves it {where}, so its state says little about {link}"
                )
    return notes


def _standing(config: Config, traces: dict[str, list[Hop]]) -> dict[str, str]:
    """Hop address → configured test point there: its host when an address, or the last
    hop its own trace reached."""
    out = {}
    for endpoint in config.endpoints:
        if endpoint.role != TEST_POINT:
            continue
        hops = traces.get(_name(config, endpoint), [])
        last = next((h.address for h in reversed(hops) if h.address), None)
        for address in (_ip(endpoint.host), last):
            if address:
                out.setdefault(address, endpoint.name)
    return out


def _ip(host: str) -> str | None:
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return None
