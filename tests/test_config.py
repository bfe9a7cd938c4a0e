"""Loading valid schedule files: defaults, merging a folder, specs, the shipped files."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from netprobe.config import load_config
from netprobe.config_schema import DEFAULT_STATE_DIR, TOOLS
from netprobe.errors import ConfigError
from netprobe.lab import topology
from netprobe.model import FAR_END, TEST_POINT, RttOptions, ThroughputOptions, TraceOptions
from netprobe.probes import PROBES

FIXTURES = Path(__file__).parent / "fixtures" / "config"
REPO = Path(__file__).resolve().parents[1]


def test_minimal_file_takes_the_documented_defaults():
    config = load_config(FIXTURES / "minimal.toml")
    assert config.site.name == "ps.example.org"
    assert config.site.netns is None and config.site.bind is None
    assert config.site.state_dir == DEFAULT_STATE_DIR
    assert config.store.kind == "sqlite"
    assert config.store.path == DEFAULT_STATE_DIR / "netprobe.sqlite"
    endpoint = config.endpoint("far")
    assert (endpoint.port, endpoint.family) == (5201, "any")
    probe = config.probe("far-rtt")
    assert probe.tool == "ping"
    assert probe.every == 600
    assert probe.cron is None and probe.jitter == 0
    assert probe.options == RttOptions()
    assert config.links == ()


def test_a_folder_is_merged_and_relative_paths_start_at_the_file():
    folder = FIXTURES / "split"
    config = load_config(folder)
    assert [f.name for f in config.files] == ["endpoints.toml", "probes.toml", "site.toml"]
    assert config.site.state_dir == folder.resolve() / "state"
    assert config.store.path == folder.resolve() / "state" / "netprobe.sqlite"
    tput = config.probe("far-throughput")
    assert tput.cron is not None and tput.cron.minutes == {5}
    assert tput.every is None and tput.jitter == 90
    assert tput.options == ThroughputOptions(
        duration=15,
        omit=1,
        parallel=4,
        processes=2,
        bandwidth=2e9,
        congestion="bbr",
        window=4194304,
        tos=32,
    )
    trace = config.probe("far-trace")
    assert trace.tool == "traceroute"
    assert trace.options == TraceOptions(max_hops=20, queries=3, wait=0.5)
    plan = config.link_for("far").plan
    assert plan.nic_bps == 10e9 and plan.expected_share == 0.8
    assert plan.capacity_at(datetime(2020, 6, 1, 11, 59, tzinfo=UTC)) == 2e9
    assert plan.capacity_at(datetime(2020, 6, 1, 12, tzinfo=UTC)) == 4e9


def test_hidden_files_in_a_folder_are_not_read(tmp_path):
    for part in (FIXTURES / "split").glob("*.toml"):
        (tmp_path / part.name).write_text(part.read_text())
    (tmp_path / ".draft.toml").write_text("this is not TOML [")
    assert len(load_config(tmp_path).files) == 3


def test_spec_fills_in_the_site():
    config = load_config(FIXTURES / "split")
    spec = config.spec("far-throughput")
    assert spec.endpoint == config.endpoint("far")
    assert (spec.site, spec.netns, spec.bind) == ("ps.example.org", "np-site", "198.18.1.2")
    assert spec.options is config.probe("far-throughput").options
    assert spec.test == "throughput"


def test_probes_to_an_endpoint():
    config = load_config(FIXTURES / "split")
    assert [p.name for p in config.probes_to("far")] == ["far-throughput", "far-trace"]
    assert [p.name for p in config.probes_to("far", "trace")] == ["far-trace"]
    assert config.probes_to("elsewhere") == ()
    assert config.link_for("elsewhere") is None


@pytest.mark.parametrize("lookup", ["endpoint", "probe"])
def test_unknown_names_list_the_known_ones(lookup):
    config = load_config(FIXTURES / "minimal.toml")
    with pytest.raises(ConfigError, match=f"no {lookup} named 'nope'; expected one of: far"):
        getattr(config, lookup)("nope")


def test_environment_variable_and_default_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("NETPROBE_CONFIG", str(FIXTURES / "minimal.toml"))
    assert load_config().site.name == "ps.example.org"
    monkeypatch.delenv("NETPROBE_CONFIG")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match="schedules: no such file or folder"):
        load_config()


def test_shipped_lab_schedule():
    config = load_config(REPO / "schedules" / "lab.toml")
    assert config.site.netns == "np-ccin2p3"
    assert {e.host for e in config.endpoints if e.role == FAR_END} == {"198.18.2.2", "198.18.3.2"}
    router = config.endpoint("np-router")
    assert (router.host, router.role) == (topology.gateway(topology.SITE), TEST_POINT)
    assert router.on == tuple(link.name for link in config.links)
    assert [s.name for s in config.segments] == ["lab-uplink"]
    assert config.segments[0].contains(config.site.name)
    assert config.store.path == REPO / "var" / "lab.sqlite"
    tput = [p for p in config.probes if p.test == "throughput"]
    assert {(p.endpoint, p.options.reverse) for p in tput} == {
        (e, r) for e in ("np-starlight", "np-ncsa") for r in (False, True)
    }
    assert all(p.options.duration == 3 for p in tput)
    for link in config.links:
        assert link.plan.capacity_at(datetime(2019, 6, 1, tzinfo=UTC)) == 200e6
        assert link.plan.capacity_at(datetime(2020, 1, 1, tzinfo=UTC)) == 400e6
        assert link.plan.capacity_at(datetime(2021, 1, 1, tzinfo=UTC)) == 1e9


def test_shipped_cc_in2p3_schedule():
    config = load_config(REPO / "schedules" / "cc-in2p3.toml")
    assert config.site.name == "ccperfsonar1.in2p3.fr"
    assert config.endpoint("ncsa").host == "psb-bw-100g.ncsa.illinois.edu"
    tput = [p for p in config.probes if p.test == "throughput"]
    assert len(tput) == 4 and all(p.every == 3600 and p.options.processes > 1 for p in tput)
    assert {p.every for p in config.probes if p.test == "rtt"} == {600}
    assert {p.every for p in config.probes if p.test == "trace"} == {3600}
    plan = config.link_for("ncsa").plan
    assert [s.capacity_bps for s in plan.steps] == [20e9, 40e9, 100e9]
    assert [s.start.date().isoformat() for s in plan.steps[1:]] == ["2020-01-01", "2021-01-01"]


def test_the_repository_folder_holds_two_deployments_and_says_so():
    with pytest.raises(ConfigError, match=r"\[site\]: duplicate.*pass --config FILE"):
        load_config(REPO / "schedules")


@pytest.mark.parametrize(
    ("test", "tool"), [(test, tool) for test, tools in TOOLS.items() for tool in tools]
)
def test_every_tool_the_config_accepts_is_a_registered_probe_module(test, tool):
    if not PROBES:
        pytest.skip("no probe modules are registered on this branch yet")
    assert tool in PROBES, f"config accepts tool {tool!r} but netprobe.probes has no such module"
    module = PROBES[tool]
    assert test == module.TEST


def test_store_settings_are_the_keywords_of_its_kind(tmp_path):
    assert load_config(FIXTURES / "split").store.settings() == {
        "path": (FIXTURES / "split").resolve() / "state" / "netprobe.sqlite"
    }
    path = tmp_path / "influx.toml"
    path.write_text(
        (FIXTURES / "minimal.toml").read_text()
        + '\n[store]\nkind = "influxdb"\nurl = "http://127.0.0.1:8086"\nbucket = "np"\n'
    )
    store = load_config(path).store
    assert store.settings() == {"url": "http://127.0.0.1:8086", "bucket": "np"}


def test_a_reverse_trace_runs_in_the_endpoints_namespace_towards_the_site(tmp_path):
    path = tmp_path / "site.toml"
    path.write_text(
        'schema = 1\n\n[site]\nname = "ps.example.org"\nbind = "198.18.1.2"\n\n'
        '[[endpoints]]\nname = "far"\nhost = "198.18.3.2"\nnetns = "np-far"\n\n'
        '[[endpoints]]\nname = "elsewhere"\nhost = "192.0.2.7"\n\n'
        '[[probes]]\nname = "back"\ntest = "trace"\nendpoint = "far"\nevery = "1h"\n'
        "options = { reverse = true }\n\n"
        '[[probes]]\nname = "nowhere"\ntest = "trace"\nendpoint = "elsewhere"\nevery = "1h"\n'
        "options = { reverse = true }\n"
    )
    config = load_config(path)
    spec = config.spec("back")
    assert (spec.endpoint.name, spec.endpoint.host) == ("far", "198.18.1.2")
    assert (spec.netns, spec.bind, spec.site) == ("np-far", None, "ps.example.org")
    assert [d.value for d in spec.directions] == ["reverse"]
    reasons = PROBES["traceroute"].can_run(config.spec("nowhere"))
    assert any("set netns in [[endpoints]] 'elsewhere'" in r for r in reasons)
