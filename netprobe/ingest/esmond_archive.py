"""Reading a perfSONAR 4.x measurement archive (esmond REST API) page by page → ``Read``s.

1. Metadata search: ``GET <root>?source=…&destination=…&time-start=…&time-end=…`` with
   ``limit``/``offset`` paging, until a page comes back short.
2. For each measurement and each event type ``esmond.parse_base`` translates:
   ``GET <base-uri>?time-start=…&time-end=…`` in time windows (esmond answers a whole
   window at once). Windows share their edge second (esmond's ``time-end`` is inclusive,
   so nothing falls between two of them); a point read twice is kept once.
3. The points of one measurement are merged (throughput with its retransmits) and yielded.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from urllib.parse import urljoin, urlsplit

from netprobe.errors import DocumentError, FetchError
from netprobe.ingest.esmond import (
    EVENT_TYPES,
    Measurement,
    merge_by_time,
    parse_base,
    parse_metadata,
)
from netprobe.ingest.http import JsonClient
from netprobe.ingest.importer import Read, translated
from netprobe.model import Result

ARCHIVE_PATH = "/esmond/perfsonar/archive/"
WINDOW = timedelta(days=30)
"""Time span of one base-data request (10-minute results: 4,320 points)."""
PAGE = 1000
"""Metadata objects per search request (esmond's own default limit)."""


def archive_root(url: str) -> str:
    """The archive's search URL: ``url`` itself if it names the archive path, else with it."""
    if ARCHIVE_PATH.rstrip("/") in urlsplit(url).path:
        return url if url.endswith("/") else url + "/"
    return url.rstrip("/") + ARCHIVE_PATH


def read_archive(
    client: JsonClient,
    url: str,
    *,
    since: datetime,
    until: datetime,
    source: str | None = None,
    dest: str | None = None,
    window: timedelta = WINDOW,
    page: int = PAGE,
    skipped: Counter | None = None,
) -> Iterator[Read]:
    """Every measurement's results in [since, until], one ``Read`` per measurement.

    Args:
        client: the HTTP client (timeout, TLS, credentials).
        url: the archive (``https://host`` or ``…/esmond/perfsonar/archive/``).
        since, until: the time range, aware UTC.
        source, dest: only measurements between these hosts (names or addresses).
        window: time span of one base-data request.
        page: metadata objects per search request.
        skipped: counts event types not imported (``event type <name>`` → measurements).

    Raises:
        FetchError: an archive request failed (HTTP, TLS, timeout, not JSON).
    """
    root = archive_root(url)
    skipped = skipped if skipped is not None else Counter()
    for meta in _measurements(client, root, since, until, source, dest, page):
        for event_type in meta.event_types:
            if event_type not in EVENT_TYPES:
                skipped[f"esmond event type {event_type}"] += 1
        yield from _measurement(client, root, meta, since, until, window)


def _measurements(
    client: JsonClient,
    root: str,
    since: datetime,
    until: datetime,
    source: str | None,
    dest: str | None,
    page: int,
) -> Iterator[Measurement]:
    """The metadata search, page by page; each measurement once."""
    seen: set[str] = set()
    offset = 0
    while True:
        found = client.get(
            root,
            {
                "source": source,
                "destination": dest,
                "time-start": int(since.timestamp()),
                "time-end": int(until.timestamp()),
                "limit": page,
                "offset": offset,
            },
        )
        try:
            measurements = parse_metadata(found)
        except DocumentError as exc:
            raise FetchError(f"GET {root} (offset {offset}): {exc}") from None
        for meta in measurements:
            if meta.key not in seen:
                seen.add(meta.key)
                yield meta
        if not isinstance(found, list) or len(found) < page:
            return
        offset += len(found)


def _measurement(
    client: JsonClient,
    root: str,
    meta: Measurement,
    since: datetime,
    until: datetime,
    window: timedelta,
) -> Iterator[Read]:
    """One measurement's points of every translated event type, merged into Results."""
    results: list[Result] = []
    points = 0
    for event_type, base_uri in meta.event_types.items():
        if event_type not in EVENT_TYPES:
            continue
        uri = urljoin(root, base_uri)
        seen: set = set()
        start = since
        while True:
            end = min(start + window, until)
            got = client.get(
                uri, {"time-start": int(start.timestamp()), "time-end": int(end.timestamp())}
            )
            for i, point in enumerate(got if isinstance(got, list) else [got]):
                ts = point.get("ts") if isinstance(point, dict) else None
                if ts is not None and str(ts) in seen:
                    continue  # the shared edge of two windows
                seen.add(str(ts))
                where = f"{uri} ts={ts}" if ts is not None else f"{uri} point {i}"
                read = translated(
                    where, lambda point=point, event=event_type: parse_base(event, [point], meta)
                )
                if read.rejected is not None:
                    yield read
                else:
                    points += 1
                    results.extend(read.results)
            if end >= until:
                break
            start = end  # esmond's time-end is inclusive: the edge second is read twice
    if points:
        yield Read(f"esmond metadata {meta.key}", tuple(merge_by_time(results)), documents=points)
