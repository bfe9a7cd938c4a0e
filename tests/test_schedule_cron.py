from datetime import UTC, datetime, timedelta

import pytest

from netprobe.cron import CronExpr


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_fields_with_steps_ranges_lists_and_names():
    expr = CronExpr.parse("*/15 8-18/5 1,15 jan-mar MON-fri")
    assert expr.minutes == {0, 15, 30, 45}
    assert expr.hours == {8, 13, 18}
    assert expr.days == {1, 15}
    assert expr.months == {1, 2, 3}
    assert expr.weekdays == {1, 2, 3, 4, 5}


def test_start_with_step_runs_to_the_end_of_the_field():
    assert CronExpr.parse("50/5 * * * *").minutes == {50, 55}


def test_sunday_is_0_and_7():
    assert CronExpr.parse("0 0 * * 7").weekdays == {0}
    assert CronExpr.parse("0 0 * * 5-7").weekdays == {5, 6, 0}


def test_macros():
    assert CronExpr.parse("@hourly").slots_between(utc(2024, 1, 1), utc(2024, 1, 1, 3)) == [
        utc(2024, 1, 1, 1),
        utc(2024, 1, 1, 2),
        utc(2024, 1, 1, 3),
    ]
    assert CronExpr.parse("@monthly").next_after(utc(2024, 1, 31, 23, 59)) == utc(2024, 2, 1)


def test_slots_are_half_open_after_exclusive_until_inclusive():
    expr = CronExpr.parse("0 * * * *")
    assert expr.slots_between(utc(2024, 5, 1, 10), utc(2024, 5, 1, 12)) == [
        utc(2024, 5, 1, 11),
        utc(2024, 5, 1, 12),
    ]


@pytest.mark.parametrize(
    ("year", "month", "days"),
    [(2024, 2, [28, 29]), (2023, 2, [28]), (2024, 4, [28, 29, 30]), (2024, 12, [28, 29, 30, 31])],
)
def test_month_ends(year, month, days):
    expr = CronExpr.parse("0 0 28-31 * *")
    first = utc(year, month, 1)
    found = expr.slots_between(first, first + timedelta(days=31))
    assert [t.day for t in found if t.month == month] == days


def test_day_31_skips_short_months():
    expr = CronExpr.parse("0 0 31 * *")
    assert expr.next_after(utc(2024, 1, 31)) == utc(2024, 3, 31)


def test_february_29_waits_for_a_leap_year():
    assert CronExpr.parse("0 0 29 2 *").next_after(utc(2024, 3, 1)) == utc(2028, 2, 29)


def test_both_day_fields_restricted_means_either():
    # the 13th, or any Friday (crontab(5)); 2024-09-06 is a Friday, 2024-09-13 also one
    expr = CronExpr.parse("0 0 13 * fri")
    found = expr.slots_between(utc(2024, 9, 1), utc(2024, 9, 30))
    assert [t.day for t in found] == [6, 13, 20, 27]
    # a star-step day field counts as unrestricted: both must match
    expr = CronExpr.parse("0 0 */2 * fri")
    found = expr.slots_between(utc(2024, 9, 1), utc(2024, 9, 30))
    assert [t.day for t in found] == [13, 27]


def test_evaluated_in_utc_whatever_the_zone_of_the_times_given():
    expr = CronExpr.parse("30 2 * * *")
    # 2024-03-31 02:30 does not exist in Paris; in UTC nothing is skipped
    start = datetime.fromisoformat("2024-03-30T12:00:00+01:00")
    end = datetime.fromisoformat("2024-04-01T12:00:00+02:00")
    assert expr.slots_between(start, end) == [utc(2024, 3, 31, 2, 30), utc(2024, 4, 1, 2, 30)]


def test_matches():
    expr = CronExpr.parse("*/10 * * * *")
    assert expr.matches(utc(2024, 1, 1, 5, 20, 59))
    assert not expr.matches(utc(2024, 1, 1, 5, 21))


def test_shortest_gap():
    assert CronExpr.parse("0 * * * *").shortest_gap() == 3600
    assert CronExpr.parse("0,5 * * * *").shortest_gap() == 300


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("0 * * *", "5 fields"),
        ("0 * * * * *", "5 fields"),
        ("60 * * * *", "minute from 0 to 59"),
        ("0 24 * * *", "hour from 0 to 23"),
        ("0 0 0 * *", "day of month from 1 to 31"),
        ("0 0 * 13 *", "month from 1 to 12"),
        ("0 0 * * 8", "day of week from 0 to 7"),
        ("*/0 * * * *", "step >= 1"),
        ("*/x * * * *", "step >= 1"),
        ("10-5 * * * *", "range low-high"),
        ("0 0 * foo *", "month"),
        ("0 0 30 2 *", "can fire"),
        ("", "5 fields"),
    ],
)
def test_bad_expressions(text, message):
    with pytest.raises(ValueError, match=message):
        CronExpr.parse(text)


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        CronExpr.parse("* * * * *").next_after(datetime(2024, 1, 1))
