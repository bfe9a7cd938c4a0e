"""Parameter types shared by commands: TIME (--since/--until) and DURATION."""

from datetime import UTC, datetime, timedelta

import click

from netprobe.units import parse_duration, parse_time


class TimeOrAgo(click.ParamType):
    """A time (``2026-01-02``, ``2026-01-02T03:00Z``, epoch seconds) or a span back from now."""

    name = "time"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(value)
        except ValueError as time_error:
            try:
                return datetime.now(UTC) - timedelta(seconds=parse_duration(value))
            except ValueError:
                self.fail(f"{time_error}, or a span back from now such as '24h' or '7d'")


class Duration(click.ParamType):
    """A duration such as ``10ms``, ``36h`` or ``14d``, in seconds."""

    name = "DURATION"

    def convert(self, value, param, ctx) -> float:
        try:
            return parse_duration(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
