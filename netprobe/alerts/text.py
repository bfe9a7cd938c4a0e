"""Notifications as text for people: one line (chat, subjects) or a block (mail)."""

from netprobe.alerts.notification import Event, Notification
from netprobe.model import Suspect
from netprobe.units import format_rate, format_time

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
    if n.suspect:
        lines.append(f"  suspect: {suspect_text(n.suspect)}")
        lines.append(f"  evidence: {evidence_text(n.suspect)}")
    if n.held:
        lines.append("  held back by quiet hours")
    if n.report_url:
        lines.append(f"  report: {n.report_url}")
    return "\n".join(lines)


def suspect_text(s: Suspect) -> str:
    """``segment 198.18.0.1>198.18.1.2 (1 candidate, p 0.93)``: where, and how sure."""
    what = "; ".join(s.segments)
    many = "1 candidate" if s.candidates == 1 else f"{s.candidates} candidates fit equally"
    return f"{what} ({many}, p {s.probability:.2f})"


def evidence_text(s: Suspect) -> str:
    """Which links degraded and when, which did not, which contradict the suspect."""
    degraded = ", ".join(
        f"{link} since {format_time(since)}" if since else link for link, since in s.degraded
    )
    text = f"degraded: {degraded or '-'}; healthy: {', '.join(s.healthy) or '-'}"
    if s.contradicts:
        text += f"; healthy although crossing it: {', '.join(s.contradicts)}"
    return text
