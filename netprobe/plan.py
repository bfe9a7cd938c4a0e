"""A link's capacity plan: what the provider promised, as a step function of UTC time.

Each step holds from its start (inclusive) until the next step's start (exclusive), so a
change exactly at a plan date belongs to the new step. Before the first step there is no
plan (None): nothing to judge against.
"""

from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PlanStep:
    """From ``start`` (aware UTC) on, the link's capacity is ``capacity_bps`` (bit/s)."""

    start: datetime
    capacity_bps: float


@dataclass(frozen=True)
class CapacityPlan:
    """Capacity steps, the share of capacity a healthy probe reaches, and the NIC ceiling.

    Args:
        steps: strictly increasing starts, aware datetimes, capacities > 0 bit/s.
        expected_share: 0 < share <= 1, the fraction of capacity a healthy probe achieves.
        nic_bps: the probe hosts' interface speed in bit/s, caps the expected rate.

    Raises:
        ValueError: an empty or unsorted plan, a naive start, a share or rate out of range.
    """

    steps: tuple[PlanStep, ...]
    expected_share: float = 0.8
    nic_bps: float | None = None

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("expected at least one plan step")
        for step in self.steps:
            _check_aware(step.start)
            if not step.capacity_bps > 0:
                raise ValueError(f"expected a capacity > 0 bit/s, got {step.capacity_bps!r}")
        for a, b in zip(self.steps, self.steps[1:], strict=False):
            if not a.start < b.start:
                raise ValueError(
                    f"expected plan steps in increasing date order, got {b.start.isoformat()} "
                    f"after {a.start.isoformat()}"
                )
        if not 0 < self.expected_share <= 1:
            raise ValueError(f"expected a share 0 < x <= 1, got {self.expected_share!r}")
        if self.nic_bps is not None and not self.nic_bps > 0:
            raise ValueError(f"expected a NIC speed > 0 bit/s, got {self.nic_bps!r}")

    def step_at(self, t: datetime) -> PlanStep | None:
        """The step in force at aware time ``t``, or None before the first step."""
        _check_aware(t)
        i = bisect_right([s.start for s in self.steps], t)
        return self.steps[i - 1] if i else None

    def capacity_at(self, t: datetime) -> float | None:
        """Planned capacity in bit/s at aware time ``t``; None before the plan starts."""
        step = self.step_at(t)
        return step.capacity_bps if step else None

    def expected_rate(self, t: datetime) -> float | None:
        """Rate a healthy probe reaches at ``t`` in bit/s: capacity × share, capped by the NIC.

        Returns:
            None before the plan starts.
        """
        capacity = self.capacity_at(t)
        if capacity is None:
            return None
        rate = capacity * self.expected_share
        return rate if self.nic_bps is None else min(rate, self.nic_bps)

    def steps_between(self, a: datetime, b: datetime) -> tuple[PlanStep, ...]:
        """The steps in force at some instant of the half-open period ``[a, b)``.

        That is the step in force at ``a`` (if any) followed by every step starting after
        ``a`` and before ``b``; a step starting exactly at ``b`` is not included.
        """
        _check_aware(a)
        _check_aware(b)
        current = self.step_at(a)
        later = tuple(s for s in self.steps if a < s.start < b)
        return ((current,) if current else ()) + later


def _check_aware(t: datetime) -> None:
    if t.tzinfo is None:
        raise ValueError(f"expected a timezone-aware UTC time, got naive {t.isoformat()}")
