"""The fixed plan of the lab as plain data: namespaces, links, addresses, servers.

A site (``ccin2p3``) reaches two endpoints (``starlight``, ``ncsa``) through a router,
addressed from the benchmarking ranges 198.18.0.0/15 and 2001:2::/48. Namespace names are
``PREFIX + node`` (``np-ccin2p3`` by default), so a test can build a second, isolated lab.
Interfaces are named ``to-<peer node>`` inside each namespace; nothing lives in the root
namespace.
"""

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "np-"
SITE = "ccin2p3"
ROUTER = "router"
ENDPOINTS = ("starlight", "ncsa")
NODES = (SITE, ROUTER, *ENDPOINTS)

SERVER_PORTS = (5201, 5202)
"""iperf3 servers in every endpoint: two ports for netprobe's parallel-process mode."""

DEFAULT_RATE_BPS = {"uplink": 1e9, "starlight": None, "ncsa": None}
"""Shaping applied by ``lab up``: the 100 Gbps plan ÷ 100 on the uplink; far links unshaped,
so the site's uplink is the bottleneck as in the real deployment."""

_PREFIX = re.compile(r"^np-[a-z0-9-]{0,20}$")


@dataclass(frozen=True)
class End:
    """One side of a link: the node (namespace without prefix), its interface and addresses."""

    node: str
    interface: str
    ipv4: str  # address/prefix length
    ipv6: str

    @property
    def address4(self) -> str:
        """The IPv4 address without its prefix length."""
        return self.ipv4.split("/")[0]

    @property
    def address6(self) -> str:
        """The IPv6 address without its prefix length."""
        return self.ipv6.split("/")[0]


@dataclass(frozen=True)
class Link:
    """A veth pair between two namespaces; ``name`` is what ``lab shape`` takes."""

    name: str
    a: End  # the router side
    b: End  # the site or endpoint side

    @property
    def ends(self) -> tuple[End, End]:
        """Both ends, router side first."""
        return (self.a, self.b)


def _link(name: str, leaf: str, subnet: int) -> Link:
    """A link from the router to ``leaf``: router gets .1 / ::1, the leaf .2 / ::2."""
    return Link(
        name=name,
        a=End(ROUTER, f"to-{leaf}", f"198.18.{subnet}.1/24", f"2001:2:0:{subnet}::1/64"),
        b=End(leaf, f"to-{ROUTER}", f"198.18.{subnet}.2/24", f"2001:2:0:{subnet}::2/64"),
    )


LINKS = (
    _link("uplink", SITE, 1),
    _link("starlight", "starlight", 2),
    _link("ncsa", "ncsa", 3),
)
"""Every link of the lab, by the name ``lab shape`` takes."""


def link(name: str) -> Link:
    """The link called ``name``.

    Raises:
        KeyError: no such link (the message lists the known ones).
    """
    for candidate in LINKS:
        if candidate.name == name:
            return candidate
    raise KeyError(f"no lab link {name!r}; expected one of {', '.join(x.name for x in LINKS)}")


def leaf_link(node: str) -> Link:
    """The one link joining a non-router node to the router."""
    return next(x for x in LINKS if x.b.node == node)


def address(node: str, family: int = 4) -> str:
    """The address of a site or endpoint node (the router-facing one), IPv4 or IPv6."""
    end = leaf_link(node).b
    return end.address4 if family == 4 else end.address6


def gateway(node: str, family: int = 4) -> str:
    """The router's address on ``node``'s link: its default gateway."""
    end = leaf_link(node).a
    return end.address4 if family == 4 else end.address6


def check_prefix(prefix: str) -> str:
    """Return ``prefix`` if it is a safe namespace prefix (``np-`` then [a-z0-9-]).

    Raises:
        ValueError: anything else, so a lab never touches a namespace it does not own.
    """
    if not _PREFIX.match(prefix):
        raise ValueError(f"lab prefix must be 'np-' followed by [a-z0-9-] (got {prefix!r})")
    return prefix


def namespace(prefix: str, node: str) -> str:
    """The namespace name of ``node`` in the lab built with ``prefix``."""
    return f"{prefix}{node}"


def hosts_file() -> str:
    """An /etc/hosts for the lab's namespaces: every node by name, IPv4 and IPv6."""
    lines = ["127.0.0.1 localhost", "::1 localhost"]
    for item in LINKS:
        end = item.b
        lines += [f"{end.address4} {end.node}", f"{end.address6} {end.node}"]
    return "\n".join(lines) + "\n"
