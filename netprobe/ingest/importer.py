"""The import loop: documents read elsewhere → Results → the store, in batches, counted.

A reader (``iperf3_files``, ``esmond_archive``, ``opensearch_archive``) yields one ``Read``
per document: the Results it became, or why it was rejected. ``import_reads`` stores them
in batches and counts. It is idempotent and resumable: a Result whose key (probe,
endpoint, direction, start) is already stored is counted as already present and not
written again, so an import that was stopped is finished by running it again.
"""

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from netprobe.errors import DocumentError
from netprobe.model import Result
from netprobe.store import Store

BATCH = 1000
"""Results written per store transaction."""

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True)
class Read:
    """What one document read from a source became.

    ``documents`` is how many source documents this stands for (an esmond measurement's
    points merge into fewer Results); ``rejected`` is the reason when it became nothing.
    """

    where: str
    results: tuple[Result, ...] = ()
    rejected: str | None = None
    documents: int = 1


def translated(where: str, translate: Callable[[], list[Result]]) -> Read:
    """Run one document's translation; a DocumentError becomes a rejection with its reason."""
    try:
        return Read(where, tuple(translate()))
    except DocumentError as exc:
        return Read(where, rejected=str(exc))


@dataclass
class Counts:
    """How an import went: documents read and rejected, Results stored or already there."""

    read: int = 0  # source documents
    results: int = 0  # Results they became
    stored: int = 0  # Results written now
    present: int = 0  # Results already in the store (an earlier import, or an overlap)
    failures: int = 0  # of the Results stored, those with a failure status
    rejected: Counter = field(default_factory=Counter)  # reason → documents
    first_rejected: dict[str, str] = field(default_factory=dict)  # reason → first document
    skipped: Counter = field(default_factory=Counter)  # what the reader chose not to read

    @property
    def rejected_total(self) -> int:
        """Documents that became no Result."""
        return sum(self.rejected.values())

    def as_dict(self) -> dict:
        """Plain values for ``--json``."""
        return {
            "read": self.read,
            "results": self.results,
            "stored": self.stored,
            "already_present": self.present,
            "failures_stored": self.failures,
            "rejected": self.rejected_total,
            "rejections": [
                {"reason": reason, "documents": n, "first": self.first_rejected[reason]}
                for reason, n in self.rejected.most_common()
            ],
            "skipped": dict(self.skipped),
        }


def import_reads(
    reads: Iterable[Read],
    store: Store,
    *,
    counts: Counts | None = None,
    batch: int = BATCH,
    progress: Callable[[Counts], None] | None = None,
) -> Counts:
    """Store the Results of ``reads`` in batches of ``batch``, skipping those already stored.

    Args:
        reads: what the source documents became, in any order.
        store: where to write; each batch is one transaction.
        counts: counts to add to (the reader may have filled ``skipped``); new if None.
        progress: called with the counts after each document batch.

    Returns:
        The counts. A batch is committed before the next is read: an import that stops
        (error, Ctrl-C) keeps what it stored, and running it again finishes it.

    Raises:
        StoreError: the store cannot be read or written.
        FetchError: the reader could not fetch (from the reader, as it is iterated).
    """
    counts = counts if counts is not None else Counts()
    pending: list[Result] = []
    for read in reads:
        counts.read += read.documents
        if read.rejected is not None:
            counts.rejected[read.rejected] += read.documents
            counts.first_rejected.setdefault(read.rejected, read.where)
        counts.results += len(read.results)
        pending.extend(read.results)
        if len(pending) >= batch:
            _flush(pending, store, counts)
            pending = []
            if progress:
                progress(counts)
    if pending:
        _flush(pending, store, counts)
    if progress:
        progress(counts)
    return counts


def key(result: Result) -> tuple[str, str, str, int]:
    """The store's identity of a Result: probe, endpoint, direction, start (µs since epoch)."""
    started = (result.started - _EPOCH) // _MICROSECOND
    return (result.probe, result.endpoint, result.direction.value, started)


def _flush(results: list[Result], store: Store, counts: Counts) -> None:
    """Write the Results not already stored (nor twice in this batch); count both kinds."""
    seen = _stored_keys(results, store)
    new = []
    for result in results:
        identity = key(result)
        if identity in seen:
            counts.present += 1
            continue
        seen.add(identity)
        new.append(result)
    store.write(new)
    counts.stored += len(new)
    counts.failures += sum(not r.ok for r in new)


def _stored_keys(results: list[Result], store: Store) -> set[tuple[str, str, str, int]]:
    """Keys of ``results`` that the store already holds: one time-range read per link."""
    spans: dict[tuple, tuple[datetime, datetime]] = {}
    for r in results:
        group = (r.probe, r.endpoint, r.direction, r.test)
        low, high = spans.get(group, (r.started, r.started))
        spans[group] = (min(low, r.started), max(high, r.started))
    found = set()
    for (probe, endpoint, direction, test), (low, high) in spans.items():
        times = store.series(
            endpoint, direction, test=test, probe=probe, since=low, until=high + _MICROSECOND
        ).times
        found.update((probe, endpoint, direction.value, int(t)) for t in times.astype("int64"))
    return found
