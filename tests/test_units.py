from datetime import UTC, datetime

import pytest

from netprobe.units import format_rate, format_time, parse_duration, parse_rate, parse_time


@pytest.mark.parametrize(
    ("text", "bps"),
    [("20Gbps", 20e9), ("200M", 200e6), ("1.5 Gbit/s", 1.5e9), ("100mbps", 100e6), (42, 42.0)],
)
def test_parse_rate(text, bps):
    assert parse_rate(text) == pytest.approx(bps)


@pytest.mark.parametrize("bad", ["20Gbsp", "-5G", "fast", "", True, float("nan")])
def test_parse_rate_rejects(bad):
    with pytest.raises(ValueError, match="expected"):
        parse_rate(bad)


@pytest.mark.parametrize(("text", "seconds"), [("10m", 600), ("1h", 3600), ("250ms", 0.25), (5, 5)])
def test_parse_duration(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["-5m", "10 minutes", "m", True])
def test_parse_duration_rejects(bad):
    with pytest.raises(ValueError, match="expected"):
        parse_duration(bad)


def test_parse_time_date_is_utc_midnight():
    assert parse_time("2020-01-01") == datetime(2020, 1, 1, tzinfo=UTC)


def test_parse_time_converts_offsets_to_utc():
    assert parse_time("2020-01-01T05:00:00+01:00") == datetime(2020, 1, 1, 4, tzinfo=UTC)
    assert parse_time("2020-01-01T05:00:00Z").tzinfo is UTC


def test_parse_time_epoch():
    assert parse_time("0") == datetime(1970, 1, 1, tzinfo=UTC)


def test_parse_time_refuses_naive_time_of_day():
    with pytest.raises(ValueError, match="UTC offset"):
        parse_time("2020-01-01T05:00:00")


def test_format_rate():
    assert format_rate(18.4e9) == "18.4 Gbit/s"
    assert format_rate(None) == "-"


def test_format_time_is_iso_utc_to_the_second():
    paris = datetime.fromisoformat("2026-02-12T15:00:00.25+01:00")
    assert format_time(paris) == "2026-02-12T14:00:00Z"
