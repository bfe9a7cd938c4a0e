"""Reading a time,value CSV: the quick numpy path and the careful row-by-row one agree."""

import numpy as np
import pytest

from netprobe.csvseries import read_series
from netprobe.errors import InputError


def _write(tmp_path, body: str):
    path = tmp_path / "series.csv"
    path.write_text("time,value\n" + body)
    return path


@pytest.mark.parametrize(
    "body",
    [
        "1,2.5\n2,\n3, 4e9 \n4,5\n",  # epoch times, an empty value (a failed probe)
        "1,2.5\n2,\n3,4e9\n1970-01-01T00:00:04Z,5\n",  # an ISO time: the careful path
        "1,2.5\n2,  \n\n3,4e9\n4,5",  # spaces for the empty value, a blank line, no last newline
    ],
)
def test_values_times_and_missing_values_whichever_path_reads_them(tmp_path, body):
    values, times = read_series(_write(tmp_path, body))
    assert times.tolist() == [1.0, 2.0, 3.0, 4.0]
    assert np.isnan(values[1])
    assert values[[0, 2, 3]].tolist() == [2.5, 4e9, 5.0]


def test_windows_line_ends_and_a_byte_order_mark(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_bytes(b"\xef\xbb\xbftime,value\r\n1,2\r\n2,\r\n3,4\r\n")
    values, times = read_series(path)
    assert times.tolist() == [1.0, 2.0, 3.0]
    assert values[0] == 2.0 and np.isnan(values[1]) and values[2] == 4.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1,2\n2,nan\n", ":3: value 'nan' is not a finite number"),  # only empty is missing
        ("1,2\n2,NaN\n3,\n", ":3: value 'NaN' is not a finite number"),
        ("1,2\n   \n3,4\n", ":3: expected 2 fields"),
        ("1,2\nnan,3\n", ":3: time 'nan' is not finite"),
        ("1,2\n2,0x10\n", ":3: value '0x10' is not a number"),
        ("1,2\n2,\n2,3\n", ":4: time '2' is not after"),
    ],
)
def test_a_bad_row_is_named_by_its_line(tmp_path, body, message):
    with pytest.raises(InputError, match=message):
        read_series(_write(tmp_path, body))
