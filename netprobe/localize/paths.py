"""Paths as segments: trace hop lists into named segments, the trace nearest a time, route changes.

Pure: hop lists in, names out. A *segment* is the unit localization blames. By default it is
one pair of consecutive hops (``"a>b"``), the link between two routers. The config may name
bigger segments (a provider's backbone) as sets of hop addresses or address ranges; the hops
a path has inside one named segment collapse into that one segment, and the pairs joining it
to its neighbours stay pair segments (the peering links between providers). A *joint* is the
hop between two consecutive segments of a path: where an intermediate test point could stand.
"""

import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from netprobe.errors import ConfigError
from netprobe.model import Hop

T = TypeVar("T")
HopLike = Hop | str | None
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

UNANSWERED = "*"


@dataclass(frozen=True)
class NamedSegment:
    """A segment named in the config: the hops (addresses or names) and ranges it contains."""

    name: str
    hops: frozenset[str] = frozenset()
    networks: tuple[Network, ...] = ()

    def contains(self, address: str | None, name: str | None = None) -> bool:
        """True when the hop belongs to this segment: its address (or name, as a trace
        without ``-n`` or an archive gives it) is listed, or its address is in a range."""
        if any(h is not None and _key(h) in self.hops for h in (address, name)):
            return True
        try:
            ip = ipaddress.ip_address(address or "")
        except ValueError:
            return False
        return any(ip.version == net.version and ip in net for net in self.networks)


@dataclass(frozen=True)
class SegmentPath:
    """The segments one path crosses, in path order, and the hop between each consecutive pair.

    ``joints[i]`` is the hop address between ``names[i]`` and ``names[i + 1]`` (None when
    that hop did not answer), so ``len(joints) == max(len(names) - 1, 0)``.
    """

    names: tuple[str, ...]
    joints: tuple[str | None, ...]


@dataclass(frozen=True)
class PathChange:
    """How a path differs between two traces: hop addresses gone and new, first differing TTL.

    ``first`` is the 0-based position of the first hop that differs (TTL ``first + 1``).
    """

    before: tuple[str | None, ...]
    after: tuple[str | None, ...]
    first: int
    removed: tuple[str, ...]
    added: tuple[str, ...]

    @property
    def key(self) -> str:
        """A label shared by links re-routed the same way: the hops added and removed."""
        parts = [f"+{a}" for a in self.added] + [f"-{r}" for r in self.removed]
        return "route change " + (" ".join(parts) if parts else f"at hop {self.first + 1}")


def named_segment(name: str, members: Iterable[str]) -> NamedSegment:
    """Build a named segment from config text: addresses or names, and ranges like 192.0.2.0/24.

    Raises:
        ConfigError: a member with a ``/`` that is not an address range.
    """
    hops: set[str] = set()
    networks: list[Network] = []
    for member in members:
        if "/" in member:
            try:
                networks.append(ipaddress.ip_network(member, strict=False))
            except ValueError:
                raise ConfigError(
                    f"segment {name!r}: {member!r} is not an address range "
                    "(expected e.g. 192.0.2.0/24 or 2001:db8::/32)"
                ) from None
        else:
            hops.add(_key(member))
    return NamedSegment(name=name, hops=frozenset(hops), networks=tuple(networks))


def link_segments(
    hops: Sequence[HopLike], *, source: str | None = None, named: Sequence[NamedSegment] = ()
) -> SegmentPath:
    """Turn a trace's hops into the segments the path crosses.

    Args:
        hops: the trace's hops in TTL order (``Hop``, an address, or None for no answer).
        source: the probing host (site name or address); when given, the first segment
            runs from it to the first hop, so the site's own access link can be blamed.
        named: named segments from the config; the first one containing a hop claims it.

    Returns:
        The segment names in path order and the joints between them. Runs of unanswered
        hops fold into one segment ``"a>*>b"``; an unanswered hop between two hops of the
        same named segment is taken to belong to it.
    """
    nodes = ([_normal(source)] if source is not None else []) + [_address(h) for h in hops]
    hostnames = ([None] if source is not None else []) + [_hostname(h) for h in hops]
    labels = _labels(nodes, hostnames, named)
    names: list[str] = []
    joints: list[str | None] = []

    def add(name: str, joint: str | None) -> None:
        if names:
            joints.append(joint)
        names.append(name)

    prev: str | None = None  # last answered node already placed on the path
    gap = False  # unanswered hops since prev
    i = 0
    while i < len(nodes):
        label, node = labels[i], nodes[i]
        if node is None and label is None:
            gap, i = True, i + 1
            continue
        end = i
        while label is not None and end + 1 < len(nodes) and labels[end + 1] == label:
            end += 1
        if prev is not None:
            add(f"{prev}>{UNANSWERED}>{node}" if gap else f"{prev}>{node}", prev)
        elif gap:
            add(f"{UNANSWERED}>{node}", None)
        if label is not None:
            add(label, node)
        prev, gap, i = nodes[end], False, end + 1
    if gap and prev is not None:
        add(f"{prev}>{UNANSWERED}", prev)
    return SegmentPath(names=tuple(names), joints=tuple(joints))


def nearest_trace(
    traces: Iterable[tuple[datetime, T]], at: datetime, *, max_gap: timedelta | None = None
) -> T | None:
    """The trace taken nearest in time to ``at`` (the earlier one on a tie).

    Args:
        traces: (time the trace was taken, UTC; the trace) pairs in any order.
        at: the time of interest, UTC (e.g. a change point).
        max_gap: ignore traces further than this from ``at``.

    Returns:
        The nearest trace, or None when there is none (within ``max_gap``).
    """
    best: tuple[timedelta, datetime, T] | None = None
    for when, trace in traces:
        gap = abs(when - at)
        if max_gap is not None and gap > max_gap:
            continue
        if best is None or (gap, when) < (best[0], best[1]):
            best = (gap, when, trace)
    return None if best is None else best[2]


def traces_around(traces: Iterable[tuple[datetime, T]], at: datetime) -> tuple[T | None, T | None]:
    """The last trace taken before ``at`` and the first taken at or after it (UTC times).

    Feed the pair to `path_changed` to see whether the route changed with a degradation.
    """
    before: tuple[datetime, T] | None = None
    after: tuple[datetime, T] | None = None
    for when, trace in traces:
        if when < at and (before is None or when > before[0]):
            before = (when, trace)
        if when >= at and (after is None or when < after[0]):
            after = (when, trace)
    return (before[1] if before else None), (after[1] if after else None)


def path_changed(before: Sequence[HopLike], after: Sequence[HopLike]) -> PathChange | None:
    """Compare two traces of one link; None when they show the same route.

    An unanswered hop matches any address, and a trace that merely stops answering earlier
    (trailing ``*``) is not a new route: only answered hops that disagree are a change.
    """
    old = tuple(_address(h) for h in before)
    new = tuple(_address(h) for h in after)
    a, b = _strip_tail(old), _strip_tail(new)
    first = next(
        (
            i
            for i, (x, y) in enumerate(zip(a, b, strict=False))
            if x is not None and y is not None and x != y
        ),
        None,
    )
    if first is None:
        return None
    known_old = [x for x in old if x is not None]
    known_new = [y for y in new if y is not None]
    return PathChange(
        before=old,
        after=new,
        first=first,
        removed=tuple(dict.fromkeys(x for x in known_old if x not in known_new)),
        added=tuple(dict.fromkeys(y for y in known_new if y not in known_old)),
    )


def route_changes(
    traces: Iterable[tuple[datetime, Sequence[HopLike]]],
) -> list[tuple[datetime, PathChange]]:
    """Every route change in the traces of one path: each trace against the one before it
    (in time order), with the time of the trace that showed the new route. Empty traces
    (a failed trace) are skipped."""
    ordered = sorted(((at, hops) for at, hops in traces if hops), key=lambda item: item[0])
    changes = []
    for (_, before), (at, after) in zip(ordered, ordered[1:], strict=False):
        change = path_changed(before, after)
        if change is not None:
            changes.append((at, change))
    return changes


def _labels(
    nodes: list[str | None], hostnames: list[str | None], named: Sequence[NamedSegment]
) -> list[str | None]:
    """Named segment of each node; unanswered nodes inside one named run take its name."""
    labels = [
        None if n is None else next((s.name for s in named if s.contains(n, h)), None)
        for n, h in zip(nodes, hostnames, strict=True)
    ]
    for i, node in enumerate(nodes):
        if node is None:
            left = next((labels[j] for j in range(i - 1, -1, -1) if nodes[j] is not None), None)
            right = next(
                (labels[j] for j in range(i + 1, len(nodes)) if nodes[j] is not None), None
            )
            if left is not None and left == right:
                labels[i] = left
    return labels


def _strip_tail(addresses: tuple[str | None, ...]) -> tuple[str | None, ...]:
    end = len(addresses)
    while end and addresses[end - 1] is None:
        end -= 1
    return addresses[:end]


def _address(hop: HopLike) -> str | None:
    if isinstance(hop, Hop):
        hop = hop.address
    if hop is None or hop in ("", UNANSWERED):
        return None
    return _normal(hop)


def _hostname(hop: HopLike) -> str | None:
    return hop.name if isinstance(hop, Hop) and hop.name else None


def _normal(address: str) -> str:
    """One spelling per address (``2001:DB8::1`` and ``2001:db8:0::1`` are one hop)."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return address


def _key(member: str) -> str:
    """How a named segment's member is matched: one spelling per address, and host names
    without case or a trailing dot, as DNS compares them."""
    try:
        return str(ipaddress.ip_address(member))
    except ValueError:
        return member.rstrip(".").lower()
