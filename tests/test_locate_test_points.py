"""Intermediate test points in `locate`: stored traces place them, their verdicts are
evidence, and `netprobe localize` suggests one whose state is not known yet."""

from datetime import UTC, datetime, timedelta

import numpy as np
from test_analyze_cli import hourly
from test_localize_lab import HOURS, throughput

from netprobe.config import load_config
from netprobe.locate import locate
from netprobe.model import Direction, Hop, Result, Status
from netprobe.store import open_store

G = 1e9
END = datetime(2026, 3, 1, tzinfo=UTC)
PATHS = {  # endpoint → the hops its trace shows; r1 = 10.0.1.1, r2 = 10.0.2.1
    "a": ["10.0.1.1", "10.0.2.1", "10.0.3.1"],
    "b": ["10.0.1.1", "10.0.2.1", "10.0.4.1"],
    "tp": ["10.0.1.1"],
}
R1_R2 = "10.0.1.1>10.0.2.1"


def write_config(tmp_path, *, tp_link: bool, tp_host: str = "10.0.1.1") -> str:
    text = f'schema = 1\n[site]\nname = "lyon"\nstate_dir = "{tmp_path}"\n'
    for name, host in (("a", "10.0.3.1"), ("b", "10.0.4.1"), ("tp", tp_host)):
        text += f'[[endpoints]]\nname = "{name}"\nhost = "{host}"\n'
        if name == "tp":
            text += 'role = "test-point"\non = ["to-a", "to-b"]\n'
        if name != "tp" or tp_link:
            text += (
                f'[[links]]\nname = "to-{name}"\nendpoint = "{name}"\n'
                'plan = [{ from = 2025-01-01, capacity = "20Gbps" }]\n'
            )
    path = tmp_path / "site.toml"
    path.write_text(text)
    return str(path)


def trace(endpoint: str, hops: list[str]) -> Result:
    return Result(
        probe=f"{endpoint}-trace",
        test="trace",
        tool="traceroute",
        endpoint=endpoint,
        direction=Direction.FORWARD,
        status=Status.OK,
        started=END - timedelta(days=2),
        hops=[Hop(ttl, address) for ttl, address in enumerate(hops, start=1)],
    )


def stored(tmp_path, degraded: set[str], *, tp_link: bool, traced=PATHS, **kw):
    config = load_config(write_config(tmp_path, tp_link=tp_link, **kw))
    with open_store("sqlite", path=tmp_path / "netprobe.sqlite") as store:
        store.write([trace(name, hops) for name, hops in traced.items()])
        for seed, name in enumerate(("a", "b", "tp") if tp_link else ("a", "b")):
            levels = np.full(HOURS, 17 * G)
            if name in degraded:
                levels[-5 * 24 :] *= 0.5
            store.write(throughput(name, hourly(levels, seed=seed), END))
        return config, locate(config, store, now=END + timedelta(hours=1))


def test_a_healthy_test_point_clears_the_segments_up_to_it(tmp_path):
    _, located = stored(tmp_path, {"a", "b"}, tp_link=True)
    point = located.evidence[-1]
    assert (point.name, point.test_point, point.degraded) == ("to-tp", True, False)
    assert located.localization.best.segments == (R1_R2,)
    assert located.notes == []


def test_a_degraded_test_point_implicates_them(tmp_path):
    _, located = stored(tmp_path, {"a", "b", "tp"}, tp_link=True)
    assert located.localization.best.segments == ("lyon>10.0.1.1",)
    assert set(located.localization.best.explains) == {"to-a", "to-b", "to-tp"}


def test_a_test_point_without_a_plan_is_the_one_suggested(tmp_path, run_cli):
    config, located = stored(tmp_path, {"a", "b"}, tp_link=False)
    result = located.localization
    assert result.best.segments == ("lyon>10.0.1.1", R1_R2) and result.indistinguishable == 2
    (point,) = result.test_points
    assert point.name == "tp" and point.crosses == ("lyon>10.0.1.1",)
    assert located.notes == [
        "test point tp: state unknown, it has no [[links]] entry with a capacity plan to "
        "judge it by; only its path is used"
    ]
    out = run_cli("localize", "--config", str(config.files[0]), "--until", "2026-03-01T01:00Z")
    assert "test point tp: unknown; path lyon>10.0.1.1" in out.stdout
    assert (
        "test point: probe the configured test point tp: it would cross lyon>10.0.1.1, "
        f"not {R1_R2}" in out.stdout
    )


def test_an_untraced_test_point_is_named_where_it_stands(tmp_path):
    untraced = {k: v for k, v in PATHS.items() if k != "tp"}
    _, located = stored(tmp_path, {"a", "b"}, tp_link=False, traced=untraced)
    assert located.left_out == {"tp": "no forward trace of its path is stored"}
    (point,) = located.localization.test_points
    assert (point.address, point.name) == ("10.0.1.1", "tp")


def test_a_new_test_point_is_asked_for_where_none_stands(tmp_path, run_cli):
    untraced = {k: v for k, v in PATHS.items() if k != "tp"}
    config, located = stored(
        tmp_path, {"a", "b"}, tp_link=False, traced=untraced, tp_host="ps.example.org"
    )
    (point,) = located.localization.test_points
    assert (point.address, point.name) == ("10.0.1.1", None)
    out = run_cli("localize", "--config", str(config.files[0]), "--until", "2026-03-01T01:00Z")
    assert "test point needed: a probe endpoint at 10.0.1.1 (after lyon>10.0.1.1 on to-a)" in (
        out.stdout
    )


def test_a_test_point_off_the_path_it_is_said_to_be_on_is_noted(tmp_path):
    detour = PATHS | {"tp": ["10.9.9.9", "10.0.1.1"]}
    _, located = stored(tmp_path, {"a"}, tp_link=True, traced=detour)
    assert located.notes == [
        f"test point tp is not on to-{x}'s path now: its trace leaves it from the start, "
        f"so its state says little about to-{x}"
        for x in "ab"
    ]
