"""The alert state on disk: a small SQLite file in the site's ``state_dir``.

Tables: ``alerts`` (one row per alert with a memory), ``held`` (notifications kept back
by quiet hours), ``outbox`` (notifications not yet delivered, per sink) and ``posted``
(when an open alert was last posted to a sink that re-posts). Each write is one SQLite
transaction, so a crash leaves the state of before or after, never a mix.
"""

import json
import sqlite3
from datetime import datetime
from pathlib import Path

from netprobe.alerts.notification import AlertKey, Notification
from netprobe.alerts.state import AlertRecord, AlertState
from netprobe.errors import StoreError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS alerts (
    site TEXT, endpoint TEXT, direction TEXT, kind TEXT,
    history TEXT NOT NULL, current TEXT,
    PRIMARY KEY (site, endpoint, direction, kind));
CREATE TABLE IF NOT EXISTS held (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (seq INTEGER PRIMARY KEY, sink TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS posted (
    sink TEXT, site TEXT, endpoint TEXT, direction TEXT, kind TEXT, at TEXT NOT NULL,
    PRIMARY KEY (sink, site, endpoint, direction, kind));
"""


class AlertStateFile:
    """The alert state kept in ``path``; callers hold the alert lock while using it.

    Raises:
        StoreError: the file cannot be opened or is not an alert state file.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, isolation_level=None)
            self._db.execute("PRAGMA synchronous = FULL")
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"{self.path}: cannot open the alert state: {exc}") from None

    def close(self) -> None:
        """Close the file."""
        self._db.close()

    def load(self) -> AlertState:
        """The state as last saved (empty the first time)."""
        records = {}
        for site, endpoint, direction, kind, history, current in self._db.execute(
            "SELECT site, endpoint, direction, kind, history, current FROM alerts"
        ):
            key = AlertKey(site, endpoint, direction, kind)
            shown = Notification.from_dict(json.loads(current)) if current else None
            records[key] = AlertRecord(key, tuple(json.loads(history)), shown)
        held = tuple(
            Notification.from_dict(json.loads(body))
            for (body,) in self._db.execute("SELECT body FROM held ORDER BY seq")
        )
        return AlertState(records, held)

    def save(self, state: AlertState, outgoing: list[tuple[str, Notification]]) -> None:
        """Replace the state by ``state`` and queue ``outgoing`` (sink name, notification),
        in one transaction."""
        with self._transaction() as db:
            db.execute("DELETE FROM alerts")
            db.executemany(
                "INSERT INTO alerts VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (*_key(k), json.dumps(r.history), _dump(r.current))
                    for k, r in state.records.items()
                ],
            )
            db.execute("DELETE FROM held")
            db.executemany("INSERT INTO held (body) VALUES (?)", [(_dump(n),) for n in state.held])
            db.executemany(
                "INSERT INTO outbox (sink, body) VALUES (?, ?)",
                [(sink, _dump(n)) for sink, n in outgoing],
            )

    def outbox(self, sink: str) -> list[tuple[int, Notification]]:
        """The notifications waiting for ``sink``, oldest first, with their queue numbers."""
        rows = self._db.execute("SELECT seq, body FROM outbox WHERE sink = ? ORDER BY seq", (sink,))
        return [(seq, Notification.from_dict(json.loads(body))) for seq, body in rows]

    def posted(self, sink: str) -> dict[AlertKey, datetime]:
        """When each open alert was last posted to ``sink``."""
        rows = self._db.execute(
            "SELECT site, endpoint, direction, kind, at FROM posted WHERE sink = ?", (sink,)
        )
        return {AlertKey(*row[:4]): datetime.fromisoformat(row[4]) for row in rows}

    def done(
        self,
        sink: str,
        finished: list[int],
        opened: list[AlertKey],
        closed: list[AlertKey],
        at: datetime,
    ) -> None:
        """After a delivery to ``sink``: drop the ``finished`` queue entries, note the alerts
        posted open at ``at`` and forget the ``closed`` ones, in one transaction."""
        with self._transaction() as db:
            db.executemany("DELETE FROM outbox WHERE seq = ?", [(seq,) for seq in finished])
            db.executemany(
                "INSERT OR REPLACE INTO posted VALUES (?, ?, ?, ?, ?, ?)",
                [(sink, *_key(k), at.isoformat()) for k in opened],
            )
            db.executemany(
                "DELETE FROM posted WHERE sink = ? AND site = ? AND endpoint = ? "
                "AND direction = ? AND kind = ?",
                [(sink, *_key(k)) for k in closed],
            )

    def _transaction(self) -> "_Transaction":
        return _Transaction(self._db, self.path)


class _Transaction:
    """BEGIN IMMEDIATE … COMMIT, rolled back on any error; sqlite errors become StoreError."""

    def __init__(self, db: sqlite3.Connection, path: Path) -> None:
        self.db, self.path = db, path

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, kind, exc, tb) -> None:
        if kind is None:
            self.db.execute("COMMIT")
            return
        self.db.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            raise StoreError(f"{self.path}: cannot write the alert state: {exc}") from None


def _key(key: AlertKey) -> tuple[str, str, str, str]:
    return key.site, key.endpoint, key.direction, key.kind


def _dump(n: Notification | None) -> str | None:
    return json.dumps(n.as_dict()) if n else None
