"""How much of a series is measurement: slots with a value, failed probes, missed slots."""

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from netprobe.model import Status


@dataclass(frozen=True)
class Completeness:
    """Counts over a span of slots: ``measured`` carry a value, ``failed`` ran and failed.

    ``missed`` slots never ran (host down, overrun); ``by_status`` counts every status seen.
    An OK result without the metric counts in ``slots`` only.
    """

    slots: int
    measured: int
    failed: int
    missed: int
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def share(self) -> float:
        """Share of slots with a measured value, 0..1 (NaN when there is no slot)."""
        return self.measured / self.slots if self.slots else float("nan")

    @property
    def failure_share(self) -> float:
        """Share of the probes that ran which failed, 0..1 (NaN when none ran)."""
        ran = self.slots - self.missed
        return self.failed / ran if ran else float("nan")


def completeness(values: np.ndarray, status: np.ndarray) -> Completeness:
    """Count measured values, failures and missed slots.

    Args:
        values: the metric per slot, NaN where there is none.
        status: each slot's `Status` value as text.
    """
    counts = Counter(str(s) for s in status)
    missed = counts.get(Status.MISSED.value, 0)
    return Completeness(
        slots=len(values),
        measured=int(np.count_nonzero(~np.isnan(values))),
        failed=len(values) - counts.get(Status.OK.value, 0) - missed,
        missed=missed,
        by_status=dict(sorted(counts.items())),
    )
