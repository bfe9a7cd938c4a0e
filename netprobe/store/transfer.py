"""Moving and comparing history between two stores: `copy_results` and `reconcile`."""

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from netprobe.model import Result
from netprobe.store.base import Store

DAY = timedelta(days=1)


@dataclass(frozen=True)
class DayCount:
    """Results of one link (endpoint, direction) on one UTC day in each of two stores."""

    endpoint: str
    direction: str
    day: date
    first: int
    second: int


def _days(since: datetime, until: datetime) -> Iterator[tuple[datetime, datetime]]:
    """[since, until) cut at UTC midnights: each piece lies within one UTC day."""
    start = since.astimezone(UTC)
    until = until.astimezone(UTC)
    while start < until:
        midnight = start.replace(hour=0, minute=0, second=0, microsecond=0) + DAY
        yield start, min(midnight, until)
        start = midnight


def copy_results(source: Store, target: Store, since: datetime, until: datetime) -> int:
    """Copy every result started in [since, until) from ``source`` to ``target``, a UTC day
    at a time (a day of every link stays small); re-writing a stored result is a no-op.

    Returns:
        How many results were read from ``source`` and written.

    Raises:
        StoreError: either store failed; what was copied before stays copied.
    """
    copied = 0
    for start, end in _days(since, until):
        results = source.results(since=start, until=end)
        if results:
            target.write(results)
            copied += len(results)
    return copied


def _counts(results: list[Result]) -> Counter[tuple[str, str, date]]:
    return Counter((r.endpoint, r.direction.value, r.started.date()) for r in results)


def reconcile(first: Store, second: Store, since: datetime, until: datetime) -> list[DayCount]:
    """Results per link and UTC day in both stores over [since, until), sorted.

    Raises:
        StoreError: either store failed.
    """
    counts = []
    for start, end in _days(since, until):
        a = _counts(first.results(since=start, until=end))
        b = _counts(second.results(since=start, until=end))
        for key in sorted(a.keys() | b.keys()):
            counts.append(DayCount(*key, first=a[key], second=b[key]))
    return counts
