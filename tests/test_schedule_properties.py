"""Slot arithmetic against its definition, on generated periods, expressions and windows."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from netprobe.config import Probe
from netprobe.cron import CronExpr
from netprobe.model import RttOptions
from netprobe.schedule import BACKFILL, due_slots, next_slot

times = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
periods = st.sampled_from([60, 300, 420, 600, 3600, 5400, 86400, 7 * 86400])


@settings(max_examples=200, deadline=None)
@given(period=periods, last=times, gap=st.integers(0, 10 * 86400))
def test_every_slots_are_exactly_the_epoch_multiples_in_the_window(period, last, gap):
    probe = Probe("p", "rtt", "e", "ping", RttOptions(), every=period)
    now = last + timedelta(seconds=gap)
    slots = due_slots(probe, last, now)
    lower = max(last, now - BACKFILL)
    for slot in slots:
        assert slot.timestamp() % period == 0
        assert lower < slot <= now
    assert all(b - a == timedelta(seconds=period) for a, b in zip(slots, slots[1:], strict=False))
    # none left out at either end
    first = slots[0] if slots else next_slot(probe, lower)
    assert first - timedelta(seconds=period) <= lower
    assert next_slot(probe, now) > now
    if slots:
        assert slots[-1] + timedelta(seconds=period) > now


field_values = {
    "minute": st.sampled_from(["*", "*/5", "0", "15,45", "10-20/3", "59"]),
    "hour": st.sampled_from(["*", "*/6", "0", "8-18", "23"]),
    "day": st.sampled_from(["*", "1", "15,31", "28-31", "*/10"]),
    "month": st.sampled_from(["*", "2", "jan-mar", "*/4", "12"]),
    "weekday": st.sampled_from(["*", "0", "mon-fri", "6,7", "*/2"]),
}
expressions = st.tuples(*field_values.values()).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(text=expressions, start=times, minutes=st.integers(0, 2 * 1440))
def test_cron_slots_are_the_matching_minutes_of_the_window(text, start, minutes):
    expr = CronExpr.parse(text)
    until = start + timedelta(minutes=minutes)
    slots = expr.slots_between(start, until)
    first_minute = start.replace(second=0, microsecond=0) + timedelta(minutes=1)
    brute = []
    t = first_minute
    while t <= until:
        if expr.matches(t):
            brute.append(t)
        t += timedelta(minutes=1)
    assert slots == brute
    if slots:
        assert expr.next_after(start) == slots[0]
