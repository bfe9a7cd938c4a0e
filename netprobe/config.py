"""Loading the schedule files (one .toml, or a folder of them merged) into one ``Config``.

The schema of each file (tables, keys, records) is in ``netprobe.config_schema``; this
module reads the files, merges them, checks what spans files (one ``[site]``, unique
names, probes and links naming known endpoints) and raises ONE ``ConfigError`` listing
every problem. Relative paths in a file are taken from that file's folder, so nothing
depends on the directory cron or systemd starts netprobe in.
"""

import os
import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path

from netprobe.alerts.rules import AlertSettings
from netprobe.config_schema import (
    FileConfig,
    Link,
    Probe,
    Site,
    StoreConfig,
    read_file_tables,
)
from netprobe.config_values import Problems
from netprobe.errors import ConfigError
from netprobe.localize.paths import NamedSegment
from netprobe.model import Endpoint, Lead, ProbeSpec, TraceOptions

__all__ = ["Config", "Link", "Probe", "Site", "StoreConfig", "config_path", "load_config"]

DEFAULT_PATH = Path("schedules")
ENV_VAR = "NETPROBE_CONFIG"
_ONE_SEGMENT = "expected each address in one segment only"


@dataclass(frozen=True)
class Config:
    """A whole, validated configuration: the site, where results go, what to probe, how
    to alert (``[alerts]``: defaults when the table is absent), and the path segments
    named by hand (``[[segments]]``) that `netprobe localize` blames by name."""

    site: Site
    store: StoreConfig
    endpoints: tuple[Endpoint, ...]
    links: tuple[Link, ...]
    probes: tuple[Probe, ...]
    files: tuple[Path, ...]
    alerts: AlertSettings = field(default_factory=AlertSettings)
    segments: tuple[NamedSegment, ...] = ()
    pscheduler: Lead | None = None

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint called ``name``.

        Raises:
            ConfigError: no such endpoint (the message lists the known ones).
        """
        return _find(self.endpoints, name, "endpoint", self.files)

    def probe(self, name: str) -> Probe:
        """The probe called ``name``.

        Raises:
            ConfigError: no such probe (the message lists the known ones).
        """
        return _find(self.probes, name, "probe", self.files)

    def link_for(self, endpoint: str) -> Link | None:
        """The link to ``endpoint`` with its capacity plan, or None when none is configured."""
        return next((link for link in self.links if link.endpoint == endpoint), None)

    def probes_to(self, endpoint: str, test: str | None = None) -> tuple[Probe, ...]:
        """The probes aimed at ``endpoint``, only those of ``test`` when given, in file order."""
        return tuple(
            p for p in self.probes if p.endpoint == endpoint and (test is None or p.test == test)
        )

    def engine(self, probe: Probe) -> str:
        """Where ``probe`` runs: its own ``engine``, else its endpoint's (``local`` by default)."""
        return probe.engine or self.endpoint(probe.endpoint).engine

    def spec(self, probe: Probe | str) -> ProbeSpec:
        """What to run for ``probe`` now: its endpoint and options, the site's netns and bind,
        and the ``[pscheduler]`` lead when its engine is ``pscheduler``.

        A reverse trace runs in the endpoint's ``netns`` towards the site (``[site] bind``,
        else its name), stored under the endpoint with the reverse direction.

        Raises:
            ConfigError: ``probe`` is a name no probe has.
        """
        if isinstance(probe, str):
            probe = self.probe(probe)
        endpoint = self.endpoint(probe.endpoint)
        if isinstance(probe.options, TraceOptions) and probe.options.reverse:
            # from the endpoint's namespace back to the site: its address, else its name
            return ProbeSpec(
                name=probe.name,
                test=probe.test,
                endpoint=replace(endpoint, host=self.site.bind or self.site.name),
                options=probe.options,
                site=self.site.name,
                netns=endpoint.netns,
            )
        return ProbeSpec(
            name=probe.name,
            test=probe.test,
            endpoint=endpoint,
            options=probe.options,
            site=self.site.name,
            netns=self.site.netns,
            bind=self.site.bind,
            lead=self.pscheduler if self.engine(probe) == "pscheduler" else None,
        )


def config_path(path: Path | str | None = None) -> Path:
    """The configuration's path: ``path`` if given, else ``$NETPROBE_CONFIG``, else ./schedules."""
    if path:
        return Path(path)
    return Path(os.environ.get(ENV_VAR) or DEFAULT_PATH)


def load_config(path: Path | str | None = None) -> Config:
    """Read and validate a .toml file, or every *.toml in a folder merged (by name, no dotfiles).

    Args:
        path: a file or folder; None means ``$NETPROBE_CONFIG`` or ./schedules.

    Raises:
        ConfigError: every problem found, one complete line each (file, key, value, expected).
    """
    root = config_path(path)
    files = _toml_files(root)
    problems = Problems()
    parts = [read_file_tables(f, data, problems) for f in files if (data := _read(f, problems))]
    _check_across_files(root, len(files), parts, problems)
    problems.raise_if_any()
    return _assemble(files, parts)


def _toml_files(root: Path) -> list[Path]:
    if root.is_dir():
        # Hidden files are editors' drafts and backups, not part of the deployment.
        files = sorted(p for p in root.glob("*.toml") if p.is_file() and not p.name.startswith("."))
        if not files:
            raise ConfigError(f"{root}: no *.toml files in this folder; expected schedule files")
        return files
    if not root.exists():
        raise ConfigError(
            f"{root}: no such file or folder; expected a schedule .toml file or a folder of them "
            f"(--config PATH or ${ENV_VAR})"
        )
    return [root]


def _read(file: Path, problems: Problems) -> dict | None:
    try:
        with file.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        problems.other(file, f"TOML syntax error: {exc}")
    except UnicodeDecodeError as exc:
        problems.other(file, f"not UTF-8 text (byte {exc.start}); expected a TOML file")
    except OSError as exc:
        problems.other(file, f"cannot read: {exc.strerror}")
    return None


def _check_across_files(
    root: Path, n_files: int, parts: list[FileConfig], problems: Problems
) -> None:
    """One [site], at most one [store], [alerts] and [pscheduler], unique names, known
    endpoints named, a [pscheduler] lead for every ``engine = "pscheduler"``."""
    for kind in ("site", "store", "alerts", "pscheduler"):
        found = [p.file for p in parts if getattr(p, kind)]
        for file in found[1:]:
            problems.other(
                file,
                f"[{kind}]: duplicate; already defined in {found[0]} (a folder's files are "
                "merged into one deployment: pass --config FILE to use just one)",
            )
    # A file that could not be parsed may hold the [site] table: do not claim it is missing.
    if len(parts) == n_files and not any(p.has_site for p in parts):
        problems.missing(root, "[site]", 'a [site] table with name = "..." in one file')
    for kind in ("endpoints", "links", "probes", "segments"):
        _check_unique(parts, kind, problems)
    _check_segments_apart(parts, problems)
    if len(parts) == n_files and not any(p.has_lead for p in parts):
        for part in parts:
            for key in part.pscheduler_keys:
                problems.bad(
                    part.file,
                    key,
                    "pscheduler",
                    'expected a [pscheduler] table with the lead\'s url = "https://..."',
                )
    known = sorted({name for p in parts for _, name in p.names.get("endpoints", [])})
    expected = f"expected one of: {', '.join(known)}" if known else "expected [[endpoints]]"
    linked: dict[str, str] = {}
    for part in parts:
        for key, endpoint in part.refs:
            if endpoint not in known:
                problems.bad(part.file, key, endpoint, f"unknown endpoint; {expected}")
            if key.startswith("links["):
                if endpoint in linked:
                    there = f"expected one link per endpoint; {linked[endpoint]} goes there"
                    problems.bad(part.file, key, endpoint, there)
                linked.setdefault(endpoint, f"{part.file} {key.removesuffix('.endpoint')}")
    links = sorted({name for p in parts for _, name in p.names.get("links", [])})
    for part in parts:
        for key, link in part.link_refs:
            if link not in links:
                known = ", ".join(links) or "none"
                problems.bad(part.file, key, link, f"unknown link; expected one of: {known}")


def _assemble(files: list[Path], parts: list[FileConfig]) -> Config:
    """The Config of files already checked: every part valid, exactly one site."""
    site = next(p.site for p in parts if p.site)
    store = next((p.store for p in parts if p.store), StoreConfig())
    if store.kind == "sqlite" and store.path is None:
        store = replace(store, path=site.state_dir / "netprobe.sqlite")
    return Config(
        site=site,
        store=store,
        endpoints=tuple(e for p in parts for e in p.endpoints),
        links=tuple(link for p in parts for link in p.links),
        probes=tuple(probe for p in parts for probe in p.probes),
        files=tuple(files),
        alerts=next((p.alerts for p in parts if p.alerts), AlertSettings()),
        segments=tuple(s for p in parts for s in p.segments),
        pscheduler=next((p.pscheduler for p in parts if p.pscheduler), None),
    )


def _check_segments_apart(parts: list[FileConfig], problems: Problems) -> None:
    """Each hop in one named segment at most: which segment claims a hop must not depend on
    the order of the tables (a hop listed twice, or inside another segment's range)."""
    claimed: list[tuple[NamedSegment, str]] = []  # (segment, "file key (name)") so far
    for part in parts:
        keys = {name: key.removesuffix(".name") for key, name in part.names.get("segments", [])}
        for segment in part.segments:
            key = keys[segment.name]
            for hop in sorted(segment.hops):
                owner = next((w for s, w in claimed if s.contains(hop)), None)
                if owner:
                    problems.bad(part.file, f"{key}.hops", hop, f"{_ONE_SEGMENT}; {owner} has it")
            for net in segment.networks:
                alone = NamedSegment(segment.name, networks=(net,))
                owner = next((w for s, w in claimed if _overlap(s, alone)), None)
                if owner:
                    problems.bad(
                        part.file, f"{key}.prefixes", str(net), f"{_ONE_SEGMENT}; {owner} overlaps"
                    )
            claimed.append((segment, f"{part.file} {key} ({segment.name})"))


def _overlap(segment: NamedSegment, alone: NamedSegment) -> bool:
    """True when the one range of ``alone`` shares an address with ``segment``."""
    (net,) = alone.networks
    return any(n.version == net.version and n.overlaps(net) for n in segment.networks) or any(
        alone.contains(hop) for hop in segment.hops
    )


def _check_unique(parts: list[FileConfig], kind: str, problems: Problems) -> None:
    """Record every second use of a name among the items of ``kind`` of every file."""
    where: dict[str, str] = {}
    for part in parts:
        for key, name in part.names.get(kind, []):
            if name in where:
                problems.bad(part.file, key, name, f"duplicate; already defined at {where[name]}")
            else:
                where[name] = f"{part.file} {key.removesuffix('.name')}"


def _find(items: tuple, name: str, kind: str, files: tuple[Path, ...]):
    for item in items:
        if item.name == name:
            return item
    known = ", ".join(i.name for i in items) or "none"
    raise ConfigError(
        f"{', '.join(map(str, files))}: no {kind} named {name!r}; expected one of: {known}"
    )
