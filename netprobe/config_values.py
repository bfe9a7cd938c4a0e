"""Reading values out of parsed TOML tables, recording every problem instead of the first.

A problem is one complete line: ``FILE: KEY = VALUE: expected WHAT``. The converters
turn text such as ``20Gbps`` or ``10m`` into numbers once, through ``netprobe.units``.
"""

import difflib
import ipaddress
import json
import math
import os
import re
import ssl
import urllib.parse
from collections.abc import Callable
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from netprobe import units
from netprobe.cron import CronExpr
from netprobe.errors import ConfigError

NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
"""Names of endpoints, links, probes and namespaces: they become file names, tags, arguments."""

REQUIRED = object()
"""Marker for a key with no default."""

Convert = Callable[[Any], Any]


class Problems:
    """Every problem found in a configuration, each a complete line naming file and key."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def bad(self, file: Path | str, key: str, value: Any, expected: str) -> None:
        """Record a present but wrong value."""
        self.lines.append(f"{file}: {key} = {show(value)}: {expected}")

    def missing(self, file: Path | str, key: str, expected: str) -> None:
        """Record a required key that is absent."""
        self.lines.append(f"{file}: {key}: missing; expected {expected}")

    def other(self, file: Path | str, text: str) -> None:
        """Record a problem that is not about one key (syntax, unreadable file)."""
        self.lines.append(f"{file}: {text}")

    def raise_if_any(self) -> None:
        """Raise one ConfigError listing every problem, if there is any.

        Raises:
            ConfigError: one line per problem, after a count when there are several.
        """
        if len(self.lines) == 1:
            raise ConfigError(self.lines[0])
        if self.lines:
            head = f"{len(self.lines)} problems in the configuration:"
            raise ConfigError("\n".join([head, *("  " + line for line in self.lines)]))


class Table:
    """One TOML table being read: takes keys one by one, then reports the unknown ones."""

    def __init__(self, problems: Problems, file: Path | str, key: str, data: dict) -> None:
        self.problems, self.file, self.key, self.data = problems, file, key, data
        self.known: list[str] = []
        self.count_before = len(problems.lines)

    def path(self, name: str) -> str:
        """Dotted key of ``name`` in this table, e.g. ``probes[2].options.duration``."""
        return f"{self.key}.{name}" if self.key else name

    def get(self, name: str, convert: Convert, default: Any = REQUIRED, hint: str = "") -> Any:
        """Converted value of ``name``, ``default`` if absent; None after recording a problem."""
        self.known.append(name)
        if name not in self.data:
            if default is REQUIRED:
                self.problems.missing(self.file, self.path(name), hint)
                return None
            return default
        value = self.data[name]
        try:
            return convert(value)
        except ValueError as exc:
            self.problems.bad(self.file, self.path(name), value, _expected(exc))
            return None

    def finish(self) -> bool:
        """Record every key nobody asked for; True when this table had no problem at all."""
        for name, value in self.data.items():
            if name not in self.known:
                close = difflib.get_close_matches(name, self.known, n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.problems.bad(
                    self.file,
                    self.path(name),
                    value,
                    f"unknown key{hint}; expected one of: {', '.join(sorted(self.known))}",
                )
        return len(self.problems.lines) == self.count_before


def show(value: Any) -> str:
    """A value as it looks in TOML, shortened: ``"20Gbsp"``, ``2020-01-01``, ``{...}``."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return "{...}"
    if isinstance(value, list):
        return "[...]"
    return str(value)


def _expected(exc: ValueError) -> str:
    # units' messages end with ", got VALUE"; the line already shows the value.
    return str(exc).split(", got ")[0]


def text(value: Any) -> str:
    """A non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError("expected a non-empty string")
    return value


def name(value: Any) -> str:
    """A name made of letters, digits, '.', '_' and '-', starting with a letter or digit."""
    if not isinstance(value, str) or not NAME_PATTERN.match(value):
        raise ValueError("expected a name of letters, digits, '.', '_' or '-' such as 'ncsa'")
    return value


def host(value: Any) -> str:
    """A host name or address: a non-empty string without spaces."""
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise ValueError("expected a host name or address such as 'ps.example.org'")
    return value


def address(value: Any) -> str:
    """An IPv4 or IPv6 address."""
    try:
        if not isinstance(value, str):
            raise ValueError
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise ValueError("expected an IP address such as '198.18.1.2' or '2001:db8::1'") from None


def hop(value: Any) -> str:
    """A hop of a path as a trace shows it: an IPv4 or IPv6 address, or a host name."""
    if not isinstance(value, str) or not value or "/" in value or any(c.isspace() for c in value):
        raise ValueError("expected a hop address or host name such as '193.51.180.1'")
    return value


def network(value: Any) -> str:
    """An IPv4 or IPv6 address range in CIDR form, starting at its first address."""
    if not isinstance(value, str) or "/" not in value:
        raise ValueError("expected an address range such as '193.51.0.0/16' or '2001:660::/32'")
    try:
        return str(ipaddress.ip_network(value))
    except ValueError:
        pass
    try:
        loose = ipaddress.ip_network(value, strict=False)
    except ValueError:
        raise ValueError(
            "expected an address range such as '193.51.0.0/16' or '2001:660::/32'"
        ) from None
    raise ValueError(f"expected the range from its first address: '{loose}'")


def list_of(convert: Convert) -> Convert:
    """A non-empty array, each item converted (the first bad item is reported)."""

    def converted(value: Any) -> list:
        if not isinstance(value, list) or not value:
            raise ValueError("expected a non-empty array [...]")
        out = []
        for i, item in enumerate(value):
            try:
                out.append(convert(item))
            except ValueError as exc:
                raise ValueError(f"item {i} = {show(item)}: {_expected(exc)}") from None
        return out

    return converted


def boolean(value: Any) -> bool:
    """true or false."""
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def integer(low: int, high: int | None = None) -> Convert:
    """An integer from ``low`` to ``high`` (inclusive; no upper bound when None)."""

    def convert(value: Any) -> int:
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or value < low
            or (high is not None and value > high)
        ):
            raise ValueError(
                f"expected an integer from {low} to {high}"
                if high
                else f"expected an integer >= {low}"
            )
        return value

    return convert


def number(positive: bool) -> Convert:
    """A plain number, > 0 when ``positive`` else >= 0."""

    def convert(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expected a number")
        if not math.isfinite(value) or value < 0 or (positive and value == 0):
            raise ValueError("expected a number > 0" if positive else "expected a number >= 0")
        return float(value)

    return convert


def share(value: Any) -> float:
    """A fraction 0 < x <= 1."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError("expected a fraction 0 < x <= 1 such as 0.8")
    return float(value)


def choice(*options: str) -> Convert:
    """One of the given words."""

    def convert(value: Any) -> str:
        if value not in options:
            raise ValueError(f"expected one of: {', '.join(options)}")
        return value

    return convert


def duration(positive: bool) -> Convert:
    """A duration such as ``10m`` or bare seconds, converted to seconds."""

    def convert(value: Any) -> float:
        seconds = units.parse_duration(value)
        if positive and seconds == 0:
            raise ValueError("expected a duration > 0 such as '10s'")
        return seconds

    return convert


def rate(value: Any) -> float:
    """A rate > 0 such as ``20Gbps``, converted to bit/s."""
    bps = units.parse_rate(value)
    if bps == 0:
        raise ValueError("expected a rate > 0 such as '20Gbps'")
    return bps


def moment(value: Any) -> datetime:
    """A TOML date, or a date-time with a UTC offset, converted to aware UTC."""
    if isinstance(value, time) or not isinstance(value, str | date):
        raise ValueError("expected a date such as 2020-01-01 or a time with offset")
    return units.parse_time(value)


def cron(value: Any) -> CronExpr:
    """A five-field cron expression evaluated in UTC."""
    return CronExpr.parse(value)


def http_url(value: Any) -> str:
    """An http:// or https:// URL with a host."""
    if (
        not isinstance(value, str)
        or not value.startswith(("http://", "https://"))
        or not urllib.parse.urlsplit(value).hostname
    ):
        raise ValueError('expected an http:// or https:// URL such as "http://127.0.0.1:9093"')
    return value


def ca_file(base: Path) -> Convert:
    """A PEM file of CA certificates (relative to ``base``) that TLS can load."""

    def convert(value: Any) -> Path:
        path = folder_path(base)(value)
        try:
            ssl.create_default_context().load_verify_locations(cafile=str(path))
        except (OSError, ssl.SSLError) as exc:
            raise ValueError(f"expected a readable PEM file of CA certificates ({exc})") from None
        return path

    return convert


def folder_path(base: Path) -> Convert:
    """A path; a relative one is taken from ``base`` (the folder of the file naming it)."""

    def convert(value: Any) -> Path:
        return Path(os.path.abspath(base / Path(text(value)).expanduser()))

    return convert
