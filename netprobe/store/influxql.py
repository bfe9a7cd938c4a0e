"""Quoting for InfluxQL, the query language InfluxDB 1.x, 2.x (v1 API) and 3.x all read. Pure."""

import re

_SPECIAL = re.compile(r"(['\"\\])")


def identifier(name: str) -> str:
    """``name`` as a double-quoted identifier (measurement, tag key, field key)."""
    return '"' + _SPECIAL.sub(r"\\\1", name) + '"'


def literal(text: str) -> str:
    """``text`` as a single-quoted string literal."""
    return "'" + _SPECIAL.sub(r"\\\1", text) + "'"


def time_literal(micros: int) -> str:
    """A time in microseconds since the epoch as InfluxQL's integer time (nanoseconds)."""
    return f"{micros * 1000}"
