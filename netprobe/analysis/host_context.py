"""Did the host change with the link? Host context (iperf3 version, congestion control,
MTU, MSS, a CPU-bound sender) compared across a change point.

Pure: a change point's time and the stored throughput results around it in, one
sentence out, such as ``iperf3 3.9 → 3.12 on 2024-03-02, the day of the drop``. Alerts
carry it as ``host_context_changed``: the host, not the network, may be the cause.
"""

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from netprobe.analysis.link import LinkAnalysis
from netprobe.analysis.verdicts import SEVERITY
from netprobe.model import Result, Verdict

AROUND = 5
"""Results compared on each side of a change point (the detector places it within a few)."""

FACTS = (
    ("iperf3_version", "iperf3"),
    ("congestion", "congestion control"),
    ("mtu", "path MTU"),
    ("mss", "MSS"),
)
"""``Result.context`` keys compared, and how a note names them."""


def coinciding(analysis: LinkAnalysis) -> list[Verdict]:
    """The current problem verdicts of ``analysis`` that begin at one of its change points
    (``numbers["index"]`` is a change point's row): those a host change may explain."""
    starts = {c.index for c in analysis.detection.change_points} if analysis.detection else set()
    return [
        v
        for v in analysis.verdicts
        if v.kind in SEVERITY and v.numbers.get("ongoing") and v.numbers.get("index") in starts
    ]


def context_change(at: datetime, results: Sequence[Result], *, event: str) -> str | None:
    """What changed in the host context around ``at``, or None when nothing did.

    Args:
        at: the change point's time (its first sample of the new regime), aware UTC.
        results: throughput results of one link and direction around ``at``, oldest first;
            the last ``AROUND`` OK ones before ``at`` are compared with the first ``AROUND``
            from ``at`` on, by their most common value of each fact.
        event: how the note names the change point (``"the drop"``).

    Returns:
        ``"iperf3 3.9 → 3.12 on 2024-03-02, the day of the drop; the sender became
        CPU-bound on 2024-03-02, the day of the drop"``, each fact that differs.
    """
    ok = [r for r in results if r.ok]
    before = [r for r in ok if r.started < at][-AROUND:]
    after = [r for r in ok if r.started >= at][:AROUND]
    notes = []
    for key, label in (*FACTS, ("host_bound", "")):
        old, new = _usual(before, key), _usual(after, key)
        if old is None or new is None or old == new:
            continue
        since = _switch(before + after, key, old, new) or at
        when = f"on {since:%Y-%m-%d}, {_relative(since, at)} {event}"
        if key == "host_bound":
            state = "became CPU-bound" if new else "stopped being CPU-bound"
            notes.append(f"the sender {state} {when}")
        else:
            notes.append(f"{label} {old} → {new} {when}")
    return "; ".join(notes) or None


def _usual(results: list[Result], key: str) -> object | None:
    """The most common value of ``context[key]`` among ``results`` (None if none has it)."""
    values = Counter(r.context[key] for r in results if key in r.context)
    return values.most_common(1)[0][0] if values else None


def _switch(results: list[Result], key: str, old: object, new: object) -> datetime | None:
    """When ``new`` took over: the first result with it after the last one with ``old``."""
    last_old = max((i for i, r in enumerate(results) if r.context.get(key) == old), default=-1)
    return next((r.started for r in results[last_old + 1 :] if r.context.get(key) == new), None)


def _relative(moment: datetime, at: datetime) -> str:
    days = (moment.date() - at.date()).days
    if days == 0:
        return "the day of"
    unit = "day" if abs(days) == 1 else "days"
    return f"{abs(days)} {unit} {'after' if days > 0 else 'before'}"
