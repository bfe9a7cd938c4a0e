"""Rank the segments that best explain which links degraded and which did not.

Boolean network tomography. Each link's path crosses a set of segments; a link is degraded
when at least one of its segments is faulty. From the observed state of every link we want
the faulty segments.

The classic rule (Duffield 2006, "Network tomography of binary network performance
characteristics", IEEE Trans. Inf. Theory 52(12), its Smallest Consistent Failure Set) says:
a segment crossed by a healthy link is good; among the rest, blame the fewest segments that
cover every degraded link. It is exact when link states are exact, and brittle when they are
not: one healthy label given by mistake to a degraded link exonerates the real culprit. Our
link states come from change-point detection, which errs. So, as SCORE and its successor
(Kompella, Yates, Greenberg, Snoeren, "IP fault localization via risk modeling", NSDI 2005;
"Detection and localization of network black holes", INFOCOM 2007, MAX-COVERAGE) do, we
score explanations by how well they fit instead of demanding a perfect fit, here as a
likelihood:

* the detector calls a degraded link healthy with probability ``fn`` and a healthy link
  degraded with probability ``fp`` (per link, ``1 - confidence`` when a confidence is given);
* each segment is faulty a priori with probability ``prior``, independently.

For a set F of faulty segments, the log posterior odds against "nothing is faulty" is

    score(F) = sum_{s in F} log(prior_s / (1 - prior_s)) + sum_{l crosses F} w_l
    w_l = log((1 - fn) / fp)   if l was seen degraded   (evidence for F)
    w_l = log(fn / (1 - fp))   if l was seen healthy    (evidence against F)
    w_l = 0                    if l's state is unknown

because only the links F would break change their expected state. With ``fn -> 0`` a
healthy link costs minus infinity and the classic rule comes back; with 5 % errors one
contradicting link costs as much as one supporting link gains, so a segment shared by five
degraded links and one "healthy" one still beats any explanation that has to invent two
faults. Maximising the score is a weighted set cover (NP-hard in general), but we only need
up to two faults: every single and every pair is scored exactly with one matrix product
(``W(a or b) = W(a) + W(b) - W(a and b)``), which takes milliseconds for hundreds of links.
Beyond two faults the best pairs are grown greedily, as SCORE's greedy set cover does.

Segments that every observed link crosses together (the same incidence *signature*) cannot
be told apart by any amount of this evidence; they form one *group*, listed together, with
the prior that at least one of them is faulty. A hop between two of them, probed from the
source of a link that crosses them, would split them: we name such test points, a
configured one first (an intermediate test point whose state is not known yet).

A route change that coincides with a degradation is a cause of its own (a new path, a
different provider), scored like a segment crossed only by the re-routed links, with its
own, higher prior.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import combinations

import numpy as np

from netprobe.errors import ConfigError, InputError
from netprobe.localize.paths import PathChange

SEGMENT = "segment"
ROUTE_CHANGE = "route-change"
_TIE = 1e-9  # scores closer than this are equal
_FLOOR = 1e-9  # error rates are clipped into [_FLOOR, 0.5]


@dataclass(frozen=True)
class LinkEvidence:
    """What is known of one probed link (one direction) at the time of interest.

    ``segments`` in path order (source first), ``joints`` the hop addresses between them
    (as `paths.link_segments` gives). ``degraded`` is None when its state is unknown.
    ``confidence`` (0.5..1) is the probability that ``degraded`` is right, when the
    detector knows it. ``path_change`` is the route change seen around the degradation
    (or just True). ``changed_at`` (UTC) orders the evidence. ``test_point`` marks a
    configured intermediate test point: its path is part of other links' paths, and while
    its state is unknown it is the first place suggested to probe.
    """

    name: str
    segments: Sequence[str]
    degraded: bool | None
    joints: Sequence[str | None] = ()
    confidence: float | None = None
    path_change: PathChange | bool = False
    changed_at: datetime | None = None
    test_point: bool = False


@dataclass(frozen=True)
class Cause:
    """One thing that may have broken: a group of indistinguishable segments, or a route change.

    ``names`` are the segments (path order), or the route change's label; ``links`` the
    links of known state that cross it (or were re-routed).
    """

    kind: str  # SEGMENT or ROUTE_CHANGE
    names: tuple[str, ...]
    links: tuple[str, ...]


@dataclass(frozen=True)
class Candidate:
    """One explanation (1..max_faults causes) with its score and the links behind it.

    ``score`` is the log posterior odds against "nothing is faulty"; ``probability`` its
    share among all explanations of up to ``max_faults`` causes, "nothing" included.
    """

    causes: tuple[Cause, ...]
    score: float
    probability: float
    explains: tuple[str, ...]  # degraded links it accounts for, earliest change first
    unexplained: tuple[str, ...]  # degraded links it leaves to detection error
    contradicts: tuple[str, ...]  # links seen healthy although they cross it

    @property
    def segments(self) -> tuple[str, ...]:
        """Every segment it blames (a group counts all its members)."""
        return tuple(n for c in self.causes if c.kind == SEGMENT for n in c.names)


@dataclass(frozen=True)
class TestPoint:
    """Where a probe endpoint would split segments the evidence cannot tell apart.

    A probe from the source of ``link`` to the hop ``address`` (just after segment
    ``after`` on that link's path) would cross ``crosses`` and not ``misses``. ``name`` is
    the configured test point that stands there (whose state is not known yet: probe it),
    or None when a new one is needed at ``address``.
    """

    __test__ = False  # a result record, not a pytest class

    address: str | None
    after: str
    link: str
    crosses: tuple[str, ...]
    misses: tuple[str, ...]
    name: str | None = None


@dataclass(frozen=True)
class Localization:
    """The ranked explanations of the link states, best first, and what would sharpen them.

    ``indistinguishable`` counts the segment sets that explain the evidence exactly as well
    as the best one (1: pinned down; 0: nothing degraded). ``route_changes`` are the route
    changes that coincide with degraded links, whatever their rank.
    """

    candidates: tuple[Candidate, ...]
    indistinguishable: int
    test_points: tuple[TestPoint, ...]
    route_changes: tuple[Cause, ...]
    p_no_fault: float
    degraded: tuple[str, ...] = ()
    healthy: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    @property
    def best(self) -> Candidate | None:
        """The top explanation, or None when no link degraded."""
        return self.candidates[0] if self.candidates else None


def localize(
    links: Sequence[LinkEvidence],
    *,
    error_rate: float = 0.05,
    false_positive: float | None = None,
    false_negative: float | None = None,
    prior: float = 0.02,
    route_change_prior: float = 0.2,
    max_faults: int = 2,
    top: int = 10,
) -> Localization:
    """Rank the causes (segment groups, route changes) that best explain the link states.

    Args:
        links: one record per link and direction, names unique.
        error_rate: probability that a link's state is wrong, both ways (0..0.5).
        false_positive: probability that a healthy link is seen degraded (default error_rate).
        false_negative: probability that a degraded link is seen healthy (default error_rate).
        prior: probability that one given segment is faulty (0..1).
        route_change_prior: probability that a coinciding route change is the cause (0..1).
        max_faults: largest number of simultaneous causes considered (exact up to 2).
        top: how many candidates to return.

    Returns:
        The ranked candidates with their evidence, the count of equally good ones, the test
        points that would separate those, and the coinciding route changes.

    Raises:
        ConfigError: a rate or count out of range.
        InputError: duplicate link names, a confidence outside 0..1, joints not matching.
    """
    fp = error_rate if false_positive is None else false_positive
    fn = error_rate if false_negative is None else false_negative
    _check_settings(fp, fn, prior, route_change_prior, max_faults, top)
    _check_links(links)
    known = [i for i, link in enumerate(links) if link.degraded is not None]
    weights = np.array([_weight(links[i], fp, fn) for i in known])
    is_degraded = np.array([bool(links[i].degraded) for i in known], dtype=bool)
    causes, cover, log_prior = _causes(links, known, prior, route_change_prior)
    names = (
        tuple(links[i].name for i in known if links[i].degraded),
        tuple(links[i].name for i in known if not links[i].degraded),
        tuple(link.name for link in links if link.degraded is None),
    )
    nothing = Localization((), 0, (), (), 1.0, *names)
    if not (cover @ is_degraded).any():  # nothing degraded, or no path known for it
        return nothing

    hypotheses, scores, log_total = _search(
        cover, weights, is_degraded, log_prior, max_faults, shortlist=4 * top + 10
    )
    order = sorted(
        range(len(hypotheses)), key=lambda h: (-scores[h], _label(causes, hypotheses[h]))
    )
    order = order[:top]
    timeline = sorted(
        enumerate(known),
        key=lambda ki: (links[ki[1]].changed_at is None, links[ki[1]].changed_at or 0, ki[0]),
    )
    timeline_names = [(k, links[i].name) for k, i in timeline]
    candidates = tuple(
        _candidate(causes, cover, is_degraded, timeline_names, hypotheses[h], scores[h], log_total)
        for h in order
    )
    tied = [c for c in candidates if c.score >= candidates[0].score - _TIE]
    count = sum(math.prod(len(c.names) for c in cand.causes) for cand in tied)
    reroutes = {
        j: int((cover[j] & is_degraded).sum())
        for j, c in enumerate(causes)
        if c.kind == ROUTE_CHANGE
    }
    reroutes = {j: n for j, n in reroutes.items() if n}
    route_changes = tuple(causes[j] for j in sorted(reroutes, key=lambda j: -reroutes[j]))
    return Localization(
        candidates=candidates,
        indistinguishable=count,
        test_points=_test_points(links, tied) if count > 1 else (),
        route_changes=route_changes,
        p_no_fault=math.exp(-log_total),
        degraded=nothing.degraded,
        healthy=nothing.healthy,
        unknown=nothing.unknown,
    )


def _check_settings(
    fp: float, fn: float, prior: float, route_prior: float, max_faults: int, top: int
) -> None:
    for key, value in (("false_positive", fp), ("false_negative", fn)):
        if not 0.0 <= value <= 0.5:
            raise ConfigError(f"localize: {key} = {value}: expected a probability in 0..0.5")
    for key, value in (("prior", prior), ("route_change_prior", route_prior)):
        if not 0.0 < value < 1.0:
            raise ConfigError(f"localize: {key} = {value}: expected a probability in (0, 1)")
    if max_faults < 1 or top < 1:
        raise ConfigError(f"localize: max_faults = {max_faults}, top = {top}: expected >= 1")


def _check_links(links: Sequence[LinkEvidence]) -> None:
    seen: set[str] = set()
    for link in links:
        if link.name in seen:
            raise InputError(f"localize: link {link.name!r} given twice")
        seen.add(link.name)
        if link.confidence is not None and not 0.0 <= link.confidence <= 1.0:
            raise InputError(
                f"localize: link {link.name!r}: confidence {link.confidence} is not in 0..1"
            )
        if link.joints and len(link.joints) != len(link.segments) - 1:
            raise InputError(
                f"localize: link {link.name!r}: {len(link.joints)} joints for "
                f"{len(link.segments)} segments (expected one fewer)"
            )


def _weight(link: LinkEvidence, fp: float, fn: float) -> float:
    """Log-likelihood ratio of the link's observed state, faulty path against healthy path."""
    if link.confidence is not None:
        fp = fn = 1.0 - link.confidence
    fp, fn = min(max(fp, _FLOOR), 0.5), min(max(fn, _FLOOR), 0.5)
    if link.degraded:
        return math.log((1.0 - fn) / fp)
    return math.log(fn / (1.0 - fp))


def _causes(
    links: Sequence[LinkEvidence], known: list[int], prior: float, route_prior: float
) -> tuple[list[Cause], np.ndarray, np.ndarray]:
    """Segment groups (by signature over known links) and route changes, their cover, priors."""
    position = {i: k for k, i in enumerate(known)}
    crossing: dict[str, set[int]] = {}
    first_seen: dict[str, tuple[int, int]] = {}  # (link, position): orders a group by path
    for i, link in enumerate(links):
        for k, name in enumerate(link.segments):
            crossing.setdefault(name, set()).add(i)
            first_seen.setdefault(name, (i, k))
    groups: dict[frozenset[int], list[str]] = {}
    for name, on in crossing.items():
        signature = frozenset(position[i] for i in on if i in position)
        if signature:
            groups.setdefault(signature, []).append(name)
    reroutes: dict[str, set[int]] = {}
    for i, link in enumerate(links):
        if link.path_change and i in position:
            key = link.path_change.key if isinstance(link.path_change, PathChange) else ""
            reroutes.setdefault(key or f"route change on {link.name}", set()).add(position[i])

    causes: list[Cause] = []
    rows: list[frozenset[int]] = []
    log_prior: list[float] = []
    for signature, members in groups.items():
        ordered = tuple(sorted(members, key=lambda n: (first_seen[n], n)))
        causes.append(Cause(SEGMENT, ordered, _link_names(links, known, signature)))
        rows.append(signature)
        log_prior.append(_log_odds_any(prior, len(members)))
    for key, on in reroutes.items():
        causes.append(Cause(ROUTE_CHANGE, (key,), _link_names(links, known, on)))
        rows.append(frozenset(on))
        log_prior.append(_log_odds_any(route_prior, 1))
    cover = np.zeros((len(causes), len(known)), dtype=bool)
    for j, row in enumerate(rows):
        cover[j, list(row)] = True
    return causes, cover, np.array(log_prior)


def _log_odds_any(p: float, k: int) -> float:
    """Log odds that at least one of k independent segments, each faulty with p, is faulty."""
    log_none = k * math.log1p(-p)
    return math.log(-math.expm1(log_none)) - log_none


def _link_names(
    links: Sequence[LinkEvidence], known: list[int], on: frozenset[int] | set[int]
) -> tuple[str, ...]:
    return tuple(links[known[k]].name for k in sorted(on))


def _search(
    cover: np.ndarray,
    weights: np.ndarray,
    is_degraded: np.ndarray,
    log_prior: np.ndarray,
    max_faults: int,
    shortlist: int,
) -> tuple[list[tuple[int, ...]], list[float], float]:
    """Score every single cause and every pair exactly, grow the best greedily beyond two.

    Returns the best ``shortlist`` minimal hypotheses (each cause explains a degraded link
    the others do not), their scores, and the log of the sum of exp(score) over all scored
    hypotheses, "nothing faulty" (score 0) included.
    """
    c = cover.astype(float)
    single = c @ weights + log_prior
    first = np.flatnonzero(cover @ is_degraded)
    second = np.full(len(first), -1)
    scores = single[first]
    pool = [np.array([0.0]), single]
    if max_faults >= 2 and len(single) > 1:
        pair = single[:, None] + single[None, :] - (c * weights) @ c.T
        upper = np.triu_indices(len(single), k=1)
        pair_scores = pair[upper]
        pool.append(pair_scores)
        deg = c[:, is_degraded]
        overlap = deg @ deg.T
        alone = deg.sum(axis=1)
        minimal = ((alone[:, None] - overlap > 0) & (alone[None, :] - overlap > 0))[upper]
        first = np.concatenate([first, upper[0][minimal]])
        second = np.concatenate([second, upper[1][minimal]])
        scores = np.concatenate([scores, pair_scores[minimal]])
    if len(scores) > shortlist:  # only the best few need sorting
        scores_cut = np.partition(-scores, shortlist)[shortlist]
        keep = np.flatnonzero(-scores <= scores_cut)
        first, second, scores = first[keep], second[keep], scores[keep]
    best = np.argsort(-scores, kind="stable")[:shortlist]
    hypotheses = [
        (int(first[i]),) if second[i] < 0 else (int(first[i]), int(second[i])) for i in best
    ]
    listed = [float(scores[i]) for i in best]
    if max_faults >= 3:
        grown = _grow(cover, weights, is_degraded, log_prior, hypotheses, listed, max_faults)
        hypotheses += list(grown)
        listed += list(grown.values())
        pool.append(np.array(list(grown.values())))
    everything = np.concatenate(pool)
    peak = everything.max()
    log_total = float(peak + np.log(np.exp(everything - peak).sum()))
    return hypotheses, listed, log_total


def _grow(
    cover: np.ndarray,
    weights: np.ndarray,
    is_degraded: np.ndarray,
    log_prior: np.ndarray,
    hypotheses: list[tuple[int, ...]],
    scores: list[float],
    max_faults: int,
    beam: int = 10,
) -> dict[tuple[int, ...], float]:
    """Greedy set cover with likelihood: add to the best pairs the cause that gains most."""
    level = [h for _, h in sorted(zip(scores, hypotheses, strict=True), reverse=True)]
    level = [h for h in level if len(h) == 2]
    grown: dict[tuple[int, ...], float] = {}
    for _ in range(3, max_faults + 1):
        step: dict[tuple[int, ...], float] = {}
        for h in level[:beam]:
            covered = cover[list(h)].any(axis=0)
            gain = (cover & ~covered).astype(float) @ weights + log_prior
            gain[list(h)] = -np.inf
            best = int(np.argmax(gain))
            if (cover[best] & ~covered & is_degraded).any():
                key = tuple(sorted((*h, best)))
                step[key] = float(covered @ weights + log_prior[list(h)].sum() + gain[best])
        level = sorted(step, key=lambda k: -step[k])
        grown |= step
    return grown


def _label(causes: list[Cause], hypothesis: tuple[int, ...]) -> tuple[tuple[str, ...], ...]:
    return tuple(causes[j].names for j in hypothesis)


def _candidate(
    causes: list[Cause],
    cover: np.ndarray,
    is_degraded: np.ndarray,
    timeline: list[tuple[int, str]],
    hypothesis: tuple[int, ...],
    score: float,
    log_total: float,
) -> Candidate:
    """The explanation with its evidence; ``timeline`` is (column, link name) by change time."""
    covered = cover[list(hypothesis)].any(axis=0)

    def named(mask: np.ndarray) -> tuple[str, ...]:
        return tuple(name for k, name in timeline if mask[k])

    return Candidate(
        causes=tuple(causes[j] for j in hypothesis),
        score=score,
        probability=math.exp(score - log_total),
        explains=named(covered & is_degraded),
        unexplained=named(~covered & is_degraded),
        contradicts=named(covered & ~is_degraded),
    )


def _test_points(links: Sequence[LinkEvidence], tied: list[Candidate]) -> tuple[TestPoint, ...]:
    """Greedily pick hops whose probing would split the segments the best candidates swap."""
    ambiguous = list(dict.fromkeys(n for cand in tied for n in cand.segments))  # path order
    together = {
        frozenset(p)
        for cand in tied
        for a, b in combinations([c for c in cand.causes if c.kind == SEGMENT], 2)
        for p in ((x, y) for x in a.names for y in b.names)
    }
    todo = {frozenset(p) for p in combinations(ambiguous, 2)} - together
    options: dict[tuple[frozenset[str], str | None], TestPoint] = {}
    wanted = set(ambiguous)

    def option(link: LinkEvidence, k: int, address: str | None, name: str | None) -> None:
        crosses = wanted.intersection(link.segments[: k + 1])
        point = TestPoint(
            address=address,
            after=link.segments[k],
            link=link.name,
            crosses=tuple(n for n in ambiguous if n in crosses),
            misses=tuple(n for n in ambiguous if n not in crosses),
            name=name,
        )
        options.setdefault((frozenset(crosses), name or address), point)

    for link in links:
        if link.test_point and link.degraded is None and wanted.intersection(link.segments):
            last = max(k for k, n in enumerate(link.segments) if n in wanted)
            option(link, last, None, link.name)
        for k, name in enumerate(link.segments[:-1]):
            if name in wanted and k < len(link.joints):
                option(link, k, link.joints[k], None)
    chosen: list[TestPoint] = []
    while todo:
        split = {key: (_splits(todo, p), p.name is not None) for key, p in options.items()}
        key = max(split, key=split.__getitem__, default=None)  # configured ones first
        if key is None or split[key][0] == 0:
            break
        chosen.append(options.pop(key))
        todo = {pair for pair in todo if len(pair.intersection(chosen[-1].crosses)) != 1}
    return tuple(chosen)


def _splits(todo: set[frozenset[str]], point: TestPoint) -> int:
    """How many of the pairs still to separate a probe to this point would split."""
    return sum(1 for pair in todo if len(pair.intersection(point.crosses)) == 1)
