"""pSConfig template → the netprobe schedule of one host (TOML text), and what did not fit.

A pSConfig template says who tests whom: ``addresses``, ``groups`` that pair them
(``mesh``: every ordered pair; ``disjoint``: A×B, both ways unless ``unidirectional``;
``list``: one address at a time), ``tests`` whose spec refers to the pair through
``{% address[N] %}`` placeholders, ``schedules`` (ISO 8601 ``repeat``, ``slip``) and
``tasks`` joining a group, a test and a schedule. ``translate`` keeps the pairs that
involve the given host and writes one netprobe probe per pair from that host's side:
a throughput test towards the host becomes a ``reverse`` probe. Anything it cannot
express (other test types, options without an equivalent, placeholders it does not know,
archives, includes) is returned in a list, never dropped silently.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from netprobe.errors import DocumentError
from netprobe.units import parse_iso8601_duration

# pScheduler spec key → (netprobe option, kind). Kinds: duration (ISO 8601), int, bool,
# rate (bit/s), text. "ip-version" becomes the endpoint's family.
OPTION_MAP: dict[str, dict[str, tuple[str, str]]] = {
    "throughput": {
        "duration": ("duration", "duration"),
        "omit": ("omit", "duration"),
        "interval": ("interval", "duration"),
        "parallel": ("parallel", "int"),
        "udp": ("udp", "bool"),
        "bandwidth": ("bandwidth", "rate"),
        "window-size": ("window", "int"),
        "mss": ("mss", "int"),
        "congestion": ("congestion", "text"),
        "ip-tos": ("tos", "int"),
        "zero-copy": ("zerocopy", "bool"),
        "reverse": ("reverse", "bool"),
    },
    "rtt": {
        "count": ("count", "int"),
        "interval": ("interval", "duration"),
        "length": ("size", "int"),
    },
    "trace": {
        "hops": ("max_hops", "int"),
        "queries": ("queries", "int"),
        "wait": ("wait", "duration"),
    },
}
"""The pScheduler test types netprobe runs, and the spec keys each translates."""

_STRUCTURE = {"source", "dest", "source-node", "dest-node", "schema", "ip-version"}
# netprobe's tool for each test, and the word that pScheduler tool names running it share
# (iperf3, bwctliperf3; ping, bwctlping; traceroute, paris-traceroute, bwctltraceroute).
_TOOL_FAMILY = {"throughput": "iperf3", "rtt": "ping", "trace": "traceroute"}
_FAMILY = {4: "ipv4", 6: "ipv6"}
_PLACEHOLDER = re.compile(r"\{%\s*(.*?)\s*%\}")
_INDEXED = re.compile(r"^(address|pscheduler_address|lead_bind_address)\[(\d+)\]$")
_NAME_CHARS = re.compile(r"[^A-Za-z0-9._-]+")


_ProbeTable = tuple[str, dict[str, Any], dict[str, Any]]
"""A [[probes]] table to write: its comment, its keys, its options."""


@dataclass(frozen=True)
class _Member:
    """One address of a pair as a group selects it: its name and the label to use."""

    name: str
    label: str | None = None


@dataclass
class _Schedule:
    """Fields of the [[probes]] table that come from a pSConfig schedule."""

    every: str
    jitter: str | None


@dataclass
class _Job:
    """One task, translated as far as it goes before looking at its pairs."""

    task: str
    kind: str  # throughput, rtt or trace
    spec: Mapping[str, Any]
    lead: int  # scheduled-by: the index of the pair member that leads the test
    schedule: _Schedule
    options: dict[str, Any]
    family: str


def translate(
    template: Any,
    site: str,
    *,
    origin: str = "pSConfig template",
    lead: str | None = None,
) -> tuple[str, list[str]]:
    """Write the netprobe schedule (TOML text, schema 1) of the tests involving ``site``.

    Args:
        template: the decoded pSConfig JSON template.
        site: the host to write the schedule for: an address name, an ``address``
            value, a ``host`` name, or a labelled address of the template.
        origin: where the template came from (file or URL), written in the header comment.
        lead: the URL of a pScheduler lead (usually the site's own) to run every test
            through: a ``[pscheduler]`` table and ``engine = "pscheduler"`` endpoints.

    Returns:
        ``(toml_text, untranslated)``: the schedule, and one line per thing of the
        template that involves ``site`` and that the schedule does not express.

    Raises:
        DocumentError: the template is not an object, refers to what it does not define
            in a way that stops translation, or ``site`` is none of its hosts.
    """
    if not isinstance(template, Mapping):
        raise DocumentError(f"template: expected a JSON object, got {type(template).__name__}")
    _check_shapes(template)
    addresses = _table(template, "addresses")
    if not any(_is_site(addresses, name, site) for name in addresses):
        known = ", ".join(sorted(addresses)[:8]) + (", ..." if len(addresses) > 8 else "")
        raise DocumentError(f"site: {site!r} is none of the template's addresses ({known})")
    plan = _Plan(site, lead)
    for key in ("includes", "address-classes", "subtasks", "contexts"):
        if template.get(key):
            plan.skip(f"{key}: not translated (netprobe reads the template's own tables only)")
    for name, task in _table(template, "tasks").items():
        _task(template, name, task, plan)
    holders = [*_table(template, "tasks").values(), *_table(template, "hosts").values()]
    if any(isinstance(h, Mapping) and h.get("archives") for h in holders):
        plan.skip("archives: not translated (netprobe keeps results in its own store)")
    return plan.render(origin), plan.untranslated


class _Plan:
    """Endpoints and probes collected so far, their names kept unique, and what was skipped."""

    def __init__(self, site: str, lead: str | None = None) -> None:
        self.site = site
        self.lead = lead
        self.endpoints: dict[tuple[str, str], dict[str, Any]] = {}  # (host, family) → table
        self.probes: list[_ProbeTable] = []
        self.untranslated: list[str] = []
        self.seen: dict[tuple, str] = {}  # probe fields and options → the probe's name
        self._names: set[str] = set()

    def skip(self, line: str) -> None:
        """Record something not translated, once."""
        if line not in self.untranslated:
            self.untranslated.append(line)

    def unique(self, base: str) -> str:
        """``base`` made a valid netprobe name, with ``-2``, ``-3``... if already used."""
        base = _NAME_CHARS.sub("-", base).strip("-.") or "psconfig"
        name, n = base, 1
        while name in self._names:
            n += 1
            name = f"{base}-{n}"
        self._names.add(name)
        return name

    def endpoint(self, base: str, host: str, family: str) -> str:
        """The name of the endpoint reaching ``host`` over ``family``, added if new."""
        key = (host, family)
        if key not in self.endpoints:
            suffix = "" if family == "any" else f"-{family}"
            self.endpoints[key] = {
                "name": self.unique(base + suffix),
                "host": host,
                "port": 5201,
                "family": family,
            }
            if self.lead is not None:
                self.endpoints[key]["engine"] = "pscheduler"
        return self.endpoints[key]["name"]

    def render(self, origin: str) -> str:
        """The schedule as TOML text."""
        lines = [
            f"# Generated by `netprobe psconfig` from {_one_line(origin)}",
            f"# for the site {_one_line(self.site)}.",
            *(
                [
                    "# Every test runs through the pScheduler lead below, as pSConfig's own",
                    "# agent would run it; the endpoints need nothing but pScheduler.",
                ]
                if self.lead is not None
                else [
                    "# perfSONAR hosts start iperf3 servers only through pScheduler: each endpoint",
                    "# below needs an iperf3 server listening on its port for throughput probes",
                    "# (or write the schedule with --pscheduler URL to run them through it).",
                ]
            ),
            "schema = 1",
            "",
            "[site]",
            f"name = {toml_value(self.site)}",
        ]
        if self.lead is not None:
            lines += ["", "[pscheduler]", f"url = {toml_value(self.lead)}"]
        for table in self.endpoints.values():
            lines += ["", "[[endpoints]]"] + [
                f"{toml_key(k)} = {toml_value(v)}" for k, v in table.items()
            ]
        for comment, fields, options in self.probes:
            lines += ["", f"# {_one_line(comment)}", "[[probes]]"]
            lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in fields.items()]
            if options:
                lines += ["", "[probes.options]"]
                lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in options.items()]
        return "\n".join(lines) + "\n"


def _task(template: Mapping[str, Any], name: str, task: Any, plan: _Plan) -> None:
    """Add the probes of one task that involve the site, or say why not."""
    where = f"task {name}"
    if not isinstance(task, Mapping):
        raise DocumentError(f"tasks.{name}: expected an object")
    addresses = _table(template, "addresses")
    group_name, test_name = task.get("group"), task.get("test")
    group = _table(template, "groups").get(group_name) if isinstance(group_name, str) else None
    test = _table(template, "tests").get(test_name) if isinstance(test_name, str) else None
    if not isinstance(group, Mapping) or not isinstance(test, Mapping):
        missing = (
            f"group {group_name!r}" if not isinstance(group, Mapping) else f"test {test_name!r}"
        )
        plan.skip(f"{where}: {missing} is not defined in the template as an object")
        return
    pairs = [
        pair
        for pair in _pairs(group, addresses, _table(template, "hosts"), where, plan)
        if any(_is_site(addresses, m.name, plan.site) for m in pair)
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
    schedule = _schedule(template, task, where, plan)
    if schedule is None:
        return
    spec = test.get("spec") if isinstance(test.get("spec"), Mapping) else {}
    for key, value in spec.items():
        for expression in _PLACEHOLDER.findall(str(value)):
            if not _known_placeholder(expression):
                plan.skip(f"{where}: placeholder {{% {expression} %}} in {key} not translated")
    options, family = _options(kind, spec, where, plan)
    _check_tools(kind, task.get("tools"), where, plan)
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
            sorted({m.name for p in inbound for m in p} - _site_names(addresses, plan.site))
        )
        plan.skip(
            f"{where}: {kind} run by {len(inbound)} other host(s) towards this one can only "
            f"run there: {others}"
        )


def _pair_probe(
    addresses: Mapping[str, Any], job: _Job, pair: tuple[_Member, ...], plan: _Plan
) -> bool:
    """One probe from the site's side of one pair, or a line saying why there is none.

    Returns:
        False when the test runs from the other host towards this one and netprobe here
        cannot measure it (rtt, trace); the caller lists those pairs in one line.
    """
    names = " -> ".join(m.name for m in pair)
    where = f"task {job.task}, pair {names}"
    source = _role(job.spec.get("source", job.spec.get("source-node")), job.lead, len(pair))
    dest = _role(job.spec.get("dest", job.spec.get("dest-node")), None, len(pair))
    if source is None or dest is None:
        plan.skip(f"{where}: source or dest is neither {{% address[N] %}} nor a host name")
        return True
    mine = [i for i, m in enumerate(pair) if _is_site(addresses, m.name, plan.site)]
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
        own = _address(addresses, pair[mine_index], pair[1 - mine_index])
        if own != addresses[pair[mine_index].name].get("address"):
            plan.skip(
                f"task {job.task}: this host's side uses address {own} towards some hosts; "
                "netprobe binds per site ([site] bind), not per probe"
            )
    if isinstance(remote, int):
        other = pair[1 - remote] if len(pair) == 2 else None
        host = _address(addresses, pair[remote], other)
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


def _pairs(
    group: Mapping[str, Any],
    addresses: Mapping[str, Any],
    hosts: Mapping[str, Any],
    where: str,
    plan: _Plan,
) -> list[tuple[_Member, ...]]:
    """The ordered address tuples a group makes, without disabled or excluded ones."""
    kind = group.get("type")
    label = group.get("default-address-label")

    def members(key: str) -> list[_Member]:
        found = []
        for selector in group.get(key) or []:
            if not isinstance(selector, Mapping) or not isinstance(selector.get("name"), str):
                plan.skip(f"{where}: address selector {selector!r} (classes) not translated")
                continue
            entry = addresses.get(selector["name"])
            if not isinstance(entry, Mapping):
                plan.skip(f"{where}: address {selector['name']!r} is not defined")
                continue
            host = hosts.get(entry.get("host"))
            host = host if isinstance(host, Mapping) else {}
            if selector.get("disabled") or entry.get("disabled") or host.get("disabled"):
                continue  # switched off in the template on purpose
            found.append(_Member(selector["name"], selector.get("label", label)))
        return found

    if kind == "list":
        return [(m,) for m in members("addresses")]
    if kind == "mesh":
        every = members("addresses")
        pairs = [(a, b) for a in every for b in every if a != b]
    elif kind == "disjoint":
        a_side, b_side = members("a-addresses"), members("b-addresses")
        pairs = [(a, b) for a in a_side for b in b_side]
        if not group.get("unidirectional"):
            pairs += [(b, a) for a, b in pairs]
    else:
        plan.skip(f"{where}: group type {kind!r} not translated (mesh, disjoint or list)")
        return []
    return [p for p in pairs if not _excluded(group, addresses, p)]


def _excluded(group: Mapping[str, Any], addresses: Mapping[str, Any], pair: tuple) -> bool:
    """True when ``excludes-self`` or ``excludes`` removes this pair."""
    a, b = pair
    scope = group.get("excludes-self", "host")
    if scope != "disabled" and a.name == b.name:
        return True
    if scope == "host":
        host_a = addresses[a.name].get("host") or a.name
        host_b = addresses[b.name].get("host") or b.name
        if host_a == host_b:
            return True
    for rule in group.get("excludes") or []:
        if not isinstance(rule, Mapping):
            continue
        local = (rule.get("local-address") or {}).get("name")
        targets = {t.get("name") for t in rule.get("target-addresses") or []}
        if (a.name == local and b.name in targets) or (b.name == local and a.name in targets):
            return True
    return False


def _address(addresses: Mapping[str, Any], member: _Member, other: _Member | None) -> str:
    """The address to use for ``member`` when it tests with ``other``: its
    ``remote-addresses`` entry for that peer first, then its label, then its address."""
    entry = addresses[member.name]
    choices = []
    remote = (entry.get("remote-addresses") or {}).get(other.name) if other else None
    if isinstance(remote, Mapping):
        choices.append((remote.get("labels") or {}).get(member.label) if member.label else None)
        choices.append(remote)
    choices.append((entry.get("labels") or {}).get(member.label) if member.label else None)
    choices.append(entry)
    for choice in choices:
        if isinstance(choice, Mapping) and choice.get("address"):
            return str(choice["address"])
    raise DocumentError(f"addresses.{member.name}.address: missing")


def _is_site(addresses: Mapping[str, Any], name: str, site: str) -> bool:
    """True when the address ``name`` belongs to the site host."""
    entry = addresses.get(name)
    if not isinstance(entry, Mapping):
        return False
    labels = entry.get("labels") or {}
    return site in (
        name,
        entry.get("address"),
        entry.get("host"),
        *(label.get("address") for label in labels.values() if isinstance(label, Mapping)),
    )


def _site_names(addresses: Mapping[str, Any], site: str) -> set[str]:
    """The address names that belong to the site host."""
    return {name for name in addresses if _is_site(addresses, name, site)}


def _role(value: Any, default: int | None, size: int) -> int | str | None:
    """Which pair member a spec's source/dest names (its index), or a literal host."""
    if value is None:
        return default if default is not None and default < size else None
    match = _PLACEHOLDER.fullmatch(str(value).strip())
    if not match:
        return str(value)
    indexed = _INDEXED.match(match.group(1))
    if indexed and int(indexed.group(2)) < size:
        return int(indexed.group(2))
    return None


def _known_placeholder(expression: str) -> bool:
    """Placeholders this translation resolves: the pair's addresses and the lead's."""
    return bool(_INDEXED.match(expression)) or expression in ("scheduled_by_address", "flip")


def _schedule(
    template: Mapping[str, Any], task: Mapping[str, Any], where: str, plan: _Plan
) -> _Schedule | None:
    """``every`` and ``jitter`` from the task's schedule (``repeat``, ``slip``, ``sliprand``)."""
    name = task.get("schedule")
    schedule = _table(template, "schedules").get(name) if name else None
    if not isinstance(schedule, Mapping) or not schedule.get("repeat"):
        plan.skip(f"{where}: no repeating schedule (pScheduler would run it once); not scheduled")
        return None
    try:
        every = parse_iso8601_duration(schedule["repeat"])
        slip = parse_iso8601_duration(schedule["slip"]) if schedule.get("slip") else 0.0
    except ValueError as exc:
        raise DocumentError(f"schedules.{name}: {exc}") from None
    if every < 60 or every != int(every):
        plan.skip(f"{where}: repeat {schedule['repeat']} is not whole seconds >= 1 minute")
        return None
    for key in ("start", "until", "max-runs"):
        if schedule.get(key) is not None:
            plan.skip(f"{where}: schedule {key} = {schedule[key]!r} not translated")
    jitter = None
    if slip and schedule.get("sliprand"):
        # netprobe's jitter must stay below the period: pSConfig often slips a whole period.
        jitter = min(slip, every / 2)
        if jitter < slip:
            plan.skip(
                f"{where}: slip {schedule['slip']} shortened to jitter {format_duration(jitter)} "
                "(netprobe keeps jitter under half the period)"
            )
    elif slip:
        plan.skip(f"{where}: slip {schedule['slip']} without sliprand not translated")
    return _Schedule(format_duration(every), format_duration(jitter) if jitter else None)


def _options(
    kind: str, spec: Mapping[str, Any], where: str, plan: _Plan
) -> tuple[dict[str, Any], str]:
    """netprobe options and the endpoint family from a pScheduler test spec."""
    options: dict[str, Any] = {}
    for key, value in spec.items():
        if key in _STRUCTURE:
            continue
        if key not in OPTION_MAP[kind]:
            plan.skip(f"{where}: {kind} option {key} = {value!r} has no netprobe equivalent")
            continue
        name, how = OPTION_MAP[kind][key]
        try:
            options[name] = _convert(value, how)
        except (ValueError, TypeError):
            plan.skip(f"{where}: {kind} option {key} = {value!r} not understood")
    family = "any"
    if "ip-version" in spec:
        version = spec["ip-version"]
        family = _FAMILY.get(version, "any") if isinstance(version, int) else "any"
        if family == "any":
            plan.skip(f"{where}: ip-version = {spec['ip-version']!r} not understood")
    return options, family


def _convert(value: Any, how: str) -> Any:
    """One spec value in the form the netprobe option takes.

    Raises:
        ValueError: the value is not of the expected kind.
    """
    if how == "duration":
        return format_duration(parse_iso8601_duration(value))
    if how == "bool":
        if not isinstance(value, bool):
            raise ValueError(value)
        return value
    if how == "text":
        if not isinstance(value, str):
            raise ValueError(value)
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ValueError(value)
    if how == "rate":
        return format_rate(value)
    if value != int(value):
        raise ValueError(value)
    return int(value)


def _check_tools(kind: str, tools: list[Any] | None, where: str, plan: _Plan) -> None:
    """Say so when none of the task's pScheduler tools is the one netprobe runs the test
    with (iperf3, ping, traceroute): the probe then measures with a different tool."""
    names = [str(t) for t in tools or []]
    if not names or any(_TOOL_FAMILY[kind] in name for name in names):
        return
    plan.skip(f"{where}: tools {names} not available in netprobe; {_TOOL_FAMILY[kind]} used")


_KIND_NAMES = {
    str: "a string",
    bool: "true or false",
    int: "an integer",
    list: "a list",
    Mapping: "an object",
}


def _typed(value: Any, path: str, **kinds: type) -> Mapping[str, Any]:
    """``value`` as an object whose listed members, when present, have the given JSON kinds.

    Raises:
        DocumentError: not an object, or a member of another kind (named by its path).
    """
    if not isinstance(value, Mapping):
        raise DocumentError(f"{path}: expected an object, got {value!r}"[:200])
    for key, kind in kinds.items():
        member = value.get(key.replace("_", "-"))
        if member is None:
            continue
        if not isinstance(member, kind) or (kind is int and isinstance(member, bool)):
            got = f"{member!r}"[:80]
            raise DocumentError(
                f"{path}.{key.replace('_', '-')}: expected {_KIND_NAMES[kind]}, got {got}"
            )
    return value


def _check_shapes(template: Mapping[str, Any]) -> None:
    """Check the kinds of every member the translation reads, so that a malformed template
    is refused with the path of the wrong value instead of failing half-way.

    Raises:
        DocumentError: naming the first wrong value.
    """
    for name, entry in _table(template, "addresses").items():
        path = f"addresses.{name}"
        _typed(
            entry,
            path,
            address=str,
            host=str,
            labels=Mapping,
            remote_addresses=Mapping,
            disabled=bool,
        )
        text_of_address = entry.get("address")
        if not text_of_address:
            raise DocumentError(f"{path}.address: missing")
        for remote, item in (entry.get("remote-addresses") or {}).items():
            _typed(item, f"{path}.remote-addresses.{remote}", address=str, labels=Mapping)
            for label, value in (item.get("labels") or {}).items():
                _typed(value, f"{path}.remote-addresses.{remote}.labels.{label}", address=str)
        for label, value in (entry.get("labels") or {}).items():
            _typed(value, f"{path}.labels.{label}", address=str)
    for name, host in _table(template, "hosts").items():
        _typed(host, f"hosts.{name}", disabled=bool, archives=list)
    for name, group in _table(template, "groups").items():
        path = f"groups.{name}"
        _typed(
            group,
            path,
            type=str,
            default_address_label=str,
            excludes_self=str,
            unidirectional=bool,
            addresses=list,
            a_addresses=list,
            b_addresses=list,
            excludes=list,
        )
        for key in ("addresses", "a-addresses", "b-addresses"):
            for i, selector in enumerate(group.get(key) or []):
                _typed(selector, f"{path}.{key}[{i}]", name=str, label=str, disabled=bool)
        for i, rule in enumerate(group.get("excludes") or []):
            _typed(rule, f"{path}.excludes[{i}]", local_address=Mapping, target_addresses=list)
            _typed(rule.get("local-address") or {}, f"{path}.excludes[{i}].local-address", name=str)
            for j, target in enumerate(rule.get("target-addresses") or []):
                _typed(target, f"{path}.excludes[{i}].target-addresses[{j}]", name=str)
    for name, test in _table(template, "tests").items():
        _typed(test, f"tests.{name}", type=str, spec=Mapping)
    for name, schedule in _table(template, "schedules").items():
        _typed(schedule, f"schedules.{name}", repeat=str, slip=str, sliprand=bool)
    for name, task in _table(template, "tasks").items():
        _typed(
            task,
            f"tasks.{name}",
            group=str,
            test=str,
            schedule=str,
            disabled=bool,
            archives=list,
            tools=list,
            scheduled_by=int,
        )


def _table(template: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """A top-level table of the template, empty when absent.

    Raises:
        DocumentError: present but not an object.
    """
    value = template.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DocumentError(f"{key}: expected an object keyed by name")
    return value


def format_duration(seconds: float) -> str:
    """Seconds as the shortest exact netprobe duration: ``14400`` → ``"4h"``, ``0.1`` →
    ``"100ms"``."""
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    if seconds * 1000 == int(seconds * 1000):
        return f"{int(seconds * 1000)}ms"
    return f"{seconds!r}s"


def format_rate(bps: float) -> str:
    """bit/s as the shortest exact rate: ``50000000`` → ``"50Mbps"``."""
    for prefix, size in (("T", 10**12), ("G", 10**9), ("M", 10**6), ("k", 10**3)):
        if bps >= size and bps % size == 0:
            return f"{int(bps // size)}{prefix}bps"
    return f"{bps:g}bps"


_TOML_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
}


def toml_value(value: Any) -> str:
    """A str, bool, int or finite float as a TOML value; strings as basic strings with
    every quote, backslash and control character escaped.

    Raises:
        ValueError: another type, or a NaN or infinite float.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"TOML has no finite form for {value!r}")
        return repr(value)
    if isinstance(value, str):
        out = []
        for char in value:
            if char in _TOML_ESCAPES:
                out.append(_TOML_ESCAPES[char])
            elif ord(char) < 0x20 or ord(char) == 0x7F:
                out.append(f"\\u{ord(char):04X}")
            else:
                out.append(char)
        return '"' + "".join(out) + '"'
    raise ValueError(f"no TOML form for {type(value).__name__}")


def toml_key(key: str) -> str:
    """A key bare when TOML allows it, quoted otherwise."""
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else toml_value(key)


def _one_line(text: str) -> str:
    """Text safe inside a TOML comment: control characters replaced by spaces."""
    return "".join(" " if ord(c) < 0x20 or ord(c) == 0x7F else c for c in text)
