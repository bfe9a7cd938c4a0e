"""A real HTTP(S) server on 127.0.0.1 (free port, own thread) playing a pScheduler lead.

It answers the REST flow of pScheduler's api-server (perfsonar/pscheduler @ 1e8b1924,
``pschedulerapiserver/tasks.py`` and ``runs.py``):

- ``POST /pscheduler/tasks``: a task with ``test`` and ``schedule`` (400 without them, as
  pScheduler) → the new task's URL as a JSON string;
- ``GET /pscheduler/tasks/<uuid>?detail=true``: the task as posted, with the ``tool`` the
  lead chose and ``detail.first-run-href``;
- ``GET …/runs/first`` (the lead waits until it has scheduled the run) and
  ``GET …/runs/<uuid>?wait-merged=true&wait=N``: the run object with ``run_json``'s fields;
- ``DELETE /pscheduler/tasks/<uuid>``: the task is canceled (recorded), ``OK`` as text.

The run goes through ``states``, one state per answer: each answer stands for the lead's
own waiting (``wait``), which ends when the state changes. ``result`` (a real merged
result from tests/fixtures/perfsonar/pscheduler; or ``results[test type]``) is the
``result-merged`` of a run whose state is final; ``errors`` its ``errors`` text.
``status`` answers every request with that HTTP status, ``delay`` holds every answer back
that many seconds. Requests are recorded.
"""

import json
import time
import uuid
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from loopback_http import JsonHandler, serve_handler

RESULTS = Path(__file__).parent / "fixtures" / "perfsonar" / "pscheduler"
FINAL = {"finished", "failed", "missed", "overdue", "preempted", "nonstart", "canceled"}


def merged_result(name: str) -> dict:
    """A real merged result of tests/fixtures/perfsonar/pscheduler (unwrapped from
    ``{"result": …}`` where pScheduler's test inputs wrap it)."""
    document = json.loads((RESULTS / name).read_text())
    return document if "succeeded" in document else document["result"]


@dataclass
class Lead:
    """What the lead does with the next task, and what it was asked."""

    states: list[str] = field(default_factory=lambda: ["pending", "running", "finished"])
    result: dict | None = None
    results: dict[str, dict] = field(default_factory=dict)  # test type → its result instead
    errors: str | None = None
    tool: str = "iperf3"
    status: int | None = None
    delay: float = 0.0
    run_delay: float = 0.0  # holds back the answers about runs only
    tasks: dict[str, dict] = field(default_factory=dict)
    canceled: list[str] = field(default_factory=list)  # tasks DELETEd
    first_run: dict[str, str] = field(default_factory=dict)  # task uuid → its run's uuid
    answered: dict[str, int] = field(default_factory=dict)  # run uuid → answers given
    requests: list[tuple[str, str, dict]] = field(default_factory=list)

    def run(self, base: str, task_id: str, run_id: str) -> dict:
        """The run object at this point of its life: one step further on each call."""
        step = self.answered.get(run_id, 0)
        self.answered[run_id] = step + 1
        state = self.states[min(step, len(self.states) - 1)]
        start = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=5)
        test = self.tasks[task_id]["test"]
        spec = test["spec"]
        result = self.results.get(test["type"], self.result)
        href = f"{base}/pscheduler/tasks/{task_id}/runs/{run_id}"
        return {
            "href": href,
            "task-href": f"{base}/pscheduler/tasks/{task_id}",
            "result-href": f"{href}/result",
            "start-time": start.isoformat(),
            "end-time": (start + timedelta(seconds=16)).isoformat(),
            "duration": "PT16S",
            "participant": 0,
            "participants": ["127.0.0.1", spec["dest"]],
            "participant-data": [],
            "result": None,
            "result-full": [result] if state in FINAL and result else None,
            "result-merged": result if state in FINAL else None,
            "state": state,
            "state-display": state.replace("-", " ").title(),
            "errors": self.errors if state in FINAL else None,
            "added": datetime.now(UTC).isoformat(),
            "priority": None,
            "limit-diags": "Passed limits",
        }


class _Handler(JsonHandler):
    lead: Lead
    base: str

    def do_DELETE(self) -> None:
        self._answer("DELETE", None)

    def _answer(self, method: str, body) -> None:
        lead = self.lead
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        lead.requests.append((method, url.path, body if method == "POST" else query))
        if lead.delay:
            time.sleep(lead.delay)
        if lead.status:
            return self._send(lead.status, "Internal error (test)")
        parts = url.path.strip("/").split("/")  # pscheduler, tasks, <task>, runs, <run>
        if method == "POST" and parts == ["pscheduler", "tasks"]:
            if not isinstance(body, dict) or "test" not in body or "schedule" not in body:
                return self._send(400, "Invalid task specification: test and schedule needed")
            task_id = str(uuid.uuid4())
            lead.tasks[task_id] = {**body, "tool": lead.tool}
            lead.first_run[task_id] = str(uuid.uuid4())
            return self._send(200, f"{self.base}/pscheduler/tasks/{task_id}")
        if method == "DELETE" and len(parts) == 3 and parts[2] in lead.tasks:
            lead.canceled.append(parts[2])
            return self._send_bytes(200, b"OK\n")  # pScheduler's ok(): plain text
        if method == "GET" and len(parts) == 3 and parts[2] in lead.tasks:
            task = dict(lead.tasks[parts[2]])
            if query.get("detail") in ("true", "1", ""):
                href = f"{self.base}/pscheduler/tasks/{parts[2]}"
                task["detail"] = {
                    "href": href,
                    "runs-href": f"{href}/runs",
                    "first-run-href": f"{href}/runs/first",
                    "next-run-href": f"{href}/runs/next",
                }
            return self._send(200, task)
        if method == "GET" and len(parts) == 5 and parts[2] in lead.tasks:
            if query.get("wait-local") and query.get("wait-merged"):
                return self._send(400, "Cannot wait on local and merged results")
            time.sleep(lead.run_delay)
            run_id = lead.first_run[parts[2]] if parts[4] == "first" else parts[4]
            return self._send(200, lead.run(self.base, parts[2], run_id))
        return self._send(404, "Not found.")

    def _send(self, status: int, document) -> None:
        self._send_bytes(status, json.dumps(document).encode())


def serve(
    lead: Lead, *, cert: Path | None = None, key: Path | None = None
) -> AbstractContextManager[str]:
    """Serve ``lead`` on 127.0.0.1 (HTTPS with ``cert``/``key``); yields the base URL."""
    return serve_handler(
        lambda base: type("Handler", (_Handler,), {"lead": lead, "base": base}),
        cert=cert,
        key=key,
    )
