"""Read a series from a CSV file with the header ``time,value``: I/O at the edge of detect.

A time is epoch seconds or ISO 8601 (a time without an offset is taken as UTC); a value
is a number, or empty for a missing observation (a failed probe).
"""

import csv
import io
import math
import re
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from netprobe.errors import InputError

HEADER = ["time", "value"]
# An empty value (a failed probe) at the end of a data line: ",", maybe spaces, end of line.
_EMPTY_VALUE = re.compile(r",[ \t]*$", re.MULTILINE)


def _epoch(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        pass
    value = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def read_series(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """Values (NaN where empty) and times (epoch seconds, UTC) of a ``time,value`` CSV.

    Raises:
        InputError: missing or empty file, wrong header, a row without two fields, a time
            or value that is not one, times not strictly increasing; each names file:line.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        if not text:
            raise InputError(f"{path}: empty file, expected the header 'time,value' and rows")
        header, _, body = text.partition("\n")
        cells = next(csv.reader([header]), [])
        if [cell.strip().lower() for cell in cells] != HEADER:
            raise InputError(f"{path}:1: expected the header 'time,value', got {','.join(cells)!r}")
        fast = _parse_numbers(body)
        if fast is not None:
            return fast
        rows = list(csv.reader(io.StringIO(body)))
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"{path}: cannot read it as CSV text: {exc}") from None
    fast = _parse_plain(rows)
    if fast is not None:
        return fast
    return _parse_checked(path, [(line, row) for line, row in enumerate(rows, 2) if row])


def _parse_numbers(body: str) -> tuple[np.ndarray, np.ndarray] | None:
    """Quickest parse, by numpy, of rows of two plain numbers (an empty value allowed);
    None at the first doubt, for the slower paths to decide and name the bad line."""
    filled, empty = _EMPTY_VALUE.subn(",nan", body)
    if not filled.strip():
        return None
    try:
        table = np.loadtxt(io.StringIO(filled), delimiter=",", comments=None, ndmin=2)
    except ValueError:
        return None
    if table.shape[1] != 2:
        return None
    times, values = table[:, 0], table[:, 1]
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
        return None
    missing = np.isnan(values)
    # a NaN other than an empty value was written in the file: not a number we accept
    if int(missing.sum()) != empty or not np.all(np.isfinite(values[~missing])):
        return None
    return values, times


def _parse_plain(rows: list[list[str]]) -> tuple[np.ndarray, np.ndarray] | None:
    """Quick parse of a well-formed file with epoch times; None at the first doubt."""
    if any(len(row) != 2 for row in rows):  # also catches blank lines: the careful path
        return None
    try:
        times = np.array([row[0] for row in rows], dtype=float)
        values = np.array([float(row[1]) if row[1].strip() else math.nan for row in rows])
    except ValueError:
        return None
    if not np.all(np.isfinite(times)) or np.any(np.diff(times) <= 0):
        return None
    given = np.array([bool(row[1].strip()) for row in rows], dtype=bool)
    if not np.all(np.isfinite(values[given])):
        return None
    return values, times


def _parse_checked(
    path: Path, numbered: list[tuple[int, list[str]]]
) -> tuple[np.ndarray, np.ndarray]:
    """Row by row, raising InputError at the first bad row with its file:line."""
    times, values = [], []
    for line, row in numbered:
        if len(row) != 2:
            raise InputError(f"{path}:{line}: expected 2 fields 'time,value', got {len(row)}")
        time_text, value_text = row[0].strip(), row[1].strip()
        try:
            time = _epoch(time_text)
        except ValueError:
            raise InputError(
                f"{path}:{line}: time {time_text!r} is neither epoch seconds nor ISO 8601"
            ) from None
        if not math.isfinite(time):
            raise InputError(f"{path}:{line}: time {time_text!r} is not finite")
        if times and time <= times[-1]:
            raise InputError(
                f"{path}:{line}: time {time_text!r} is not after the previous row's: "
                "times must be sorted and unique"
            )
        if value_text == "":
            value = math.nan
        else:
            try:
                value = float(value_text)
            except ValueError:
                raise InputError(f"{path}:{line}: value {value_text!r} is not a number") from None
            if not math.isfinite(value):
                raise InputError(
                    f"{path}:{line}: value {value_text!r} is not a finite number "
                    "(leave it empty for a missing observation)"
                )
        times.append(time)
        values.append(value)
    return np.array(values, dtype=float), np.array(times, dtype=float)
