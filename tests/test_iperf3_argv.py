"""iperf3 command lines from options, and feature detection from the real iperf3."""

import shutil

import pytest

from netprobe.model import Endpoint, ProbeSpec, ThroughputOptions
from netprobe.probes.iperf3_argv import Features, argv, argvs, features, features_from_help

NEW = Features(
    version="3.12",
    bidir=True,
    connect_timeout=True,
    rcv_timeout=True,
    udp_counters_64bit=True,
    get_server_output=True,
)
OLD = Features(version="3.1.3", get_server_output=True)


def spec_for(family: str = "any", bind: str | None = None, port: int = 5201, **options):
    return ProbeSpec(
        name="p",
        test="throughput",
        endpoint=Endpoint(name="lab", host="198.18.0.2", port=port, family=family),
        options=ThroughputOptions(**options),
        bind=bind,
    )


def pairs(cmd: list[str]) -> dict[str, str]:
    """Option → the word after it, for options that take a value."""
    return {a: b for a, b in zip(cmd, cmd[1:], strict=False) if a.startswith("-")}


def test_defaults():
    cmd = argv(spec_for(), NEW)
    assert cmd == [
        "iperf3", "-c", "198.18.0.2", "-p", "5201", "-J", "-t", "10", "-i", "1",
        "--connect-timeout", "5000",
    ]  # fmt: skip


def test_every_tcp_option():
    cmd = argv(
        spec_for(
            family="ipv6",
            bind="198.18.0.1",
            duration=20,
            omit=3,
            parallel=4,
            window=4194304,
            congestion="bbr",
            zerocopy=True,
            mss=1400,
            bandwidth=2e9,
            tos=0x20,
            interval=0.5,
            connect_timeout=2.5,
        ),
        NEW,
    )
    got = pairs(cmd)
    assert got["-t"] == "20" and got["-O"] == "3" and got["-P"] == "4"
    assert got["-w"] == "4194304" and got["-C"] == "bbr" and got["-M"] == "1400"
    assert got["-B"] == "198.18.0.1" and got["-b"] == "2000000000" and got["-S"] == "32"
    assert got["-i"] == "0.5" and got["--connect-timeout"] == "2500"
    assert "-Z" in cmd and "-6" in cmd and "-4" not in cmd
    assert "-u" not in cmd and "-R" not in cmd and "--get-server-output" not in cmd


def test_udp_uses_64bit_counters_where_present():
    cmd = argv(spec_for(udp=True, bandwidth=100e6, family="ipv4"), NEW)
    assert "-u" in cmd and "--udp-counters-64bit" in cmd and "-4" in cmd
    assert pairs(cmd)["-b"] == "100000000"
    assert "--udp-counters-64bit" not in argv(spec_for(udp=True), OLD)


def test_udp_without_bandwidth_leaves_iperf3_default():
    assert "-b" not in argv(spec_for(udp=True), NEW)


def test_reverse_keeps_the_senders_counters_and_an_idle_timeout():
    cmd = argv(spec_for(reverse=True), NEW)
    assert "-R" in cmd and "--get-server-output" in cmd
    assert pairs(cmd)["--rcv-timeout"] == "10000"
    # iperf3 refuses --rcv-timeout on a client that only sends.
    assert "--rcv-timeout" not in argv(spec_for(), NEW)


def test_bidir():
    cmd = argv(spec_for(bidir=True), NEW)
    assert "--bidir" in cmd and "-R" not in cmd and "--get-server-output" in cmd


def test_old_iperf3_gets_no_new_options():
    cmd = argv(spec_for(reverse=True), OLD)
    assert "--connect-timeout" not in cmd and "--rcv-timeout" not in cmd


def test_one_command_per_process_on_consecutive_ports():
    cmds = argvs(spec_for(processes=3, port=5301), NEW)
    assert [pairs(c)["-p"] for c in cmds] == ["5301", "5302", "5303"]


def test_features_from_old_help():
    old_help = "Usage: iperf [-s|-c host] [options]\n  -R, --reverse  run in reverse mode\n"
    feats = features_from_help("iperf 3.1.3\nLinux host 2.6.32", old_help)
    assert feats.version == "3.1.3" and feats.installed
    assert not (feats.bidir or feats.connect_timeout or feats.udp_counters_64bit)


@pytest.mark.skipif(shutil.which("iperf3") is None, reason="iperf3 is not installed")
def test_features_of_the_installed_iperf3():
    feats = features()
    assert feats.installed and feats.version.startswith("3.")
    assert features() is feats  # asked once
    assert argv(spec_for()) == argv(spec_for(), feats)  # the installed one by default
    if tuple(int(x) for x in feats.version.split(".")[:2]) >= (3, 12):
        assert feats.bidir and feats.connect_timeout and feats.rcv_timeout
        assert feats.udp_counters_64bit and feats.get_server_output


def test_features_of_a_missing_program():
    assert not features("netprobe-no-such-iperf3").installed
