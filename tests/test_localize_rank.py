"""Ranking on hand-built link/segment incidence tables."""

from datetime import UTC, datetime

import pytest

from netprobe.errors import ConfigError, InputError
from netprobe.localize import LinkEvidence, localize, path_changed
from netprobe.localize.rank import ROUTE_CHANGE, SEGMENT


def link(name, path, degraded, **kw):
    """A link whose path is a list of nodes: segments are node pairs, joints the inner nodes."""
    segments = [f"{a}>{b}" for a, b in zip(path, path[1:], strict=False)]
    return LinkEvidence(name, segments, degraded, joints=path[1:-1], **kw)


def tree(states):
    """site-r1, then r1-r2 to endpoints a,b,c and r1-r3 to d,e: link name -> degraded."""
    paths = {
        "a": ["site", "r1", "r2", "a"],
        "b": ["site", "r1", "r2", "b"],
        "c": ["site", "r1", "r2", "c"],
        "d": ["site", "r1", "r3", "d"],
        "e": ["site", "r1", "r3", "e"],
    }
    return [link(n, paths[n], s) for n, s in states.items()]


def test_segment_shared_by_all_degraded_and_no_healthy_link_ranks_first():
    result = localize(tree({"a": True, "b": True, "c": True, "d": False, "e": False}))
    best = result.best
    assert best.segments == ("r1>r2",)
    assert best.explains == ("a", "b", "c")
    assert best.contradicts == () and best.unexplained == ()
    assert result.indistinguishable == 1 and result.test_points == ()
    assert best.probability > 0.5
    scores = [c.score for c in result.candidates]
    assert scores == sorted(scores, reverse=True)


def test_shared_first_segment_when_every_link_degrades():
    result = localize(tree(dict.fromkeys("abcde", True)))
    assert result.best.segments == ("site>r1",)


def test_two_segments_always_together_are_reported_with_the_hop_that_splits_them():
    paths = {
        "a": ["site", "r1", "r2", "r3", "a"],
        "b": ["site", "r1", "r2", "r3", "b"],
        "c": ["site", "r1", "r4", "c"],
    }
    links = [link(n, paths[n], n != "c") for n in paths]
    result = localize(links)
    assert result.best.causes[0].names == ("r1>r2", "r2>r3")
    assert result.indistinguishable == 2
    (point,) = result.test_points
    assert point.address == "r2"
    assert point.crosses == ("r1>r2",) and point.misses == ("r2>r3",)
    assert point.link in ("a", "b")


def test_two_faulty_segments_are_blamed_together():
    states = {"a": True, "b": True, "c": False, "d": True, "e": True}
    paths = {
        "a": ["site", "r1", "r2", "r5", "a"],
        "b": ["site", "r1", "r2", "r5", "b"],
        "c": ["site", "r1", "r2", "c"],
        "d": ["site", "r1", "r3", "d"],
        "e": ["site", "r1", "r3", "e"],
        "f": ["site", "r1", "r4", "f"],
    }
    links = [link(n, p, states.get(n, False)) for n, p in paths.items()]
    best = localize(links).best
    assert set(best.segments) == {"r2>r5", "r1>r3"}
    assert best.unexplained == () and best.contradicts == ()
    assert localize(links, max_faults=1).best.unexplained != ()


def test_one_mislabelled_healthy_link_does_not_exonerate_the_culprit():
    paths = {f"x{i}": ["site", "r1", "r2", f"r{10 + i % 3}", f"x{i}"] for i in range(6)}
    paths |= {f"y{i}": ["site", "r1", "r3", f"y{i}"] for i in range(3)}
    states = {n: n.startswith("x") for n in paths}
    states["x2"] = False  # the detector missed this one
    links = [link(n, paths[n], states[n]) for n in paths]
    best = localize(links).best
    assert best.segments == ("r1>r2",)
    assert best.contradicts == ("x2",)
    # the classic rule (a healthy link is never wrong) exonerates r1>r2 because x2 crosses it
    classic = localize(links, false_negative=0.0).best
    assert "r1>r2" not in classic.segments


def test_a_state_given_with_low_confidence_weighs_less():
    paths = {"a": ["s", "r", "a"], "b": ["s", "r", "b"], "c": ["s", "r", "c"]}
    sure = [link(n, paths[n], n != "c") for n in paths]
    unsure = sure[:2] + [link("c", paths["c"], False, confidence=0.6)]
    assert localize(sure).best.segments != ("s>r",)
    assert localize(unsure).best.segments == ("s>r",)


def test_no_degraded_link_means_no_suspect():
    result = localize(tree(dict.fromkeys("abcde", False)))
    assert result.candidates == () and result.best is None
    assert result.indistinguishable == 0 and result.p_no_fault == 1.0
    assert result.healthy == ("a", "b", "c", "d", "e")


def test_unknown_links_are_neither_evidence_for_nor_against():
    states = {"a": True, "b": True, "c": None, "d": None, "e": None}
    result = localize(tree(states))
    assert result.unknown == ("c", "d", "e")
    assert result.best.contradicts == ()
    assert result.best.explains == ("a", "b")


def test_route_change_on_the_only_degraded_link_is_the_likely_cause():
    change = path_changed(["r1", "r3", "d"], ["r1", "r9", "d"])
    states = {"a": False, "b": False, "c": False, "d": True, "e": False}
    links = tree(states)
    links[3] = link("d", ["site", "r1", "r9", "d"], True, path_change=change)
    result = localize(links)
    assert result.best.causes[0].kind == ROUTE_CHANGE
    assert result.best.causes[0].names == ("route change +r9 -r3",)
    assert [c.links for c in result.route_changes] == [("d",)]


def test_route_change_is_reported_even_when_a_shared_segment_explains_more():
    links = tree(dict.fromkeys("abc", True) | {"d": False, "e": False})
    links[0] = link("a", ["site", "r1", "r2", "a"], True, path_change=True)
    result = localize(links)
    assert result.best.causes[0].kind == SEGMENT
    assert result.best.segments == ("r1>r2",)
    assert [c.names for c in result.route_changes] == [("route change on a",)]


def test_three_faults_are_grown_greedily_beyond_pairs():
    paths = {f"{g}{i}": ["s", "r", f"g{g}", f"{g}{i}"] for g in "xyzw" for i in range(4)}
    links = [link(n, p, not n.startswith("w")) for n, p in paths.items()]
    best = localize(links, max_faults=3).best
    assert set(best.segments) == {"r>gx", "r>gy", "r>gz"}
    assert best.unexplained == ()


def test_explanations_are_ordered_by_change_time():
    t = [datetime(2020, 3, d, tzinfo=UTC) for d in (3, 1, 2)]
    links = [link(n, ["s", "r", n], True, changed_at=t[i]) for i, n in enumerate("abc")]
    assert localize(links).best.explains == ("b", "c", "a")


@pytest.mark.parametrize(
    "kwargs",
    [{"error_rate": 0.7}, {"false_negative": -0.1}, {"prior": 0.0}, {"max_faults": 0}],
)
def test_bad_settings_are_config_errors(kwargs):
    with pytest.raises(ConfigError, match="localize: "):
        localize(tree({"a": True}), **kwargs)


@pytest.mark.parametrize(
    ("links", "message"),
    [
        ([link("a", ["s", "a"], True), link("a", ["s", "b"], True)], "given twice"),
        ([link("a", ["s", "a"], True, confidence=1.5)], "confidence 1.5"),
        ([LinkEvidence("a", ["s>r", "r>a"], True, joints=["r", "x"])], "2 joints for 2"),
    ],
)
def test_bad_evidence_is_an_input_error(links, message):
    with pytest.raises(InputError, match=message):
        localize(links)


def test_the_worked_example_of_the_docs_narrows_to_renater_with_test_points():
    access, lp, peer = "ccin2p3>lyon", "renater-lyon-paris", "paris>geant-par"
    atl, sl = "geant-atlantic", "geant>starlight"
    links = [
        LinkEvidence(
            "starlight",
            [access, lp, peer, atl, sl],
            True,
            joints=["lyon", "paris", "geant-par", "geant-nyc"],
        ),
        LinkEvidence(
            "ncsa",
            [access, lp, peer, atl, sl, "starlight>ncsa"],
            True,
            joints=["lyon", "paris", "geant-par", "geant-nyc", "starlight"],
        ),
        LinkEvidence(
            "cern", [access, "renater-lyon-geneva", "geneva>cern"], False, joints=["lyon", "geneva"]
        ),
    ]
    first = localize(links)
    assert first.best.segments == (lp, peer, atl, sl)
    assert first.indistinguishable == 4
    assert [p.address for p in first.test_points] == ["geant-par", "paris", "geant-nyc"]
    links.append(LinkEvidence("geant-par", [access, lp, peer], True, joints=["lyon", "paris"]))
    second = localize(links)
    assert second.best.segments == (lp, peer)
    assert [p.address for p in second.test_points] == ["paris"]
    links.append(LinkEvidence("renater-par", [access, lp], True, joints=["lyon"]))
    third = localize(links)
    assert third.best.segments == (lp,) and third.indistinguishable == 1
    assert third.best.score > second.best.score > first.best.score


def test_a_degraded_link_without_a_known_path_blames_nothing():
    result = localize([LinkEvidence("a", [], True), link("b", ["s", "r", "b"], False)])
    assert result.best is None and result.degraded == ("a",)


def test_a_healthy_test_point_clears_the_segments_up_to_it():
    links = tree({"a": True, "b": True, "c": True, "d": False, "e": False})
    ambiguous = localize([*links[:3]])  # only a, b, c known: site>r1 and r1>r2 always together
    assert ambiguous.best.segments == ("site>r1", "r1>r2")
    point = link("r1-tp", ["site", "r1"], False, test_point=True)
    assert localize([*links[:3], point]).best.segments == ("r1>r2",)


def test_a_degraded_test_point_implicates_the_segments_up_to_it():
    links = [link(n, ["site", "r1", "r2", n], True) for n in "ab"]
    point = link("r1-tp", ["site", "r1"], True, test_point=True)
    result = localize([*links, point])
    assert result.best.segments == ("site>r1",)
    assert set(result.best.explains) == {"a", "b", "r1-tp"}


def test_a_configured_test_point_of_unknown_state_is_suggested_first():
    links = [link(n, ["site", "r1", "r2", n], True) for n in "ab"]
    idle = link("r1-tp", ["site", "r1", "tp"], None, test_point=True)
    result = localize([*links, idle])
    assert result.best.segments == ("site>r1", "r1>r2") and result.indistinguishable == 2
    (point,) = result.test_points
    assert point.name == "r1-tp" and point.link == "r1-tp"
    assert (point.crosses, point.misses) == (("site>r1",), ("r1>r2",))


def test_where_no_configured_test_point_would_do_a_hop_is_named():
    links = [link(n, ["site", "r1", "r2", n], True) for n in "ab"]
    beside = link("r2-tp", ["site", "r1", "r2", "tp"], None, test_point=True)  # splits nothing
    (point,) = localize([*links, beside]).test_points
    assert point.name is None and point.address == "r1"
