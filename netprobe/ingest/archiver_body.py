"""The JSON pScheduler's ``http`` archiver sends (the body perfSONAR 5 sends to its
Logstash), validated and translated into one Result.

The body is the ``result`` object pScheduler's archiver daemon builds for every archiving
(``daemons/archiver.raw``): ``id`` (the run's UUID), ``schedule`` {start, duration},
``test`` {type, spec}, ``tool`` {name, version}, ``run`` (the run's details, with ``state``,
``start-time``, ``end-time``, ``href``), ``task`` (with ``href``), ``participants`` (hosts,
lead first), ``result`` (the merged result) and ``reference``.
"""

from collections.abc import Mapping
from typing import Any

from netprobe.errors import DocumentError
from netprobe.ingest import lookup, text
from netprobe.ingest.pscheduler_result import parse_run
from netprobe.model import Result

REQUIRED = ("id", "test", "tool", "run", "participants", "result")
"""Top-level members a body must have."""


def parse_body(body: Any) -> Result:
    """Validate an archiver body and translate it into a Result.

    Args:
        body: the decoded JSON body.

    Returns:
        One Result with ``context["source"] = "pscheduler"`` and ``archive_id`` = the run
        UUID, so a body sent twice (the archiver retries) is recognised as one result.
        A run that did not finish, or ``result.succeeded: false``, is a failure Result.

    Raises:
        DocumentError: (a ValueError) naming the missing or wrong field.
    """
    if not isinstance(body, Mapping):
        raise DocumentError(f"body: expected a JSON object, got {type(body).__name__}")
    missing = [key for key in REQUIRED if body.get(key) is None]
    if missing:
        raise DocumentError(f"body: missing {', '.join(missing)}")
    run_id = text(body["id"], "id")
    for key in ("test", "tool", "run", "result"):
        if not isinstance(body[key], Mapping):
            raise DocumentError(f"{key}: expected an object, got {type(body[key]).__name__}")
    participants = body["participants"]
    if not isinstance(participants, list) or not all(isinstance(p, str) for p in participants):
        got = f"{participants!r}"[:80]
        raise DocumentError(f"participants: expected a list of host names, got {got}")
    run = dict(body["run"])
    # The archiver strips the run's own result; the merged one travels beside it.
    run["result-merged"] = body["result"]
    # A body whose run carries no state is judged by result.succeeded alone.
    run.setdefault("state", "finished")
    result = parse_run(
        run,
        body["test"],
        tool=text(lookup(body, "tool.name"), "tool.name"),
        participants=participants,
        where="run.",
    )
    result.context["archive_id"] = result.context["run_id"] = run_id
    task_href = lookup(body, "task.href", None)
    if isinstance(task_href, str):
        result.context["task_href"] = task_href
    return result
