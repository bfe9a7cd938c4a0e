"""Which segment of the paths degraded: the analysis' link states and the stored traces,
fed to the boolean-tomography ranking of `netprobe.localize`.

Only the forward direction is placed on a path: trace probes run from the site, so the
reverse path of a link is not known (a traceroute from the far end would be needed).
Intermediate test points (``role = "test-point"``) are evidence like any link; one
without a ``[[links]]`` plan has no verdict, but its traced path still tells where it
stands, so it can be suggested as the place to probe.
"""

import ipaddress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

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
from netprobe.model import TEST_POINT, Direction, Endpoint, Hop
from netprobe.store import Store

DEGRADED = ("degraded", "below-plan")
"""Current verdicts that count a link as degraded; ``ok`` and ``recovered`` count it healthy."""
HEALTHY = ("ok", "recovered")


@dataclass(frozen=True)
class Located:
    """The ranking, the evidence it was given, the links left out (no trace, no state), and
    notes on the test points (no plan to judge them by, not on the path they should be)."""

    localization: Localization
    evidence: list[LinkEvidence]
    traces: dict[str, list[Hop]]
    left_out: dict[str, str] = field(default_factory=dict)  # link → why
    notes: list[str] = field(default_factory=list)


def locate(
    config: Config,
    store: Store,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
) -> Located:
    """Analyse every configured link, place each forward link and each test point on its
    traced path (in the ``[[segments]]`` of the config, where its hops are theirs), rank.

    Raises:
        StoreError: the store cannot be read.
    """
    judged = {
        a.endpoint: a
        for a in analyze(config, store, since=since, until=until, now=now)
        if a.direction is Direction.FORWARD
    }
    window_end = until or now or datetime.now(UTC)
    evidence, traces, left_out, notes = [], {}, {}, []
    for endpoint in config.endpoints:
        analysis = judged.get(endpoint.name)
        test_point = endpoint.role == TEST_POINT
        if analysis is None and not test_point:
            continue
        name = _name(config, endpoint)
        state, changed_at = _state(analysis) if analysis else (None, None)
        if analysis is None:
            notes.append(_unjudged(name, has_link=config.link_for(endpoint.name) is not None))
        found = [
            (r.started, r.hops)
            for r in store.results(endpoint=endpoint.name, test="trace", until=until)
            if r.hops
        ]
        at = changed_at or (analysis.end if analysis else None) or window_end
        hops = nearest_trace(found, at)
        if not hops:
            left_out[name] = "no trace of its path is stored"
            continue
        before, after = traces_around(found, at)
        change = path_changed(before, after) if before and after else None
        path = link_segments(hops, source=config.site.name, named=config.segments)
        traces[name] = list(hops)
        evidence.append(
            LinkEvidence(
                name,
                path.names,
                state,
                joints=path.joints,
                path_change=change or False,
                changed_at=changed_at,
                test_point=test_point,
            )
        )
    notes += _off_the_path(config, evidence)
    result = localize(evidence)
    standing = _standing(config, traces)
    points = tuple(
        replace(p, name=standing[p.address]) if p.name is None and p.address in standing else p
        for p in result.test_points
    )
    return Located(replace(result, test_points=points), evidence, traces, left_out, notes)


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
