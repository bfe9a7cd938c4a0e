"""The plain records that cross rooms: what to probe, what came back, what changed.

Units everywhere: bit/s as float, durations in seconds, RTT in milliseconds, times as
timezone-aware UTC datetimes.
"""

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path


class Status(StrEnum):
    """Outcome of one probe run in one direction. Only OK carries measured values."""

    OK = "ok"
    BUSY = "busy"  # iperf3 "the server is busy running a test", after retries
    UNREACHABLE = "unreachable"  # no route, host down, link cut
    REFUSED = "refused"  # nothing listening on the port
    RESOLVE_FAILED = "resolve-failed"  # the name does not resolve
    TIMEOUT = "timeout"  # the tool hung past its deadline and was killed
    TOOL_ERROR = "tool-error"  # the tool failed or its output is unusable; reason has its words
    ABORTED = "aborted"  # netprobe itself was stopped (SIGTERM) during the run
    MISSED = "missed"  # a scheduled slot that never ran (host down, previous run overran)


class Direction(StrEnum):
    """Which way data flowed: forward is site → endpoint (iperf3 client sends)."""

    FORWARD = "forward"
    REVERSE = "reverse"


FAR_END = "endpoint"
TEST_POINT = "test-point"
ROLES = (FAR_END, TEST_POINT)
"""An endpoint's role: the far end of a link, or a test point part of the way along links."""


@dataclass(frozen=True)
class Endpoint:
    """A host the site probes: name as used in the config, where to reach it.

    A ``TEST_POINT`` stands part of the way along the paths of the links named in ``on``
    (e.g. a perfSONAR host at a GÉANT point of presence): probed like any endpoint, its
    state tells which part of those paths is at fault.
    """

    name: str
    host: str
    port: int = 5201
    family: str = "any"  # "any", "ipv4" or "ipv6"
    netns: str | None = None  # its network namespace on this machine (the lab): reverse traces
    role: str = FAR_END
    on: tuple[str, ...] = ()  # names of links; only for a TEST_POINT
    engine: str = "local"  # "local" (the tool runs here) or "pscheduler" (through a lead)


@dataclass(frozen=True)
class ThroughputOptions:
    """iperf3 options of a throughput probe (seconds, bytes, bit/s)."""

    duration: float = 10.0
    omit: float = 0.0
    parallel: int = 1
    reverse: bool = False
    bidir: bool = False
    window: int | None = None  # socket buffer, bytes
    congestion: str | None = None
    zerocopy: bool = False
    mss: int | None = None
    udp: bool = False
    bandwidth: float | None = None  # target bit/s (UDP, or TCP pacing)
    processes: int = 1  # parallel iperf3 client processes to ports port, port+1, ...
    connect_timeout: float = 5.0
    interval: float = 1.0
    tos: int | None = None


@dataclass(frozen=True)
class RttOptions:
    """ping options of an rtt probe."""

    count: int = 10
    interval: float = 1.0
    size: int | None = None  # payload bytes


@dataclass(frozen=True)
class TraceOptions:
    """traceroute options of a trace probe."""

    max_hops: int = 30
    queries: int = 1
    wait: float = 2.0
    reverse: bool = False  # from the endpoint back to the site, run in the endpoint's netns


ProbeOptions = ThroughputOptions | RttOptions | TraceOptions


@dataclass(frozen=True)
class Lead:
    """A pScheduler host whose REST API runs the tests of ``engine = "pscheduler"`` probes.

    ``timeout`` bounds each HTTP request (s); ``slip`` is how late pScheduler may start a
    run when the path is busy (s); ``insecure`` skips TLS verification (never the default).
    """

    url: str
    ca_file: Path | None = None
    insecure: bool = False
    timeout: float = 30.0
    slip: float = 0.0


@dataclass(frozen=True)
class ProbeSpec:
    """One probe to run now: which test, to which endpoint, from where, with which options."""

    name: str
    test: str  # "throughput", "rtt" or "trace"
    endpoint: Endpoint
    options: ProbeOptions
    site: str = "local"
    netns: str | None = None  # network namespace to run the tool in
    bind: str | None = None  # local source address
    lead: Lead | None = None  # set when the test runs through pScheduler

    @property
    def directions(self) -> list["Direction"]:
        """Directions this spec measures: bidir gives both, reverse gives REVERSE, else FORWARD.

        A reverse trace runs from the endpoint back to the site: the spec's ``endpoint.host``
        is then the site's address and ``netns`` the endpoint's (``Config.spec``).
        """
        if isinstance(self.options, ThroughputOptions) and self.options.bidir:
            return [Direction.FORWARD, Direction.REVERSE]
        if isinstance(self.options, ThroughputOptions | TraceOptions) and self.options.reverse:
            return [Direction.REVERSE]
        return [Direction.FORWARD]


@dataclass(frozen=True)
class Interval:
    """One reporting interval of a throughput run (absolute UTC start, length in s)."""

    start: datetime
    seconds: float
    bps: float
    retransmits: int | None = None
    rtt_ms: float | None = None
    cwnd_bytes: int | None = None
    omitted: bool = False


@dataclass(frozen=True)
class Hop:
    """One hop of a trace: TTL, who answered (None when nobody did), its RTT."""

    ttl: int
    address: str | None
    name: str | None = None
    rtt_ms: float | None = None


@dataclass
class Result:
    """One probe run in one direction: measured values if OK, a reason if not.

    ``metrics`` keys (all optional, present only when measured): ``throughput_bps``
    (receiver side), ``sender_bps``, ``retransmits``, ``rtt_ms`` (TCP mean RTT),
    ``max_cwnd_bytes``, ``jitter_ms``, ``loss_ratio`` (0..1), ``rtt_min_ms``,
    ``rtt_avg_ms``, ``rtt_max_ms``, ``rtt_mdev_ms``, ``packets_sent``,
    ``packets_received``, ``cpu_local_pct``, ``cpu_remote_pct``.
    A failed result has no ``throughput_bps``: a failure is never a zero.
    ``context`` holds host facts (``iperf3_version``, ``congestion``, ``mss``, ``tos``,
    ``host_bound``...), ``flags`` names values judged impossible and left out.
    ``slot`` is the scheduled slot this run filled (None for runs started by hand or
    ingested from elsewhere): the scheduler finds missed slots from the newest one.
    """

    probe: str
    test: str
    tool: str
    endpoint: str
    direction: Direction
    status: Status
    started: datetime
    ended: datetime | None = None
    site: str = "local"
    metrics: dict[str, float] = field(default_factory=dict)
    intervals: list[Interval] = field(default_factory=list)
    hops: list[Hop] = field(default_factory=list)
    context: dict[str, str | int | float | bool] = field(default_factory=dict)
    flags: list[str] = field(default_factory=list)
    reason: str | None = None
    argv: list[str] = field(default_factory=list)
    slot: datetime | None = None

    @property
    def ok(self) -> bool:
        """True when the run measured something."""
        return self.status is Status.OK

    @property
    def throughput_bps(self) -> float | None:
        """Receiver-side throughput in bit/s, or None for a failure."""
        return self.metrics.get("throughput_bps")


def failed_results(
    spec: ProbeSpec,
    *,
    tool: str,
    status: Status,
    reason: str,
    started: datetime,
    ended: datetime | None = None,
    argv: list[str] | None = None,
    context: dict[str, str | int | float | bool] | None = None,
    flags: list[str] | None = None,
) -> list[Result]:
    """One failure Result per direction ``spec`` measures: a status and a reason, no values."""
    return [
        Result(
            probe=spec.name,
            test=spec.test,
            tool=tool,
            endpoint=spec.endpoint.name,
            direction=direction,
            status=status,
            started=started,
            ended=ended,
            site=spec.site,
            reason=reason,
            argv=list(argv or []),
            context=dict(context or {}),
            flags=list(flags or []),
        )
        for direction in spec.directions
    ]


@dataclass(frozen=True)
class ChangePoint:
    """A change of regime in a series: index is the first sample of the new regime.

    ``before``/``after`` are segment medians in the series' units, ``change`` the relative
    change (after/before - 1) with its bootstrap confidence interval ``ci``.
    """

    index: int
    time: datetime | None
    kind: str  # "drop", "rise" or "instability"
    before: float
    after: float
    change: float
    ci: tuple[float, float]
    p_value: float


@dataclass(frozen=True)
class Verdict:
    """A judgement on one link and direction over a period, with the numbers behind it."""

    endpoint: str
    direction: Direction
    kind: str  # "ok", "degraded", "below-plan", "upgrade-not-delivered", "unstable", ...
    since: datetime
    until: datetime
    summary: str
    numbers: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalysisPoint:
    """One finding of the analysis kept for dashboards: a measurement, a time, tags, fields.

    Stores keep one point per (measurement, time, tags); writing it again replaces it.
    """

    measurement: str  # "changepoint", "plan", "health", "verdict" or "path_change"
    time: datetime
    tags: dict[str, str]
    fields: dict[str, str | int | float | bool]


@dataclass(frozen=True)
class Suspect:
    """Where a link's trouble most likely is (``netprobe localize``), with its evidence.

    ``segments`` are the causes of the best explanation that covers the link, one string
    each (indistinguishable segments joined by `` or ``, a route change by its label);
    ``candidates`` how many explanations fit the evidence exactly as well (1: pinned
    down); ``probability`` its posterior share (0..1). ``degraded`` the links it explains
    with the time each degraded (aware UTC, None when unknown), ``healthy`` the links seen
    healthy, ``contradicts`` those of them that cross it all the same.
    """

    segments: tuple[str, ...]
    candidates: int
    probability: float
    degraded: tuple[tuple[str, datetime | None], ...] = ()
    healthy: tuple[str, ...] = ()
    contradicts: tuple[str, ...] = ()
