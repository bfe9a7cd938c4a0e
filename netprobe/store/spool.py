"""A durable spool for a remote store: results it cannot take now wait on disk, in order.

`Spool` is a folder (the site's ``state_dir/spool``) holding ``queue.jsonl``, one result
per line (`records.result_to_dict`), appended and fsync'd before `write` returns, and
``rejected.jsonl``, the results the store refused as bad data (4xx) with the reason, kept
aside and never retried. ``queue.done`` remembers how far a flush got; since re-writing a
result is a no-op, a flush cut short replays at most one batch. ``spool.lock`` (flock)
keeps two netprobe processes from appending and flushing at once.

`SpooledStore` wraps the store: results go to the store, queued ones first; when it is
unavailable (down, timeout, 5xx, credentials) they go to the spool, and for
``RETRY_AFTER`` seconds later writes go straight there instead of waiting again.
"""

import contextlib
import fcntl
import json
import os
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from netprobe.errors import StoreError, StoreUnavailable
from netprobe.model import AnalysisPoint, Direction, Result
from netprobe.store.base import Series, Store
from netprobe.store.records import format_time, result_from_dict, result_to_dict

FLUSH_BATCH = 1_000  # results per write while flushing
RETRY_AFTER = 60.0  # seconds a store found unavailable is not asked again by a SpooledStore


class CheckedStore(Store, Protocol):
    """A store that can tell, without writing, whether it would accept results."""

    def check(self, results: Sequence[Result]) -> None:
        """Raise StoreError if any of ``results`` could never be stored."""
        ...


@dataclass
class SpoolStatus:
    """What a spool holds: queued results (oldest/newest start) and rejected ones by reason."""

    folder: Path
    queued: int = 0
    oldest: datetime | None = None
    newest: datetime | None = None
    rejected: int = 0
    reasons: dict[str, int] = field(default_factory=dict)


@dataclass
class FlushReport:
    """What a flush did: results written, set aside as rejected, and still queued."""

    written: int = 0
    rejected: int = 0
    queued: int = 0


class Spool:
    """The queue and rejected files in ``folder`` (created on the first append)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.queue = self.folder / "queue.jsonl"
        self.done = self.folder / "queue.done"
        self.rejected = self.folder / "rejected.jsonl"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with (self.folder / "spool.lock").open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                yield
        except OSError as exc:
            raise StoreError(f"cannot use the spool in {self.folder}: {exc.strerror}") from None

    def append(self, results: Sequence[Result]) -> None:
        """Queue ``results`` after what is queued; on disk (fsync'd) when this returns.

        Raises:
            StoreError: the spool folder cannot be written.
        """
        lines = [json.dumps(result_to_dict(r), ensure_ascii=False) + "\n" for r in results]
        with self._locked():
            _append(self.queue, lines)

    def _entries(self) -> tuple[int, list[tuple[int, str]]]:
        """The flushed offset and the queued lines after it, with the offset each ends at."""
        try:
            data = self.queue.read_bytes()
        except FileNotFoundError:
            return 0, []
        try:
            start = int(self.done.read_text())
        except (FileNotFoundError, ValueError):
            start = 0
        entries, offset = [], start
        for raw in data[start:].splitlines(keepends=True):
            offset += len(raw)
            if raw.strip():
                entries.append((offset, raw.decode(errors="replace")))
        return start, entries

    def pending(self) -> list[Result]:
        """The queued results, oldest first (unreadable lines left out)."""
        with self._locked():
            _, entries = self._entries()
        return [r for _, text in entries if (r := _parse(text)) is not None]

    def reject(self, results: Sequence[Result], reason: str) -> None:
        """Keep ``results`` aside in the rejected file with ``reason``; they are not retried."""
        with self._locked():
            self._reject([result_to_dict(r) for r in results], reason)

    def _reject(self, records: list[Any], reason: str) -> None:
        at = format_time(datetime.now(UTC))
        lines = [
            json.dumps({"at": at, "reason": reason, "result": r}, ensure_ascii=False) + "\n"
            for r in records
        ]
        _append(self.rejected, lines)

    def status(self) -> SpoolStatus:
        """What is queued and what was rejected."""
        queued = self.pending()
        status = SpoolStatus(self.folder, queued=len(queued))
        if queued:
            status.oldest = min(r.started for r in queued)
            status.newest = max(r.started for r in queued)
        reasons: Counter[str] = Counter()
        with contextlib.suppress(FileNotFoundError), self.rejected.open() as lines:
            for text in lines:
                with contextlib.suppress(ValueError, TypeError):
                    reasons[json.loads(text)["reason"]] += 1
        status.rejected, status.reasons = sum(reasons.values()), dict(reasons)
        return status

    def rejected_records(self) -> list[dict[str, Any]]:
        """The rejected entries: ``{"at", "reason", "result"}`` dicts, oldest first."""
        try:
            text = self.rejected.read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def flush(self, store: Store) -> FlushReport:
        """Write the queued results to ``store`` in order; rejected ones are set aside.

        Raises:
            StoreUnavailable: the store stopped taking results; what is left stays queued.
            StoreError: the spool folder cannot be used.
        """
        report = FlushReport()
        with self._locked():
            _, entries = self._entries()
            try:
                for first in range(0, len(entries), FLUSH_BATCH):
                    batch = entries[first : first + FLUSH_BATCH]
                    results = []
                    for _, text in batch:
                        result = _parse(text)
                        if result is None:
                            self._reject([text.rstrip("\n")], "unreadable spool line")
                            report.rejected += 1
                        else:
                            results.append(result)
                    written, rejected = deliver(store, results)
                    for result, reason in rejected:
                        self._reject([result_to_dict(result)], reason)
                    report.written += written
                    report.rejected += len(rejected)
                    self.done.write_text(str(batch[-1][0]))
            except StoreUnavailable:
                report.queued = len(entries) - report.written - report.rejected
                raise
            self.queue.unlink(missing_ok=True)
            self.done.unlink(missing_ok=True)
        return report


def deliver(store: Store, results: list[Result]) -> tuple[int, list[tuple[Result, str]]]:
    """Write ``results``; when the store refuses the batch, find the refused ones one by one.

    Returns:
        How many were written, and the refused results with the store's reason.

    Raises:
        StoreUnavailable: the store stopped taking results (some may be written: replay).
    """
    if not results:
        return 0, []
    try:
        store.write(results)
        return len(results), []
    except StoreUnavailable:
        raise
    except StoreError as exc:
        if len(results) == 1:
            return 0, [(results[0], str(exc))]
    written, rejected = 0, []
    for result in results:
        count, refused = deliver(store, [result])
        written += count
        rejected += refused
    return written, rejected


class SpooledStore(Store):
    """A store whose writes never lose a result: what it cannot take now waits in a spool.

    Reads go to the store (a result still queued is not seen until flushed), except
    `last_slot`, which also counts queued results, so the scheduler neither re-runs nor
    marks missed a slot that waits in the spool.

    Args:
        store: the remote store; its ``check`` tells bad results before they are queued.
        spool: where results wait.
        retry_after: seconds to send writes straight to the spool after a failure.
    """

    def __init__(
        self, store: CheckedStore, spool: Spool, *, retry_after: float = RETRY_AFTER
    ) -> None:
        self.store = store
        self.spool = spool
        self.retry_after = retry_after
        self.problem: str | None = None  # why the last write went to the spool
        self._down_until = 0.0

    def write(self, results: Sequence[Result]) -> None:
        """Store ``results`` after the queued ones, or queue them; refused ones are set aside.

        Raises:
            StoreError: a result could never be stored (nothing written or queued), or
                the spool cannot be written.
        """
        results = list(results)
        self.store.check(results)
        if time.monotonic() < self._down_until:
            self.spool.append(results)
            return
        try:
            if self.spool.queue.exists():
                self.spool.flush(self.store)
            _, rejected = deliver(self.store, results)
        except StoreUnavailable as exc:
            self.problem = str(exc)
            self._down_until = time.monotonic() + self.retry_after
            self.spool.append(results)
            return
        for result, reason in rejected:
            self.spool.reject([result], reason)

    def flush(self) -> FlushReport:
        """Write what is queued now (see `Spool.flush`)."""
        self._down_until = 0.0
        return self.spool.flush(self.store)

    def results(self, **filters: Any) -> list[Result]:
        """The store's results (see `Store.results`)."""
        return self.store.results(**filters)

    def series(self, endpoint: str, direction: Direction, *args: Any, **kwargs: Any) -> Series:
        """The store's series (see `Store.series`)."""
        return self.store.series(endpoint, direction, *args, **kwargs)

    def write_points(self, points: Sequence[AnalysisPoint]) -> None:
        """Write to the store (not spooled: the next analysis writes the points again)."""
        self.store.write_points(points)

    def points(self, measurement: str, **span: Any) -> list[AnalysisPoint]:
        """The store's points (see `Store.points`)."""
        return self.store.points(measurement, **span)

    def last_slot(self, probe: str) -> datetime | None:
        """The newest slot of ``probe`` in the store or the spool (the spool's alone if the
        store is unavailable)."""
        slots = [r.slot for r in self.spool.pending() if r.probe == probe and r.slot]
        try:
            stored = self.store.last_slot(probe)
        except StoreUnavailable:
            stored = None
        if stored is not None:
            slots.append(stored)
        return max(slots, default=None)

    def close(self) -> None:
        """Close the store."""
        self.store.close()


def _parse(text: str) -> Result | None:
    try:
        return result_from_dict(json.loads(text))
    except (ValueError, KeyError, TypeError):
        return None


def _append(path: Path, lines: list[str]) -> None:
    """Append ``lines`` to ``path`` and fsync; a torn last line (a crash) is ended first."""
    new = not path.exists()
    with path.open("ab") as out:
        if not new and out.tell() > 0:
            with path.open("rb") as tail:
                tail.seek(-1, os.SEEK_END)
                if tail.read(1) != b"\n":
                    out.write(b"\n")
        out.write("".join(lines).encode())
        out.flush()
        os.fsync(out.fileno())
    if new:
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
