"""The body pScheduler's http archiver sends → a validated Result.

The envelope is built here from pScheduler's archiver daemon (``daemons/archiver.raw``:
id, schedule, test, tool{name,version}, run, task, participants, result, reference), no
captured body exists in shared/. Its ``result`` is real: the throughput result of
pScheduler's validate.py self-test and pScheduler's trace-result.json.
"""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from netprobe.errors import DocumentError
from netprobe.ingest.archiver_body import REQUIRED, parse_body
from netprobe.model import Direction, Status

FIXTURES = Path(__file__).parent / "fixtures" / "perfsonar" / "pscheduler"
RUN_ID = "a6e2b4c1-2f57-4c7b-9d7e-0c3c5a1f6d2e"
TASK_HREF = "https://ccperfsonar1.in2p3.fr/pscheduler/tasks/5b0c2d9e-1e57-4d55-a3f1-9f0f1a2b3c4d"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


def body_of(result: dict, test: dict, tool: str = "iperf3", state: str = "finished") -> dict:
    """An archiver body as pScheduler's archiver daemon builds it (built)."""
    return {
        "id": RUN_ID,
        "schedule": {"start": "2024-05-02T08:00:00Z", "duration": "PT37S"},
        "test": copy.deepcopy(test),
        "tool": {"name": tool, "version": "1.0"},
        "run": {
            "start-time": "2024-05-02T08:00:03Z",
            "end-time": "2024-05-02T08:00:40Z",
            "state": state,
            "href": f"{TASK_HREF}/runs/{RUN_ID}",
            "task-href": TASK_HREF,
        },
        "task": {"href": TASK_HREF, "schema": 1},
        "participants": ["ccperfsonar1.in2p3.fr", "psb-bw-100g.ncsa.illinois.edu"],
        "result": copy.deepcopy(result),
        "reference": None,
    }


THROUGHPUT = {
    "type": "throughput",
    "spec": {
        "source": "ccperfsonar1.in2p3.fr",
        "dest": "psb-bw-100g.ncsa.illinois.edu",
        "duration": "PT30S",
    },
}


def test_throughput_body():
    result = parse_body(body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT))
    assert result.status is Status.OK
    assert (result.site, result.endpoint, result.direction) == (
        "ccperfsonar1.in2p3.fr",
        "psb-bw-100g.ncsa.illinois.edu",
        Direction.FORWARD,
    )
    assert result.tool == "iperf3"
    assert result.throughput_bps == 1.76e9
    assert result.started == datetime(2024, 5, 2, 8, 0, 3, tzinfo=UTC)
    assert result.ended == datetime(2024, 5, 2, 8, 0, 40, tzinfo=UTC)
    assert len(result.intervals) == 10
    assert result.context["source"] == "pscheduler"
    assert result.context["archive_id"] == RUN_ID
    assert result.context["task_href"] == TASK_HREF
    assert result.context["run_href"] == f"{TASK_HREF}/runs/{RUN_ID}"


def test_trace_body_without_source_uses_the_lead_participant():
    test = {"type": "trace", "spec": {"dest": "psb-bw-100g.ncsa.illinois.edu"}}
    result = parse_body(body_of(load("trace-result-example.json"), test, tool="traceroute"))
    assert result.site == "ccperfsonar1.in2p3.fr"
    assert result.hops[1].address == "192.52.179.65"


def test_unsucceeded_result_is_a_failure():
    body = body_of({"succeeded": False, "error": "iperf3: the server is busy"}, THROUGHPUT)
    result = parse_body(body)
    assert result.status is Status.TOOL_ERROR
    assert result.reason == "iperf3: the server is busy"
    assert result.throughput_bps is None


def test_a_failed_run_is_a_failure_with_the_run_state():
    body = body_of({"succeeded": False, "error": "No route to host"}, THROUGHPUT, state="failed")
    result = parse_body(body)
    assert result.status is Status.TOOL_ERROR
    assert result.reason == "pScheduler run failed: No route to host"


def test_body_sent_twice_gives_the_same_archive_id():
    body = body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT)
    first, again = parse_body(body), parse_body(copy.deepcopy(body))
    assert first.context["archive_id"] == again.context["archive_id"] == RUN_ID
    assert first == again


def without(path: str) -> dict:
    body = body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT)
    *parents, last = path.split(".")
    target = body
    for step in parents:
        target = target[step]
    del target[last]
    return body


def replaced(path: str, value) -> dict:
    body = body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT)
    *parents, last = path.split(".")
    target = body
    for step in parents:
        target = target[step]
    target[last] = value
    return body


@pytest.mark.parametrize("key", REQUIRED)
def test_missing_member_is_named(key):
    with pytest.raises(DocumentError, match=f"body: missing {key}"):
        parse_body(without(key))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([], "body: expected a JSON object, got list"),
        (replaced("id", ""), "id: expected a non-empty string"),
        (replaced("run", "finished"), "run: expected an object, got str"),
        (replaced("participants", "ccperfsonar1"), "participants: expected a list of host names"),
        (without("tool.name"), "tool.name: missing"),
        (without("run.start-time"), "run.start-time: missing"),
        (replaced("run.start-time", "yesterday"), "run.start-time: expected a date"),
        (replaced("run.state", "running"), "run.state: the run is still 'running'"),
        (replaced("run.state", "exploded"), "run.state: unknown run state 'exploded'"),
        (without("test.type"), "test.type: missing"),
        (without("test.spec.dest"), "test.spec.dest: missing"),
        (replaced("test.type", "latencybg"), "test.type: 'latencybg' is not translated"),
        (without("result.succeeded"), "result.succeeded: expected true or false, got None"),
        (without("result.summary"), "result.summary.summary: missing"),
    ],
)
def test_invalid_body_names_the_field(body, message):
    with pytest.raises(ValueError) as caught:
        parse_body(body)
    assert isinstance(caught.value, DocumentError)
    assert message in str(caught.value)
