"""Trace hops into segments, the trace nearest a time, route changes."""

from datetime import UTC, datetime, timedelta

import pytest

from netprobe.errors import ConfigError
from netprobe.localize import (
    link_segments,
    named_segment,
    nearest_trace,
    path_changed,
    traces_around,
)
from netprobe.model import Hop


def test_consecutive_hops_are_segments_and_the_source_starts_the_first():
    path = link_segments([Hop(1, "198.18.0.1"), Hop(2, "198.18.1.2")], source="lyon")
    assert path.names == ("lyon>198.18.0.1", "198.18.0.1>198.18.1.2")
    assert path.joints == ("198.18.0.1",)


def test_unanswered_hops_fold_into_one_segment():
    path = link_segments(["a", None, "*", "b", "c", None])
    assert path.names == ("a>*>b", "b>c", "c>*")
    assert path.joints == ("b", "c")
    assert link_segments([None, "b"]).names == ("*>b",)
    assert link_segments([]).names == ()


def test_named_segments_claim_their_hops_and_keep_peering_pairs():
    renater = named_segment("renater", ["193.51.0.0/16", "renater-core.example"])
    geant = named_segment("geant", ["62.40.98.1", "2001:798::/32"])
    hops = ["193.51.1.1", None, "renater-core.example", "62.40.98.1", "2001:798:0::5", "x"]
    path = link_segments(hops, source="ccin2p3", named=[renater, geant])
    assert path.names == (
        "ccin2p3>193.51.1.1",
        "renater",
        "renater-core.example>62.40.98.1",
        "geant",
        "2001:798::5>x",
    )
    assert path.joints == ("193.51.1.1", "renater-core.example", "62.40.98.1", "2001:798::5")


def test_a_named_segment_of_one_hop_is_still_crossed():
    single = named_segment("gw", ["10.0.0.1"])
    assert link_segments(["a", "10.0.0.1", "b"], named=[single]).names == (
        "a>10.0.0.1",
        "gw",
        "10.0.0.1>b",
    )


def test_a_bad_range_names_the_segment_and_value():
    with pytest.raises(ConfigError, match=r"segment 'geant': '62\.40\.0\.0/99'"):
        named_segment("geant", ["62.40.0.0/99"])


def test_nearest_trace_in_time():
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    traces = [(t0 + timedelta(hours=h), f"trace{h}") for h in (0, 6, 12)]
    assert nearest_trace(traces, t0 + timedelta(hours=4)) == "trace6"
    assert nearest_trace(traces, t0 + timedelta(hours=3)) == "trace0"  # tie: the earlier
    far = t0 + timedelta(days=2)
    assert nearest_trace(traces, far, max_gap=timedelta(hours=1)) is None
    assert nearest_trace([], t0) is None


def test_traces_around_a_change():
    t0 = datetime(2020, 1, 1, tzinfo=UTC)
    traces = [(t0 + timedelta(hours=h), h) for h in (12, 0, 6)]
    assert traces_around(traces, t0 + timedelta(hours=6)) == (0, 6)
    assert traces_around(traces, t0 - timedelta(hours=1)) == (None, 0)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (["a", "b", "c"], ["a", "b", "c"]),
        (["a", "b", "c"], ["a", None, "c"]),  # a hop that did not answer this time
        (["a", "b", "c"], ["a", "b", None, None]),  # the end stopped answering
        (["a", "b"], ["a", "b", "c"]),  # the earlier trace stopped short
    ],
)
def test_same_route(before, after):
    assert path_changed(before, after) is None


def test_route_change_names_hops_gone_and_new():
    before = [Hop(1, "a"), Hop(2, "b"), Hop(3, "c"), Hop(4, "d")]
    after = [Hop(1, "a"), Hop(2, "x"), Hop(3, None), Hop(4, "y"), Hop(5, "d")]
    change = path_changed(before, after)
    assert change.first == 1
    assert change.removed == ("b", "c") and change.added == ("x", "y")
    assert change.key == "route change +x +y -b -c"


def test_a_longer_route_through_the_same_routers_is_a_change():
    change = path_changed(["a", "b", "d"], ["a", "b", "c", "d"])
    assert change.first == 2 and change.added == ("c",) and change.removed == ()
