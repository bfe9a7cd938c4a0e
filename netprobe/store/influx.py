"""Results in InfluxDB: line-protocol writes, InfluxQL reads over the v1 HTTP API.

The v1 API is what InfluxDB 1.x speaks natively and what 2.x (with a DBRP mapping and a
token) and 3.x accept too. With ``bucket`` and ``org`` the writes go to the 2.x/3.x write
endpoint instead (``/api/v2/write``, ``Authorization: Token``), reads still through
InfluxQL on the v1 compatibility API. Schema, one point per result at its ``started`` time:

- measurement: the test (``throughput``, ``rtt``, ``trace``);
- tags: ``site``, ``probe``, ``endpoint``, ``direction``, ``tool``;
- fields: ``status`` (text, always), ``reason`` (text, failures), ``slot`` (integer
  microseconds since the epoch, scheduled runs), every metric in base units (bit/s, ms,
  counts as integers) — a failure has no metric fields, never a 0 — and ``record``: the
  rest of the Result (end time, context, flags, argv, hops, intervals), see `influx_record`.

InfluxDB keeps one point per measurement, tag set and time, so re-writing a result
replaces it with itself: replays never duplicate. Unlike SQLite, a re-write with other
values for the same key replaces the first (the last one written wins), and the tag set
also holds ``site`` and ``tool``. Names are stored as `line_protocol` encodes them.
"""

import base64
import http.client
import itertools
import json
import math
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode, urlsplit

import numpy as np

from netprobe.errors import ConfigError, StoreError, StoreRejected, StoreUnavailable
from netprobe.model import AnalysisPoint, Direction, Result, Status
from netprobe.store import influx_csv, influx_record, influxql
from netprobe.store.base import Series, Store
from netprobe.store.line_protocol import (
    decode_name,
    encode_name,
    escape_key,
    field_value,
    head,
    line,
)
from netprobe.store.records import COUNT_METRICS, METRIC_TESTS
from netprobe.store.secrets import resolve_secret

NAME = "influxdb"
TAGS = ("site", "probe", "endpoint", "direction", "tool")
RESERVED_FIELDS = frozenset({"status", "reason", "slot", "record", "time", *TAGS})
BATCH_LINES = 5_000  # points per HTTP write at most ...
BATCH_CHARACTERS = 5_000_000  # ... and about this much text: under InfluxDB's 25 MB body limit
PIPELINE_LINES = 500  # points per body: each is built while InfluxDB takes the one before ...
PIPELINE_FIRST = 100  # ... but the first, built while InfluxDB has nothing to do
CHUNK_ROWS = 10_000  # rows per chunk of a query answer (chunked answers have no row limit)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_STATUS_FIELDS = {status: f"status={field_value(status.value)}" for status in Status}
V2_WRITE_HEADERS = {"Content-Type": "text/plain; charset=utf-8", "Accept": "application/json"}


def _micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise StoreError(f"time {value} has no time zone: netprobe times are aware UTC")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _time(micros: int | None) -> datetime | None:
    return None if micros is None else _EPOCH + timedelta(microseconds=micros)


def _batches(sizes: list[int], batch: int) -> Iterator[tuple[int, int]]:
    """(first, end) of consecutive runs of lines of ``sizes`` characters: at most ``batch``
    lines and `BATCH_CHARACTERS` each, but at least one line."""
    first, total = 0, 0
    for index, size in enumerate(sizes):
        if index > first and (index - first >= batch or total + size > BATCH_CHARACTERS):
            yield first, index
            first, total = index, 0
        total += size + 1
    if first < len(sizes):
        yield first, len(sizes)


class InfluxStore(Store):
    """Results in an InfluxDB database (see the `Store` protocol for the contract).

    Args:
        url: the server, e.g. ``http://localhost:8086`` (a path prefix is kept).
        database: the database, or ``database/retention_policy``; with ``bucket``, the
            DBRP-mapped name reads use (default: the bucket's name).
        bucket, org: write to this bucket of this organisation through the InfluxDB
            2.x/3.x API (``/api/v2/write``); needs ``token``. The database is not created.
        username, password: InfluxDB 1.x credentials (HTTP basic authentication).
        token: an API token (InfluxDB 2.x/3.x, or 1.8+ ``user:password``).
        timeout: seconds to wait for the server on each request.
        create: create the database (if missing) before the first write.
        batch: points per HTTP write.

    ``password`` and ``token`` are ``env:NAME`` or ``file:PATH``: the secret itself is
    never in the configuration. The constructor does not contact the server.

    Raises:
        ConfigError: a missing database, bucket without org or token, an unusable URL or
            secret.
    """

    def __init__(
        self,
        url: str,
        *,
        database: str | None = None,
        bucket: str | None = None,
        org: str | None = None,
        username: str | None = None,
        password: str | None = None,
        token: str | None = None,
        timeout: float = 10.0,
        create: bool = True,
        batch: int = BATCH_LINES,
    ) -> None:
        if (bucket or org) and not (bucket and org and token and not username):
            raise ConfigError(
                "[store] bucket and org write through the InfluxDB 2.x/3.x API: set both, "
                "with token = 'env:NAME' or 'file:PATH' (not username/password)"
            )
        database = database or bucket
        if not database:
            raise ConfigError(
                "[store] database (or bucket and org) is required for kind = 'influxdb'"
            )
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"[store] url = {url!r}: expected http://HOST:PORT or https://...")
        self.url = url.rstrip("/")
        self.database, _, self.retention = database.partition("/")
        self.bucket, self.org = bucket, org
        self.timeout = timeout
        self.create = create and not bucket
        self.batch = batch
        self._scheme, self._host = parts.scheme, parts.hostname
        self._port = parts.port or (443 if parts.scheme == "https" else 80)
        self._prefix = parts.path.rstrip("/")
        self._headers = {}
        self._who = "no credentials"
        token = resolve_secret(token, "token")
        if token:
            self._headers["Authorization"] = f"Token {token}"
            self._who = "the token"
        elif username:
            secret = resolve_secret(password, "password") or ""
            basic = base64.b64encode(f"{username}:{secret}".encode()).decode()
            self._headers["Authorization"] = f"Basic {basic}"
            self._who = f"user {username!r}"
        self._conn: http.client.HTTPConnection | None = None
        self._created = False
        self._checked: tuple[Sequence[Result], list[bytes]] | None = None

    # -- HTTP ---------------------------------------------------------------------------

    def _request(
        self,
        path: str,
        params: dict[str, str],
        body: bytes,
        headers: dict[str, str] | None = None,
        meanwhile: Callable[[], None] | None = None,
    ) -> tuple[int, bytes]:
        """POST to the server, retrying once when a kept-alive connection went stale;
        ``meanwhile`` runs once, after the request is sent and before its answer is read."""
        url = f"{self._prefix}{path}?{urlencode(params)}"
        headers = {**self._headers, **(headers or {})}
        for attempt in (1, 2):
            fresh = self._conn is None
            if fresh:
                kind = http.client.HTTPSConnection if self._scheme == "https" else None
                self._conn = (kind or http.client.HTTPConnection)(
                    self._host, self._port, timeout=self.timeout
                )
            try:
                self._conn.request("POST", url, body=body, headers=headers)
                if meanwhile is not None:
                    work, meanwhile = meanwhile, None
                    try:
                        work()
                    except BaseException:
                        self._drop()  # its answer is never read
                        raise
                response = self._conn.getresponse()
                return response.status, response.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as exc:
                self._drop()
                if fresh or attempt == 2:
                    raise StoreUnavailable(f"cannot reach InfluxDB at {self.url}: {exc}") from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                why = exc
                if isinstance(exc, TimeoutError):
                    why = f"no answer within {self.timeout:g} s"
                raise StoreUnavailable(f"cannot reach InfluxDB at {self.url}: {why}") from None
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @staticmethod
    def _why(body: bytes) -> str:
        """The server's own words in an error answer (1.x: ``error``, 2.x/3.x: ``message``)."""
        try:
            answer = json.loads(body)
            return str(answer.get("error") or answer["message"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return body.decode(errors="replace").strip()[:300] or "no details"

    def _failure(self, status: int, body: bytes) -> StoreError:
        """The error an HTTP answer other than success means."""
        why = self._why(body)
        if status in (401, 403):
            return StoreUnavailable(
                f"InfluxDB at {self.url} refused {self._who} ({status}: {why}): "
                "check [store] username, password or token"
            )
        if 400 <= status < 500 and status not in (404, 408, 429):
            return StoreRejected(f"InfluxDB at {self.url} refused the data ({status}): {why}")
        return StoreUnavailable(f"InfluxDB at {self.url} answered {status}: {why}")

    def _db_params(self) -> dict[str, str]:
        params = {"db": self.database}
        if self.retention:
            params["rp"] = self.retention
        return params

    def _query(
        self, statement: str
    ) -> Iterator[tuple[str, list[str], list[list[Any]], dict[str, str]]]:
        """The series of one statement's answer: (measurement, columns, rows, tags), in order."""
        params = {
            **self._db_params(),
            "q": statement,
            "epoch": "u",
            "chunked": "true",
            "chunk_size": str(CHUNK_ROWS),
        }
        status, body = self._request("/query", params, b"")
        if status == 400:
            raise StoreError(f"InfluxDB at {self.url} refused a query: {self._why(body)}")
        if status != 200:
            raise self._failure(status, body)
        for chunk in body.splitlines():
            for answer in json.loads(chunk).get("results", []):
                error = answer.get("error")
                if error and error.startswith("database not found"):
                    return  # nothing written yet: an empty store
                if error:
                    raise StoreError(f"InfluxDB at {self.url} refused a query: {error}")
                for series in answer.get("series", []):
                    yield (
                        series["name"],
                        series["columns"],
                        series["values"],
                        series.get("tags", {}),
                    )

    # -- the Store protocol -------------------------------------------------------------

    def write(self, results: Sequence[Result]) -> None:
        """Store all of ``results``; a failed write stored part or none (re-writing completes it).

        Bodies of at most `PIPELINE_LINES` points (`PIPELINE_FIRST` the first) are built
        while InfluxDB takes the one before (on two cores the building overlaps InfluxDB's work).

        Raises:
            StoreError: a result cannot be stored (the bodies before its own were written;
                nothing is sent if `check` passed first).
            StoreUnavailable: the server is down, slow, failing or refused the credentials.
            StoreRejected: the server refused the data (4xx).
        """
        checked, self._checked = self._checked, None
        if checked and checked[0] is results:
            bodies = iter(checked[1])
        else:
            step = min(self.batch, PIPELINE_LINES)
            ends = [0, *range(min(step, PIPELINE_FIRST), len(results), step), len(results)]
            bodies = (
                body
                for first, end in itertools.pairwise(ends)
                for body in self._payloads(results[first:end])
            )
        ahead: list[bytes | StoreError | None] = [next(bodies, None)]  # what to send next

        def build_next() -> None:
            try:
                ahead.append(next(bodies, None))
            except StoreError as exc:  # raised once the body on its way is answered
                ahead.append(exc)

        while (body := ahead.pop()) is not None:
            if isinstance(body, StoreError):
                raise body
            self._write_payload(body, build_next)

    def check(self, results: Sequence[Result]) -> None:
        """Raise StoreError if any of ``results`` could never be stored; sends nothing.

        The request bodies are kept for a `write` of the same sequence that follows (the
        spool checks, then writes: the lines are built once)."""
        self._checked = None
        self._checked = (results, self._payloads(results))

    def _payloads(self, results: Sequence[Result]) -> list[bytes]:
        """The request bodies that write ``results``: at most ``batch`` points and about
        ``BATCH_CHARACTERS`` each (a result of a long test carries many intervals)."""
        try:
            records = influx_record.encode(results)
        except TypeError:  # the result at fault is found line by line, with its name
            return self._bodies([self._line(result, None) for result in results])
        return self._bodies(list(map(self._line, results, records)))

    def _bodies(self, lines: list[str]) -> list[bytes]:
        """``lines`` cut into request bodies (see `_payloads`)."""
        try:
            return [
                "\n".join(lines[first:end]).encode()
                for first, end in _batches([len(line) for line in lines], self.batch)
            ]
        except UnicodeEncodeError as exc:  # undecodable tool output kept as surrogates
            raise StoreError(
                f"cannot write to InfluxDB at {self.url}: a point holds text that is not valid "
                f"Unicode ({exc.object[max(0, exc.start - 20) : exc.end]!r}); decode tool "
                "output with errors='replace'"
            ) from None

    def _write_payload(self, payload: bytes, meanwhile: Callable[[], None] | None = None) -> None:
        """Write one body; ``meanwhile`` runs once while the server takes it."""
        if self.bucket:
            params = {"org": str(self.org), "bucket": self.bucket, "precision": "us"}
            status, body = self._request(
                "/api/v2/write", params, payload, V2_WRITE_HEADERS, meanwhile
            )
            target = f"bucket {self.bucket!r} of org {self.org!r}"
        else:
            if self.create and not self._created:
                self._create_database()
            params = {**self._db_params(), "precision": "u"}
            status, body = self._request("/write", params, payload, meanwhile=meanwhile)
            target = f"database {self.database!r}"
        if status == 404:
            raise StoreUnavailable(
                f"{target} does not exist on InfluxDB at {self.url}: create it ({self._why(body)})"
            )
        if status not in (200, 204):
            raise self._failure(status, body)

    def _create_database(self) -> None:
        """CREATE DATABASE once per store (a no-op if it exists); a server that refuses
        (no admin rights, InfluxDB 2.x) is left to answer the write itself."""
        statement = f"CREATE DATABASE {influxql.identifier(self.database)}"
        self._request("/query", {"q": statement}, b"")
        self._created = True

    def _line(self, r: Result, record: str | None) -> str:
        """The point of ``r``, with its `influx_record` (None: encoded here alone)."""
        if r.status is not Status.OK and "throughput_bps" in r.metrics:
            raise StoreError(
                f"result of probe {r.probe!r} is {r.status.value!r} but has a throughput: "
                "a failure is stored without one"
            )
        body = _STATUS_FIELDS[r.status]
        if r.reason is not None:
            body += f",reason={field_value(r.reason)}"
        if r.slot is not None:
            body += f",slot={_micros(r.slot)}i"
        try:
            for name, value in r.metrics.items():
                if name in RESERVED_FIELDS:
                    raise StoreError(
                        f"result of probe {r.probe!r} has a metric named {name!r}: InfluxDB "
                        f"keeps its own field under that name "
                        f"({', '.join(sorted(RESERVED_FIELDS))})"
                    )
                if not math.isfinite(value):
                    raise StoreError(
                        f"result of probe {r.probe!r} has metric {name} = {value}: "
                        "leave impossible values out and name them in flags"
                    )
                if name in COUNT_METRICS and float(value).is_integer():
                    body += f",{escape_key(name)}={int(value)}i"
                else:
                    body += f",{escape_key(name)}={float(value)!r}"
            started = _micros(r.started)
            try:
                record = record or influx_record.encode([r])[0]
            except TypeError as exc:  # a naive end or interval time, a value JSON cannot hold
                why = "a time has no time zone" if "naive" in str(exc) else str(exc)
                raise StoreError(f"result of probe {r.probe!r} cannot be stored: {why}") from None
            tags = (
                ("site", r.site),
                ("probe", r.probe),
                ("endpoint", r.endpoint),
                ("direction", r.direction.value),
                ("tool", r.tool),
            )
            return f"{head(r.test, tags)} {body},record={field_value(record)} {started}"
        except ValueError as exc:
            raise StoreError(f"result of probe {r.probe!r} cannot be stored: {exc}") from None

    def _where(self, **filters: Any) -> str:
        clauses = []
        for tag in ("endpoint", "probe", "direction"):
            if filters.get(tag) is not None:
                value = str(filters[tag])
                clauses.append(f"{tag} = {influxql.literal(encode_name(value) if value else '')}")
        if filters.get("status") is not None:
            clauses.append(f"status = {influxql.literal(str(filters['status']))}")
        if filters.get("since") is not None:
            clauses.append(f"time >= {influxql.time_literal(_micros(filters['since']))}")
        if filters.get("until") is not None:
            clauses.append(f"time < {influxql.time_literal(_micros(filters['until']))}")
        return f" WHERE {' AND '.join(clauses)}" if clauses else ""

    @staticmethod
    def _source(test: str | None) -> str:
        return influxql.identifier(encode_name(test)) if test else "/.*/"

    def results(
        self,
        *,
        endpoint: str | None = None,
        probe: str | None = None,
        test: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        status: Status | None = None,
        limit: int | None = None,
    ) -> list[Result]:
        """Full results started in [since, until), oldest first; ``limit`` keeps the newest."""
        if test == "":
            return []
        where = self._where(endpoint=endpoint, probe=probe, status=status, since=since, until=until)
        statement = f"SELECT * FROM {self._source(test)}{where}"
        if limit is not None:
            statement += f" ORDER BY time DESC LIMIT {int(limit)}"
        found: list[tuple[int, Result]] = []
        for name, columns, rows, _ in self._query(statement):
            if "record" not in columns:
                continue  # another program's measurement in the same database
            for row in rows:
                point = dict(zip(columns, row, strict=True))
                if point["record"] is not None:
                    found.append((point["time"], _result(decode_name(name), point)))
        found.sort(key=lambda item: item[0])
        if limit is not None:
            found = found[-int(limit) :] if limit > 0 else []
        return [result for _, result in found]

    def series(
        self,
        endpoint: str,
        direction: Direction,
        metric: str = "throughput_bps",
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        test: str | None = None,
        probe: str | None = None,
    ) -> Series:
        """One metric of one link over [since, until), from ``test`` (default: the metric's)."""
        test = test or METRIC_TESTS.get(metric)
        where = self._where(
            endpoint=endpoint, direction=direction, probe=probe, since=since, until=until
        )
        field = encode_name(metric)
        statement = f"SELECT status, {influxql.identifier(field)} FROM {self._source(test)}{where}"
        columns = self._csv_columns(statement, encode_name(test), field) if test else None
        times_array, status_array, value_array = columns or self._json_columns(statement)
        value_array[status_array != Status.OK.value] = np.nan
        return Series(
            endpoint=endpoint,
            direction=direction,
            metric=metric,
            times=times_array.astype("datetime64[us]"),
            values=value_array,
            status=status_array,
        )

    def _csv_columns(
        self, statement: str, measurement: str, field: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Times, statuses and values of a ``SELECT status, field`` of one measurement, from
        InfluxDB's CSV answer; None when it is not the CSV expected (an error among them:
        the JSON answer then tells what went wrong)."""
        params = {
            **self._db_params(),
            "q": statement,
            "epoch": "u",
            "chunked": "true",
            "chunk_size": str(CHUNK_ROWS),
        }
        status, body = self._request("/query", params, b"", {"Accept": "application/csv"})
        return influx_csv.parse_series(body, measurement, field) if status == 200 else None

    def _json_columns(self, statement: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Times, statuses and values of a ``SELECT status, field`` from the JSON answer,
        in time order across measurements."""
        times: list[int] = []
        states: list[str] = []
        values: list[Any] = []
        parts = 0
        for _, _, rows, _ in self._query(statement):
            parts += 1
            if rows and len(rows[0]) == 3:
                t, s, v = zip(*rows, strict=True)
            else:  # the metric was never written: InfluxDB leaves its column out
                t, s = zip(*rows, strict=True) if rows else ((), ())
                v = (None,) * len(t)
            times += t
            states += s
            values += v
        columns = (
            np.array(times, dtype=np.int64),
            np.array(states, dtype=str),
            np.array(values, dtype=np.float64),
        )
        if parts > 1:  # several measurements: put them back in time order
            order = np.argsort(columns[0], kind="stable")
            columns = tuple(column[order] for column in columns)
        return columns

    def last_slot(self, probe: str) -> datetime | None:
        """The newest scheduled slot time stored for ``probe``, or None if it never filled one."""
        statement = f"SELECT max(slot) FROM /.*/{self._where(probe=probe)}"
        slots = [row[1] for _, _, rows, _ in self._query(statement) for row in rows if row[1]]
        return _time(max(slots)) if slots else None

    def write_points(self, points: Sequence[AnalysisPoint]) -> None:
        """Keep the analysis' points (see `Store.write_points`); not spooled when InfluxDB
        is unavailable: the next analysis writes them again.

        Raises:
            StoreError: a point cannot be stored (nothing was sent).
            StoreUnavailable, StoreRejected: as `write`.
        """
        try:
            lines = [line(p.measurement, p.tags, p.fields, _micros(p.time)) for p in points]
        except ValueError as exc:
            raise StoreError(f"an analysis point cannot be stored in InfluxDB: {exc}") from None
        for payload in self._bodies(lines):
            self._write_payload(payload)

    def points(
        self, measurement: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AnalysisPoint]:
        """The stored points of ``measurement`` with times in [since, until), oldest first."""
        where = self._where(since=since, until=until)
        statement = f"SELECT * FROM {self._source(measurement)}{where} GROUP BY *"
        found = []
        for _, columns, rows, stored in self._query(statement):
            tags = {decode_name(k): decode_name(v) for k, v in stored.items() if v}
            names = [decode_name(c) for c in columns]
            for row in rows:
                fields = {k: v for k, v in zip(names[1:], row[1:], strict=True) if v is not None}
                found.append(AnalysisPoint(measurement, _time(row[0]), tags, fields))
        found.sort(key=lambda p: p.time)
        return found

    def close(self) -> None:
        """Release the connection; the store cannot be used afterwards."""
        self._drop()


def _result(test: str, point: dict[str, Any]) -> Result:
    """The Result one point of `SELECT *` holds."""
    started = _time(point["time"])
    metrics = {}
    for name, value in point.items():
        if value is None or name in RESERVED_FIELDS or name in TAGS:
            continue
        name = decode_name(name)
        metrics[name] = int(value) if name in COUNT_METRICS else float(value)
    return Result(
        probe=decode_name(point.get("probe") or ""),
        test=test,
        tool=decode_name(point.get("tool") or ""),
        endpoint=decode_name(point.get("endpoint") or ""),
        direction=Direction(point["direction"]),
        status=Status(point["status"]),
        started=started,
        site=decode_name(point.get("site") or ""),
        metrics=metrics,
        reason=point.get("reason"),
        slot=_time(point.get("slot")),
        **influx_record.decode(point["record"], started),
    )
