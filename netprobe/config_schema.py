"""Schema 1 of a schedule file: its tables, the keys each accepts, and the typed records.

One file's parsed TOML becomes a ``FileConfig``; references between files (a probe naming
an endpoint, duplicate names) are checked by ``netprobe.config`` once every file is read.
Like pScheduler's ``additionalProperties: False``, an unknown key is an error, and a
probe is validated after dispatching on its ``test``, so errors name the exact key.
"""

import dataclasses
import types
from dataclasses import dataclass, field
from pathlib import Path

from netprobe import config_values as v
from netprobe.alerts.rules import AlertSettings
from netprobe.config_alerts import read_alerts
from netprobe.config_values import Problems, Table
from netprobe.cron import CronExpr
from netprobe.localize.paths import NamedSegment, named_segment
from netprobe.model import (
    FAR_END,
    ROLES,
    TEST_POINT,
    Endpoint,
    Lead,
    ProbeOptions,
    RttOptions,
    ThroughputOptions,
    TraceOptions,
)
from netprobe.plan import CapacityPlan, PlanStep

SCHEMA = 1
"""The only value of ``schema`` this netprobe reads."""

OPTIONS = {"throughput": ThroughputOptions, "rtt": RttOptions, "trace": TraceOptions}
"""The options record of each test; its fields are the keys a probe's ``options`` accepts."""

TOOLS = {"throughput": ("iperf3",), "rtt": ("ping",), "trace": ("traceroute",)}
"""Tools that perform each test, each the NAME of a module in ``netprobe.probes.PROBES``;
the first is the default. Kept here (not read from the registry) so that reading a
schedule does not import every probe module."""

ENGINES = ("local", "pscheduler")
"""Where a test runs: ``local`` starts the tool here, ``pscheduler`` asks the ``[pscheduler]``
lead to run it (``netprobe.probes.pscheduler``)."""

DEFAULT_STATE_DIR = Path("/var/lib/netprobe")
DEFAULT_SHARE = 0.8
MIN_PERIOD = 60.0  # seconds: cron starts `netprobe run` once a minute

# Option fields given as durations ("10s") or rates ("2Gbps") rather than plain numbers,
# and integer bounds other than ">= 1".
_DURATION_OPTIONS = {"duration", "omit", "connect_timeout", "interval", "wait"}
_RATE_OPTIONS = {"bandwidth"}
_INT_BOUNDS = {"parallel": (1, 128), "processes": (1, 64), "tos": (0, 255), "size": (0, 65507)}


@dataclass(frozen=True)
class Site:
    """The host probes start from: its name, optional source address and network namespace.

    ``state_dir`` holds lock files and, unless ``[store] path`` says otherwise, the SQLite file.
    """

    name: str
    bind: str | None = None
    netns: str | None = None
    state_dir: Path = DEFAULT_STATE_DIR


@dataclass(frozen=True)
class Link:
    """The path from the site to one endpoint and the capacity promised for it over time."""

    name: str
    endpoint: str
    plan: CapacityPlan


@dataclass(frozen=True)
class Probe:
    """A scheduled measurement: which test, by which tool, to which endpoint, how often.

    Exactly one of ``every`` (seconds, slots aligned to the Unix epoch) and ``cron`` is set;
    ``jitter`` (seconds) bounds a fixed per-probe delay after each slot.
    """

    name: str
    test: str
    endpoint: str
    tool: str
    options: ProbeOptions
    every: float | None = None
    cron: CronExpr | None = None
    jitter: float = 0.0
    engine: str | None = None  # None: the endpoint's engine


@dataclass(frozen=True)
class StoreConfig:
    """Where results go: ``sqlite`` (``path``) or ``influxdb`` (``url`` and credentials)."""

    kind: str = "sqlite"
    path: Path | None = None
    url: str | None = None
    database: str | None = None
    bucket: str | None = None
    org: str | None = None
    username: str | None = None
    password: str | None = None
    token: str | None = None

    def settings(self) -> dict[str, object]:
        """The settings of this kind that are set, as keywords: ``open_store(kind, **settings)``."""
        return {
            key: getattr(self, key)
            for key in STORE_KEYS[self.kind]
            if key != "kind" and getattr(self, key) is not None
        }


STORE_KEYS = {
    "sqlite": ("kind", "path"),
    "influxdb": ("kind", "url", "database", "bucket", "org", "username", "password", "token"),
}
"""Keys of ``[store]`` for each kind."""


@dataclass
class FileConfig:
    """What one file defines: the valid records, and what every item declares, valid or not.

    ``names`` and ``refs`` keep the dotted key of each array item's ``name`` and
    ``endpoint``, even when another of its keys is wrong, so that duplicates and unknown
    endpoints are reported in the same pass as everything else.
    """

    file: Path
    has_site: bool = False  # a [site] table is present, valid or not
    has_lead: bool = False  # a [pscheduler] table is present, valid or not
    site: Site | None = None
    store: StoreConfig | None = None
    alerts: AlertSettings | None = None
    pscheduler: Lead | None = None
    endpoints: list[Endpoint] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)
    segments: list[NamedSegment] = field(default_factory=list)
    names: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # kind → (key, name)
    refs: list[tuple[str, str]] = field(default_factory=list)  # (key of endpoint, its value)
    link_refs: list[tuple[str, str]] = field(default_factory=list)  # (key naming a link, it)
    pscheduler_keys: list[str] = field(default_factory=list)  # keys saying engine = "pscheduler"


def read_file_tables(file: Path, data: dict, problems: Problems) -> FileConfig:
    """Validate one file's parsed TOML; problems are recorded, valid parts returned."""
    out = FileConfig(file)
    top = Table(problems, file, "", data)
    schema = top.get("schema", lambda x: x, hint=f"schema = {SCHEMA} at the top of the file")
    if schema is None:
        return out
    if schema != SCHEMA or type(schema) is not int:
        problems.bad(file, "schema", schema, f"expected {SCHEMA}, the schema this netprobe reads")
        return out
    base = file.parent
    out.has_site = "site" in data
    out.has_lead = "pscheduler" in data
    out.site = top.get("site", lambda t: _site(_sub(problems, file, "site", t), base), None)
    out.store = top.get("store", lambda t: _store(_sub(problems, file, "store", t), base), None)
    out.alerts = top.get("alerts", lambda t: read_alerts(problems, file, t, out.refs), None)
    out.pscheduler = top.get(
        "pscheduler", lambda t: _lead(_sub(problems, file, "pscheduler", t), base), None
    )
    for key, build, items in (
        ("endpoints", _endpoint, out.endpoints),
        ("links", _link, out.links),
        ("probes", _probe, out.probes),
        ("segments", _segment, out.segments),
    ):
        for i, table in enumerate(top.get(key, _array_of_tables, []) or []):
            item_key = f"{key}[{i}]"
            if not isinstance(table, dict):
                problems.bad(file, item_key, table, "expected a table")
                continue
            if isinstance(table.get("name"), str):
                out.names.setdefault(key, []).append((f"{item_key}.name", table["name"]))
            if key != "endpoints" and isinstance(table.get("endpoint"), str):
                out.refs.append((f"{item_key}.endpoint", table["endpoint"]))
            if key == "endpoints" and isinstance(table.get("on"), list):
                out.link_refs += [(f"{item_key}.on", n) for n in table["on"] if isinstance(n, str)]
            if key != "links" and table.get("engine") == "pscheduler":
                out.pscheduler_keys.append(f"{item_key}.engine")
            record = build(Table(problems, file, item_key, table))
            if record is not None:
                items.append(record)
    top.finish()
    return out


def _array_of_tables(value: object) -> list:
    if not isinstance(value, list):
        raise ValueError("expected an array of tables ([[...]])")
    return value


def _sub(problems: Problems, file: Path, key: str, value: object) -> Table:
    if not isinstance(value, dict):
        raise ValueError(f"expected a table [{key}]")
    return Table(problems, file, key, value)


def _site(t: Table, base: Path) -> Site | None:
    site = Site(
        name=t.get("name", v.host, hint='the site\'s host name, e.g. name = "ps.example.org"'),
        bind=t.get("bind", v.address, None),
        netns=t.get("netns", v.name, None),
        state_dir=t.get("state_dir", v.folder_path(base), DEFAULT_STATE_DIR),
    )
    return site if t.finish() else None


def _store(t: Table, base: Path) -> StoreConfig | None:
    kind = t.get("kind", v.choice(*STORE_KEYS), "sqlite")
    if kind is None:
        return None  # which keys are valid depends on the kind
    values = {}
    if kind == "sqlite":
        values["path"] = t.get("path", v.folder_path(base), None)
    else:
        values["url"] = t.get("url", v.text, hint='a URL such as "http://localhost:8086"')
        for key in STORE_KEYS["influxdb"][2:]:
            values[key] = t.get(key, v.text, None)
    return StoreConfig(kind=kind, **values) if t.finish() else None


def _lead(t: Table, base: Path) -> Lead | None:
    lead = Lead(
        url=t.get("url", v.http_url, hint='the lead\'s pScheduler, e.g. "https://ps.example.org"'),
        ca_file=t.get("ca_file", v.ca_file(base), None),
        insecure=t.get("insecure", v.boolean, False),
        timeout=t.get("timeout", v.duration(positive=True), 30.0),
        slip=t.get("slip", v.duration(positive=False), 0.0),
    )
    return lead if t.finish() else None


def _endpoint(t: Table) -> Endpoint | None:
    endpoint = Endpoint(
        name=t.get("name", v.name, hint='a name such as "ncsa"'),
        host=t.get("host", v.host, hint="a host name or address"),
        port=t.get("port", v.integer(1, 65535), 5201),
        family=t.get("family", v.choice("any", "ipv4", "ipv6"), "any"),
        netns=t.get("netns", v.name, None),
        role=t.get("role", v.choice(*ROLES), FAR_END),
        on=tuple(t.get("on", v.list_of(v.name), None) or ()),
        engine=t.get("engine", v.choice(*ENGINES), "local"),
    )
    if endpoint.on and endpoint.role != TEST_POINT:
        t.problems.bad(
            t.file, t.path("on"), t.data["on"], f'expected only with role = "{TEST_POINT}"'
        )
    return endpoint if t.finish() else None


def _link(t: Table) -> Link | None:
    name = t.get("name", v.name, hint='a name such as "lyon-chicago"')
    endpoint = t.get("endpoint", v.name, hint="the name of an endpoint")
    steps = t.get("plan", _array_of_tables, hint='[{from = 2020-01-01, capacity = "20Gbps"}, ...]')
    share = t.get("expected_share", v.share, DEFAULT_SHARE)
    nic = t.get("nic", v.rate, None)
    plan_steps: list[PlanStep] = []
    for i, step in enumerate(steps or []):
        key = t.path(f"plan[{i}]")
        if not isinstance(step, dict):
            t.problems.bad(t.file, key, step, 'expected a table {from = ..., capacity = "..."}')
            continue
        s = Table(t.problems, t.file, key, step)
        start = s.get("from", v.moment, hint="the date the step starts, e.g. from = 2020-01-01")
        capacity = s.get("capacity", v.rate, hint='a rate such as capacity = "20Gbps"')
        if s.finish():
            if plan_steps and start <= plan_steps[-1].start:
                t.problems.bad(
                    t.file,
                    f"{key}.from",
                    step["from"],
                    f"expected a date after {plan_steps[-1].start.date().isoformat()} "
                    "(plan steps in increasing order, each date once)",
                )
            plan_steps.append(PlanStep(start, capacity))
    if steps == []:
        t.problems.bad(t.file, t.path("plan"), steps, "expected at least one step")
    if not t.finish():
        return None
    return Link(name, endpoint, CapacityPlan(tuple(plan_steps), share, nic))


def _segment(t: Table) -> NamedSegment | None:
    name = t.get("name", v.name, hint='a name such as "renater-lyon-paris"')
    hops = t.get("hops", v.list_of(v.hop), [])
    prefixes = t.get("prefixes", v.list_of(v.network), [])
    if "hops" not in t.data and "prefixes" not in t.data:
        t.problems.missing(
            t.file, t.path("hops"), 'hops = ["193.51.180.1", ...] or prefixes = ["193.51.0.0/16"]'
        )
    if not t.finish():
        return None
    return named_segment(name, [*hops, *prefixes])


def _probe(t: Table) -> Probe | None:
    name = t.get("name", v.name, hint='a name such as "ncsa-throughput"')
    test = t.get("test", v.choice(*OPTIONS), hint=f"one of: {', '.join(OPTIONS)}")
    endpoint = t.get("endpoint", v.name, hint="the name of an endpoint")
    tool = t.get("tool", v.text, TOOLS[test][0] if test else None)
    if test and tool and tool not in TOOLS[test]:
        t.problems.bad(t.file, t.path("tool"), tool, f"expected one of: {', '.join(TOOLS[test])}")
    every = t.get("every", v.duration(positive=True), None)
    cron = t.get("cron", v.cron, None)
    jitter = t.get("jitter", v.duration(positive=False), 0.0)
    engine = t.get("engine", v.choice(*ENGINES), None)
    options = t.get("options", lambda x: x, {})
    if "every" not in t.data and "cron" not in t.data:
        t.problems.missing(t.file, t.path("every"), 'every = "1h" or cron = "0 * * * *"')
    if "every" in t.data and "cron" in t.data:
        t.problems.bad(t.file, t.path("cron"), t.data["cron"], "expected every or cron, not both")
    if every is not None and (every < MIN_PERIOD or every != int(every)):
        t.problems.bad(t.file, t.path("every"), t.data["every"], "expected whole seconds >= 1m")
    period = every or (cron.shortest_gap() if cron else None)
    if jitter is not None and period and jitter >= period:
        t.problems.bad(
            t.file,
            t.path("jitter"),
            t.data["jitter"],
            f"expected less than the period ({period:g}s)",
        )
    opts = None
    if test and options is not None:
        opts = _options(t, test, options, period)
    if not t.finish() or opts is None:
        return None
    return Probe(name, test, endpoint, tool, opts, every, cron, jitter, engine)


def _options(t: Table, test: str, data: object, period: float | None) -> ProbeOptions | None:
    key = t.path("options")
    if not isinstance(data, dict):
        t.problems.bad(t.file, key, data, "expected a table of tool options")
        return None
    o = Table(t.problems, t.file, key, data)
    cls = OPTIONS[test]
    values = {}
    for f in dataclasses.fields(cls):
        value = o.get(f.name, option_kind(f), None)
        if value is not None:
            values[f.name] = value
    if not o.finish():
        return None
    options = cls(**values)
    if isinstance(options, ThroughputOptions):
        if options.reverse and options.bidir:
            o.problems.bad(o.file, o.path("bidir"), True, "expected reverse or bidir, not both")
            return None
        if period and options.duration + options.omit >= period:
            o.problems.bad(
                o.file,
                o.path("duration"),
                data.get("duration", options.duration),
                f"expected duration + omit shorter than the probe's period ({period:g}s)",
            )
            return None
    return options


def option_kind(f: dataclasses.Field) -> v.Convert:
    """How an options field is written in TOML: duration, rate, integer, flag, word or number."""
    if f.name in _DURATION_OPTIONS:
        return v.duration(positive=f.name != "omit")
    if f.name in _RATE_OPTIONS:
        return v.rate
    kind = f.type
    if isinstance(kind, types.UnionType):
        kind = next(k for k in kind.__args__ if k is not type(None))
    if kind is bool:
        return v.boolean
    if kind is int:
        return v.integer(*_INT_BOUNDS.get(f.name, (1, None)))
    if kind is str:
        return v.text
    return v.number(positive=True)
