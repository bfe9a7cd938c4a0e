"""An iperf3 document split into its flows: one per direction, with its blocks and streams."""

import re

from netprobe.model import Direction, ThroughputOptions


class Flow:
    """One direction's blocks inside a document."""

    def __init__(self, direction: Direction, local_sends: bool, suffix: str, doc: dict) -> None:
        end = doc["end"]
        test = doc.get("start", {}).get("test_start", {})
        self.direction = direction
        self.local_sends = local_sends
        self.bidir_reverse = bool(suffix)
        self.udp = str(test.get("protocol", "")).upper() == "UDP"
        self.sent = end.get(f"sum_sent{suffix}")
        self.received = end.get(f"sum_received{suffix}")
        # Before 3.12 a UDP run has one ``sum`` carrying sender bytes and receiver loss.
        self.combined = self.udp and not suffix and self.received is None and "sum" in end
        if self.combined:
            self.sent = self.received = end["sum"]
        bidir = _is_bidir(doc)
        self.streams = [s for s in end.get("streams", []) if not bidir or _role(s) == local_sends]
        self.intervals = [
            (
                iv.get(f"sum{suffix}"),
                [s for s in iv.get("streams", []) if not bidir or _role(s) == local_sends],
            )
            for iv in doc.get("intervals", [])
            if isinstance(iv.get(f"sum{suffix}"), dict)
        ]
        # The remote side sent this flow: only its sockets know RTT and cwnd (the local
        # "sender" block then describes the receiving socket, or holds zeros).
        server_end = doc.get("server_output_json", {}).get("end", {})
        self.server_senders = (
            []
            if local_sends
            else [
                s["sender"]
                for s in server_end.get("streams", [])
                if isinstance(s.get("sender"), dict) and (not bidir or _role(s))
            ]
        )
        text = doc.get("server_output_text")
        self.server_text_retransmits = (
            _text_retransmits(text)
            if isinstance(text, str) and not local_sends and not bidir
            else None
        )


# A summary line of a sending server's text output (``--get-server-output`` when the server
# runs without -J): "[  5]   0.00-10.00  sec  2.71 GBytes  23.2 Gbits/sec    2   sender".
_SENDER_LINE = re.compile(
    r"^\[\s*(SUM|\d+)\]\s+\S+\s+sec\s+\S+\s+\S+\s+\S+\s+\S+/sec\s+(\d+)\s+sender\s*$", re.M
)


def _text_retransmits(text: str) -> float | None:
    """The sender's retransmits from iperf3's text summary: the [SUM] line, else the streams'."""
    lines = _SENDER_LINE.findall(text)
    totals = [int(count) for tag, count in lines if tag == "SUM"]
    if totals:
        return float(totals[-1])
    return float(sum(int(count) for _, count in lines)) if lines else None


def _role(stream: dict) -> bool:
    """The local side's role for a stream (True: sending); only meaningful in bidir runs."""
    for key in ("sender", "udp"):
        if isinstance(stream.get(key), dict):
            return bool(stream[key].get("sender"))
    return bool(stream.get("sender"))


def _is_bidir(doc: dict) -> bool:
    end = doc.get("end", {})
    if "sum_sent_bidir_reverse" in end or "sum_received_bidir_reverse" in end:
        return True
    return bool(doc.get("start", {}).get("test_start", {}).get("bidir"))


def flows(doc: dict, options: object) -> list[Flow]:
    """The flows of a finished run: the main one, and the reverse one of a ``--bidir`` run."""
    test = doc.get("start", {}).get("test_start", {})
    if "reverse" in test:
        reverse = bool(test["reverse"])
    else:
        reverse = isinstance(options, ThroughputOptions) and options.reverse
    main = Flow(Direction.REVERSE if reverse else Direction.FORWARD, not reverse, "", doc)
    if _is_bidir(doc):
        return [main, Flow(Direction.REVERSE, False, "_bidir_reverse", doc)]
    return [main]
