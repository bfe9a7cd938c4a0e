"""The ranking told per link: the suspect a degraded link's alert names, and the evidence
an escalation report shows (which links degraded and when, which did not, their paths).

Pure: a `Localization` and the evidence it was given in, plain records out.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from netprobe.localize.rank import ROUTE_CHANGE, Candidate, LinkEvidence, Localization
from netprobe.model import Hop, Suspect

_TIE = 1e-9


@dataclass(frozen=True)
class LinkState:
    """One probed link (one direction) as localization saw it.

    ``since`` is when it degraded (UTC, None when healthy or unknown); ``hops`` the trace
    its path was read from; ``suspect`` True when it crosses the top suspect.
    """

    name: str
    degraded: bool | None
    since: datetime | None
    hops: tuple[Hop, ...]
    suspect: bool = False


@dataclass(frozen=True)
class Where:
    """Where the trouble of one link most likely is, and the evidence for it.

    ``suspects`` by evidence name (the link's directions that degraded and are explained);
    ``links`` every placed link, degraded ones first; ``left_out`` links with no path or
    state, and why; ``test_points`` sentences naming the probe that would separate
    candidates the evidence cannot.
    """

    suspects: dict[str, Suspect]
    links: tuple[LinkState, ...]
    left_out: dict[str, str] = field(default_factory=dict)
    test_points: tuple[str, ...] = ()
    route_changes: tuple[str, ...] = ()


def suspect_of(
    localization: Localization, evidence: Sequence[LinkEvidence], name: str
) -> Suspect | None:
    """The best explanation that covers link ``name``, as a `Suspect`; None when none does."""
    found = next((c for c in localization.candidates if name in c.explains), None)
    if found is None:
        return None
    if found is localization.best:
        count = localization.indistinguishable
    else:
        count = sum(abs(c.score - found.score) <= _TIE for c in localization.candidates)
    since = {e.name: e.changed_at for e in evidence}
    return Suspect(
        segments=_causes(found),
        candidates=count,
        probability=found.probability,
        degraded=tuple((link, since.get(link)) for link in found.explains),
        healthy=localization.healthy,
        contradicts=found.contradicts,
    )


def where(
    localization: Localization,
    evidence: Sequence[LinkEvidence],
    traces: Mapping[str, Sequence[Hop]],
    names: Sequence[str],
    left_out: Mapping[str, str] | None = None,
) -> Where:
    """The evidence a report on the link whose directions are ``names`` shows.

    Args:
        localization: the ranking of every link.
        evidence: what it was given, one record per link and direction.
        traces: the hops each link's path was read from, by evidence name.
        names: this link's evidence names (its forward and reverse directions).
        left_out: links that could not be placed, and why.
    """
    suspects = {n: s for n in names if (s := suspect_of(localization, evidence, n)) is not None}
    best = localization.best
    blamed = set(best.explains + best.contradicts) if best else set()
    states = [
        LinkState(
            e.name,
            e.degraded,
            e.changed_at if e.degraded else None,
            tuple(traces.get(e.name, ())),
            e.name in blamed,
        )
        for e in evidence
    ]
    order = {True: 0, None: 1, False: 2}
    points = tuple(
        f"a probe endpoint at {p.address or '(a hop that did not answer)'} (after {p.after} "
        f"on {p.link}) would cross {', '.join(p.crosses)} and not {', '.join(p.misses)}"
        for p in localization.test_points
    )
    return Where(
        suspects=suspects,
        links=tuple(sorted(states, key=lambda s: order[s.degraded])),
        left_out=dict(left_out or {}),
        test_points=points,
        route_changes=tuple(
            f"{' '.join(c.names)} on {', '.join(c.links)}" for c in localization.route_changes
        ),
    )


def _causes(candidate: Candidate) -> tuple[str, ...]:
    return tuple(
        " ".join(c.names) if c.kind == ROUTE_CHANGE else " or ".join(c.names)
        for c in candidate.causes
    )
