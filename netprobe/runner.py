"""Run probes into the store: every probe due now (``netprobe run``) or one by hand.

Every scheduled slot leaves a row: the probe's results, a failure, or ``missed`` for a
slot that passed without a run. A probe that cannot even start (tool missing, bad
options) is stored as a ``tool-error`` failure, so "no data" is never silent. Throughput
tests take the endpoint's lock, so a test started by hand never overlaps a scheduled one.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from netprobe.config import Config, Probe
from netprobe.errors import Interrupted, LockBusy
from netprobe.locks import EndpointLock, RunLock
from netprobe.model import ProbeSpec, Result, Status, failed_results
from netprobe.probes import PROBES
from netprobe.schedule import due_slots, needs_endpoint_lock, run_at
from netprobe.store import Store

MISSED_REASON = "the slot passed without a run (host down, or the previous run overran)"
LOCK_WAIT_MARGIN = 30.0
"""Seconds beyond one test's duration to wait for another throughput test to the endpoint."""


@dataclass
class RunReport:
    """What one ``netprobe run`` did: the results it stored and the slots it marked missed."""

    results: list[Result] = field(default_factory=list)
    missed: list[Result] = field(default_factory=list)


def run_due(
    config: Config,
    store: Store,
    *,
    now: datetime | None = None,
    jitter: bool = True,
    sleep: Callable[[float], None] = time.sleep,
) -> RunReport:
    """Run every probe due at ``now`` under the run lock, recording missed slots first.

    Raises:
        LockBusy: another ``netprobe run`` holds the run lock.
        Interrupted: stopped by a signal; the probe under way is stored as ``aborted``.
    """
    now = now or datetime.now(UTC)
    report = RunReport()
    with RunLock(config.site.state_dir):
        todo: list[tuple[datetime, Probe, datetime]] = []
        for probe in config.probes:
            slots = due_slots(probe, store.last_slot(probe.name), now)
            if not slots:
                continue
            missed = [r for slot in slots[:-1] for r in _missed(config, probe, slot)]
            store.write(missed)
            report.missed += missed
            start = run_at(probe, slots[-1], config.site.name) if jitter else now
            todo.append((start, probe, slots[-1]))
        for start, probe, slot in sorted(todo, key=lambda item: item[0]):
            wait = (start - datetime.now(UTC)).total_seconds()
            if wait > 0:
                sleep(wait)
            report.results += run_probe(config, store, probe, slot=slot)
    return report


def run_probe(
    config: Config, store: Store, probe: Probe, *, slot: datetime | None = None
) -> list[Result]:
    """Run one configured probe now, store its results (even failures) and return them.

    Raises:
        Interrupted: stopped by a signal; what was under way is stored as ``aborted``.
    """
    spec = config.spec(probe)
    module = PROBES[probe.tool]
    started = datetime.now(UTC)
    try:
        reasons = module.can_run(spec)
        if reasons:
            results = _failed(spec, probe.tool, Status.TOOL_ERROR, "; ".join(reasons), started)
        elif needs_endpoint_lock(probe):
            results = _run_locked(config, spec, module, started)
        else:
            results = module.run(spec)
    except Interrupted:
        store.write(
            _stamp(_failed(spec, probe.tool, Status.ABORTED, "netprobe was stopped", started), slot)
        )
        raise
    store.write(_stamp(results, slot))
    return results


def _run_locked(config: Config, spec: ProbeSpec, module, started: datetime) -> list[Result]:
    """Run a throughput test holding the endpoint's lock; BUSY if it stays taken."""
    wait = module.duration(spec) + LOCK_WAIT_MARGIN
    try:
        with EndpointLock(config.site.state_dir, spec.endpoint.name, wait=wait):
            return module.run(spec)
    except LockBusy as busy:
        return _failed(spec, module.NAME, Status.BUSY, str(busy), started)


def _stamp(results: list[Result], slot: datetime | None) -> list[Result]:
    for result in results:
        result.slot = slot
    return results


def _missed(config: Config, probe: Probe, slot: datetime) -> list[Result]:
    failed = failed_results(
        config.spec(probe),
        tool=probe.tool,
        status=Status.MISSED,
        reason=MISSED_REASON,
        started=slot,
        ended=slot,
    )
    return _stamp(failed, slot)


def _failed(
    spec: ProbeSpec, tool: str, status: Status, reason: str, started: datetime
) -> list[Result]:
    return failed_results(
        spec, tool=tool, status=status, reason=reason, started=started, ended=datetime.now(UTC)
    )
