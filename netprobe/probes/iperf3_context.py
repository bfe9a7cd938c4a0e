"""The run's host context and start time, read from an iperf3 document (pure)."""

import math
from datetime import UTC, datetime


def start_time(doc: dict) -> datetime | None:
    """When the run began, by the document's own ``start.timestamp``; None without one."""
    secs = doc.get("start", {}).get("timestamp", {}).get("timesecs")
    if isinstance(secs, int | float) and math.isfinite(secs):
        return datetime.fromtimestamp(secs, UTC)
    return None


def host_context(doc: dict) -> dict:
    """Host facts of the run: version, MSS, TOS, system, both ends; present keys only."""
    start = doc.get("start", {})
    test = start.get("test_start", {})
    context: dict = {}
    version = start.get("version")
    if isinstance(version, str):
        context["iperf3_version"] = version.removeprefix("iperf ").strip()
    mss = start.get("tcp_mss") or start.get("tcp_mss_default")
    if isinstance(mss, int) and mss > 0:
        context["mss"] = mss
    for key, name in (("protocol", "protocol"), ("num_streams", "streams"), ("tos", "tos")):
        if isinstance(test.get(key), str | int) and not isinstance(test[key], bool):
            context[name] = test[key]
    if isinstance(start.get("system_info"), str):
        context["system_info"] = start["system_info"]
    connected = start.get("connected")
    if isinstance(connected, list) and connected and isinstance(connected[0], dict):
        # both ends as the socket saw them, for the report; the client's port is ephemeral
        for key in ("local_host", "remote_host", "remote_port"):
            value = connected[0].get(key)
            if isinstance(value, str | int) and not isinstance(value, bool):
                context[key] = value
    end = doc.get("end", {})
    if isinstance(end.get("sender_tcp_congestion"), str):
        context["congestion"] = end["sender_tcp_congestion"]
    if isinstance(end.get("receiver_tcp_congestion"), str):
        context["congestion_receiver"] = end["receiver_tcp_congestion"]
    return context
