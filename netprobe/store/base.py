"""The Store contract every back-end (SQLite, InfluxDB) keeps, and the Series it reads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from netprobe.model import AnalysisPoint, Direction, Result, Status

if TYPE_CHECKING:  # numpy loads only when a series is read: `netprobe probe` never needs it
    import numpy as np


@dataclass(frozen=True, eq=False)
class Series:
    """One metric of one link and direction over time, oldest first, one entry per result.

    ``times`` is ``datetime64[us]`` in UTC; ``values`` is float64 with NaN where the probe
    failed, was missed or did not report the metric (a failure is a missing observation,
    never a 0); ``status`` holds each result's `Status` value as text.
    """

    endpoint: str
    direction: Direction
    metric: str
    times: np.ndarray
    values: np.ndarray
    status: np.ndarray

    def __len__(self) -> int:
        return len(self.values)

    def time(self, index: int) -> datetime:
        """The aware UTC datetime of entry ``index``."""
        return self.times[index].astype("datetime64[us]").item().replace(tzinfo=UTC)


class Store(Protocol):
    """Where results are kept. Writes are all-or-nothing; re-writing a result is a no-op.

    A result is identified by (probe, endpoint, direction, started): writing one whose
    key is already stored is silently ignored (the first one written wins), so importers
    and the spool can replay without duplicates. Times come back as aware UTC datetimes.
    Every method raises `netprobe.errors.StoreError` with a one-line message on failure.
    """

    def write(self, results: Sequence[Result]) -> None:
        """Store all of ``results`` in one transaction, or none of them."""
        ...

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
        ...

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
        ...

    def write_points(self, points: Sequence[AnalysisPoint]) -> None:
        """Keep the analysis' ``points`` for dashboards; a point whose measurement, time and
        tags are stored already replaces the stored one (re-running an analysis is a no-op).
        Empty tag values are left out."""
        ...

    def points(
        self, measurement: str, *, since: datetime | None = None, until: datetime | None = None
    ) -> list[AnalysisPoint]:
        """The stored points of ``measurement`` with times in [since, until), oldest first."""
        ...

    def last_slot(self, probe: str) -> datetime | None:
        """The newest scheduled slot time stored for ``probe``, or None if it never filled one."""
        ...

    def close(self) -> None:
        """Release the connection; the store cannot be used afterwards."""
        ...

    def __enter__(self) -> Self:
        """Use the store in a ``with`` block that closes it (stores that subclass Store
        inherit this and ``__exit__``)."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close the store."""
        self.close()
