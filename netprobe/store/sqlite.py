"""The embedded default store: one SQLite file in WAL mode, safe for several processes at once.

Each `write` is one ``BEGIN IMMEDIATE`` transaction, so a process killed mid-write leaves
either the whole batch or nothing. Re-writing a stored result is ``INSERT OR IGNORE``d on
(probe, endpoint, direction, started): the first one written wins.
"""

import contextlib
import json
import math
import os
import sqlite3
import time
from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from netprobe.errors import StoreError
from netprobe.model import AnalysisPoint, Direction, Hop, Interval, Result, Status
from netprobe.store.base import Series, Store
from netprobe.store.records import METRIC_TESTS
from netprobe.store.sqlite_schema import MIGRATIONS, migrate

NAME = "sqlite"
BUSY_TIMEOUT_MS = 30_000  # a writer waits this long for another process's transaction

_RESULT_COLUMNS = (
    "id, probe, test, tool, site, endpoint, direction, status, started, ended, slot, reason, "
    "argv, context, flags, extra_metrics, " + ", ".join(METRIC_TESTS)
)
_INSERT_RESULT = (
    f"INSERT OR IGNORE INTO results ({_RESULT_COLUMNS.removeprefix('id, ')}) "
    f"VALUES ({', '.join('?' * (15 + len(METRIC_TESTS)))})"
)
_INSERT_INTERVAL = (
    "INSERT INTO intervals (result_id, seq, start, seconds, bps, retransmits, rtt_ms, "
    "cwnd_bytes, omitted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_INSERT_HOP = "INSERT INTO hops (result_id, seq, ttl, address, name, rtt_ms) VALUES (?,?,?,?,?,?)"


def _micros(value: datetime) -> int:
    if value.tzinfo is None:
        raise StoreError(f"time {value} has no time zone: netprobe times are aware UTC")
    delta = value - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _time(micros: int | None) -> datetime | None:
    return None if micros is None else _EPOCH + timedelta(microseconds=micros)


class SqliteStore(Store):
    """Results in one SQLite file (see the `Store` protocol for the contract).

    Args:
        path: the database file; its folder must exist.
        create: make the file if it does not exist (False: a missing file is a StoreError).

    Raises:
        StoreError: the file cannot be opened or created, is not a netprobe database, or
            was made by a newer netprobe.
    """

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        self._conn = self._open(create)

    def _open(self, create: bool) -> sqlite3.Connection:
        where = self.path.parent
        if not self.path.exists():
            if not create:
                raise StoreError(
                    f"no database at {self.path}: run a probe first, or point --db at one"
                )
            if not where.is_dir():
                problem = "is not a folder" if where.exists() else "does not exist"
                raise StoreError(
                    f"cannot create database {self.path}: {where} {problem} "
                    "(create that folder, or choose another store path)"
                )
            if not os.access(where, os.W_OK | os.X_OK):
                raise StoreError(
                    f"cannot create database {self.path}: folder {where} is not writable "
                    "(fix its permissions, or choose another store path)"
                )
        try:
            conn = sqlite3.connect(self.path, isolation_level=None, timeout=BUSY_TIMEOUT_MS / 1e3)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # one statement, one snapshot: a racing process may be creating the schema
            version, tables = conn.execute(
                "SELECT user_version, (SELECT count(*) FROM sqlite_master) FROM pragma_user_version"
            ).fetchone()
            if version == 0 and tables:
                raise StoreError(
                    f"{self.path} is a SQLite database of another program, not netprobe's: "
                    "point the store at a new file"
                )
            if version > len(MIGRATIONS):
                raise StoreError(
                    f"database {self.path} has schema version {version}, made by a newer "
                    f"netprobe (this one knows up to {len(MIGRATIONS)}): upgrade netprobe"
                )
            _enable_wal(conn)
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "not a database" in str(exc):
                raise StoreError(
                    f"{self.path} is not a SQLite database: point the store at a netprobe "
                    "database, or move that file away"
                ) from None
            raise StoreError(f"cannot open database {self.path}: {exc}") from None
        except BaseException:
            conn.close()
            raise
        return conn

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` write transaction: committed, or rolled back on any error."""
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
            self._conn.execute("COMMIT")
        except BaseException:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise

    def write(self, results: Sequence[Result]) -> None:
        """Store all of ``results`` in one transaction, or none of them."""
        rows = [self._result_row(r) for r in results]
        conn = self._conn
        try:
            with self._transaction():
                intervals: list[tuple] = []
                hops: list[tuple] = []
                for result, row in zip(results, rows, strict=True):
                    cursor = conn.execute(_INSERT_RESULT, row)
                    if cursor.rowcount == 0:  # already stored: idempotent re-write
                        continue
                    rid = cursor.lastrowid
                    intervals += [
                        (
                            rid,
                            seq,
                            _micros(i.start),
                            i.seconds,
                            i.bps,
                            i.retransmits,
                            i.rtt_ms,
                            i.cwnd_bytes,
                            int(i.omitted),
                        )
                        for seq, i in enumerate(result.intervals)
                    ]
                    hops += [
                        (rid, seq, h.ttl, h.address, h.name, h.rtt_ms)
                        for seq, h in enumerate(result.hops)
                    ]
                # all the batch's intervals and hops in one statement each
                conn.executemany(_INSERT_INTERVAL, intervals)
                conn.executemany(_INSERT_HOP, hops)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to database {self.path}: {exc}") from None
        except UnicodeEncodeError as exc:  # undecodable tool output kept as surrogates
            raise StoreError(
                f"cannot write to database {self.path}: a result holds text that is not valid "
                f"Unicode ({exc.object[max(0, exc.start - 20) : exc.end]!r}); decode tool "
                "output with errors='replace'"
            ) from None

    def _result_row(self, r: Result) -> tuple[Any, ...]:
        if r.status is not Status.OK and "throughput_bps" in r.metrics:
            raise StoreError(
                f"result of probe {r.probe!r} is {r.status.value!r} but has a throughput: "
                "a failure is stored without one"
            )
        for name, value in r.metrics.items():
            if not math.isfinite(value):
                raise StoreError(
                    f"result of probe {r.probe!r} has metric {name} = {value}: "
                    "leave impossible values out and name them in flags"
                )
        extra = {k: v for k, v in r.metrics.items() if k not in METRIC_TESTS}
        return (
            r.probe, r.test, r.tool, r.site, r.endpoint, r.direction.value, r.status.value,
            _micros(r.started), r.ended and _micros(r.ended), r.slot and _micros(r.slot),
            r.reason, json.dumps(r.argv), json.dumps(r.context), json.dumps(r.flags),
            json.dumps(extra), *(r.metrics.get(name) for name in METRIC_TESTS),
        )  # fmt: skip

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
        where, params = _where(
            endpoint=endpoint, probe=probe, test=test, since=since, until=until, status=status
        )
        chosen = f"SELECT id FROM results WHERE {where}"
        if limit is not None:
            chosen += f" ORDER BY started DESC, id DESC LIMIT {int(limit)}"
        try:
            self._conn.execute("BEGIN")  # one snapshot for the three reads
            rows = self._conn.execute(
                f"SELECT {_RESULT_COLUMNS} FROM results WHERE id IN ({chosen}) "
                "ORDER BY started, id",
                params,
            ).fetchall()
            intervals: dict[int, list[Interval]] = defaultdict(list)
            for rid, start, *rest in self._conn.execute(
                "SELECT result_id, start, seconds, bps, retransmits, rtt_ms, cwnd_bytes, omitted "
                f"FROM intervals WHERE result_id IN ({chosen}) ORDER BY result_id, seq",
                params,
            ):
                seconds, bps, retransmits, rtt_ms, cwnd_bytes, omitted = rest
                intervals[rid].append(
                    Interval(
                        _time(start), seconds, bps, retransmits, rtt_ms, cwnd_bytes, bool(omitted)
                    )
                )
            hops: dict[int, list[Hop]] = defaultdict(list)
            for rid, *hop in self._conn.execute(
                "SELECT result_id, ttl, address, name, rtt_ms "
                f"FROM hops WHERE result_id IN ({chosen}) ORDER BY result_id, seq",
                params,
            ):
                hops[rid].append(Hop(*hop))
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read database {self.path}: {exc}") from None
        finally:
            if self._conn.in_transaction:
                self._conn.execute("COMMIT")
        return [_result(row, intervals[row[0]], hops[row[0]]) for row in rows]

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
        import numpy as np  # here, not at the top: writing results (every probe) needs no numpy

        test = test or METRIC_TESTS.get(metric)
        where, params = _where(
            endpoint=endpoint, direction=direction, test=test, probe=probe, since=since, until=until
        )
        if metric in METRIC_TESTS:
            value = metric
        else:
            value = "json_extract(extra_metrics, ?)"
            params = [f'$."{metric}"', *params]
        try:
            rows = self._conn.execute(
                f"SELECT started, status, CASE WHEN status = 'ok' THEN {value} END "
                # by started alone: the covering index gives that order without a sort
                f"FROM results WHERE {where} ORDER BY started",
                params,
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read database {self.path}: {exc}") from None
        started, states, values = zip(*rows, strict=True) if rows else ((), (), ())
        return Series(
            endpoint=endpoint,
            direction=direction,
            metric=metric,
            times=np.array(started, dtype=np.int64).astype("datetime64[us]"),
            values=np.array(values, dtype=np.float64),
            status=np.array(states, dtype=str),
        )

    def write_points(self, points: Sequence[AnalysisPoint]) -> None:
        """Keep the analysis' points (see `Store.write_points`), all or none."""
        rows = [
            (
                p.measurement,
                _micros(p.time),
                json.dumps({k: v for k, v in p.tags.items() if v}, sort_keys=True),
                json.dumps(p.fields),
            )
            for p in points
        ]
        try:
            with self._transaction():
                self._conn.executemany(
                    "INSERT OR REPLACE INTO analysis_points VALUES (?, ?, ?, ?)", rows
                )
        except sqlite3.Error as exc:
            raise StoreError(f"cannot write to database {self.path}: {exc}") from None

    def points(
        self, measurement: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AnalysisPoint]:
        """The stored points of ``measurement`` with times in [since, until), oldest first."""
        clauses, params = ["measurement = ?"], [measurement]
        if since is not None:
            clauses.append("time >= ?")
            params.append(_micros(since))
        if until is not None:
            clauses.append("time < ?")
            params.append(_micros(until))
        try:
            rows = self._conn.execute(
                f"SELECT time, tags, fields FROM analysis_points WHERE {' AND '.join(clauses)} "
                "ORDER BY time, tags",
                params,
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read database {self.path}: {exc}") from None
        return [
            AnalysisPoint(measurement, _time(at), json.loads(tags), json.loads(fields))
            for at, tags, fields in rows
        ]

    def last_slot(self, probe: str) -> datetime | None:
        """The newest scheduled slot time stored for ``probe``, or None if it never filled one."""
        try:
            (slot,) = self._conn.execute(
                "SELECT max(slot) FROM results WHERE probe = ?", (probe,)
            ).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read database {self.path}: {exc}") from None
        return _time(slot)

    def close(self) -> None:
        """Release the connection; the store cannot be used afterwards."""
        self._conn.close()


def _enable_wal(conn: sqlite3.Connection) -> None:
    # Two processes turning a new file to WAL at once can deadlock on its rollback-journal
    # locks; SQLite then answers "locked" at once instead of calling the busy handler.
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1e3
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def _where(**filters: Any) -> tuple[str, list[Any]]:
    clauses, params = ["1"], []
    for column in ("endpoint", "direction", "probe", "test", "status"):
        if filters.get(column) is not None:
            clauses.append(f"{column} = ?")
            params.append(str(filters[column]))
    if filters.get("since") is not None:
        clauses.append("started >= ?")
        params.append(_micros(filters["since"]))
    if filters.get("until") is not None:
        clauses.append("started < ?")
        params.append(_micros(filters["until"]))
    return " AND ".join(clauses), params


def _result(row: tuple[Any, ...], intervals: list[Interval], hops: list[Hop]) -> Result:
    (
        _,
        probe,
        test,
        tool,
        site,
        endpoint,
        direction,
        status,
        started,
        ended,
        slot,
        reason,
        argv,
        context,
        flags,
        extra,
        *metric_values,
    ) = row
    metrics = {
        name: value
        for name, value in zip(METRIC_TESTS, metric_values, strict=True)
        if value is not None
    }
    metrics.update(json.loads(extra))
    return Result(
        probe=probe,
        test=test,
        tool=tool,
        endpoint=endpoint,
        direction=Direction(direction),
        status=Status(status),
        started=_time(started),
        ended=_time(ended),
        site=site,
        metrics=metrics,
        intervals=intervals,
        hops=hops,
        context=json.loads(context),
        flags=json.loads(flags),
        reason=reason,
        argv=json.loads(argv),
        slot=_time(slot),
    )
