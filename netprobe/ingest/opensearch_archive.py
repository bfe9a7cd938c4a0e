"""Reading a perfSONAR 5 archive (OpenSearch ``pscheduler_*``) with ``search_after`` → ``Read``s.

``POST <url>/<index>/_search`` sorted on ``pscheduler.start_time``, ``size`` hits a page,
each next page asked ``search_after`` the last hit's sort value. Documents with the same
start time may straddle two pages and ``search_after`` is strictly after, so each next page
starts one millisecond *before* the last value: the hits at that time come again and are
dropped here by ``_id``. Only a page made entirely of one start time moves strictly past it
(more than ``page`` runs started in one millisecond: not a real archive of links).
"""

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from netprobe.errors import FetchError
from netprobe.ingest.http import JsonClient
from netprobe.ingest.importer import Read, translated
from netprobe.ingest.opensearch import parse_hit

INDEX = "pscheduler_throughput"
PAGE = 1000
"""Hits per search request."""
TIME_FIELD = "pscheduler.start_time"
DETAIL = ("result.intervals", "result.streams")
"""Per-interval and per-stream results: ten times the data of the summaries, left out of
the answers unless asked for (the analysis reads each run's summary)."""
STREAMS = ("result.intervals.json.streams", "result.streams")
"""Per-stream results, left out even when the intervals are asked for: only each
interval's summary is kept, and the streams are as big again (more with parallel streams).
OpenSearch's source filtering follows a path through the list of intervals."""


def search_body(
    since: datetime, until: datetime, size: int, after: list | None, *, intervals: bool = False
) -> dict:
    """The ``_search`` request of one page: the time range, sorted by start, ``size`` hits,
    without the per-stream results, and without the per-interval ones unless ``intervals``."""
    body: dict[str, Any] = {
        "size": size,
        "sort": [{TIME_FIELD: {"order": "asc"}}],
        "query": {
            "range": {
                TIME_FIELD: {
                    "gte": since.isoformat().replace("+00:00", "Z"),
                    "lt": until.isoformat().replace("+00:00", "Z"),
                }
            }
        },
        "track_total_hits": True,
    }
    body["_source"] = {"excludes": list(STREAMS if intervals else DETAIL)}
    if after is not None:
        body["search_after"] = after
    return body


def read_index(
    client: JsonClient,
    url: str,
    *,
    since: datetime,
    until: datetime,
    index: str = INDEX,
    page: int = PAGE,
    intervals: bool = False,
) -> Iterator[Read]:
    """Every hit of ``index`` started in [since, until), one ``Read`` per hit; with
    ``intervals``, each throughput Result keeps its per-interval rates.

    Raises:
        FetchError: a search failed (HTTP, TLS, timeout, not JSON, not a search answer).
    """
    endpoint = f"{url.rstrip('/')}/{index}/_search"
    after: list | None = None
    at_edge: set[str] = set()  # _ids of the hits at the last sort value
    while True:
        answer = client.post(endpoint, search_body(since, until, page, after, intervals=intervals))
        hits = _hits(answer, endpoint)
        fresh = 0
        for hit in hits:
            ident = str(hit.get("_id")) if isinstance(hit, dict) else None
            if ident in at_edge:
                continue  # read on the previous page
            fresh += 1
            where = f"{hit.get('_index', index)}/{ident}" if ident else f"{index} hit"
            yield translated(where, lambda hit=hit: [parse_hit(hit)])
        if len(hits) < page:
            return
        last = _sort_value(hits[-1], endpoint)
        edge = [h for h in hits if _sort_value(h, endpoint) == last]
        if len(edge) == len(hits) or not fresh:
            # One start time fills the page: go strictly past it (rather than loop).
            after, at_edge = [last], set()
        else:
            after, at_edge = [last - 1], {str(h.get("_id")) for h in edge}


def _hits(answer: Any, endpoint: str) -> list:
    """``hits.hits`` of a search answer."""
    hits = answer.get("hits", {}).get("hits") if isinstance(answer, dict) else None
    if not isinstance(hits, list):
        raise FetchError(f"POST {endpoint}: not a search answer (no hits.hits list)")
    return hits


def _sort_value(hit: Any, endpoint: str) -> int:
    """The hit's sort value on the start time: epoch milliseconds."""
    value = hit.get("sort") if isinstance(hit, dict) else None
    if not (isinstance(value, list) and value and isinstance(value[0], int | float)):
        raise FetchError(f"POST {endpoint}: a hit without a numeric sort value ({value!r})")
    return int(value[0])
