"""iperf3's error messages: the tool's own words and the Status each one means (pure)."""

from netprobe.model import Status

# (fragment of iperf3's message, status) in the order they are tried.
_ERRORS: tuple[tuple[str, Status], ...] = (
    ("busy", Status.BUSY),
    ("connection refused", Status.REFUSED),
    ("name or service not known", Status.RESOLVE_FAILED),
    ("nodename nor servname", Status.RESOLVE_FAILED),
    ("temporary failure in name resolution", Status.RESOLVE_FAILED),
    ("no address associated with hostname", Status.RESOLVE_FAILED),
    ("resolve", Status.RESOLVE_FAILED),
    # 3.12 reports getaddrinfo's EAI_AGAIN (DNS not answering) through errno as EAGAIN;
    # a TCP connect() itself never fails with EAGAIN.
    ("unable to connect to server: resource temporarily unavailable", Status.RESOLVE_FAILED),
    ("no route to host", Status.UNREACHABLE),
    ("network is unreachable", Status.UNREACHABLE),
    ("host is unreachable", Status.UNREACHABLE),
    # The SYN went unanswered (host down, filtered, link cut): the path, not the tool.
    ("connection timed out", Status.UNREACHABLE),
    ("operation timed out", Status.UNREACHABLE),
)


def classify_error(message: str) -> Status:
    """Status of an iperf3 error message (BUSY, REFUSED, ..., TOOL_ERROR by default)."""
    lowered = message.lower()
    for fragment, status in _ERRORS:
        if fragment in lowered:
            return status
    return Status.TOOL_ERROR


def strip_error_prefix(message: str) -> str:
    """iperf3 3.6/3.7 prefix their messages with ``error - ``; keep the tool's own words."""
    message = message.strip()
    return message[len("error - ") :] if message.startswith("error - ") else message
