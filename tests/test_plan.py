from datetime import UTC, datetime, timedelta

import pytest

from netprobe.plan import CapacityPlan, PlanStep

G = 1e9
T2019, T2020, T2021 = (datetime(y, 1, 1, tzinfo=UTC) for y in (2019, 2020, 2021))
TINY = timedelta(microseconds=1)


def real_plan(share=0.8, nic=None):
    steps = (PlanStep(T2019, 20 * G), PlanStep(T2020, 40 * G), PlanStep(T2021, 100 * G))
    return CapacityPlan(steps, share, nic)


def test_no_capacity_before_the_first_step():
    plan = real_plan()
    assert plan.capacity_at(T2019 - TINY) is None
    assert plan.expected_rate(T2019 - TINY) is None


@pytest.mark.parametrize(
    ("t", "capacity"),
    [
        (T2019, 20 * G),
        (T2020 - TINY, 20 * G),
        (T2020, 40 * G),  # a change exactly on a plan date belongs to the new step
        (T2021 - TINY, 40 * G),
        (T2021, 100 * G),
        (datetime(2030, 6, 1, tzinfo=UTC), 100 * G),
    ],
)
def test_capacity_steps_at_their_edges(t, capacity):
    assert real_plan().capacity_at(t) == capacity


def test_edges_hold_in_other_time_zones():
    paris_midnight = datetime.fromisoformat("2020-01-01T01:00:00+01:00")
    assert real_plan().capacity_at(paris_midnight) == 40 * G
    assert real_plan().capacity_at(paris_midnight - TINY) == 20 * G


def test_expected_rate_is_capacity_times_share_capped_by_nic():
    plan = real_plan(share=0.8, nic=50 * G)
    assert plan.expected_rate(T2019) == pytest.approx(16 * G)
    assert plan.expected_rate(T2020) == pytest.approx(32 * G)
    assert plan.expected_rate(T2021) == pytest.approx(50 * G)  # 80 Gbit/s capped by the NIC


def test_steps_between_includes_the_step_in_force_and_later_starts():
    plan = real_plan()
    mid2019, mid2020 = datetime(2019, 6, 1, tzinfo=UTC), datetime(2020, 6, 1, tzinfo=UTC)
    assert [s.capacity_bps for s in plan.steps_between(mid2019, mid2020)] == [20 * G, 40 * G]
    # half-open: a step starting exactly at the end is not in force within the period
    assert [s.capacity_bps for s in plan.steps_between(mid2019, T2020)] == [20 * G]
    assert [s.capacity_bps for s in plan.steps_between(T2020, T2021)] == [40 * G]
    assert [s.capacity_bps for s in plan.steps_between(T2019 - TINY * 10, T2019)] == []
    assert len(plan.steps_between(datetime(2018, 1, 1, tzinfo=UTC), T2021 + TINY)) == 3


@pytest.mark.parametrize(
    ("steps", "share", "nic", "message"),
    [
        ((), 0.8, None, "at least one"),
        ((PlanStep(T2020, 40 * G), PlanStep(T2019, 20 * G)), 0.8, None, "increasing"),
        ((PlanStep(T2020, 40 * G), PlanStep(T2020, 20 * G)), 0.8, None, "increasing"),
        ((PlanStep(T2020.replace(tzinfo=None), 40 * G),), 0.8, None, "naive"),
        ((PlanStep(T2020, 0.0),), 0.8, None, "capacity > 0"),
        ((PlanStep(T2020, 40 * G),), 0.0, None, "share"),
        ((PlanStep(T2020, 40 * G),), 1.2, None, "share"),
        ((PlanStep(T2020, 40 * G),), 0.8, -1.0, "NIC"),
    ],
)
def test_bad_plans_are_refused(steps, share, nic, message):
    with pytest.raises(ValueError, match=message):
        CapacityPlan(steps, share, nic)


def test_naive_query_time_is_refused():
    with pytest.raises(ValueError, match="naive"):
        real_plan().capacity_at(datetime(2020, 1, 1))
