"""A flow's metrics and intervals, read number by number with the impossible ones flagged."""

import math
from datetime import datetime, timedelta

from netprobe.model import Interval
from netprobe.probes.iperf3_flows import Flow

# TCP delivers no more than was sent; the receiver's count may exceed the sender's by the
# bytes in flight at the omit boundary (0.6 % in a real 3.9 run with -O 3). Ten times that
# is no rounding: one of the counters is wrong.
_RECEIVER_EXCESS = 1.10


class Checker:
    """Reads numbers out of blocks, flagging the impossible ones instead of returning them."""

    def __init__(self, flags: list[str]) -> None:
        self.flags = flags

    def value(self, block: object, key: str, where: str) -> float | None:
        """block[key] as a finite, non-negative float; None (flagged if present) otherwise."""
        if not isinstance(block, dict) or key not in block:
            return None
        raw = block[key]
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            self.flags.append(f"{where}.{key} is not a number: {raw!r}")
            return None
        if not math.isfinite(raw) or raw < 0:
            self.flags.append(f"{where}.{key} is impossible: {raw}")
            return None
        return float(raw)


def tcp_metrics(flow: Flow, check: Checker) -> dict[str, float]:
    """A TCP flow's metrics: throughput, sender rate, retransmits, RTT, largest window."""
    metrics: dict[str, float] = {}
    rx = check.value(flow.received, "bits_per_second", "sum_received")
    tx = check.value(flow.sent, "bits_per_second", "sum_sent")
    rx_bytes = check.value(flow.received, "bytes", "sum_received")
    tx_bytes = check.value(flow.sent, "bytes", "sum_sent")
    if rx is not None and tx_bytes and rx_bytes is not None:
        if rx_bytes > tx_bytes * _RECEIVER_EXCESS:
            check.flags.append(f"receiver bytes {rx_bytes:.0f} exceed sender bytes {tx_bytes:.0f}")
            rx = None
        elif rx_bytes == 0:
            # TCP is reliable: a finished run whose sender wrote data delivered some of it.
            check.flags.append(f"receiver counted 0 bytes of {tx_bytes:.0f} sent")
            rx = None
    if rx is not None:
        metrics["throughput_bps"] = rx
    if tx is not None:
        metrics["sender_bps"] = tx
    if flow.local_sends:
        senders = [s["sender"] for s in flow.streams if isinstance(s.get("sender"), dict)]
    else:
        senders = flow.server_senders  # from --get-server-output; empty without it
    retransmits = check.value(flow.sent, "retransmits", "sum_sent")
    if retransmits is None and not flow.local_sends:
        retransmits = flow.server_text_retransmits
    if retransmits is None and senders and all("retransmits" in s for s in senders):
        retransmits = sum(check.value(s, "retransmits", "streams.sender") or 0 for s in senders)
    if retransmits is not None:
        metrics["retransmits"] = retransmits
    rtts = [v for s in senders if (v := check.value(s, "mean_rtt", "streams.sender"))]
    if rtts:
        metrics["rtt_ms"] = sum(rtts) / len(rtts) / 1000.0  # iperf3 reports microseconds
    cwnds = [v for s in senders if (v := check.value(s, "max_snd_cwnd", "streams.sender"))]
    if cwnds:
        metrics["max_cwnd_bytes"] = max(cwnds)
    return metrics


def udp_metrics(flow: Flow, check: Checker) -> dict[str, float]:
    """A UDP flow's metrics: throughput, sender rate, packets, loss computed from counts, jitter."""
    metrics: dict[str, float] = {}
    received, sent = flow.received, flow.sent
    tx = check.value(sent, "bits_per_second", "sum_sent")
    if tx is not None:
        metrics["sender_bps"] = tx
    lost_pct = check.value(received, "lost_percent", "sum_received")
    if lost_pct is not None and lost_pct > 100:
        check.flags.append(f"sum_received.lost_percent is impossible: {lost_pct}")
    total = check.value(received, "packets", "sum_received")  # the receiver's highest sequence
    lost = check.value(received, "lost_packets", "sum_received")
    sent_packets = check.value(sent, "packets", "sum_sent")
    loss = None
    if total is not None and lost is not None:
        wrapped = lost > total or (sent_packets is not None and total > sent_packets * 1.01 + 10)
        if wrapped:
            check.flags.append(f"UDP counters wrapped: {lost:.0f} lost of {total:.0f} packets")
        else:
            loss = lost / total if total else None
            metrics["packets_received"] = total - lost
    if sent_packets is not None and "packets_received" in metrics:
        metrics["packets_sent"] = sent_packets
    if loss is not None:
        metrics["loss_ratio"] = loss
    jitter = check.value(received, "jitter_ms", "sum_received")
    if jitter is not None:
        metrics["jitter_ms"] = jitter
    if flow.combined:
        # Old versions report only the sender's rate: what arrived is that minus the losses.
        if tx is not None and loss is not None:
            metrics["throughput_bps"] = tx * (1.0 - loss)
    else:
        rx = check.value(received, "bits_per_second", "sum_received")
        if rx is not None:
            metrics["throughput_bps"] = rx
    return metrics


def flow_intervals(flow: Flow, origin: datetime, check: Checker) -> list[Interval]:
    """A flow's usable interval blocks, timed from origin (the run's start)."""
    out = []
    for block, streams in flow.intervals:
        bps = check.value(block, "bits_per_second", "interval")
        offset = check.value(block, "start", "interval")
        seconds = check.value(block, "seconds", "interval")
        if bps is None or offset is None or seconds is None:
            continue
        rtts = [s["rtt"] for s in streams if positive(s.get("rtt"))]
        cwnds = [s["snd_cwnd"] for s in streams if positive(s.get("snd_cwnd"))]
        retransmits = block.get("retransmits")
        out.append(
            Interval(
                start=origin + timedelta(seconds=offset),
                seconds=seconds,
                bps=bps,
                retransmits=retransmits if positive(retransmits, zero=True) else None,
                rtt_ms=sum(rtts) / len(rtts) / 1000.0 if rtts else None,
                cwnd_bytes=sum(cwnds) if cwnds else None,  # all streams' windows together
                omitted=bool(block.get("omitted", False)),
            )
        )
    return out


def positive(value: object, *, zero: bool = False) -> bool:
    """True for a finite number above zero (or at zero with ``zero``), never for a bool."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    return value >= 0 if zero else value > 0
