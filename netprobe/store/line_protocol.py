"""InfluxDB line protocol: one point as one line of text, with every name escaped. Pure.

Line protocol cannot carry every string in a name (measurement, tag key, tag value,
field key): a newline ends the line, a name cannot end with a backslash, ``\\`` is not
unescaped in tags by InfluxDB 1.x, an empty tag value is refused, a line starting
with ``#`` is a comment, whitespace at the start of a line is trimmed off, and InfluxQL
cannot quote a NUL to query the name back. So names are first made safe by a reversible
percent-encoding of just those characters (``%``, ``\\``, LF, CR, NUL: ``%25``, ``%5C``,
``%0A``, ``%0D``, ``%00``; a leading ``#`` or whitespace: ``%23``, ``%09``, ``%20``, or
``%u3000;`` past U+00FF), then escaped by the protocol's own rules (a backslash before
``,``, `` `` and, outside measurements, ``=``). Everything else, Unicode included, is
stored as it is, so Grafana shows ordinary names unchanged. An empty tag value is left
out (InfluxQL's ``tag = ''`` matches a point without the tag). String field values need
no encoding: only ``"`` and ``\\`` are escaped, and InfluxDB keeps newlines in them.
"""

import functools
import math
import re

_ENCODE = str.maketrans({c: f"%{ord(c):02X}" for c in "%\\\n\r\x00"})
_ENCODED = re.compile(r"%(?:u([0-9A-F]{4,6});|([0-9A-F]{2}))")
_MEASUREMENT = str.maketrans({",": "\\,", " ": "\\ "})
_KEY = str.maketrans({",": "\\,", " ": "\\ ", "=": "\\="})

FieldValue = str | int | float | bool


def encode_name(text: str) -> str:
    """``text`` with the characters line protocol cannot carry percent-encoded (reversible).

    Raises:
        ValueError: ``text`` is empty (an empty measurement or key cannot be stored).
    """
    if not text:
        raise ValueError("an empty name cannot be stored in InfluxDB")
    encoded = text.translate(_ENCODE)
    first = encoded[0]
    if first == "#" or first.isspace():  # a comment; whitespace InfluxDB trims off a line
        code = ord(first)
        return (f"%{code:02X}" if code < 0x100 else f"%u{code:04X};") + encoded[1:]
    return encoded


def decode_name(text: str) -> str:
    """The original of an `encode_name` result."""
    if "%" not in text:
        return text
    return _ENCODED.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)


@functools.lru_cache(maxsize=4096)
def escape_measurement(name: str) -> str:
    """A measurement name as it is written on the line (encoded, then escaped)."""
    return encode_name(name).translate(_MEASUREMENT)


@functools.lru_cache(maxsize=4096)  # the same few names on every point
def escape_key(name: str) -> str:
    """A tag key, tag value or field key as it is written on the line."""
    return encode_name(name).translate(_KEY)


def field_value(value: FieldValue) -> str:
    """A field value on the line: ``"text"``, ``12i``, ``1.5`` or ``true``.

    Raises:
        ValueError: a float that is not finite (InfluxDB stores no NaN or infinity).
    """
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        return f'"{escaped}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}i"
    if not math.isfinite(value):
        raise ValueError(f"{value} cannot be stored in InfluxDB")
    return repr(float(value))


@functools.lru_cache(maxsize=4096)  # one head per series: the same few on every point
def head(measurement: str, tags: tuple[tuple[str, str], ...]) -> str:
    """The start of a point's line: the measurement and its tags sorted by key (as InfluxDB
    prefers), empty tag values left out.

    Raises:
        ValueError: an empty measurement name or tag key.
    """
    text = escape_measurement(measurement)
    for key, value in sorted(tags):
        if value:
            text += f",{escape_key(key)}={escape_key(value)}"
    return text


def line(
    measurement: str, tags: dict[str, str], fields: dict[str, FieldValue], time_us: int
) -> str:
    """One point: tags sorted by key (as InfluxDB prefers), empty tag values left out.

    Args:
        measurement: the measurement name.
        tags: tag key → value; empty values are left out.
        fields: field key → value; at least one.
        time_us: the point's time in microseconds since the epoch (write with precision=u).

    Raises:
        ValueError: no fields, an empty name, or a non-finite float.
    """
    if not fields:
        raise ValueError(f"a point of {measurement!r} needs at least one field")
    body = ",".join(f"{escape_key(k)}={field_value(v)}" for k, v in fields.items())
    return f"{head(measurement, tuple(tags.items()))} {body} {time_us}"
