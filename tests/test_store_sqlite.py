"""What only the SQLite store promises: its file, schema migrations, crashes, many writers."""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from netprobe.errors import StoreError
from netprobe.model import Direction, Status
from netprobe.store import SqliteStore
from netprobe.store.sqlite_schema import MIGRATIONS, migrate, schema_version

# A writer for the crash and concurrency tests: batches of BATCH results, result i with
# i % 40 + 1 intervals (its "n" in context), so a half-written one would show.
WRITER = """
import sys
from datetime import UTC, datetime, timedelta
from netprobe.model import Direction, Interval, Result, Status
from netprobe.store import SqliteStore

path, probe, count, batch = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
t0 = datetime(2026, 1, 1, tzinfo=UTC)

def result(i, probe):
    at = t0 + timedelta(minutes=10 * i)
    n = i % 40 + 1
    return Result(probe=probe, test="throughput", tool="iperf3", endpoint="ncsa",
                  direction=Direction.FORWARD, status=Status.OK, started=at,
                  metrics={"throughput_bps": 1e9 + i}, context={"n": n},
                  intervals=[Interval(at + timedelta(seconds=s), 1.0, 1e9) for s in range(n)])

with SqliteStore(path) as store:
    for first in range(0, count, batch):
        store.write([result(i, probe) for i in range(first, first + batch)])
        store.write([result(i, "shared") for i in range(3)])
    print("done", flush=True)
"""


def start_writer(path, probe: str, count: int, batch: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", WRITER, str(path), probe, str(count), str(batch)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def assert_consistent(path) -> list:
    """The database is sound and every stored result has all its intervals."""
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    conn.close()
    with SqliteStore(path, create=False) as store:
        stored = store.results()
    for result in stored:
        assert len(result.intervals) == result.context["n"], result
    return stored


def test_crash_mid_write_leaves_whole_batches_only(tmp_path):
    path = tmp_path / "crash.sqlite"
    writer = start_writer(path, "victim", count=10**6, batch=7)
    try:
        deadline = time.monotonic() + 60
        stored = 0
        while stored < 100:
            assert writer.poll() is None, writer.stderr.read()
            assert time.monotonic() < deadline, "the writer never stored 100 results"
            time.sleep(0.05)
            if path.exists():
                with sqlite3.connect(path, timeout=30) as conn:
                    if schema_version(conn) == len(MIGRATIONS):
                        stored = conn.execute("SELECT count(*) FROM results").fetchone()[0]
        writer.send_signal(signal.SIGKILL)
    finally:
        writer.kill()
        writer.wait()
    assert writer.returncode == -signal.SIGKILL
    victims = [r for r in assert_consistent(path) if r.probe == "victim"]
    assert len(victims) >= 100 - 3
    assert len(victims) % 7 == 0  # batches are all or nothing
    assert [r.context["n"] for r in victims] == [i % 40 + 1 for i in range(len(victims))]


def test_four_processes_writing_at_once_store_everything_exactly_once(tmp_path):
    path = tmp_path / "busy.sqlite"  # created by the racing writers themselves
    writers = [start_writer(path, f"p{k}", count=40, batch=4) for k in range(4)]
    for writer in writers:
        out, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
        assert out.strip() == "done"
    stored = assert_consistent(path)
    keys = [(r.probe, r.started) for r in stored]
    assert len(keys) == len(set(keys)) == 4 * 40 + 3
    assert sorted({r.probe for r in stored}) == ["p0", "p1", "p2", "p3", "shared"]


def test_settings_of_an_open_store(tmp_path):
    with SqliteStore(tmp_path / "s.sqlite") as store:
        conn = store._conn
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert conn.execute("PRAGMA foreign_keys").fetchone() == (1,)
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000
        assert schema_version(conn) == len(MIGRATIONS)


def test_a_version_1_database_is_migrated_on_open(tmp_path):
    path = tmp_path / "old.sqlite"
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, MIGRATIONS[:1]) == 1
    conn.execute(
        "INSERT INTO results (probe, test, tool, site, endpoint, direction, status, started, "
        "argv, context, flags, extra_metrics, throughput_bps) "
        "VALUES ('old', 'throughput', 'iperf3', 'local', 'ncsa', 'forward', 'ok', "
        "1767225600000000, '[]', '{}', '[]', '{}', 2e10)"
    )
    conn.close()

    with SqliteStore(path) as store:
        assert schema_version(store._conn) == len(MIGRATIONS) > 1
        (old,) = store.results()
        assert old.started == datetime(2026, 1, 1, tzinfo=UTC)
        assert old.throughput_bps == 2e10 and old.slot is None
        assert old.direction is Direction.FORWARD and old.status is Status.OK
        assert store.last_slot("old") is None


def test_a_database_from_a_newer_netprobe_is_refused(tmp_path):
    path = tmp_path / "new.sqlite"
    SqliteStore(path).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match=f"{path}.*newer netprobe.*upgrade netprobe"):
        SqliteStore(path)


def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "notes.sqlite"
    path.write_text("these are my notes, not a database\n" * 50)
    with pytest.raises(StoreError, match=f"{path} is not a SQLite database"):
        SqliteStore(path)
    assert path.read_text().startswith("these are my notes")


def test_a_database_of_another_program_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE photos (name TEXT)")
    with pytest.raises(StoreError, match=f"{path} is a SQLite database of another program"):
        SqliteStore(path)
    with sqlite3.connect(path) as conn:
        tables = conn.execute("SELECT name FROM sqlite_master").fetchall()
    assert tables == [("photos",)]


def test_missing_database_is_refused_when_not_creating(tmp_path):
    with pytest.raises(StoreError, match=f"no database at {tmp_path / 'none.sqlite'}"):
        SqliteStore(tmp_path / "none.sqlite", create=False)
    assert not (tmp_path / "none.sqlite").exists()


def test_missing_folder(tmp_path):
    with pytest.raises(StoreError, match=f"{tmp_path / 'nope'} does not exist"):
        SqliteStore(tmp_path / "nope" / "db.sqlite")


def test_folder_that_is_a_file(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StoreError, match="file is not a folder"):
        SqliteStore(tmp_path / "file" / "db.sqlite")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders anyway")
def test_unwritable_folder(tmp_path):
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o555)
    try:
        with pytest.raises(StoreError, match=f"{folder} is not writable"):
            SqliteStore(folder / "db.sqlite")
    finally:
        folder.chmod(0o755)


def test_unwritable_place_even_for_root():
    with pytest.raises(StoreError, match="/proc/netprobe-test.sqlite"):
        SqliteStore("/proc/netprobe-test.sqlite")
