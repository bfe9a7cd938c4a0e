"""Values written into the schedule TOML: durations, rates, TOML values and keys, comments."""

import re
from typing import Any


def format_duration(seconds: float) -> str:
    """Seconds as the shortest exact netprobe duration: ``14400`` → ``"4h"``, ``0.1`` →
    ``"100ms"``."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds * 1000 == int(seconds * 1000):
        return f"{int(seconds * 1000)}ms"
    return f"{seconds!r}s"


def format_rate(bps: float) -> str:
    """bit/s as the shortest exact rate: ``50000000`` → ``"50Mbps"``."""
    for prefix, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if bps >= size and bps % size == 0:
            return f"{int(bps // size)}{prefix}bps"
    return f"{bps:g}bps"


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_value(value: Any) -> str:
    """A str, bool, int or finite float as a TOML value; strings as basic strings with
    every quote, backslash and control character escaped.

    Raises:
        ValueError: another type, or a NaN or infinite float.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"TOML has no finite form for {value!r}")
        return repr(value)
    if isinstance(value, str):
        out = []
        for char in value:
            if char in _TOML_ESCAPES:
                out.append(_TOML_ESCAPES[char])
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                out.append(f"\\u{ord(char):04X}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'
    raise ValueError(f"no TOML form for {type(value).__name__}")


def toml_key(key: str) -> str:
    """A key bare when TOML allows it, quoted otherwise."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def one_line(text: str) -> str:
    """Text safe inside a TOML comment: control characters replaced by spaces."""
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
