"""The fixed plan of the lab as plain data: namespaces, links, addresses, servers.

A site (``ccin2p3``) reaches two endpoints (``starlight``, ``ncsa``) through a router,
addressed from the benchmarking ranges 198.18.0.0/15 and 2001:2::/48. A second router
(``router2``) offers ncsa another way in: `Lab.reroute` sends the router's traffic for ncsa
through it, a route change for `netprobe localize` to see (the replies still come back
directly, as asymmetric routes on the real network do). Namespace names are
``PREFIX + node`` (``np-ccin2p3`` by default), so a test can build a second, isolated lab.
Interfaces are named ``to-<peer node>`` inside each namespace; nothing lives in the root
namespace.
"""

import re
from dataclasses import dataclass

DEFAULT_PREFIX = "np-"
SITE = "ccin2p3"
ROUTER = "router"
DETOUR = "router2"
ENDPOINTS = ("starlight", "ncsa")
NODES = (SITE, ROUTER, *ENDPOINTS, DETOUR)
DETOURS = {"ncsa": DETOUR}
"""Endpoints the router can be told to reach through another router (``lab reroute``)."""

SERVER_PORTS = (5201, 5202)
"""iperf3 servers in every endpoint: two ports for netprobe's parallel-process mode."""

DEFAULT_RATE_BPS = {
    "uplink": 1e9,
    "starlight": None,
    "ncsa": None,
    "detour": None,
    "ncsa-detour": None,
}
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
    a: End  # the router side (router2's on ncsa-detour)
    b: End  # the site, endpoint or second router side

    @property
    def ends(self) -> tuple[End, End]:
        """Both ends, router side first."""
        return (self.a, self.b)


def _link(name: str, leaf: str, subnet: int, router: str = ROUTER) -> Link:
    """A link from ``router`` to ``leaf``: the router gets .1 / ::1, the leaf .2 / ::2."""
    return Link(
        name=name,
        a=End(router, f"to-{leaf}", f"198.18.{subnet}.1/24", f"2001:2:0:{subnet}::1/64"),
        b=End(leaf, f"to-{router}", f"198.18.{subnet}.2/24", f"2001:2:0:{subnet}::2/64"),
    )


LINKS = (
    _link("uplink", SITE, 1),
    _link("starlight", "starlight", 2),
    _link("ncsa", "ncsa", 3),
    _link("detour", DETOUR, 4),
    _link("ncsa-detour", "ncsa", 5, router=DETOUR),
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
    """The link joining a node other than the router to the router."""
    return next(x for x in LINKS if x.b.node == node and x.a.node == ROUTER)


def address(node: str, family: int = 4) -> str:
    """The address of a node other than the router (the router-facing one), IPv4 or IPv6."""
    end = leaf_link(node).b
    return end.address4 if family == 4 else end.address6


def gateway(node: str, family: int = 4) -> str:
    """The router's address on ``node``'s link: its default gateway."""
    end = leaf_link(node).a
    return end.address4 if family == 4 else end.address6


def detour_link(endpoint: str) -> Link:
    """The link by which the detour router reaches ``endpoint``.

    Raises:
        KeyError: ``endpoint`` has no detour (the message lists those that do).
    """
    if endpoint not in DETOURS:
        raise KeyError(f"no detour to {endpoint!r}; expected one of {', '.join(DETOURS)}")
    return next(x for x in LINKS if x.a.node == DETOURS[endpoint] and x.b.node == endpoint)


def host_route(node: str, family: int = 4) -> str:
    """The host route (``/32`` or ``/128``) to a node's address, IPv4 or IPv6."""
    return f"{address(node, family)}/{32 if family == 4 else 128}"


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
    for node in NODES:
        if node != ROUTER:
            lines += [f"{address(node)} {node}", f"{address(node, 6)} {node}"]
    return "\n".join(lines) + "\n"
