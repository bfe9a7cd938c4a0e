"""`netprobe lab` as users and scripts see it: messages, exit codes, JSON."""

import json
import os
import subprocess
import sys

import pytest

from netprobe.errors import ExitCode
from netprobe.lab import shaping, topology


def netprobe(*args: str, user: str | None = None) -> subprocess.CompletedProcess:
    """Run the real entry point (main(): error mapping included), optionally as ``user``."""
    argv = [sys.executable, "-c", "from netprobe.cli import main; main()", *args]
    if user:
        argv = ["setpriv", f"--reuid={user}", "--regid=65534", "--clear-groups", *argv]
    return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, cwd="/")


@pytest.mark.parametrize("command", [["up"], ["down"], ["status", "--json"]])
def test_not_root_is_one_clear_line(command):
    done = netprobe("lab", *command, user="nobody" if os.geteuid() == 0 else None)
    assert done.returncode == ExitCode.FAILURE
    assert done.stderr == "Error: netprobe lab needs root (network namespaces, tc)\n"
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "expected a rate > 0 or 'none'"),
        (["--rate", "fast"], "expected a rate such as"),
        (["--loss", "150%"], "between 0 and 1"),
        (["--loss", "some"], "expected a probability"),
        (["--delay", "-5ms"], "expected a duration"),
        ([], "give --rate"),
        (["--clear", "--loss", "1%"], "give it alone"),
    ],
)
def test_shape_bad_values_are_usage_errors(run_cli, args, message):
    assert message in run_cli("lab", "shape", "uplink", *args, expect=ExitCode.USAGE).stderr


def test_unknown_link_is_a_usage_error(run_cli):
    done = run_cli("lab", "shape", "moon", "--rate", "1Gbps", expect=ExitCode.USAGE)
    assert "uplink" in done.stderr


def test_prefix_must_be_ours(run_cli):
    assert "'np-'" in run_cli("lab", "--prefix", "prod-", "status", expect=ExitCode.USAGE).stderr


def test_help_says_what_delay_does_without_netem(run_cli):
    assert "exits 1" in run_cli("lab", "shape", "--help").stdout


@pytest.mark.lab
def test_status_json_and_shape(lab, run_cli):
    state = json.loads(run_cli("lab", "--prefix", lab.prefix, "status", "--json").stdout)
    assert state["complete"] is True
    assert [item["name"] for item in state["links"]] == [x.name for x in topology.LINKS]
    shaped = run_cli("lab", "--prefix", lab.prefix, "shape", "uplink", "--rate", "200Mbps")
    assert shaped.stdout == "uplink: 200 Mbit/s\n"
    table = run_cli("lab", "--prefix", lab.prefix, "status").stdout
    assert f"{lab.namespace('ccin2p3')}/to-router" in table
    assert "200 Mbit/s" in table
    cleared = json.loads(
        run_cli("lab", "--prefix", lab.prefix, "shape", "uplink", "--clear", "--json").stdout
    )
    assert cleared == {"link": "uplink", "rate_bps": None, "delay_s": None, "loss": None}


@pytest.mark.lab
def test_delay_without_netem_exits_1(lab):
    if shaping.netem_available(lab.namespace(topology.ROUTER)):
        pytest.skip("this kernel has netem: delay works (covered in test_lab)")
    done = netprobe("lab", "--prefix", lab.prefix, "shape", "ncsa", "--delay", "10ms")
    assert done.returncode == ExitCode.FAILURE
    assert "delay needs the netem qdisc" in done.stderr


@pytest.mark.lab
def test_up_and_down_through_the_cli(spare_lab):
    done = netprobe("lab", "--prefix", spare_lab.prefix, "up", "--json")
    assert done.returncode == 0, done.stderr
    state = json.loads(done.stdout)
    assert state["complete"] is True
    assert f"created namespace {spare_lab.namespace('router')}" in state["done"]
    down = netprobe("lab", "--prefix", spare_lab.prefix, "down")
    assert down.returncode == 0
    assert f"removed namespace {spare_lab.namespace('ncsa')}" in down.stdout
    again = netprobe("lab", "--prefix", spare_lab.prefix, "down")
    assert again.stdout == "nothing to remove: the lab was not up\n"


def test_only_an_endpoint_with_a_detour_can_be_rerouted(run_cli):
    done = run_cli("lab", "reroute", "starlight", expect=ExitCode.USAGE)
    assert "'ncsa'" in done.stderr


@pytest.mark.lab
def test_reroute_and_status(lab, run_cli):
    there = run_cli("lab", "--prefix", lab.prefix, "reroute", "ncsa").stdout
    assert there == f"ncsa: via {lab.namespace('router2')}\n"
    assert "rerouted: ncsa via router2" in run_cli("lab", "--prefix", lab.prefix, "status").stdout
    back = run_cli("lab", "--prefix", lab.prefix, "reroute", "ncsa", "--back", "--json").stdout
    assert json.loads(back) == {"endpoint": "ncsa", "route": "direct"}
    state = json.loads(run_cli("lab", "--prefix", lab.prefix, "status", "--json").stdout)
    assert state["rerouted"] == []
