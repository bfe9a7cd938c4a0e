"""A real HTTP(S) server on 127.0.0.1 (free port, own thread) playing a perfSONAR archive.

It answers the documented endpoints with the documents it is given, paged as the real
archives page:

- esmond: ``GET /esmond/perfsonar/archive/?source=&destination=&limit=&offset=`` (metadata
  search; ``source``/``destination`` match the address or the input name), and
  ``GET <base-uri>?time-start=&time-end=`` (points with ``ts`` in the inclusive range);
- OpenSearch: ``POST /<index>/_search`` with ``size``, ``sort`` on
  ``pscheduler.start_time``, a ``range`` query (``gte``/``lt``), ``_source.excludes`` and
  ``search_after`` (strictly after, as OpenSearch does); ``overlap`` makes each page also
  repeat that many hits from before the page, as a misbehaving proxy or archive could.

``status`` answers every request with that HTTP status; ``delay`` waits that many seconds
before answering; ``documents`` are served at their paths (a pSConfig template; bytes
are sent as they are). Every request is recorded in ``requests``.
"""

import json
import time
from bisect import bisect_left, bisect_right
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from loopback_http import JsonHandler, serve_handler

ESMOND_ROOT = "/esmond/perfsonar/archive/"


def epoch_ms(iso: str) -> int:
    """Milliseconds since the epoch of an ISO 8601 time (OpenSearch's date sort value)."""
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


@dataclass
class Archive:
    """What the server holds and how it misbehaves."""

    metadata: list[dict] = field(default_factory=list)
    base: dict[str, list[dict]] = field(default_factory=dict)  # base-uri path → points
    hits: dict[str, list[dict]] = field(default_factory=dict)  # index → hits
    documents: dict[str, object] = field(default_factory=dict)  # path → any JSON to GET
    status: int | None = None
    delay: float = 0.0
    overlap: int = 0
    requests: list[tuple[str, str, dict]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._sorted: dict[tuple, tuple[list[int], list[str]]] = {}

    def index(self, name: str, excludes: tuple[str, ...] = ()) -> tuple[list[int], list[str]]:
        """The hits of an index sorted by start time: their sort values, and each hit as
        JSON text with its ``sort`` (encoded once: a page is then a join, as fast as the
        archive's own answers are to the importer, so the benchmark times the importer)."""
        if (name, excludes) not in self._sorted:
            keyed = sorted(
                (
                    (epoch_ms(h["_source"]["pscheduler"]["start_time"]), h)
                    for h in self.hits.get(name, [])
                ),
                key=lambda pair: pair[0],
            )
            keys = [k for k, _ in keyed]
            texts = [json.dumps({**_without(h, excludes), "sort": [k]}) for k, h in keyed]
            self._sorted[name, excludes] = (keys, texts)
        return self._sorted[name, excludes]


@dataclass(frozen=True)
class _Raw:
    """An answer already encoded as JSON text."""

    text: str


class _Handler(JsonHandler):
    archive: Archive

    def _answer(self, method: str, body) -> None:
        archive = self.archive
        url = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        archive.requests.append((method, url.path, body if method == "POST" else query))
        archive.requests[-1][2]["authorization"] = self.headers.get("Authorization")
        if archive.delay:
            time.sleep(archive.delay)
        if archive.status:
            self._send(archive.status, {"error": "the archive is broken (test)"})
        elif method == "GET" and url.path in archive.documents:
            self._send(200, archive.documents[url.path])
        elif method == "GET" and url.path == ESMOND_ROOT:
            self._send(200, self._metadata(query))
        elif method == "GET" and url.path in archive.base:
            low, high = int(query.get("time-start", 0)), int(query.get("time-end", 2**40))
            points = [p for p in archive.base[url.path] if low <= int(p["ts"]) <= high]
            self._send(200, points)
        elif method == "POST" and url.path.endswith("/_search"):
            self._send(200, self._search(url.path.strip("/").split("/")[0], body))
        else:
            self._send(404, {"error": f"no such path {url.path}"})

    def _metadata(self, query: dict) -> list[dict]:
        found = [
            m
            for m in self.archive.metadata
            if all(
                query.get(key) in (None, m.get(key), m.get(f"input-{key}"))
                for key in ("source", "destination")
            )
        ]
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 1000))
        return found[offset : offset + limit]

    def _search(self, index: str, body: dict) -> _Raw:
        excludes = tuple(body.get("_source", {}).get("excludes", ()))
        keys, hits = self.archive.index(index, excludes)
        window = body["query"]["range"]["pscheduler.start_time"]
        low = bisect_left(keys, epoch_ms(window["gte"]))
        high = bisect_left(keys, epoch_ms(window["lt"]))
        first = low
        if "search_after" in body:
            first = max(low, bisect_right(keys, body["search_after"][0]))
        first = max(low, first - self.archive.overlap) if "search_after" in body else first
        page = ",".join(hits[first : min(first + body["size"], high)])
        total = json.dumps({"value": high - low, "relation": "eq"})
        return _Raw(
            f'{{"took": 1, "timed_out": false, "hits": {{"total": {total}, "hits": [{page}]}}}}'
        )

    def _send(self, status: int, document) -> None:
        if isinstance(document, bytes):  # served as it is, JSON or not
            data = document
        else:
            text = document.text if isinstance(document, _Raw) else json.dumps(document)
            data = text.encode()
        self._send_bytes(status, data)


def _without(hit: dict, excludes: tuple[str, ...]) -> dict:
    """The hit with the ``_source`` fields at the dotted paths ``excludes`` left out; a path
    goes through lists of objects, as OpenSearch's source filtering does."""
    if not excludes:
        return hit
    source = json.loads(json.dumps(hit["_source"]))
    for path in excludes:
        _drop(source, path.split("."))
    return {**hit, "_source": source}


def _drop(holder, steps: list[str]) -> None:
    """Remove the field at ``steps`` below ``holder``, in every object of a list on the way."""
    if isinstance(holder, list):
        for item in holder:
            _drop(item, steps)
    elif isinstance(holder, dict):
        if len(steps) == 1:
            holder.pop(steps[0], None)
        elif steps[0] in holder:
            _drop(holder[steps[0]], steps[1:])


def serve(
    archive: Archive, *, cert: Path | None = None, key: Path | None = None
) -> AbstractContextManager[str]:
    """Serve ``archive`` on 127.0.0.1 (HTTPS with ``cert``/``key``); yields the base URL."""
    return serve_handler(
        lambda base: type("Handler", (_Handler,), {"archive": archive}), cert=cert, key=key
    )


HIT_TEMPLATE = (
    Path(__file__).parent
    / "fixtures"
    / "perfsonar"
    / "opensearch"
    / "pscheduler_throughput-hit.json"
)


def throughput_hits(
    count: int,
    *,
    start: datetime,
    every: float,
    failed_every: int = 0,
    dest: str | None = None,
) -> list:
    """``count`` hits made from the template, one every ``every`` seconds from ``start``.

    Each has its own ``_id``, run id, times and a throughput varying around the template's;
    every ``failed_every``-th one (if not 0) is a failure (``succeeded: false``). ``dest``
    replaces the destination host (another link, measured at the same times).
    """
    template = json.loads(HIT_TEMPLATE.read_text())
    base = template["_source"]
    hits = []
    for i in range(count):
        began = start.timestamp() + i * every
        source = {
            **base,
            "pscheduler": {
                **base["pscheduler"],
                "start_time": _iso(began),
                "end_time": _iso(began + 12),
                "run_id": f"run-{i:08d}",
            },
            "result": {**base["result"], "throughput": base["result"]["throughput"] + i % 97},
        }
        if dest is not None:
            source["meta"] = {**base["meta"], "destination": {"ip": "198.18.0.9", "hostname": dest}}
        if failed_every and i % failed_every == failed_every - 1:
            source["result"] = {"succeeded": False, "error": "iperf2 could not connect (test)"}
        hits.append(
            {"_index": template["_index"], "_id": f"{dest or 'hit'}-{i:08d}", "_source": source}
        )
    return hits


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).isoformat().replace("+00:00", "Z")
