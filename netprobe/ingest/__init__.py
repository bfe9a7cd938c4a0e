"""Results made elsewhere coming in: pure translators, documents in, ``Result`` records out.

- ``esmond``: perfSONAR 4.x measurement archive (metadata, then base data per event type);
- ``opensearch``: perfSONAR 5 archive documents (``pscheduler_*`` data streams);
- ``pscheduler_result``: a pScheduler run and its ``result-merged`` (throughput, rtt, trace);
- ``archiver_body``: the JSON pScheduler's ``http`` archiver sends, validated.

Every imported Result has ``site`` = the source host, ``endpoint`` = the destination host,
aware UTC times, and ``context["source"]`` naming the archive kind plus the archive's own
id (``archive_id``) so that importing the same data twice can be recognised. A failed
measurement becomes a failure Result with its reason, never a zero.

No HTTP and no store here: fetching, paging and storing belong to the callers.
"""

import math
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from netprobe.errors import DocumentError
from netprobe.units import parse_iso8601_duration, parse_time


def lookup(doc: Any, path: str, default: Any = None) -> Any:
    """The value at a dotted ``path`` (``"meta.source.ip"``) of nested objects, or
    ``default`` when a step is absent, null, or its parent is not an object.

    Callers check the value with ``number``/``text``/``mapping``, which name the field.
    """
    value = doc
    for step in _steps(path):
        # dict first: the ABC check of Mapping costs more than the rest of a lookup
        if type(value) is not dict and not isinstance(value, Mapping):
            return default
        value = value.get(step)
        if value is None:
            return default
    return value


@lru_cache(maxsize=1024)
def _steps(path: str) -> tuple[str, ...]:
    """The steps of a dotted path, split once per path (imports call lookup millions of times)."""
    return tuple(path.split("."))


def mapping(value: Any, path: str) -> Mapping[str, Any]:
    """A JSON object.

    Raises:
        DocumentError: missing or not an object.
    """
    if not isinstance(value, Mapping):
        raise DocumentError(f"{path}: {_expected('an object', value)}")
    return value


def _expected(what: str, value: Any) -> str:
    """``missing`` for None, else what was expected and what came."""
    return "missing" if value is None else f"expected {what}, got {value!r}"[:200]


def number(value: Any, path: str) -> float:
    """A JSON number, or a string holding one (esmond writes both), as float.

    Raises:
        DocumentError: a boolean, a non-numeric string or anything else.
    """
    if type(value) is float and math.isfinite(value):  # the common case, checked first
        return value
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DocumentError(f"{path}: {_expected('a number', value)}")
    try:
        result = float(value)
    except ValueError:
        raise DocumentError(f"{path}: expected a number, got {value!r}") from None
    if result != result or result in (float("inf"), float("-inf")):
        raise DocumentError(f"{path}: expected a finite number, got {value!r}")
    return result


def text(value: Any, path: str) -> str:
    """A non-empty JSON string.

    Raises:
        DocumentError: not a string, or empty.
    """
    if not isinstance(value, str) or not value.strip():
        raise DocumentError(f"{path}: {_expected('a non-empty string', value)}")
    return value


def epoch(value: Any, path: str) -> datetime:
    """Unix seconds (number or numeric string) as an aware UTC datetime.

    Raises:
        DocumentError: not a number, or out of the range of dates.
    """
    seconds_since = number(value, path)
    try:
        return datetime.fromtimestamp(seconds_since, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise DocumentError(f"{path}: {value!r} is out of the range of dates") from None


def after(start: datetime, offset: float, path: str) -> datetime:
    """``start`` plus ``offset`` seconds.

    Raises:
        DocumentError: the sum is out of the range of dates.
    """
    try:
        return start + timedelta(seconds=offset)
    except OverflowError:
        raise DocumentError(f"{path}: {offset!r} s is out of the range of dates") from None


def sequence(value: Any, path: str) -> list[Any]:
    """A JSON list; absent (None) is an empty list.

    Raises:
        DocumentError: anything else.
    """
    if value is None:
        return []
    if not isinstance(value, list):
        raise DocumentError(f"{path}: expected a list, got {value!r}"[:200])
    return value


def instant(value: Any, path: str) -> datetime:
    """An ISO 8601 time with a UTC offset (``2016-02-19T04:35:50-05:00``) as aware UTC.

    Raises:
        DocumentError: not a string, unparsable, or without an offset.
    """
    try:
        return parse_time(text(value, path))
    except (ValueError, OverflowError) as exc:
        raise DocumentError(f"{path}: {exc}") from None


def seconds(value: Any, path: str) -> float:
    """A duration given either as a number of seconds or as ISO 8601 (``PT0.0002S``).

    Raises:
        DocumentError: neither.
    """
    if isinstance(value, str) and value.strip().upper().startswith("P"):
        try:
            return parse_iso8601_duration(value)
        except ValueError as exc:
            raise DocumentError(f"{path}: {exc}") from None
    return number(value, path)
