"""The parser never raises and never lets a failure carry throughput, whatever the document."""

import json
import math
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netprobe.model import Endpoint, ProbeSpec, ThroughputOptions
from netprobe.probes.iperf3_json import parse

FIXTURES = Path(__file__).parent / "fixtures" / "iperf3"
DOCS = {p.name + p.parent.name: json.loads(p.read_text()) for p in FIXTURES.glob("*/*.json")}
SPEC = ProbeSpec(
    name="p", test="throughput", endpoint=Endpoint(name="e", host="h"), options=ThroughputOptions()
)

ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**64), max_value=2**64),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=4), st.integers(), max_size=2),
)


def _paths(node, prefix=()):
    """Every (path) to a value inside a JSON document."""
    if isinstance(node, dict):
        items = node.items()
    elif isinstance(node, list):
        items = enumerate(node)
    else:
        return
    for key, value in items:
        yield (*prefix, key)
        yield from _paths(value, (*prefix, key))


def _set(doc, path, value):
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_mutated_documents_parse_to_results_or_failures(data):
    name = data.draw(st.sampled_from(sorted(DOCS)))
    doc = json.loads(json.dumps(DOCS[name]))
    paths = list(_paths(doc))
    for _ in range(data.draw(st.integers(min_value=1, max_value=4))):
        _set(doc, data.draw(st.sampled_from(paths)), data.draw(ODD_VALUES))
        paths = list(_paths(doc))
    text = json.dumps(doc).replace("NaN", "nan").replace("Infinity", "inf")
    for result in parse(text, SPEC):
        assert all(isinstance(v, str | int | float | bool) for v in result.context.values())
        if result.ok:
            assert result.throughput_bps is not None
            assert all(math.isfinite(v) and v >= 0 for v in result.metrics.values())
            assert all(math.isfinite(i.bps) and i.bps >= 0 for i in result.intervals)
        else:
            assert result.throughput_bps is None and result.reason
