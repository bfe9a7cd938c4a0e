"""One pSConfig task → the probes from the site's side of each pair that involves it."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netprobe.errors import DocumentError
from netprobe.psconfig.groups import (
    PLACEHOLDER,
    Member,
    group_pairs,
    is_site,
    known_placeholder,
    pick_address,
    role_of,
    site_names,
)
from netprobe.psconfig.options import OPTION_MAP, Schedule, check_tools, options_of, schedule_of
from netprobe.psconfig.plan import Plan
from netprobe.psconfig.shapes import table


@dataclass
class _Job:
    """One task, translated as far as it goes before looking at its pairs."""

    task: str
    kind: str  # throughput, rtt or trace
    spec: Mapping[str, Any]
    lead: int  # scheduled-by: the index of the pair member that leads the test
    schedule: Schedule
    options: dict[str, Any]
    family: str


def add_task(template: Mapping[str, Any], name: str, task: Any, plan: Plan) -> None:
    """Add the probes of one task that involve the site, or say why not."""
    where = f"task {name}"
    if not isinstance(task, Mapping):
        raise DocumentError(f"tasks.{name}: expected an object")
    addresses = table(template, "addresses")
    group_name, test_name = task.get("group"), task.get("test")
    group = table(template, "groups").get(group_name) if isinstance(group_name, str) else None
    test = table(template, "tests").get(test_name) if isinstance(test_name, str) else None
    if not isinstance(group, Mapping) or not isinstance(test, Mapping):
        missing = (
            f"group {group_name!r}" if not isinstance(group, Mapping) else f"test {test_name!r}"
        )
        plan.skip(f"{where}: {missing} is not defined in the template as an object")
        return
    pairs = [
        pair
        for pair in group_pairs(group, addresses, table(template, "hosts"), where, plan)
        if any(is_site(addresses, m.name, plan.site) for m in pair)
    ]
    if not pairs:
        return  # this task does not involve the site
    if task.get("disabled"):
        plan.skip(f"{where}: disabled in the template")
        return
    kind = test.get("type")
    if not isinstance(kind, str) or kind not in OPTION_MAP:
        plan.skip(
            f"{where}: test type {kind!r} has no netprobe probe "
            f"(netprobe runs {', '.join(OPTION_MAP)}); {len(pairs)} pair(s) not scheduled"
        )
        return
    schedule = schedule_of(template, task, where, plan)
    if schedule is None:
        return
    spec = test.get("spec") if isinstance(test.get("spec"), Mapping) else {}
    for key, value in spec.items():
        for expression in PLACEHOLDER.findall(str(value)):
            if not known_placeholder(expression):
                plan.skip(f"{where}: placeholder {{% {expression} %}} in {key} not translated")
    options, family = options_of(kind, spec, where, plan)
    check_tools(kind, task.get("tools"), where, plan)
    job = _Job(
        task=name,
        kind=kind,
        spec=spec,
        lead=task.get("scheduled-by", 0),
        schedule=schedule,
        options=options,
        family=family,
    )
    inbound = [pair for pair in pairs if not _pair_probe(addresses, job, pair, plan)]
    if inbound:
        others = ", ".join(
            sorted({m.name for p in inbound for m in p} - site_names(addresses, plan.site))
        )
        plan.skip(
            f"{where}: {kind} run by {len(inbound)} other host(s) towards this one can only "
            f"run there: {others}"
        )


def _pair_probe(
    addresses: Mapping[str, Any], job: _Job, pair: tuple[Member, ...], plan: Plan
) -> bool:
    """One probe from the site's side of one pair, or a line saying why there is none.

    Returns:
        False when the test runs from the other host towards this one and netprobe here
        cannot measure it (rtt, trace); the caller lists those pairs in one line.
    """
    names = " -> ".join(m.name for m in pair)
    where = f"task {job.task}, pair {names}"
    source = role_of(job.spec.get("source", job.spec.get("source-node")), job.lead, len(pair))
    dest = role_of(job.spec.get("dest", job.spec.get("dest-node")), None, len(pair))
    if source is None or dest is None:
        plan.skip(f"{where}: source or dest is neither {{% address[N] %}} nor a host name")
        return True
    mine = [i for i, m in enumerate(pair) if is_site(addresses, m.name, plan.site)]
    if isinstance(source, int) and source in mine and dest != source:
        remote, role = dest, "source"
    elif isinstance(dest, int) and dest in mine and source != dest:
        if job.kind != "throughput":
            return False
        remote, role = source, "dest"
    else:
        plan.skip(f"{where}: this host is neither the source nor the dest of the test")
        return True
    mine_index = source if role == "source" else dest
    if len(pair) == 2:
        own = pick_address(addresses, pair[mine_index], pair[1 - mine_index])
        if own != addresses[pair[mine_index].name].get("address"):
            plan.skip(
                f"task {job.task}: this host's side uses address {own} towards some hosts; "
                "netprobe binds per site ([site] bind), not per probe"
            )
    if isinstance(remote, int):
        other = pair[1 - remote] if len(pair) == 2 else None
        host = pick_address(addresses, pair[remote], other)
        plain = addresses[pair[remote].name].get("address")
        base = pair[remote].name if host == plain else f"{pair[remote].name}-{host}"
    else:
        host = base = remote
    endpoint = plan.endpoint(base, host, job.family)
    options = dict(job.options)
    if role == "dest":
        # Data flows towards this host: netprobe measures it with iperf3 -R from here.
        options["reverse"] = not options.get("reverse", False)
    fields: dict[str, Any] = {"test": job.kind, "endpoint": endpoint}
    fields["every"] = job.schedule.every
    if job.schedule.jitter:
        fields["jitter"] = job.schedule.jitter
    same = (tuple(fields.items()), tuple(sorted(options.items())))
    if same in plan.seen:
        # Two addresses of this host (say IPv4 and IPv6 names) towards one peer: netprobe
        # binds per site, so both would be the same probe.
        plan.skip(f"{where}: same probe as {plan.seen[same]} from this host; kept once")
        return True
    name = plan.unique(f"{job.task}-{endpoint}" + ("-rev" if role == "dest" else ""))
    plan.seen[same] = name
    comment = f"pSConfig task {job.task}: {names}, this host is the {role}"
    plan.probes.append((comment, {"name": name, **fields}, options))
    return True
