"""`netprobe lab`: build, inspect, shape and remove the namespaced test network."""

import json
from dataclasses import asdict

import click

from netprobe import units
from netprobe.cli.params import Duration
from netprobe.lab import Lab, LabStatus, Shaping, topology


class _Rate(click.ParamType):
    """A rate such as ``100Mbps`` or ``1Gbit/s`` in bit/s, or ``none`` for no limit."""

    name = "RATE"

    def convert(self, value, param, ctx):
        if value is None or (isinstance(value, str) and value.strip().lower() == "none"):
            return None
        try:
            rate = units.parse_rate(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)
        if rate <= 0:
            self.fail(f"expected a rate > 0 or 'none', got {value!r}", param, ctx)
        return rate


class _Probability(click.ParamType):
    """A probability as ``0.05`` or ``5%``."""

    name = "P"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        try:
            number = float(text[:-1]) / 100 if text.endswith("%") else float(text)
        except ValueError:
            self.fail(f"expected a probability such as '0.05' or '5%', got {value!r}", param, ctx)
        if not 0 <= number <= 1:
            self.fail(
                f"expected a probability between 0 and 1 (0%..100%), got {value!r}", param, ctx
            )
        return number


_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")


@click.group("lab")
@click.option(
    "--prefix",
    default=topology.DEFAULT_PREFIX,
    show_default=True,
    envvar="NETPROBE_LAB_PREFIX",
    help="Namespace prefix, to run a second lab beside the first (must start with 'np-').",
)
@click.pass_context
def lab(ctx: click.Context, prefix: str) -> None:
    """A real test network on this machine, in network namespaces (needs root).

    \b
    np-ccin2p3 (site) 198.18.1.2 ── uplink ── np-router ──┬── starlight ── np-starlight 198.18.2.2
                                                         ├── ncsa ─────── np-ncsa      198.18.3.2
                                                         └── detour ───── np-router2   198.18.4.2
    np-router2 also reaches np-ncsa (link ncsa-detour): `reroute ncsa` sends the router's
    traffic for ncsa through it (a route change), `reroute ncsa --back` undoes it.
    IPv6: 2001:2:0:N::2 for the same hosts. iperf3 servers listen on ports 5201 and 5202
    in np-starlight and np-ncsa. Shaping is scaled 1:100 from the real plan: `up` limits
    the uplink to 1 Gbit/s (100 Gbps ÷ 100) and leaves the far links unshaped. Inside
    the lab the names ccin2p3, starlight, ncsa and router2 resolve (/etc/netns/NS/hosts)
    and no DNS query leaves it. Probes run in the site: `ip netns exec np-ccin2p3 ...`.

    \b
    netprobe lab up                                 build or repair it
    netprobe lab shape uplink --rate 200Mbps        1:100 of a 20 Gbps plan
    netprobe lab shape ncsa --rate none --loss 1%   drop 1 % each way
    netprobe lab reroute ncsa                       ncsa via np-router2
    netprobe lab status --json
    netprobe lab down                               remove everything it made
    """
    try:
        ctx.obj = {**(ctx.obj or {}), "lab": Lab(prefix=prefix)}
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="'--prefix'") from None


@lab.command()
@_JSON
@click.pass_context
def up(ctx: click.Context, as_json: bool) -> None:
    """Build the lab, or repair whatever is missing or down; then show it.

    Safe to re-run: an existing lab keeps its shaping, and only what was missing is
    created (namespaces, links, addresses, routes, iperf3 servers). Exit 1 with the
    failed command when something cannot be built.
    """
    the_lab: Lab = ctx.obj["lab"]
    done = the_lab.up()
    _show(the_lab.status(), done, as_json)


@lab.command()
@_JSON
@click.pass_context
def down(ctx: click.Context, as_json: bool) -> None:
    """Stop the iperf3 servers and remove the lab's namespaces (links, shaping and
    iptables rules go with them). Safe when nothing is up."""
    done = ctx.obj["lab"].down()
    if as_json:
        click.echo(json.dumps({"done": done}))
    else:
        click.echo("\n".join(done) if done else "nothing to remove: the lab was not up")


@lab.command()
@_JSON
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show namespaces, links with their addresses and shaping, and iperf3 servers.

    The JSON has "complete": true when every part is there, up and listening.
    """
    _show(ctx.obj["lab"].status(), [], as_json)


@lab.command()
@click.argument("link", type=click.Choice([x.name for x in topology.LINKS]))
@click.option("--rate", type=_Rate(), help="Rate each way, e.g. 200Mbps; 'none' for no limit.")
@click.option(
    "--delay", type=Duration(), help="One-way delay added each way, e.g. 10ms (needs netem)."
)
@click.option("--loss", type=_Probability(), help="Drop probability each way: 0.01 or 1%.")
@click.option("--clear", is_flag=True, help="Remove all shaping of LINK.")
@_JSON
@click.pass_context
def shape(
    ctx: click.Context,
    link: str,
    rate: float | None,
    delay: float | None,
    loss: float | None,
    clear: bool,
    as_json: bool,
) -> None:
    """Set the whole shaping of LINK (uplink, starlight, ncsa, detour, ncsa-detour) both ways.

    What you do not give is removed: `shape uplink --rate 1Gbps` also ends any loss.
    Rate uses a tbf qdisc on both ends; loss an iptables `statistic` rule on both ends
    (a ping round trip then loses about 1-(1-P)² of its packets); delay needs the netem
    qdisc: on a kernel without sch_netem `--delay` changes nothing, says so and exits 1.
    """
    if clear and (rate or delay or loss):
        raise click.UsageError("--clear removes all shaping; give it alone")
    if not clear and "rate" not in _given(ctx) and delay is None and loss is None:
        raise click.UsageError("give --rate (a rate or 'none'), --delay, --loss, or --clear")
    applied = ctx.obj["lab"].shape(link, rate_bps=rate, delay_s=delay, loss=loss)
    if as_json:
        click.echo(json.dumps({"link": link, **asdict(applied)}))
    else:
        click.echo(f"{link}: {_shaping_text(applied)}")


@lab.command()
@click.argument("endpoint", type=click.Choice(list(topology.DETOURS)))
@click.option("--back", is_flag=True, help="Route it directly again.")
@_JSON
@click.pass_context
def reroute(ctx: click.Context, endpoint: str, back: bool, as_json: bool) -> None:
    """Change the route the router takes to ENDPOINT: through np-router2, or back.

    A route change inside the router's namespace (a /32 and a /128 host route), so that
    traces from the site show a new hop while the endpoint's answers still come back
    directly. Shaping is unchanged. `netprobe localize` reports such a change, when it
    coincides with a degradation, as a likely cause of its own.
    """
    the_lab: Lab = ctx.obj["lab"]
    the_lab.reroute(endpoint, back=back)
    via = "direct" if back else f"via {the_lab.namespace(topology.DETOURS[endpoint])}"
    if as_json:
        click.echo(json.dumps({"endpoint": endpoint, "route": via}))
    else:
        click.echo(f"{endpoint}: {via}")


def _given(ctx: click.Context) -> set[str]:
    """Names of the options given on the command line (not defaults)."""
    return {
        name
        for name in ctx.params
        if ctx.get_parameter_source(name) is click.core.ParameterSource.COMMANDLINE
    }


def _show(state: LabStatus, done: list[str], as_json: bool) -> None:
    """Render a status (and what was just done) as JSON or a table."""
    if as_json:
        click.echo(json.dumps({**state.to_dict(), "done": done}, indent=2))
        return
    for line in done:
        click.echo(line)
    if state.absent:
        click.echo(f"lab {state.prefix}*: down (run `netprobe lab up`)")
        return
    click.echo(f"lab {state.prefix}*: {'complete' if state.complete else 'INCOMPLETE'}")
    missing = [name for name, present in state.namespaces.items() if not present]
    click.echo(
        f"namespaces: {' '.join(state.namespaces)}"
        + (f" (MISSING: {' '.join(missing)})" if missing else "")
    )
    for endpoint in state.rerouted:
        click.echo(f"rerouted: {endpoint} via {topology.DETOURS[endpoint]}")
    rows = [("LINK", "END", "STATE", "ADDRESSES", "SHAPING")]
    for item in state.links:
        for end in item.ends:
            rows.append(
                (
                    item.name,
                    f"{end.namespace}/{end.interface}",
                    ("up" if end.up else "DOWN") if end.present else "MISSING",
                    " ".join(end.addresses) or "-",
                    _shaping_text(end.shaping),
                )
            )
    rows.append(("", "", "", "", ""))
    rows.append(("SERVER", "NAMESPACE", "STATE", "ADDRESS", "PID"))
    for server in state.servers:
        rows.append(
            (
                "iperf3",
                server.namespace,
                "listening" if server.listening else "NOT LISTENING",
                f"{server.address}:{server.port}",
                str(server.pid or "-"),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        click.echo(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )


def _shaping_text(applied: Shaping) -> str:
    """``1 Gbit/s, loss 1%`` or ``unshaped``."""
    parts = []
    if applied.rate_bps:
        parts.append(units.format_rate(applied.rate_bps))
    if applied.delay_s:
        parts.append(f"delay {applied.delay_s * 1000:g} ms")
    if applied.loss:
        parts.append(f"loss {applied.loss * 100:g}%")
    return ", ".join(parts) or "unshaped"
