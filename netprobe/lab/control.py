"""Build, repair, shape and remove the lab: the one place that changes it."""

import shutil
from pathlib import Path

from netprobe.errors import LabError
from netprobe.lab import netns, servers, shaping, topology
from netprobe.lab.status import LabStatus, gather

RUN_DIR = Path("/run/netprobe")
ETC_NETNS = Path("/etc/netns")  # `ip netns exec NS` bind-mounts ETC_NETNS/NS/* over /etc
NODE_SYSCTLS = (
    # No duplicate address detection: IPv6 usable at once, not after ~2 s of DAD.
    ("net.ipv6.conf.default.accept_dad", "0"),
    # IPv6 addresses survive `ip link set down/up` as IPv4 ones do.
    ("net.ipv6.conf.all.keep_addr_on_down", "1"),
    ("net.ipv6.conf.default.keep_addr_on_down", "1"),
    # No ICMP rate limit: traceroute's parallel probes would otherwise see silent hops
    # that are an artefact of the kernel's 1-per-second default, not of the path.
    ("net.ipv4.icmp_ratelimit", "0"),
    ("net.ipv6.icmp.ratelimit", "0"),
    # No reverse-path filter: through the detour, ncsa is reached one way and answers the
    # other (an asymmetric route, as real re-routes often are), which strict mode drops.
    ("net.ipv4.conf.all.rp_filter", "0"),
    ("net.ipv4.conf.default.rp_filter", "0"),
)


class Lab:
    """The lab built with namespace ``prefix`` (``np-`` gives np-ccin2p3, np-router, ...).

    Every method but ``namespace`` needs root and raises LabError otherwise, or when a
    command fails (the message names the command and quotes its stderr).
    """

    def __init__(self, prefix: str = topology.DEFAULT_PREFIX, run_dir: Path = RUN_DIR) -> None:
        self.prefix = topology.check_prefix(prefix)
        self.run_dir = Path(run_dir) / f"{prefix}lab"

    def namespace(self, node: str) -> str:
        """Namespace name of ``node`` (one of ``topology.NODES``, e.g. ``router``)."""
        return topology.namespace(self.prefix, node)

    def up(self) -> list[str]:
        """Build whatever is missing and repair what is broken; returns what was done
        (empty when the lab was already complete). New links get the default shaping."""
        netns.require_root()
        done: list[str] = []
        for node in topology.NODES:
            ns = self.namespace(node)
            if not netns.exists(ns):
                netns.add(ns)
                done.append(f"created namespace {ns}")
            for key, value in NODE_SYSCTLS:
                netns.sysctl(ns, key, value)
            self._write_etc(ns)
        for item in topology.LINKS:
            if self._build_link(item):
                done.append(f"created link {item.name}")
                self._apply(item, shaping.Shaping(rate_bps=topology.DEFAULT_RATE_BPS[item.name]))
            for end in item.ends:
                if self._raise_end(end):
                    done.append(f"brought up {self.namespace(end.node)} {end.interface}")
        self._route()
        for node in topology.ENDPOINTS:
            ns = self.namespace(node)
            for port in topology.SERVER_PORTS:
                if servers.running_pid(self.run_dir, ns, port) is None:
                    servers.start(self.run_dir, ns, port)
                    done.append(f"started iperf3 server {ns}:{port}")
        return done

    def down(self) -> list[str]:
        """Stop the servers and remove every namespace of this lab (their links and iptables
        rules go with them); returns what was removed. Safe when nothing is up."""
        netns.require_root()
        done = []
        for node in topology.NODES:
            ns = self.namespace(node)
            if netns.exists(ns):
                # Every process in our namespace is ours (the iperf3 servers, a probe left over).
                servers.stop(netns.pids(ns))
                netns.delete(ns)
                done.append(f"removed namespace {ns}")
            shutil.rmtree(ETC_NETNS / ns, ignore_errors=True)
        shutil.rmtree(self.run_dir, ignore_errors=True)
        return done

    def status(self) -> LabStatus:
        """The lab as it is now, read from the kernel."""
        netns.require_root()
        return gather(self.prefix, self.run_dir)

    def shape(
        self,
        link: str,
        *,
        rate_bps: float | None = None,
        delay_s: float | None = None,
        loss: float | None = None,
    ) -> shaping.Shaping:
        """Set the whole shaping of ``link`` at both ends (what is None is removed).

        Args:
            link: ``uplink``, ``starlight``, ``ncsa``, ``detour`` or ``ncsa-detour``.
            rate_bps: tbf rate in bit/s in each direction; None for no rate limit.
            delay_s: one-way delay in s added in each direction (RTT grows by 2 × delay);
                needs sch_netem.
            loss: drop probability 0..1 in each direction (a ping round trip loses about
                1 - (1 - loss)²).

        Returns:
            The shaping now applied.

        Raises:
            LabError: unknown link, lab not up, a value out of range, delay without netem.
        """
        netns.require_root()
        item = self._link(link)
        if rate_bps is not None and rate_bps <= 0:
            raise LabError(f"rate must be > 0 bit/s (got {rate_bps:g}); use no rate to unshape")
        if loss is not None and not 0 <= loss <= 1:
            raise LabError(f"loss must be a probability between 0 and 1 (got {loss:g})")
        if delay_s is not None and delay_s < 0:
            raise LabError(f"delay must be >= 0 s (got {delay_s:g})")
        if delay_s and not shaping.netem_available(self.namespace(topology.ROUTER)):
            raise LabError(shaping.NO_NETEM)
        wanted = shaping.Shaping(rate_bps=rate_bps, delay_s=delay_s or None, loss=loss or None)
        self._apply(item, wanted)
        return wanted

    def cut(self, link: str) -> None:
        """Set the router end of ``link`` down, as a failed far link; ``up()`` repairs it.

        Raises:
            LabError: unknown link or the lab is not up.
        """
        netns.require_root()
        item = self._link(link)
        netns.ip(self.namespace(item.a.node), "link", "set", item.a.interface, "down")

    def reroute(self, endpoint: str, *, back: bool = False) -> None:
        """Make the router reach ``endpoint`` through the detour router (a route change in
        the router's namespace), or directly again with ``back``; the endpoint answers
        directly either way. ``up()`` keeps the route as it is.

        Raises:
            LabError: ``endpoint`` has no detour, or the lab is not up.
        """
        netns.require_root()
        try:
            detour = topology.detour_link(endpoint)
        except KeyError as exc:
            raise LabError(exc.args[0]) from None
        self._link(detour.name)
        router = self.namespace(topology.ROUTER)
        for family in (4, 6):
            target = topology.host_route(endpoint, family)
            if back:
                netns.ip(router, f"-{family}", "route", "del", target, check=False)
            else:
                via = topology.address(topology.DETOURS[endpoint], family)
                netns.ip(router, f"-{family}", "route", "replace", target, "via", via)

    def stop_server(self, node: str, port: int) -> None:
        """Stop the iperf3 server of endpoint ``node`` on ``port``; ``up()`` restarts it."""
        netns.require_root()
        pid = servers.running_pid(self.run_dir, self.namespace(node), port)
        if pid is not None:
            servers.stop([pid])

    def _link(self, name: str) -> topology.Link:
        """The planned link ``name``, present at both ends.

        Raises:
            LabError: no such link, or the lab does not have it now.
        """
        try:
            item = topology.link(name)
        except KeyError as exc:
            raise LabError(exc.args[0]) from None
        for end in item.ends:
            if not netns.interface_exists(self.namespace(end.node), end.interface):
                raise LabError(f"lab link {name} is not there: run `netprobe lab up` first")
        return item

    def _apply(self, item: topology.Link, wanted: shaping.Shaping) -> None:
        """Set ``wanted`` on both ends of ``item``."""
        for end in item.ends:
            ns = self.namespace(end.node)
            shaping.set_qdisc(ns, end.interface, rate_bps=wanted.rate_bps, delay_s=wanted.delay_s)
            shaping.set_loss(ns, end.interface, wanted.loss)

    def _build_link(self, item: topology.Link) -> bool:
        """Create the veth pair of ``item`` if missing (True when created); set addresses."""
        a, b = (self.namespace(end.node) for end in item.ends)
        created = False
        if not netns.interface_exists(a, item.a.interface):
            if netns.interface_exists(b, item.b.interface):
                netns.ip(b, "link", "del", item.b.interface)
            peer = ["peer", "name", item.b.interface, "netns", b]
            netns.ip(a, "link", "add", item.a.interface, "type", "veth", *peer)
            created = True
        for end in item.ends:
            ns = self.namespace(end.node)
            netns.ip(ns, "addr", "replace", end.ipv4, "dev", end.interface)
            netns.ip(ns, "-6", "addr", "replace", end.ipv6, "dev", end.interface, "nodad")
        return created

    def _raise_end(self, end: topology.End) -> bool:
        """Set one link end up; True when it was down."""
        ns = self.namespace(end.node)
        (info,) = netns.ip_json(ns, "link", "show", "dev", end.interface)
        netns.ip(ns, "link", "set", end.interface, "up")
        return "UP" not in info.get("flags", [])

    def _route(self) -> None:
        """Forwarding in both routers; default routes of every other node via the router;
        the detour router's host routes to the endpoints behind it (used once rerouted)."""
        for node in (topology.ROUTER, topology.DETOUR):
            netns.sysctl(self.namespace(node), "net.ipv4.ip_forward", "1")
            netns.sysctl(self.namespace(node), "net.ipv6.conf.all.forwarding", "1")
        for node in (topology.SITE, *topology.ENDPOINTS, topology.DETOUR):
            ns = self.namespace(node)
            netns.ip(ns, "route", "replace", "default", "via", topology.gateway(node, 4))
            netns.ip(ns, "-6", "route", "replace", "default", "via", topology.gateway(node, 6))
        for endpoint in topology.DETOURS:
            far = topology.detour_link(endpoint)
            ns = self.namespace(far.a.node)
            for family in (4, 6):
                target = topology.host_route(endpoint, family)
                via = far.b.address4 if family == 4 else far.b.address6
                netns.ip(ns, f"-{family}", "route", "replace", target, "via", via)

    def _write_etc(self, ns: str) -> None:
        """Name resolution inside the lab: its own hosts file, a resolver on the namespace's
        own loopback, and its own nsswitch.conf (files, then DNS), so no lookup ever leaves
        the lab and the host's name-service modules (mDNS, ...) play no part."""
        folder = ETC_NETNS / ns
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "hosts").write_text(topology.hosts_file())
        (folder / "nsswitch.conf").write_text("# netprobe lab\nhosts: files dns\n")
        (folder / "resolv.conf").write_text("# netprobe lab: no DNS server\nnameserver 127.0.0.1\n")
