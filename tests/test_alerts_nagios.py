"""`netprobe check`'s status line: a Nagios code per state, one line, perfdata."""

import pytest
from alert_helpers import ok, verdict

from netprobe.alerts import AlertSettings, Rules, check_status
from netprobe.errors import NagiosCode
from netprobe.model import Direction


@pytest.mark.parametrize(
    ("verdicts", "code", "start"),
    [
        ([ok()], NagiosCode.OK, "OK - 1 link direction(s) fine: ncsa forward"),
        ([ok(), verdict("unstable")], NagiosCode.WARNING, "WARNING - ncsa forward unstable"),
        ([verdict("unstable"), verdict()], NagiosCode.CRITICAL, "CRITICAL - ncsa forward unstable"),
        ([verdict("stale", age_s=7200)], NagiosCode.CRITICAL, "CRITICAL - ncsa forward stale"),
        ([], NagiosCode.UNKNOWN, "UNKNOWN - no verdicts"),
    ],
)
def test_each_state_has_its_code(verdicts, code, start):
    got, line = check_status(verdicts)
    assert got is code and line.startswith("NETPROBE " + start) and "\n" not in line


def test_rules_and_severities_apply():
    small = verdict(drop=0.1)
    assert check_status([small], AlertSettings(rules=Rules(min_drop=0.2)))[0] is NagiosCode.OK
    assert check_status([small], AlertSettings(severity={"degraded": "warning"}))[0] == 1


def test_perfdata_with_the_plan_as_warning_threshold():
    v = verdict(throughput_bps=18e9, expected_bps=32e9, drop=0.55)
    back = ok(direction=Direction.REVERSE)
    _, line = check_status([v, back])
    text, perf = line.split(" | ")
    assert "|" not in text
    assert perf.split() == [
        "'ncsa_forward_throughput_bps'=1.8e+10;3.2e+10:;;0",
        "'ncsa_forward_drop'=0.55;;;0",
        "'ncsa_reverse_throughput_bps'=3.9e+10;;;0",
    ]
