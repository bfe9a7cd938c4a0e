"""The lab's fixed plan: names that fit the kernel, addresses from the benchmarking ranges."""

import ipaddress

import pytest

from netprobe.lab import topology


def test_interface_names_fit_the_kernel():
    for item in topology.LINKS:
        for end in item.ends:
            assert len(end.interface) <= 15


def test_addresses_are_benchmarking_ranges_and_unique():
    v4, v6 = ipaddress.ip_network("198.18.0.0/15"), ipaddress.ip_network("2001:2::/48")
    ends = [end for item in topology.LINKS for end in item.ends]
    assert all(ipaddress.ip_interface(end.ipv4).ip in v4 for end in ends)
    assert all(ipaddress.ip_interface(end.ipv6).ip in v6 for end in ends)
    assert len({end.ipv4 for end in ends}) == len({end.ipv6 for end in ends}) == len(ends)


def test_the_plan_the_schedules_rely_on():
    assert [topology.namespace("np-", node) for node in topology.NODES] == [
        "np-ccin2p3", "np-router", "np-starlight", "np-ncsa", "np-router2",
    ]  # fmt: skip
    assert topology.address("ccin2p3") == "198.18.1.2"
    assert topology.address("starlight") == "198.18.2.2"
    assert topology.address("ncsa", 6) == "2001:2:0:3::2"
    assert topology.gateway("ncsa") == "198.18.3.1"
    assert topology.SERVER_PORTS == (5201, 5202)
    assert (
        topology.address("router2") == "198.18.4.2" and topology.gateway("router2") == "198.18.4.1"
    )
    assert topology.detour_link("ncsa").ends[1].address4 == "198.18.5.2"


def test_only_ncsa_has_a_detour():
    with pytest.raises(KeyError, match="no detour to 'starlight'; expected one of ncsa"):
        topology.detour_link("starlight")


@pytest.mark.parametrize("prefix", ["", "np", "x-", "np-A-", "np-../", "np-" + "a" * 30])
def test_foreign_prefixes_are_refused(prefix):
    with pytest.raises(ValueError, match="np-"):
        topology.check_prefix(prefix)


def test_unknown_link_names_the_known_ones():
    with pytest.raises(KeyError, match="uplink, starlight, ncsa"):
        topology.link("moon")


def test_hosts_file_names_every_host():
    hosts = topology.hosts_file()
    assert "198.18.2.2 starlight" in hosts
    assert "2001:2:0:1::2 ccin2p3" in hosts
    assert "198.18.4.2 router2" in hosts
    assert hosts.count(" ncsa\n") == 2  # once per family, not once per link
