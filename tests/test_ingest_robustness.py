"""Any document with one value replaced by arbitrary JSON is either translated or refused
with a DocumentError (which names the field): never a TypeError or an OverflowError.

The starting documents are the real samples and the built envelopes of the other
ingest tests (see their docstrings for which parts are built).
"""

import contextlib
import copy
import json
from pathlib import Path

import test_ingest_archiver_body as body_tests
import test_ingest_opensearch as opensearch_tests
import test_ingest_pscheduler as pscheduler_tests
from hypothesis import given
from hypothesis import strategies as st
from test_psconfig import JSON, paths_of

from netprobe.errors import DocumentError
from netprobe.ingest import archiver_body, esmond, opensearch, pscheduler_result

FIXTURES = Path(__file__).parent / "fixtures" / "perfsonar"


def load(name: str):
    return json.loads((FIXTURES / name).read_text())


META = esmond.parse_metadata(load("esmond/throughput-metadata-search-response.json"))[0]
RTT_TEST = {"type": "rtt", "spec": {"dest": "ps2.example"}}
RTT_RESULT = {
    "succeeded": True,
    "roundtrips": [],
    "sent": 10,
    "received": 9,
    "loss": 0.1,
    "min": "PT0.1S",
    "mean": "PT0.2S",
}

CASES = {
    "esmond metadata": (
        load("esmond/throughput-metadata-search-response.json"),
        esmond.parse_metadata,
    ),
    "esmond packet-trace": (
        load("esmond/packet-trace-base-response.json"),
        lambda doc: esmond.parse_base("packet-trace", doc, META),
    ),
    "esmond histogram-rtt": (
        [{"ts": 1397804761, "val": {"41.00": 99, "41.10": 1}}],
        lambda doc: esmond.parse_base("histogram-rtt", doc, META),
    ),
    "esmond packet-loss-rate": (
        [{"ts": 1397807372, "val": {"denominator": "600", "numerator": "0"}}],
        lambda doc: esmond.parse_base("packet-loss-rate", doc, META),
    ),
    "esmond failures": (
        [{"ts": 1397315930, "val": {"error": "Unable to connect"}}],
        lambda doc: esmond.parse_base("failures", doc, META),
    ),
    "opensearch throughput": (opensearch_tests.throughput_hit(), opensearch.parse_hit),
    "archiver body throughput": (
        body_tests.body_of(
            load("pscheduler/throughput-result-example-iperf2.json"), body_tests.THROUGHPUT
        ),
        archiver_body.parse_body,
    ),
    "archiver body trace": (
        body_tests.body_of(
            load("pscheduler/trace-result-example.json"),
            {"type": "trace", "spec": {"dest": "ps2.example"}},
        ),
        archiver_body.parse_body,
    ),
    "pscheduler run iperf3": (
        pscheduler_tests.run_of(pscheduler_tests.iperf3_like(sent=10, lost=1, jitter=0.1)),
        lambda doc: pscheduler_result.parse_run(doc, pscheduler_tests.THROUGHPUT),
    ),
    "pscheduler run rtt": (
        pscheduler_tests.run_of(RTT_RESULT),
        lambda doc: pscheduler_result.parse_run(doc, RTT_TEST),
    ),
}

PLACES = [(case, path) for case, (doc, _) in CASES.items() for path in paths_of(doc) if path]


@given(st.sampled_from(PLACES), JSON)
def test_a_wrong_value_anywhere_is_a_document_error(place, value):
    case, path = place
    doc, parse = CASES[case]
    doc = copy.deepcopy(doc)
    target = doc
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    with contextlib.suppress(DocumentError):
        parse(doc)
