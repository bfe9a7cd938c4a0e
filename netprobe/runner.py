"""Run probes into the store: every probe due now (``netprobe run``) or one by hand.

Every scheduled slot leaves a row: the probe's results, a failure, or ``missed`` for a
slot that passed without a run. A probe that cannot even start (tool missing, bad
options) is stored as a ``tool-error`` failure, so "no data" is never silent. Throughput
tests take the endpoint's lock, so a test started by hand never overlaps a scheduled one.
"""

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from netprobe.config import Config, Probe
from netprobe.errors import Interrupted, LockBusy
from netprobe.locks import EndpointLock, RunLock
from netprobe.model import ProbeSpec, Result, Status, failed_results
from netprobe.probes import module_for
from netprobe.schedule import due_runs, lock_seconds, needs_endpoint_lock
from netprobe.store import Store

MISSED_REASON = "the slot passed without a run (host down, or the previous run overran)"
LOCK_WAIT_MARGIN = 30.0
"""Seconds beyond one test's duration to wait for another throughput test to the endpoint."""
RUN_WITHIN = timedelta(seconds=60)
"""A run started each minute takes only the runs whose jittered start falls in that minute."""


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
) -> RunReport:
    """Run every probe due at ``now`` under the run lock, recording missed slots first.

    Raises:
        LockBusy: another ``netprobe run`` holds the run lock.
        Interrupted: stopped by a signal; the probe under way is stored as ``aborted``.
    """
    now = now or datetime.now(UTC)
    report = RunReport()
    with RunLock(config.site.state_dir):
        last = {probe.name: store.last_slot(probe.name) for probe in config.probes}
        for due in due_runs(config, last, now, within=RUN_WITHIN if jitter else None):
            missed = [r for slot in due.missed for r in _missed(config, due.probe, slot)]
            store.write(missed)
            report.missed += missed
            wait = (due.start - datetime.now(UTC)).total_seconds() if jitter else 0.0
            if wait > 0:
                time.sleep(wait)
            report.results += run_probe(config, store, due.probe, slot=due.slot)
    return report


def run_probe(
    config: Config, store: Store, probe: Probe, *, slot: datetime | None = None
) -> list[Result]:
    """Run one configured probe now, store its results (even failures) and return them.

    Raises:
        Interrupted: stopped by a signal; what was under way is stored as ``aborted``.
    """
    spec = config.spec(probe)
    module = module_for(probe.tool, spec)
    started = datetime.now(UTC)
    try:
        reasons = module.can_run(spec)
        if reasons:
            results = _failed(spec, probe.tool, Status.TOOL_ERROR, "; ".join(reasons), started)
        elif needs_endpoint_lock(probe):
            results = _run_locked(config, probe, spec, module, started)
        else:
            results = module.run(spec)
    except Interrupted:
        store.write(
            _stamp(_failed(spec, probe.tool, Status.ABORTED, "netprobe was stopped", started), slot)
        )
        raise
    store.write(_stamp(results, slot))
    return results


def _run_locked(
    config: Config, probe: Probe, spec: ProbeSpec, module, started: datetime
) -> list[Result]:
    """Run a throughput test holding the endpoint's lock; BUSY if it stays taken."""
    wait = (lock_seconds(probe, spec) or 0.0) + LOCK_WAIT_MARGIN
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
