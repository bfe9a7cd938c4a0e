"""The ``record`` field of an InfluxDB point: what tags and fields do not hold, as JSON. Pure.

Version 2 (``"v": 2``) keeps the intervals column-wise in one base64 string of
little-endian arrays, built for a whole batch of results at once with numpy: no float is
written as text, so building is fast and exact, and the point is smaller. A result whose
intervals hold values binary columns cannot keep exactly (a text, a float count) keeps
them as JSON rows, as version 1 (the records written before, without ``"v"``) did. Its
JSON is stored with ``"`` and ``'`` swapped (``{'v':2,...}``): line protocol then needs no
backslash in an ordinary record, and InfluxDB parses a string field holding one several
times slower. Both versions are read back.
"""

import binascii
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from operator import attrgetter
from typing import Any

import numpy as np

from netprobe.model import Hop, Interval, Result

VERSION = 2
# The columns of an interval, in their order in the data, and the kind of value each holds.
COLUMNS = ("start", "seconds", "bps", "retransmits", "rtt_ms", "cwnd_bytes", "omitted")
_FLOAT, _INT, _BOOL = "f", "i", "b"
_KINDS = (_INT, _FLOAT, _FLOAT, _INT, _FLOAT, _INT, _BOOL)
_NULLABLE = frozenset({"retransmits", "rtt_ms", "cwnd_bytes"})
_INT_CODES = ("i1", "i2", "i4", "i8")
_ABSENT = "-"  # a column with no value: all None, or all False for ``omitted``
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), check_circular=False)
# _JSON's C encoder, made once (`JSONEncoder.encode` makes one a call: ~1 µs a record).
_C_JSON = json.encoder.c_make_encoder and json.encoder.c_make_encoder(
    None, _JSON.default, json.encoder.encode_basestring, None, ":", ",", False, False, True
)


def _json(value: dict[str, Any]) -> str:
    """``value`` as _JSON writes it."""
    return "".join(_C_JSON(value, 0)) if _C_JSON else _JSON.encode(value)


def _swap_quotes(text: str) -> str:
    """``text`` with ``"`` and ``'`` swapped (its own inverse; JSON holds no NUL)."""
    return text.replace('"', "\0").replace("'", '"').replace("\0", "'")


def _micros_after(value: datetime | None, started: datetime) -> int | None:
    return None if value is None else (value - started) // _MICROSECOND


def _rows(intervals: Sequence[Interval], started: datetime) -> list[list[Any]]:
    """Version 1's intervals: ``[start µs after started, seconds, bps, retransmits,
    rtt_ms, cwnd_bytes, omitted]`` each."""
    return [
        [
            (i.start - started) // _MICROSECOND,
            i.seconds,
            i.bps,
            i.retransmits,
            i.rtt_ms,
            i.cwnd_bytes,
            i.omitted,
        ]
        for i in intervals
    ]  # fmt: skip


def _column(values: list[Any], kind: str) -> tuple[np.ndarray, np.ndarray | None] | None:
    """``values`` as a numpy array of ``kind`` and the mask of their Nones (None without
    any); None when they are not all of that kind (or None)."""
    array = np.array(values)
    missing = None
    if array.dtype == object:
        missing = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        filler = 0.0 if kind == _FLOAT else 0
        array = np.array([filler if v is None else v for v in values])
        if array.dtype == object:
            return None
    if kind == _FLOAT and array.dtype.kind in "fi":
        converted = array.astype("<f8")
        if array.dtype.kind == "i" and not np.array_equal(converted.astype(np.int64), array):
            return None  # an integer no float64 holds exactly
        return converted, missing
    if array.dtype.kind == kind:
        return array, missing
    return None


def _narrowest(array: np.ndarray) -> str:
    """The smallest little-endian integer code that holds every value of ``array``."""
    low, high = (int(array.min()), int(array.max())) if len(array) else (0, 0)
    for code in _INT_CODES:
        info = np.iinfo(code)
        if info.min <= low and high <= info.max:
            return code
    raise AssertionError("an int64 array holds int64 values")


def _columns(results: Sequence[Result]) -> list[str] | None:
    """Every result's intervals column-wise, as the JSON of ``{"types", "data", "none"}``
    (``[]`` without intervals), or None when one of them holds a value the binary
    columns cannot keep exactly.

    Raises:
        TypeError: a naive interval start.
    """
    out = ["[]"] * len(results)
    flat = [i for r in results for i in r.intervals]
    if not flat:
        return out
    counts = np.fromiter((len(r.intervals) for r in results), dtype=np.int64, count=len(results))
    starts = np.array([(i.start - _EPOCH) // _MICROSECOND for i in flat], dtype=np.int64)
    started = np.fromiter(
        ((r.started - _EPOCH) // _MICROSECOND for r in results), dtype=np.int64, count=len(results)
    )
    columns = [(starts - np.repeat(started, counts), None)]
    for name, kind in zip(COLUMNS[1:], _KINDS[1:], strict=True):
        column = _column(list(map(attrgetter(name), flat)), kind)
        if column is None or (column[1] is not None and name not in _NULLABLE):
            return None
        columns.append(column)
    codes = [
        _ABSENT
        if (missing is not None and missing.all()) or (kind == _BOOL and not array.any())
        else {_FLOAT: "f8", _BOOL: "b1"}.get(kind) or _narrowest(array)
        for (array, missing), kind in zip(columns, _KINDS, strict=True)
    ]
    arrays = [
        array.astype(np.dtype("<" + code))
        for (array, _), code in zip(columns, codes, strict=True)
        if code != _ABSENT
    ]
    firsts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    nones: dict[int, dict[str, list[int]]] = {}
    for name, (_, missing), code in zip(COLUMNS, columns, codes, strict=True):
        if missing is not None and missing.any() and code != _ABSENT:
            for index in np.unique(np.repeat(np.arange(len(results)), counts)[missing]).tolist():
                part = missing[firsts[index] : firsts[index] + counts[index]]
                nones.setdefault(index, {})[name] = np.flatnonzero(part).tolist()
    head = f'{{"types":"{" ".join(codes)}","data":"'
    for count in np.unique(counts[counts > 0]).tolist():
        chosen = np.flatnonzero(counts == count)
        rows = firsts[chosen, None] + np.arange(count)  # flat index of each of their intervals
        block = np.hstack([a[rows].view(np.uint8).reshape(len(chosen), -1) for a in arrays])
        width = block.shape[1]
        data = block.tobytes()
        for place, index in enumerate(chosen.tolist()):
            text = binascii.b2a_base64(data[place * width : (place + 1) * width], newline=False)
            none = nones.get(index)
            tail = '"}' if none is None else f'","none":{_JSON.encode(none)}}}'
            out[index] = head + text.decode("ascii") + tail
    return out


def encode(results: Sequence[Result]) -> list[str]:
    """The record of each of ``results``, as compact JSON (times in µs after ``started``).

    Raises:
        TypeError: a naive time, or a value JSON cannot hold.
    """
    columns = _columns(results)
    if columns is None:
        if len(results) > 1:  # find the results that need rows
            return [text for r in results for text in encode([r])]
        columns = [_JSON.encode(_rows(r.intervals, r.started)) for r in results]
    out = []
    for r, intervals in zip(results, columns, strict=True):
        record = {
            "v": VERSION,
            "ended": _micros_after(r.ended, r.started),
            "context": r.context,
            "flags": r.flags,
            "argv": r.argv,
            "hops": [[h.ttl, h.address, h.name, h.rtt_ms] for h in r.hops],
        }
        out.append(_swap_quotes(f'{_json(record)[:-1]},"intervals":{intervals}}}'))
    return out


def _decoded_columns(stored: dict[str, Any]) -> list[list[Any]]:
    """The columns of a version 2 ``intervals`` object, Nones put back."""
    codes = stored["types"].split()
    dtypes = [None if code == _ABSENT else np.dtype("<" + code) for code in codes]
    data = binascii.a2b_base64(stored["data"])
    count = len(data) // sum(d.itemsize for d in dtypes if d is not None)
    columns, offset = [], 0
    for name, dtype in zip(COLUMNS, dtypes, strict=True):
        if dtype is None:
            columns.append([None if name in _NULLABLE else False] * count)
            continue
        columns.append(np.frombuffer(data, dtype, count, offset).tolist())
        offset += count * dtype.itemsize
    for name, places in stored.get("none", {}).items():
        column = columns[COLUMNS.index(name)]
        for place in places:
            column[place] = None
    return columns


def decode(text: str, started: datetime) -> dict[str, Any]:
    """The Result fields a record holds (``ended``, ``context``, ``flags``, ``argv``,
    ``intervals``, ``hops``), from either version."""
    record = json.loads(_swap_quotes(text) if text.startswith("{'") else text)
    stored = record["intervals"]
    if isinstance(stored, dict):
        rows: Any = zip(*_decoded_columns(stored), strict=True)
    else:
        rows = stored
    ended = record["ended"]
    return {
        "ended": None if ended is None else started + timedelta(microseconds=ended),
        "context": record["context"],
        "flags": record["flags"],
        "argv": record["argv"],
        "intervals": [
            Interval(started + timedelta(microseconds=at), seconds, bps, retr, rtt, cwnd, omit)
            for at, seconds, bps, retr, rtt, cwnd, omit in rows
        ],
        "hops": [Hop(*hop) for hop in record["hops"]],
    }
