"""Shaping of one end of a lab link: tbf rate, netem delay where the kernel has it, and
random loss with iptables' ``statistic`` match.

Each end shapes its own egress (tc) and drops on its own ingress (iptables raw PREROUTING,
which sees forwarded and local packets alike), so setting both ends of a link makes the
rate hold and the loss apply in both directions.
"""

from dataclasses import dataclass

from netprobe.errors import LabError
from netprobe.lab import netns

TAG = "netprobe-lab"  # iptables comment marking the rules the lab made
NO_NETEM = (
    "delay needs the netem qdisc (sch_netem), which this kernel does not have; "
    "rate (tbf) and loss (iptables) work without it"
)
_BURST_SECONDS = 0.004  # token bucket depth: 4 ms of traffic (a jiffy at HZ=250)
_MIN_BURST = 32 * 1024  # bytes: never below a couple of GSO-sized frames
_QUEUE_SECONDS = 0.02  # packets may wait 20 ms in tbf before being dropped


@dataclass(frozen=True)
class Shaping:
    """What is applied at one end: rate in bit/s, one-way delay in s, drop probability 0..1."""

    rate_bps: float | None = None
    delay_s: float | None = None
    loss: float | None = None


def netem_available(ns: str) -> bool:
    """True when the kernel has sch_netem: try it on ``ns``'s loopback and undo it.

    Raises:
        LabError: tc failed for a reason other than an unknown qdisc kind.
    """
    done = netns.tc(ns, "qdisc", "add", "dev", "lo", "root", "netem", "delay", "0ms", check=False)
    if done.returncode == 0:
        netns.tc(ns, "qdisc", "del", "dev", "lo", "root")
        return True
    if "unknown" in done.stderr.lower() or "no such file" in done.stderr.lower():
        return False
    raise LabError(f"`tc qdisc add dev lo root netem` in {ns} failed: {done.stderr.strip()}")


def set_qdisc(ns: str, interface: str, *, rate_bps: float | None, delay_s: float | None) -> None:
    """Replace the egress shaping of ``interface``: tbf at ``rate_bps``, netem ``delay_s`` under
    it (or alone); both None leaves the interface unshaped. Check netem_available first."""
    netns.tc(ns, "qdisc", "del", "dev", interface, "root", check=False)
    netem = ["netem", "delay", f"{delay_s * 1000:.3f}ms"] if delay_s else None
    if rate_bps:
        bytes_per_s = rate_bps / 8
        burst = max(int(bytes_per_s * _BURST_SECONDS), _MIN_BURST)
        latency = f"{_QUEUE_SECONDS * 1000:g}ms"
        tbf = ["tbf", "rate", f"{int(rate_bps)}bit", "burst", str(burst), "latency", latency]
        netns.tc(ns, "qdisc", "add", "dev", interface, "root", "handle", "1:", *tbf)
        if netem:
            netns.tc(ns, "qdisc", "add", "dev", interface, "parent", "1:1", "handle", "10:", *netem)
    elif netem:
        netns.tc(ns, "qdisc", "add", "dev", interface, "root", "handle", "10:", *netem)


def set_loss(ns: str, interface: str, probability: float | None) -> None:
    """Drop packets arriving on ``interface`` with ``probability`` (None or 0: no loss)."""
    for tool in ("iptables", "ip6tables"):
        for rule in _loss_rules(ns, tool, interface):
            netns.execute(ns, tool, "-t", "raw", "-D", *rule)
        if probability:
            match = ["-m", "statistic", "--mode", "random", "--probability", f"{probability:.6f}"]
            tag = ["-m", "comment", "--comment", TAG]
            rule = ["PREROUTING", "-i", interface, *match, *tag, "-j", "DROP"]
            netns.execute(ns, tool, "-t", "raw", "-A", *rule)


def read(ns: str, interface: str) -> Shaping:
    """What shaping is applied at this end now, read back from tc and iptables."""
    rate = delay = None
    for qdisc in netns.tc_json(ns, "qdisc", "show", "dev", interface):
        options = qdisc.get("options", {})
        if qdisc.get("kind") == "tbf":
            rate = float(options["rate"]) * 8
        elif qdisc.get("kind") == "netem":
            delay = _netem_delay(options)
    loss = None
    for rule in _loss_rules(ns, "iptables", interface):
        loss = round(float(rule[rule.index("--probability") + 1]), 6)
    return Shaping(rate_bps=rate, delay_s=delay, loss=loss)


def _netem_delay(options: dict) -> float | None:
    """The delay in s from netem's JSON options (``{"delay": {"delay": 0.01, ...}}``)."""
    delay = options.get("delay")
    if isinstance(delay, dict):
        delay = delay.get("delay")
    return float(delay) if delay else None


def _loss_rules(ns: str, tool: str, interface: str) -> list[list[str]]:
    """The lab's loss rules on ``interface`` as ``-S`` argument lists (without ``-A``)."""
    out = netns.execute(ns, tool, "-t", "raw", "-S", "PREROUTING").stdout
    rules = []
    for line in out.splitlines():
        words = line.split()
        tagged = words[:1] == ["-A"] and TAG in words and "-i" in words
        if tagged and words[words.index("-i") + 1] == interface:
            rules.append(words[1:])
    return rules
