"""The alert state machine: hold-down, thresholds, once-only openings, quiet hours."""

from datetime import time

import pytest
from alert_helpers import at, ok, verdict

from netprobe.alerts import AlertSettings, AlertState, Event, HoldDown, QuietHours, Rules
from netprobe.alerts.state import transition
from netprobe.model import Direction

DEFAULTS = AlertSettings()


def run(evaluations, settings=DEFAULTS, notes=None):
    """Feed each list of verdicts as one evaluation, 10 minutes apart; all notifications."""
    state, sent = AlertState(), []
    for i, verdicts in enumerate(evaluations):
        state, out = transition(
            state, verdicts, at(10 * i), settings, site="lyon", host_notes=notes
        )
        sent.append(out)
    return state, sent


def test_a_degradation_opens_once_and_its_recovery_resolves_it():
    state, sent = run([[verdict()], [verdict()], [verdict()], [ok()]])
    assert [[n.event for n in out] for out in sent] == [[Event.OPEN], [], [], [Event.RESOLVE]]
    opened, resolved = sent[0][0], sent[3][0]
    assert opened.key.label() == "lyon/ncsa/forward/degraded"
    assert opened.severity == "critical" and opened.numbers["drop"] == 0.55
    assert resolved.ended == at(30) and resolved.started == opened.started
    assert state.records == {}


def test_hold_down_three_of_five_ignores_a_single_bad_evaluation():
    settings = AlertSettings(rules=Rules(hold_down=HoldDown(3, 5)))
    _, sent = run([[verdict()], [ok()], [ok()], [verdict()], [ok()]], settings)
    assert all(out == [] for out in sent)
    _, sent = run([[verdict()], [ok()], [verdict()], [ok()], [verdict()], [verdict()]], settings)
    assert [len(out) for out in sent] == [0, 0, 0, 0, 1, 0]
    # open alerts need three good evaluations in a row to resolve
    evals = [[verdict()]] * 3 + [[ok()], [ok()], [verdict()], [ok()], [ok()], [ok()]]
    _, sent = run(evals, settings)
    assert [[n.event.value for n in out] for out in sent] == [
        [], [], ["open"], [], [], [], [], [], ["resolve"]
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("rules", "v", "opens"),
    [
        (Rules(min_drop=0.3), verdict(drop=0.2), False),
        (Rules(min_drop=0.3), verdict(drop=0.4), True),
        (Rules(min_drop=0.3), verdict(change=-0.5), True),
        (Rules(min_duration=3 * 3600), verdict(hours=2), False),
        (Rules(min_duration=3600), verdict(hours=2), True),
        (Rules(kinds=frozenset({"stale"})), verdict(), False),
        (Rules(loss_above=0.01), verdict("loss", loss_ratio=0.005), False),
        (Rules(loss_above=0.01), verdict("loss", loss_ratio=0.02), True),
        (Rules(completeness_below=0.8), verdict("completeness", completeness=0.9), False),
        (Rules(completeness_below=0.8), verdict("completeness", completeness=0.5), True),
        (Rules(), verdict("ok"), False),
        (Rules(), verdict("stale", age_s=7200), True),
        (Rules(), verdict("path-changed"), True),
    ],
)
def test_rules_decide_what_is_bad(rules, v, opens):
    _, sent = run([[v]], AlertSettings(rules=rules))
    assert len(sent[0]) == int(opens)


def test_per_link_override_applies_to_its_endpoint_only():
    settings = AlertSettings(rules=Rules(min_drop=0.5), links={"fnal": Rules(min_drop=0.1)})
    _, sent = run([[verdict(drop=0.2), verdict(endpoint="fnal", drop=0.2)]], settings)
    assert [n.key.endpoint for n in sent[0]] == ["fnal"]


def test_directions_and_kinds_are_separate_alerts():
    v = [verdict(), verdict(direction=Direction.REVERSE), verdict("unstable")]
    _, sent = run([v])
    assert sorted(n.key.label() for n in sent[0]) == [
        "lyon/ncsa/forward/degraded",
        "lyon/ncsa/forward/unstable",
        "lyon/ncsa/reverse/degraded",
    ]
    assert {n.key.kind: n.severity for n in sent[0]} == {
        "degraded": "critical",
        "unstable": "warning",
    }


def test_an_endpoint_not_evaluated_keeps_its_alert():
    state, _ = run([[verdict()]])
    state, out = transition(
        state, [ok("fnal")], at(10), AlertSettings(), site="lyon", evaluated=["fnal"]
    )
    assert out == [] and len(state.open_alerts()) == 1
    state, out = transition(state, [], at(20), AlertSettings(), site="lyon", evaluated=["ncsa"])
    assert [n.event for n in out] == [Event.RESOLVE]


def test_quiet_hours_hold_notifications_and_release_them_after():
    quiet = AlertSettings(quiet_hours=QuietHours.parse("11:00-12:15"))  # T0 is 12:00 UTC
    _, sent = run([[verdict()], [verdict()], [verdict()], [verdict()]], quiet)
    assert sent[0] == [] and sent[1] == [] and sent[3] == []
    assert [(n.event, n.held) for n in sent[2]] == [(Event.OPEN, True)]
    _, sent = run([[verdict()], [ok()], [], [verdict()]], quiet)
    assert [n.event for n in sent[2]] == [Event.OPEN, Event.RESOLVE]  # held, not lost
    assert [n.held for n in sent[3]] == [False]


def test_the_host_context_note_and_report_link_travel_with_the_alert():
    settings = AlertSettings(report_url="https://np.example.org/{site}/{endpoint}/{direction}")
    notes = {("ncsa", "forward", "degraded"): "iperf3 3.9 -> 3.16 on 2026-03-02"}
    _, sent = run(
        [[verdict(), verdict("stale"), verdict(direction=Direction.REVERSE)]], settings, notes=notes
    )
    by_alert = {(n.key.direction, n.key.kind): n for n in sent[0]}
    assert (
        by_alert["forward", "degraded"].host_context_changed == "iperf3 3.9 -> 3.16 on 2026-03-02"
    )
    # the note is for the trouble that began with the host change, not for the others
    assert by_alert["forward", "stale"].host_context_changed is None
    assert by_alert["reverse", "degraded"].host_context_changed is None
    assert by_alert["forward", "degraded"].report_url == "https://np.example.org/lyon/ncsa/forward"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3 of 5", HoldDown(3, 5)), (" 1 of 1 ", HoldDown(1, 1))],
)
def test_hold_down_parses(text, expected):
    assert HoldDown.parse(text) == expected


@pytest.mark.parametrize("text", ["5 of 3", "0 of 2", "3/5", "three of five", 3])
def test_hold_down_refuses(text):
    with pytest.raises(ValueError, match="M of N"):
        HoldDown.parse(text)


def test_quiet_hours_wrap_past_midnight():
    hours = QuietHours.parse("22:00-07:00")
    assert (hours.start, hours.end) == (time(22), time(7))
    assert hours.contains(at(60 * 11)) and not hours.contains(at(0))  # 23:00 vs 12:00
    with pytest.raises(ValueError, match="HH:MM"):
        QuietHours.parse("25:00-07:00")
