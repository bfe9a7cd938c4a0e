"""The pScheduler engine: a probe's throughput, rtt or trace test run by a lead's REST API.

The flow is pScheduler's own (``pscheduler-docs/api/api-example``): POST the task to
``<lead>/pscheduler/tasks``, read it back with ``detail`` for its ``first-run-href``,
GET that run (the lead waits until it is scheduled), then GET the run with ``wait-merged``
until its state is final, and translate it with ``netprobe.ingest.pscheduler_result``.
Every state but ``finished``, an unsucceeded result, an HTTP error, a TLS failure and a
timeout become a failure Result with the reason: never a number. A task given up on (a
timeout, an error, netprobe stopped) is canceled on the lead (``DELETE`` the task).
"""

import time
from datetime import UTC, datetime
from typing import Any

from netprobe.errors import ConfigError, DocumentError, FetchError, FetchTimeout, Interrupted
from netprobe.ingest.http import JsonClient
from netprobe.ingest.pscheduler_result import PENDING_STATES, TESTS, parse_run
from netprobe.model import Lead, ProbeSpec, Result, Status, failed_results
from netprobe.probes import ping, trace
from netprobe.probes.pscheduler_task import problems, task

__all__ = ["NAME", "TEST", "TESTS", "can_run", "duration", "parse", "run", "tasks_url"]

NAME = "pscheduler"
TEST = "any"  # the engine runs each of TESTS; the probe's own test says which
TOOL_OVERHEAD = 6.0  # s: pScheduler's iperf3 tool adds a 4 s fudge factor and 2 s to stop
SCHEDULING = 10.0  # s: the lead schedules the run a little ahead and merges the results after
POLL_PAUSE = 0.5  # s between two answers that still say the run is not final
CANCEL_TIMEOUT = 5.0  # s at most to cancel a task given up on (netprobe may be stopping)
SETTINGS = {
    "ca_file": "[pscheduler] ca_file",
    "insecure": "[pscheduler] insecure = true",
    "timeout": "[pscheduler] timeout",
}
"""How failure reasons name the settings that fix them."""


def can_run(spec: ProbeSpec) -> list[str]:
    """Every reason this spec cannot run through pScheduler (empty when it can)."""
    reasons = []
    if spec.lead is None:
        reasons.append(f"probe {spec.name}: no pScheduler lead ([pscheduler] url)")
    if spec.test not in TESTS:
        reasons.append(f"probe {spec.name}: pScheduler runs {', '.join(TESTS)}, not {spec.test!r}")
    return reasons + [f"probe {spec.name}: {p}" for p in problems(spec)]


def duration(spec: ProbeSpec) -> float:
    """Seconds the run may take, at most: the lead's slip, scheduling, and the test itself."""
    opts = spec.options
    if spec.test == "throughput":
        test_time = opts.omit + opts.duration + TOOL_OVERHEAD
    else:
        test_time = (ping if spec.test == "rtt" else trace).duration(spec)
    slip = spec.lead.slip if spec.lead else 0.0
    return slip + SCHEDULING + test_time


def tasks_url(lead: Lead) -> str:
    """Where tasks are posted: ``<url>/pscheduler/tasks`` (``url`` may end in /pscheduler)."""
    base = lead.url.rstrip("/").removesuffix("/pscheduler")
    return f"{base}/pscheduler/tasks"


def run(spec: ProbeSpec) -> list[Result]:
    """Run spec's test through the lead now: one Result; failures are Results, not exceptions."""
    started = datetime.now(UTC)
    reasons = can_run(spec)
    if reasons:
        return _failed(spec, Status.TOOL_ERROR, "; ".join(reasons), started, {})
    lead = spec.lead
    context: dict[str, str | int | float | bool] = {"engine": NAME, "lead": lead.url}
    if lead.insecure:
        context["tls_verified"] = False
    began = time.monotonic()
    deadline = began + duration(spec) + lead.timeout
    try:
        client = JsonClient(
            timeout=lead.timeout, ca_file=lead.ca_file, insecure=lead.insecure, names=SETTINGS
        )
        task_url = _post(client, lead, task(spec))
        context["task_href"] = task_url
        posted = client.get(task_url, {"detail": "true"})
        state = _final(client, _first_run(client, posted, task_url), deadline)
        if _not_final(state):
            reason = (
                f"pScheduler run {state['href']} still {state['state']!r} "
                f"after {time.monotonic() - began:.0f} s"
            )
            return _failed(spec, Status.TIMEOUT, reason + _cancel(lead, context), started, context)
        return parse(state, spec, test=posted.get("test"), tool=posted.get("tool"), context=context)
    except Interrupted:  # netprobe was stopped: the lead must not run the test unobserved
        _cancel(lead, context)
        raise
    except FetchTimeout as exc:
        reason = f"pScheduler lead: {exc}{_cancel(lead, context)}"
        return _failed(spec, Status.TIMEOUT, reason, started, context)
    except (FetchError, ConfigError) as exc:
        reason = f"pScheduler lead: {exc}{_cancel(lead, context)}"
        return _failed(spec, Status.TOOL_ERROR, reason, started, context)
    except DocumentError as exc:
        reason = f"pScheduler lead answered an unusable run: {exc}{_cancel(lead, context)}"
        return _failed(spec, Status.TOOL_ERROR, reason, started, context)


def _cancel(lead: Lead, context: dict[str, str | int | float | bool]) -> str:
    """Cancel the posted task (``context["task_href"]``, if any) on the lead, so that it does
    not hold the path for a result nobody reads; quickly, best effort.

    Returns:
        What to add to the failure's reason ("" when nothing was posted).
    """
    task_url = context.get("task_href")
    if not isinstance(task_url, str):
        return ""
    try:
        JsonClient(
            timeout=min(lead.timeout, CANCEL_TIMEOUT),
            ca_file=lead.ca_file,
            insecure=lead.insecure,
            names=SETTINGS,
        ).delete(task_url)
    except (FetchError, ConfigError) as exc:
        return f"; canceling the task failed ({exc})"
    context["canceled"] = True
    return "; the task was canceled on the lead"


def parse(
    state: dict[str, Any],
    spec: ProbeSpec,
    *,
    test: Any = None,
    tool: Any = None,
    context: dict[str, str | int | float | bool] | None = None,
) -> list[Result]:
    """A final run object of the lead → spec's Result (pure), stored under the probe's names.

    Args:
        state: the run, as ``GET …/runs/<uuid>`` answers it (``state``, ``result-merged``).
        spec: the probe it ran for; its names replace the hosts of the pScheduler spec.
        test: the task's test as the lead holds it; default the one built from spec.
        tool: the tool the lead chose (``iperf3``); default ``pscheduler``.
        context: facts kept with the Result (lead, task).

    Raises:
        DocumentError: the run is not final, or a field is missing or malformed.
    """
    if not isinstance(test, dict):
        test = task(spec)["test"]
    result = parse_run(
        state,
        test,
        tool=tool if isinstance(tool, str) and tool else NAME,
        probe=spec.name,
        participants=[p for p in state.get("participants") or () if isinstance(p, str)],
    )
    result.endpoint, result.site = spec.endpoint.name, spec.site
    result.context.update(context or {})
    return [result]


def _post(client: JsonClient, lead: Lead, body: dict[str, Any]) -> str:
    """POST the task; the lead answers with the new task's URL."""
    answer = client.post(tasks_url(lead), body)
    if not isinstance(answer, str) or not answer.startswith(("http://", "https://")):
        raise DocumentError(f"POST {tasks_url(lead)}: expected the new task's URL, got {answer!r}")
    return answer


def _first_run(client: JsonClient, posted: Any, task_url: str) -> dict[str, Any]:
    """The task's first run; the lead waits (``wait``) until it has scheduled one."""
    detail = posted.get("detail") if isinstance(posted, dict) else None
    href = detail.get("first-run-href") if isinstance(detail, dict) else None
    if not isinstance(href, str):
        raise DocumentError(f"GET {task_url}?detail=true: no detail.first-run-href")
    return _run_object(client.get(href, {"wait": _wait(client)}), href)


def _final(client: JsonClient, state: dict[str, Any], deadline: float) -> dict[str, Any]:
    """Ask for the run with ``wait-merged`` until its state is final or the deadline passes."""
    href = state["href"]
    while _not_final(state) and time.monotonic() < deadline:
        state = _run_object(client.get(href, {"wait-merged": "true", "wait": _wait(client)}), href)
        if _not_final(state):
            time.sleep(max(0.0, min(POLL_PAUSE, deadline - time.monotonic())))
    return state


def _not_final(state: dict[str, Any]) -> bool:
    """Still to come: a pending state, or a finished run whose merged result is not there yet."""
    pending = state["state"] in PENDING_STATES
    return pending or (state["state"] == "finished" and state.get("result-merged") is None)


def _run_object(answer: Any, href: str) -> dict[str, Any]:
    """The run object of an answer, with its href; the href asked for when it has none."""
    if not isinstance(answer, dict) or not isinstance(answer.get("state"), str):
        raise DocumentError(f"GET {href}: expected a run object with a state, got {answer!r:.80}")
    if not isinstance(answer.get("href"), str):
        answer["href"] = href
    return answer


def _wait(client: JsonClient) -> int:
    """Seconds the lead may hold one answer back: half the request timeout, at least 1."""
    return max(1, int(client.timeout / 2))


def _failed(
    spec: ProbeSpec,
    status: Status,
    reason: str,
    started: datetime,
    context: dict[str, str | int | float | bool],
) -> list[Result]:
    return failed_results(
        spec,
        tool=NAME,
        status=status,
        reason=reason,
        started=started,
        ended=datetime.now(UTC),
        context=context,
    )
