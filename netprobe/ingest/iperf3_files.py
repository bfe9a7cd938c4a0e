"""Saved ``iperf3 -J`` outputs (files, or folders searched for ``*.json``) → ``Read``s.

Each file is parsed by the probe's own parser with a spec built from the import options:
probe ``import:iperf3``, the endpoint given or else the host the document connected to
(``start.connected[0].remote_host``, else ``start.connecting_to.host``). Failed runs are
imported as failures. A document without its own start time (``start.timestamp``: the
error documents of a client that never connected) is rejected: the file's modification
time is no substitute, since copying a folder of logs gives all its files one time.
"""

import math
from collections.abc import Iterable, Iterator
from pathlib import Path

from netprobe.ingest.importer import Read
from netprobe.model import Direction, Endpoint, ProbeSpec, ThroughputOptions
from netprobe.probes.iperf3_extract import extract
from netprobe.probes.iperf3_json import parse

PROBE = "import:iperf3"
"""The probe name imported iperf3 files are stored under."""


def files(paths: Iterable[Path]) -> Iterator[Path]:
    """Each path that is a file, and every ``*.json`` under each folder, in name order."""
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*.json") if p.is_file())
        else:
            yield path


def read_files(
    paths: Iterable[Path],
    *,
    site: str,
    endpoint: str | None = None,
    direction: Direction | None = None,
) -> Iterator[Read]:
    """One ``Read`` per file: its Results (one per direction measured), or why not.

    Args:
        paths: files and folders (searched recursively for ``*.json``).
        site: the site name to store (the host that ran the client).
        endpoint: the endpoint name to store; default: the host the document names.
        direction: for documents that do not record ``test_start.reverse``.
    """
    for path in files(paths):
        where = str(path)
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            yield Read(where, rejected=f"cannot read the file ({exc.strerror})")
            continue
        doc, _ = extract(text)
        if doc is None:
            yield Read(where, rejected="not an iperf3 -J document (no JSON object of iperf3's)")
            continue
        host = endpoint or _remote_host(doc)
        if host is None:
            yield Read(
                where,
                rejected="the document names no remote host (no start.connected or "
                "start.connecting_to): give --endpoint",
            )
            continue
        spec = ProbeSpec(
            name=PROBE,
            test="throughput",
            endpoint=Endpoint(name=host, host=host),
            options=ThroughputOptions(reverse=direction is Direction.REVERSE),
            site=site,
        )
        if not _has_time(doc):
            yield Read(
                where,
                rejected="the document has no start time (start.timestamp): the run cannot "
                "be placed in time",
            )
            continue
        results = parse(text, spec)
        for result in results:
            result.context["source"] = "iperf3-file"
            result.context["file"] = where
        yield Read(where, tuple(results))


def _remote_host(doc: dict) -> str | None:
    """The host the run connected (or tried to connect) to, as the document names it."""
    if not isinstance(doc.get("start"), dict):
        return None
    start = doc["start"]
    connected = start.get("connected")
    if isinstance(connected, list) and connected and isinstance(connected[0], dict):
        host = connected[0].get("remote_host")
        if isinstance(host, str) and host:
            return host
    target = start.get("connecting_to")
    if isinstance(target, dict) and isinstance(target.get("host"), str) and target["host"]:
        return target["host"]
    return None


def _has_time(doc: dict) -> bool:
    """True when the document carries its own start time (``start.timestamp.timesecs``)."""
    start = doc.get("start")
    stamp = start.get("timestamp") if isinstance(start, dict) else None
    seconds = stamp.get("timesecs") if isinstance(stamp, dict) else None
    return isinstance(seconds, int | float) and math.isfinite(seconds)
