"""Notifications as text for people: one line (chat, subjects) or a block (mail)."""

from netprobe.alerts.notification import Event, Notification
from netprobe.units import format_rate

_VERB = {Event.OPEN: "OPEN", Event.REPEAT: "STILL OPEN", Event.RESOLVE: "RESOLVED"}


def one_line(n: Notification) -> str:
    """``OPEN critical lyon/ncsa/forward/degraded: <summary>``."""
    return f"{_VERB[n.event]} {n.severity} {n.key.label()}: {n.summary}"


def numbers_text(numbers: dict[str, float]) -> str:
    """``throughput_bps=18.2 Gbit/s, drop=0.55`` (rates in readable units)."""
    return ", ".join(
        f"{name}={format_rate(value) if name.endswith('_bps') else f'{value:g}'}"
        for name, value in sorted(numbers.items())
    )


def host_note(n: Notification) -> str | None:
    """The host context note as a sentence: ``iperf3 3.9 → 3.12 on 2024-03-02, the day of
    the drop: the host, not the network, may be the cause``; None without one."""
    if not n.host_context_changed:
        return None
    return f"{n.host_context_changed}: the host, not the network, may be the cause"


def block(n: Notification) -> str:
    """Several lines: what, since when, the numbers, the host note and the report link."""
    lines = [one_line(n), f"  started: {n.started.isoformat() if n.started else 'unknown'}"]
    if n.ended:
        lines.append(f"  ended: {n.ended.isoformat()}")
    if n.numbers:
        lines.append(f"  numbers: {numbers_text(n.numbers)}")
    if n.host_context_changed:
        lines.append(f"  host context changed: {host_note(n)}")
    if n.held:
        lines.append("  held back by quiet hours")
    if n.report_url:
        lines.append(f"  report: {n.report_url}")
    return "\n".join(lines)
