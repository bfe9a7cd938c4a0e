"""``netprobe check``: verdicts as one Nagios/Icinga status line with perfdata, and a code.

OK when no alert kind is judged bad, WARNING / CRITICAL by the worst severity among the
bad verdicts, UNKNOWN when there is nothing to judge (no verdicts at all).
"""

from collections.abc import Sequence

from netprobe.alerts.rules import AlertSettings
from netprobe.alerts.state import is_bad
from netprobe.errors import NagiosCode
from netprobe.model import Verdict

_PERF_KEYS = ("throughput_bps", "expected_bps", "drop", "loss_ratio", "completeness", "rtt_ms")


def check_status(
    verdicts: Sequence[Verdict], settings: AlertSettings | None = None
) -> tuple[NagiosCode, str]:
    """The plugin's exit code and its one output line.

    Args:
        verdicts: the latest verdicts of the links checked.
        settings: the ``[alerts]`` rules and severities (defaults when None).

    Returns:
        (code, line), the line like
        ``NETPROBE CRITICAL - ncsa forward degraded: ... | 'ncsa_forward_throughput_bps'=...``.
    """
    settings = settings or AlertSettings()
    if not verdicts:
        return NagiosCode.UNKNOWN, "NETPROBE UNKNOWN - no verdicts: nothing was analysed"
    bad = [v for v in verdicts if is_bad(v, settings.rules_for(v.endpoint))]
    severities = {settings.severity_of(v.kind) for v in bad}
    if "critical" in severities:
        code = NagiosCode.CRITICAL
    elif bad:
        code = NagiosCode.WARNING
    else:
        code = NagiosCode.OK
    if bad:
        text = "; ".join(f"{v.endpoint} {v.direction.value} {v.kind}: {v.summary}" for v in bad)
    else:
        links = sorted({f"{v.endpoint} {v.direction.value}" for v in verdicts})
        text = f"{len(links)} link direction(s) fine: {', '.join(links)}"
    perf = " ".join(_perfdata(v) for v in verdicts if _perfdata(v))
    line = f"NETPROBE {code.name} - {_clean(text)}"
    return code, f"{line} | {perf}" if perf else line


def _perfdata(verdict: Verdict) -> str:
    """``'ncsa_forward_throughput_bps'=18e9;32e9:;;0`` for the numbers a graph wants."""
    items = []
    numbers = verdict.numbers
    for key in _PERF_KEYS:
        if key not in numbers or key == "expected_bps":
            continue
        warn = ""
        if key == "throughput_bps" and "expected_bps" in numbers:
            warn = f"{numbers['expected_bps']:g}:"  # below the plan's expected rate
        label = f"{verdict.endpoint}_{verdict.direction.value}_{key}"
        items.append(f"'{label}'={numbers[key]:g};{warn};;0")
    return " ".join(items)


def _clean(text: str) -> str:
    """One line without '|', which Nagios reads as the start of perfdata."""
    return " ".join(text.replace("|", "/").split())
