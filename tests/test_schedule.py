from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from netprobe.config import Probe, load_config
from netprobe.cron import CronExpr
from netprobe.model import RttOptions, ThroughputOptions
from netprobe.schedule import (
    BACKFILL,
    due_runs,
    due_slots,
    jitter_offset,
    needs_endpoint_lock,
    next_slot,
    run_at,
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def every(seconds, name="p", jitter=0.0):
    return Probe(name, "rtt", "ncsa", "ping", RttOptions(), every=seconds, jitter=jitter)


def cron(text, name="p"):
    return Probe(name, "rtt", "ncsa", "ping", RttOptions(), cron=CronExpr.parse(text))


def test_first_run_only_the_newest_slot_nothing_missed():
    assert due_slots(every(3600), None, utc(2024, 5, 1, 10, 42, 7)) == [utc(2024, 5, 1, 10)]


def test_every_slots_are_aligned_to_the_epoch():
    probe = every(600)
    slots = due_slots(probe, utc(2024, 5, 1, 9, 50), utc(2024, 5, 1, 10, 25, 3))
    assert slots == [utc(2024, 5, 1, 10), utc(2024, 5, 1, 10, 10), utc(2024, 5, 1, 10, 20)]
    # a period that does not divide the hour still sits on epoch multiples, restart or not
    seven = every(420)
    for slot in due_slots(seven, utc(2024, 5, 1), utc(2024, 5, 1, 2)):
        assert slot.timestamp() % 420 == 0


def test_nothing_due_between_slots_and_the_slot_itself_is_due():
    probe = every(3600)
    assert due_slots(probe, utc(2024, 5, 1, 10), utc(2024, 5, 1, 10, 59, 59)) == []
    assert due_slots(probe, utc(2024, 5, 1, 10), utc(2024, 5, 1, 11)) == [utc(2024, 5, 1, 11)]


def test_after_an_outage_older_slots_come_back_as_missed_newest_last():
    probe = every(3600)
    slots = due_slots(probe, utc(2024, 5, 1, 6), utc(2024, 5, 1, 10, 30))
    assert slots == [utc(2024, 5, 1, h) for h in (7, 8, 9, 10)]  # 7..9 missed, 10 runs


def test_backfill_stops_at_one_week():
    now = utc(2024, 5, 31, 12, 30)
    slots = due_slots(every(3600), utc(2024, 1, 1), now)
    assert len(slots) == 7 * 24
    assert slots[0] > now - BACKFILL
    assert slots[-1] == utc(2024, 5, 31, 12)


def test_first_run_of_a_rare_cron_outside_the_backfill_window_runs_nothing():
    assert due_slots(cron("0 0 1 * *"), None, utc(2024, 5, 20)) == []
    assert due_slots(cron("0 0 1 * *"), None, utc(2024, 5, 3)) == [utc(2024, 5, 1)]


def test_slots_across_month_and_year_ends():
    probe = every(86400)
    slots = due_slots(probe, utc(2023, 12, 30), utc(2024, 1, 1, 0, 0, 1))
    assert slots == [utc(2023, 12, 31), utc(2024, 1, 1)]
    monthly = cron("0 0 1 * *")
    assert due_slots(monthly, utc(2024, 2, 1), utc(2024, 3, 1)) == [utc(2024, 3, 1)]
    assert next_slot(monthly, utc(2024, 1, 31, 23, 59, 59)) == utc(2024, 2, 1)


def test_cron_slots_since_last():
    probe = cron("*/20 * * * *")
    assert due_slots(probe, utc(2024, 5, 1, 9, 40), utc(2024, 5, 1, 10, 30)) == [
        utc(2024, 5, 1, 10),
        utc(2024, 5, 1, 10, 20),
    ]


def test_local_times_give_the_same_utc_slots_across_a_dst_change():
    probe = every(3600)
    # Paris changed from +01:00 to +02:00 at 2024-03-31 01:00 UTC
    last = datetime.fromisoformat("2024-03-31T01:00:00+01:00")  # 00:00 UTC
    now = datetime.fromisoformat("2024-03-31T04:00:00+02:00")  # 02:00 UTC
    assert due_slots(probe, last, now) == [utc(2024, 3, 31, 1), utc(2024, 3, 31, 2)]


def test_clock_behind_the_last_slot_gives_nothing():
    assert due_slots(every(3600), utc(2024, 5, 1, 12), utc(2024, 5, 1, 11)) == []


def test_next_slot():
    assert next_slot(every(3600), utc(2024, 5, 1, 10)) == utc(2024, 5, 1, 11)
    assert next_slot(every(3600), utc(2024, 5, 1, 10, 0, 1)) == utc(2024, 5, 1, 11)
    assert next_slot(cron("15 3 * * *"), utc(2024, 5, 1, 4)) == utc(2024, 5, 2, 3, 15)


def test_jitter_is_deterministic_bounded_and_differs_by_probe_and_site():
    offsets = {jitter_offset(every(3600, f"probe-{i}", jitter=300), "site-a") for i in range(50)}
    assert all(0 <= o < 300 for o in offsets)
    assert len(offsets) > 40  # spread, not all at one second
    probe = every(3600, "ncsa-throughput", jitter=300)
    assert jitter_offset(probe, "site-a") == jitter_offset(probe, "site-a")
    assert jitter_offset(probe, "site-a") != jitter_offset(probe, "site-b")
    assert jitter_offset(every(3600, "x"), "site-a") == 0.0
    slot = utc(2024, 5, 1, 10)
    assert run_at(probe, slot, "site-a") == slot + timedelta(seconds=jitter_offset(probe, "site-a"))


def test_only_throughput_takes_the_endpoint_lock():
    tput = Probe("t", "throughput", "ncsa", "iperf3", ThroughputOptions(), every=3600)
    assert needs_endpoint_lock(tput)
    assert not needs_endpoint_lock(every(3600))


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        due_slots(every(3600), None, datetime(2024, 5, 1))


def test_due_runs_for_a_whole_configuration_soonest_start_first():
    config = load_config(Path(__file__).parent / "fixtures" / "config" / "split")
    now = utc(2024, 5, 1, 12, 30)
    # far-trace (every 1h) last ran at 09:00; far-throughput (cron 5 */2) never ran
    runs = due_runs(config, {"far-trace": utc(2024, 5, 1, 9)}, now)
    by_name = {r.probe.name: r for r in runs}
    trace, tput = by_name["far-trace"], by_name["far-throughput"]
    assert trace.slot == utc(2024, 5, 1, 12) and trace.start == trace.slot
    assert trace.missed == (utc(2024, 5, 1, 10), utc(2024, 5, 1, 11))
    assert tput.slot == utc(2024, 5, 1, 12, 5) and tput.missed == ()
    assert tput.start == run_at(tput.probe, tput.slot, config.site.name)
    assert [r.start for r in runs] == sorted(r.start for r in runs)
    last = {"far-trace": utc(2024, 5, 1, 12), "far-throughput": utc(2024, 5, 1, 12, 5)}
    assert due_runs(config, last, utc(2024, 5, 1, 12, 59)) == []


def test_due_runs_within_leaves_later_starts_for_a_later_round():
    config = load_config(Path(__file__).parent / "fixtures" / "config" / "split")
    tput = config.probe("far-throughput")  # cron 5 */2 * * *, jitter 90 s
    offset = timedelta(seconds=jitter_offset(tput, config.site.name))
    assert offset > timedelta(seconds=1)  # this fixture's offset, so the test means something
    last = {"far-trace": utc(2024, 5, 1, 12), "far-throughput": utc(2024, 5, 1, 10, 5)}
    slot = utc(2024, 5, 1, 12, 5)
    early = due_runs(config, last, slot, within=offset - timedelta(seconds=1))
    assert early == []
    later = due_runs(config, last, slot + timedelta(seconds=1), within=offset)
    assert [(r.probe.name, r.slot) for r in later] == [("far-throughput", slot)]
