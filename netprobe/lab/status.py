"""What the lab looks like right now, read back from the kernel: namespaces, links with
their addresses and shaping, iperf3 servers."""

from dataclasses import asdict, dataclass, field
from pathlib import Path

from netprobe.lab import netns, servers, topology
from netprobe.lab.shaping import Shaping, read


@dataclass(frozen=True)
class EndStatus:
    """One end of a link: its interface, whether it is up, its addresses, its shaping."""

    namespace: str
    interface: str
    present: bool
    up: bool
    addresses: list[str] = field(default_factory=list)
    shaping: Shaping = Shaping()


@dataclass(frozen=True)
class LinkStatus:
    """A link by its ``lab shape`` name, router end first."""

    name: str
    ends: list[EndStatus]

    @property
    def up(self) -> bool:
        """True when both ends exist and are up."""
        return all(end.present and end.up for end in self.ends)


@dataclass(frozen=True)
class ServerStatus:
    """One iperf3 server: where, on which port, its pid (None when not running), listening."""

    namespace: str
    address: str
    port: int
    pid: int | None
    listening: bool


@dataclass(frozen=True)
class LabStatus:
    """The whole lab. ``complete`` when every namespace, link and server is there and up."""

    prefix: str
    namespaces: dict[str, bool]
    links: list[LinkStatus]
    servers: list[ServerStatus]
    rerouted: list[str] = field(default_factory=list)  # endpoints reached via the detour

    @property
    def complete(self) -> bool:
        """Everything of the plan exists, every link is up and every server listens."""
        return (
            all(self.namespaces.values())
            and all(item.up for item in self.links)
            and all(server.listening for server in self.servers)
        )

    @property
    def absent(self) -> bool:
        """Nothing of the lab exists."""
        return not any(self.namespaces.values())

    def to_dict(self) -> dict:
        """Plain JSON-ready form, with ``complete``."""
        data = asdict(self)
        data["complete"] = self.complete
        for item, link_data in zip(self.links, data["links"], strict=True):
            link_data["up"] = item.up
        return data


def gather(prefix: str, run_dir: Path) -> LabStatus:
    """Read the lab built with ``prefix`` as it is now (nothing is changed)."""
    names = {node: topology.namespace(prefix, node) for node in topology.NODES}
    present = {names[node]: netns.exists(names[node]) for node in topology.NODES}
    links = [
        LinkStatus(
            name=item.name,
            ends=[
                _end(names[end.node], end.interface, present[names[end.node]]) for end in item.ends
            ],
        )
        for item in topology.LINKS
    ]
    found = []
    for node in topology.ENDPOINTS:
        ns = names[node]
        for port in topology.SERVER_PORTS:
            pid = servers.running_pid(run_dir, ns, port) if present[ns] else None
            found.append(
                ServerStatus(
                    namespace=ns,
                    address=topology.address(node),
                    port=port,
                    pid=pid,
                    listening=present[ns] and servers.listening(ns, port),
                )
            )
    router = names[topology.ROUTER]
    rerouted = [
        endpoint
        for endpoint in topology.DETOURS
        if present[router] and netns.ip_json(router, "route", "show", topology.host_route(endpoint))
    ]
    return LabStatus(prefix, present, links, found, rerouted)


def _end(ns: str, interface: str, ns_present: bool) -> EndStatus:
    """Status of one link end; an absent namespace or interface gives ``present=False``."""
    if not ns_present or not netns.interface_exists(ns, interface):
        return EndStatus(namespace=ns, interface=interface, present=False, up=False)
    (info,) = netns.ip_json(ns, "addr", "show", "dev", interface)
    addresses = [
        f"{a['local']}/{a['prefixlen']}"
        for a in info.get("addr_info", [])
        if a.get("scope") == "global"
    ]
    return EndStatus(
        namespace=ns,
        interface=interface,
        present=True,
        up="UP" in info.get("flags", []) and info.get("operstate") != "DOWN",
        addresses=addresses,
        shaping=read(ns, interface),
    )
