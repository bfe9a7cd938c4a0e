"""The alert state on disk: what one run saves the next one reads, and clear refusals."""

from datetime import datetime

import pytest
from alert_helpers import at, verdict

from netprobe.alerts import AlertSettings, AlertState, HoldDown, QuietHours, Rules, deliver
from netprobe.alerts.state import transition
from netprobe.alerts.statefile import AlertStateFile
from netprobe.errors import StoreError


def test_the_state_reads_back_as_saved(tmp_path):
    settings = AlertSettings(
        rules=Rules(hold_down=HoldDown(2, 3)), quiet_hours=QuietHours.parse("11:00-13:00")
    )
    state, _ = transition(AlertState(), [verdict()], at(0), settings, site="lyon")
    state, _ = transition(state, [verdict(), verdict("stale")], at(10), settings, site="lyon")
    assert len(state.held) == 1 and len(state.records) == 2
    db = AlertStateFile(tmp_path / "alerts.sqlite")
    db.save(state, [])
    db.close()
    again = AlertStateFile(tmp_path / "alerts.sqlite")
    try:
        assert again.load() == state
    finally:
        again.close()


def test_a_file_that_is_not_an_alert_state_is_refused(tmp_path):
    path = tmp_path / "alerts.sqlite"
    path.write_text("not a database\n" * 100)
    with pytest.raises(StoreError, match=f"{path}: cannot open the alert state"):
        AlertStateFile(path)


def test_a_naive_time_is_refused(tmp_path):
    with pytest.raises(ValueError, match="aware UTC"):
        deliver(
            [verdict()],
            site="lyon",
            state_dir=tmp_path,
            settings=AlertSettings(),
            now=datetime(2026, 3, 2, 12, 0),
        )
