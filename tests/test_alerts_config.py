"""The [alerts] table: read into AlertSettings, every bad value named with file and key."""

from datetime import time

import pytest

from netprobe.alerts import HoldDown, Rules, SinkSettings
from netprobe.config import load_config
from netprobe.errors import ConfigError

HEAD = """\
schema = 1
[site]
name = "lyon"
state_dir = "var"
[[endpoints]]
name = "ncsa"
host = "h.example.org"
[[endpoints]]
name = "fnal"
host = "f.example.org"
"""

FULL = """\
[alerts]
kinds = ["degraded", "stale", "loss"]
min_drop = 0.2
min_duration = "30m"
hold_down = "3 of 5"
loss_above = 0.01
quiet_hours = "22:00-07:00"
severity = { loss = "critical" }
report_url = "https://np.example.org/{site}/{endpoint}"
[[alerts.links]]
endpoint = "fnal"
min_drop = 0.1
[[alerts.sinks]]
kind = "alertmanager"
url = "http://127.0.0.1:9093"
resend = "10m"
[[alerts.sinks]]
kind = "webhook"
name = "chat"
url = "https://chat.example.org/hooks/x"
format = "slack"
[[alerts.sinks]]
kind = "mail"
host = "smtp.example.org"
port = 587
starttls = true
sender = "netprobe@example.org"
to = ["noc@example.org"]
"""


def load(tmp_path, text):
    path = tmp_path / "site.toml"
    path.write_text(HEAD + text)
    return load_config(path)


def test_a_full_alerts_table(tmp_path):
    alerts = load(tmp_path, FULL).alerts
    rules = Rules(
        kinds=frozenset({"degraded", "stale", "loss"}),
        min_drop=0.2,
        min_duration=1800.0,
        hold_down=HoldDown(3, 5),
        loss_above=0.01,
    )
    assert alerts.rules == rules
    assert alerts.rules_for("ncsa") == rules
    assert alerts.rules_for("fnal").min_drop == 0.1
    assert alerts.rules_for("fnal").hold_down == HoldDown(3, 5)  # inherited
    assert (alerts.quiet_hours.start, alerts.quiet_hours.end) == (time(22), time(7))
    assert alerts.severity_of("loss") == "critical" and alerts.severity_of("unstable") == "warning"
    am = {"url": "http://127.0.0.1:9093", "resend": 600.0}
    chat = {"url": "https://chat.example.org/hooks/x", "format": "slack"}
    assert alerts.sinks == (
        SinkSettings("alertmanager", "alertmanager", am),
        SinkSettings("webhook", "chat", chat),
        SinkSettings(
            "mail",
            "mail",
            {"host": "smtp.example.org", "port": 587, "starttls": True,
             "sender": "netprobe@example.org", "to": ["noc@example.org"]},
        ),
    )  # fmt: skip


def test_no_alerts_table_means_defaults_and_no_sinks(tmp_path):
    alerts = load(tmp_path, "").alerts
    assert alerts.rules == Rules() and alerts.sinks == () and alerts.quiet_hours is None


A = "[alerts]\n"
SINK = "[[alerts.sinks]]\n"
HOOK = SINK + 'kind = "webhook"\nurl = "http://x"\n'
BAD = [
    (A + 'kinds = ["degraded", "slow"]', "alerts.kinds = [...]: expected a non-empty list"),
    (A + "min_drop = 20", "alerts.min_drop = 20: expected a fraction 0 <= x < 1"),
    (A + 'hold_down = "5 of 3"', "alerts.hold_down = \"5 of 3\": expected 'M of N'"),
    (A + 'quiet_hours = "22h-7h"', "alerts.quiet_hours = \"22h-7h\": expected 'HH:MM-HH:MM'"),
    (A + 'report_url = "http://x/{host}"', 'alerts.report_url = "http://x/{host}": expected'),
    (A + 'severity = { degraded = "page" }', "alerts.severity = {...}: expected a table of"),
    (A + "min_dorp = 0.2", "alerts.min_dorp = 0.2: unknown key (did you mean 'min_drop'?)"),
    ('[[alerts.links]]\nendpoint = "nsca"', 'alerts.links[0].endpoint = "nsca": unknown endpoint'),
    ('[[alerts.links]]\nendpoint = "ncsa"\nurl = "x"', 'alerts.links[0].url = "x": unknown key'),
    (SINK + 'kind = "pager"', 'alerts.sinks[0].kind = "pager": expected one of: alertmanager'),
    (SINK + 'kind = "alertmanager"', "alerts.sinks[0].url: missing; expected a URL"),
    (SINK + 'kind = "webhook"\nurl = "ftp://x"', 'alerts.sinks[0].url = "ftp://x": expected an'),
    (HOOK + 'resend = "5m"', 'alerts.sinks[0].resend = "5m": unknown key'),
    (
        SINK + 'kind = "mail"\nhost = "h"\nsender = "a@b"\nto = "c@d"',
        'alerts.sinks[0].to = "c@d": expected a list',
    ),
    (HOOK + HOOK, 'alerts.sinks[1].name = "webhook": duplicate'),
]


@pytest.mark.parametrize(("text", "line"), BAD)
def test_bad_values_name_file_key_value_and_expectation(tmp_path, text, line):
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    assert f"{tmp_path / 'site.toml'}: {line}" in str(caught.value)


def test_one_alerts_table_per_deployment(tmp_path):
    (tmp_path / "a.toml").write_text(HEAD + "[alerts]\nmin_drop = 0.1\n")
    (tmp_path / "b.toml").write_text("schema = 1\n[alerts]\nmin_drop = 0.2\n")
    with pytest.raises(ConfigError, match=r"b.toml: \[alerts\]: duplicate"):
        load_config(tmp_path)
