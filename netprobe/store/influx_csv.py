"""InfluxDB's CSV answer to ``SELECT status, <field>`` of one measurement, read with numpy. Pure.

About twice as fast to parse as the JSON answer (no Python object per cell). Only the shape
`InfluxStore.series` asks for is read: a header ``name,tags,time,status,<field>``, then
one row per point with an empty tags column, times in integer microseconds. Anything else
(a name or value CSV had to quote, an error, another server's idea of CSV) gives None, and
the caller asks again for JSON.
"""

import numpy as np

COLUMNS = 5  # name, tags, time, status, the field


def parse_series(
    body: bytes, measurement: str, field: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Times (int64 µs), statuses (str) and values (float64, NaN where absent), or None.

    Args:
        body: the answer of ``/query`` with ``Accept: application/csv`` and ``epoch=u``.
        measurement, field: the names as stored (encoded), as the header and rows show them.
    """
    header = f"name,tags,time,status,{field}\n".encode()
    if not body.startswith(header) or b'"' in body:
        return None
    cells = body[len(header) :].rstrip(b"\n").replace(b"\n", b",").split(b",")
    if len(cells) % COLUMNS or cells == [b""]:
        return None
    table = np.array(cells, dtype="S").reshape(-1, COLUMNS)
    table = table[table[:, 0] != b"name"]  # a header repeated at a chunk's start
    if not ((table[:, 0] == measurement.encode()).all() and (table[:, 1] == b"").all()):
        return None
    values = table[:, 4]
    try:
        return (
            table[:, 2].astype(np.int64),
            table[:, 3].astype(str),
            np.where(values == b"", b"nan", values).astype(np.float64),
        )
    except ValueError:  # a value that is not a number
        return None
