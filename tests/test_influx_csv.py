"""Reading InfluxDB's CSV answer for series(): the same columns as its JSON answer, or None."""

from datetime import timedelta

import numpy as np
import pytest
from test_store import T0, throughput

from netprobe.model import Direction
from netprobe.store import InfluxStore
from netprobe.store.influx_csv import parse_series

# As influxd 1.6.7 answers `SELECT status, "throughput_bps" FROM "throughput"` (epoch=u).
ANSWER = (
    b"name,tags,time,status,throughput_bps\n"
    b"throughput,,1735689617828623,ok,18603675257.619434\n"
    b"throughput,,1735696815352039,busy,\n"
    b"throughput,,1735697403244317,ok,18451127015.602085\n"
)


def test_the_columns_of_an_answer():
    times, status, values = parse_series(ANSWER, "throughput", "throughput_bps")
    assert times.tolist() == [1735689617828623, 1735696815352039, 1735697403244317]
    assert status.tolist() == ["ok", "busy", "ok"]
    assert values[0] == 18603675257.619434 and np.isnan(values[1])


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", "empty: influxd answers a missing database so in CSV"),
        (b'error\n"error parsing query: found b"\n', "an error"),
        (ANSWER.replace(b"throughput_bps", b"rtt_ms"), "another field"),
        (ANSWER.replace(b"throughput,,", b"rtt,,"), "another measurement"),
        (ANSWER.replace(b",,1735696815352039", b',"a,b",1735696815352039'), "tags, quoted"),
        (ANSWER.replace(b"busy,\n", b"busy,big\n"), "a value that is no number"),
        (ANSWER + b"throughput,,1735697403244318,ok\n", "a short row"),
        (b'{"results":[{"statement_id":0}]}\n', "JSON from a server ignoring Accept"),
    ],
)
def test_anything_else_is_none(body, why):
    assert parse_series(body, "throughput", "throughput_bps") is None, why


def test_series_reads_the_same_from_csv_as_from_json(influxd, influx_database):
    results = [throughput(T0 + timedelta(minutes=10 * i)) for i in range(30)]
    results += [throughput(T0 + timedelta(minutes=10 * i + 5), bps=None) for i in range(5)]
    name = 'a, "b" = 100%'
    results += [throughput(T0 + timedelta(hours=i), endpoint=name) for i in range(3)]
    with InfluxStore(influxd.url, database=influx_database) as store:
        store.write(results)
        statement = 'SELECT status, "throughput_bps" FROM "throughput"'
        from_csv = store._csv_columns(statement, "throughput", "throughput_bps")
        from_json = store._json_columns(statement)
        assert from_csv is not None and len(from_csv[0]) == 38
        for a, b in zip(from_csv, from_json, strict=True):
            assert np.array_equal(a, b, equal_nan=a.dtype.kind == "f")
        hostile = store.series(name, Direction.FORWARD)
        assert len(hostile) == 3 and hostile.time(2) == T0 + timedelta(hours=2)
