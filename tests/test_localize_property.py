"""Properties of the ranking on random trees: with exact link states one fault is always found."""

from hypothesis import given, settings
from hypothesis import strategies as st

from netprobe.localize import LinkEvidence, localize


@st.composite
def tree_and_fault(draw):
    """A random tree of routers, endpoints under random routers, one faulty edge crossed."""
    n = draw(st.integers(2, 12))
    parent = [-1] + [draw(st.integers(0, k - 1)) for k in range(1, n)]
    homes = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=15))
    paths = []
    for e, home in enumerate(homes):
        chain = [home]
        while parent[chain[-1]] >= 0:
            chain.append(parent[chain[-1]])
        nodes = ["site"] + [f"r{r}" for r in reversed(chain)] + [f"e{e}"]
        paths.append([f"{a}>{b}" for a, b in zip(nodes, nodes[1:], strict=False)])
    crossed = sorted({s for p in paths for s in p})
    return paths, draw(st.sampled_from(crossed))


@settings(max_examples=60, deadline=None)
@given(tree_and_fault())
def test_exact_states_put_the_fault_in_the_best_candidate(case):
    paths, fault = case
    links = [LinkEvidence(f"l{i}", p, fault in p) for i, p in enumerate(paths)]
    result = localize(links)
    assert fault in result.best.segments
    assert result.best.contradicts == () and result.best.unexplained == ()
    # its group is exactly the segments every link crosses together with the fault
    with_fault = {i for i, p in enumerate(paths) if fault in p}
    same = {
        s
        for s in {s for p in paths for s in p}
        if {i for i, p in enumerate(paths) if s in p} == with_fault
    }
    assert set(result.best.segments) == same
    assert result.indistinguishable == len(same)
