"""The SQLite schema as a list of migrations, applied in order; ``PRAGMA user_version`` counts them.

Times are integer microseconds since the epoch, UTC (exact, and the fastest to turn into
numpy ``datetime64[us]``). Every documented metric has its own column so `series` reads it
straight from an index; metrics outside that list live in ``extra_metrics`` (JSON).
Never edit a shipped migration: append a new one.
"""

import sqlite3

from netprobe.store.records import COUNT_METRICS, METRIC_TESTS

_METRIC_COLUMNS = ",\n".join(
    f"    {name} {'INTEGER' if name in COUNT_METRICS else 'REAL'}" for name in METRIC_TESTS
)

MIGRATIONS: tuple[str, ...] = (
    # 1: results, their intervals and hops. A failure never carries a throughput.
    f"""
CREATE TABLE results (
    id INTEGER PRIMARY KEY,
    probe TEXT NOT NULL,
    test TEXT NOT NULL,
    tool TEXT NOT NULL,
    site TEXT NOT NULL,
    endpoint TEXT NOT NULL,
    direction TEXT NOT NULL,
    status TEXT NOT NULL,
    started INTEGER NOT NULL,
    ended INTEGER,
    reason TEXT,
    argv TEXT NOT NULL,
    context TEXT NOT NULL,
    flags TEXT NOT NULL,
    extra_metrics TEXT NOT NULL,
{_METRIC_COLUMNS},
    UNIQUE (probe, endpoint, direction, started),
    CHECK (status = 'ok' OR throughput_bps IS NULL)
);
CREATE INDEX results_started ON results (started);
CREATE INDEX results_series
    ON results (endpoint, direction, test, started, status, probe, throughput_bps);
CREATE TABLE intervals (
    result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    start INTEGER NOT NULL,
    seconds REAL NOT NULL,
    bps REAL NOT NULL,
    retransmits INTEGER,
    rtt_ms REAL,
    cwnd_bytes INTEGER,
    omitted INTEGER NOT NULL,
    PRIMARY KEY (result_id, seq)
) WITHOUT ROWID;
CREATE TABLE hops (
    result_id INTEGER NOT NULL REFERENCES results (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    ttl INTEGER NOT NULL,
    address TEXT,
    name TEXT,
    rtt_ms REAL,
    PRIMARY KEY (result_id, seq)
) WITHOUT ROWID;
""",
    # 2: the scheduled slot a run filled, so the scheduler can find the slots it missed.
    """
ALTER TABLE results ADD COLUMN slot INTEGER;
CREATE INDEX results_slot ON results (probe, slot);
""",
    # 3: the analysis' points for dashboards (as InfluxDB keeps them: one per measurement,
    # time and tag set, the last written wins). tags and fields are JSON objects, tags
    # with sorted keys so that one tag set is one text.
    """
CREATE TABLE analysis_points (
    measurement TEXT NOT NULL,
    time INTEGER NOT NULL,
    tags TEXT NOT NULL,
    fields TEXT NOT NULL,
    PRIMARY KEY (measurement, time, tags)
) WITHOUT ROWID;
""",
)


def schema_version(conn: sqlite3.Connection) -> int:
    """The number of migrations applied to the database behind ``conn``."""
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, migrations: tuple[str, ...] = MIGRATIONS) -> int:
    """Apply the migrations ``conn`` lacks, each in its own write transaction.

    ``conn`` must be in autocommit mode (``isolation_level=None``). The version is re-read
    inside the transaction, so processes opening a new database at once migrate it once.

    Returns:
        The schema version after migrating.
    """
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema_version(conn)
            if version >= len(migrations):
                conn.execute("COMMIT")
                return version
            for statement in _statements(migrations[version]):
                conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def _statements(script: str) -> list[str]:
    # executescript() would COMMIT our transaction first; split on complete statements.
    statements, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    return [s for s in statements if s]
