"""What is due now: slot arithmetic for ``every`` and ``cron`` probes, and per-probe jitter.

All times are aware and evaluated in UTC (no daylight-saving gaps or repeats). A *slot* is
a probe's nominal start: ``every`` slots sit on multiples of the period counted from the
Unix epoch (every 1h → hh:00, every 10m → hh:00, hh:10, ...), so a restart never shifts
them; cron slots are the minutes the expression fires on. The runner, started each minute:

    with RunLock(config.site.state_dir):                      # netprobe.locks
        for due in due_runs(config, last_slots, now, within=timedelta(seconds=60)):
            for slot in due.missed: store a Status.MISSED result for slot
            sleep until due.start; run due.probe (throughput under its EndpointLock)
            store its result(s) with due.slot

``last_slots[probe.name]`` is the newest slot already recorded for the probe (run, failed
or missed), e.g. ``store.last_slot(probe.name)``, with ``Result.slot`` set on every
scheduled result. Slots older than ``BACKFILL`` are not returned at all: after a long
outage the store gets at most a week of ``missed`` rows per probe, not years of them.
"""

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from netprobe.config import Config, Probe
from netprobe.cron import as_utc
from netprobe.model import ProbeSpec
from netprobe.probes import PROBES, module_for

BACKFILL = timedelta(days=7)
"""How far back missed slots are reported; older ones are dropped silently."""

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DueRun:
    """A probe to run in this round: its slot, when to start it, and the slots it missed."""

    probe: Probe
    slot: datetime  # the nominal slot this run stands for (UTC)
    start: datetime  # slot + the probe's jitter delay: do not start earlier
    missed: tuple[datetime, ...]  # older slots that never ran: record as Status.MISSED


def due_runs(
    config: Config,
    last_slots: Mapping[str, datetime | None],
    now: datetime,
    within: timedelta | None = None,
) -> list[DueRun]:
    """Every probe with a slot due at ``now``, soonest ``start`` first.

    Args:
        config: the deployment (its site name seeds the jitter).
        last_slots: probe name → newest slot recorded for it; absent or None if never run.
        now: aware time.
        within: leave out runs whose jittered start is later than ``now + within``: a
            runner started each minute passes 60 s, sleeps at most that long, and leaves
            later starts to a later invocation (their slots stay due until recorded).
    """
    runs = []
    for probe in config.probes:
        slots = due_slots(probe, last_slots.get(probe.name), now)
        if slots:
            start = run_at(probe, slots[-1], config.site.name)
            if within is None or start <= as_utc(now) + within:
                runs.append(DueRun(probe, slots[-1], start, tuple(slots[:-1])))
    return sorted(runs, key=lambda run: run.start)


def due_slots(probe: Probe, last_slot: datetime | None, now: datetime) -> list[datetime]:
    """The probe's slots that fell due after ``last_slot`` and up to ``now`` (inclusive).

    Args:
        probe: a configured probe (``every`` seconds or ``cron``).
        last_slot: the newest slot already recorded for it; None if it never ran, in which
            case only the newest slot is returned (nothing is known to be missed).
        now: aware time.

    Returns:
        Slots oldest first, all within ``BACKFILL`` of ``now``: the last is to run now,
        the others were never run and are to be recorded as missed.

    Raises:
        ValueError: a naive time.
    """
    now = as_utc(now)
    horizon = now - BACKFILL
    if last_slot is None:
        return slots_between(probe, horizon, now)[-1:]
    return slots_between(probe, max(as_utc(last_slot), horizon), now)


def next_slot(probe: Probe, after: datetime) -> datetime:
    """The probe's first slot strictly after the aware time ``after`` (UTC).

    Raises:
        ValueError: a naive time.
    """
    after = as_utc(after)
    if probe.cron is not None:
        return probe.cron.next_after(after)
    period = _period(probe)
    return EPOCH + period * ((after - EPOCH) // period + 1)


def jitter_offset(probe: Probe, site: str = "") -> float:
    """A fixed delay in seconds, 0 <= offset < ``probe.jitter``, drawn from a hash.

    The hash covers the site name and the probe name, so two sites sharing one schedule
    file do not start at the same second, while each probe keeps the same offset forever.
    """
    if not probe.jitter:
        return 0.0
    digest = hashlib.sha256(f"{site}\0{probe.name}".encode()).digest()
    fraction = int.from_bytes(digest[:8], "big") / 2**64
    return round(fraction * probe.jitter, 3)


def run_at(probe: Probe, slot: datetime, site: str = "") -> datetime:
    """When the run of ``slot`` should start: the slot plus the probe's jitter offset."""
    return as_utc(slot) + timedelta(seconds=jitter_offset(probe, site))


def needs_endpoint_lock(probe: Probe) -> bool:
    """True for tests that must not overlap at one endpoint: throughput fills the path."""
    return probe.test == "throughput"


def slots_between(probe: Probe, after: datetime, until: datetime) -> list[datetime]:
    """The probe's slots in (``after``, ``until``], oldest first (aware UTC times)."""
    if probe.cron is not None:
        return probe.cron.slots_between(after, until)
    period = _period(probe)
    first = (after - EPOCH) // period + 1
    last = (until - EPOCH) // period
    return [EPOCH + period * k for k in range(first, last + 1)]


def _period(probe: Probe) -> timedelta:
    if probe.every is None:
        raise ValueError(f"probe {probe.name!r} has neither every nor cron")
    return timedelta(seconds=probe.every)


def lock_seconds(probe: Probe, spec: ProbeSpec) -> float | None:
    """Seconds the probe holds its endpoint lock: its tool's ``duration(spec)``.

    Returns:
        None when the test takes no endpoint lock, or its tool module is not registered.
    """
    if not needs_endpoint_lock(probe) or probe.tool not in PROBES:
        return None
    return float(module_for(probe.tool, spec).duration(spec))
