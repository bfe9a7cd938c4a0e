"""Every sink answers the same small questions, and the config knows every sink."""

import pytest

from netprobe.alerts import SINKS, SendReport
from netprobe.alerts.notification import Notification
from netprobe.config_alerts import SINK_KEYS


@pytest.mark.parametrize("name", sorted(SINKS))
def test_sink_contract(name):
    module = SINKS[name]
    assert name == module.NAME
    assert module.RESEND is None or module.RESEND > 0
    assert callable(module.send) and module.send.__annotations__["return"] is SendReport
    assert module.send.__annotations__["notifications"] == list[Notification]


def test_the_config_reads_every_sink_kind():
    assert set(SINK_KEYS) == set(SINKS)
