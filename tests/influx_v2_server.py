"""A loopback HTTP server playing InfluxDB 2.x's write API in front of a real influxd 1.x.

No InfluxDB 2.x or 3.x server can be installed here (Debian ships influxd 1.6.7, which has
no ``/api/v2/write``), so this server checks every write request the way the 2.x API
reference documents it, then stores the points in the real influxd behind it:

- ``POST /api/v2/write?org=ORG&bucket=BUCKET&precision=us`` with ``Authorization: Token
  TOKEN`` and a ``text/plain; charset=utf-8`` line-protocol body; it answers 204 once
  influxd took the points (``/write?db=BUCKET&precision=u``), 400 ``{"code": "invalid",
  "message": ...}`` with influxd's reason when influxd refused them, 401 ``{"code":
  "unauthorized", "message": "unauthorized access"}`` for another token, 404 ``{"code":
  "not found", "message": "bucket \\"B\\" not found"}`` for another org or bucket;
- ``/query`` (the v1 compatibility API, DBRP mapping = the bucket's name) is passed to
  influxd when the token is right.

``status`` makes every write answer that status (with a 2.x-shaped body) instead; every
write request is kept in ``writes``, and whatever in one does not match the API is kept
in ``problems``.
"""

import http.client
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from loopback_http import serve_handler

CODES = {400: "invalid", 401: "unauthorized", 404: "not found", 413: "request too large"}


@dataclass
class V2Server:
    """The org, bucket and token the server accepts, and what it saw."""

    influxd_url: str
    org: str
    bucket: str
    token: str
    status: int | None = None
    writes: list[dict] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    url: str = ""

    def influxd(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        parts = urlsplit(self.influxd_url)
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        try:
            conn.request(method, path, body=body)
            response = conn.getresponse()
            return response.status, response.read()
        finally:
            conn.close()


def _handler(server: V2Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def answer(self, status: int, body: bytes = b"") -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def error(self, status: int, message: str) -> None:
            code = CODES.get(status, "internal error" if status >= 500 else "invalid")
            self.answer(status, json.dumps({"code": code, "message": message}).encode())

        def authorised(self) -> bool:
            if self.headers.get("Authorization") == f"Token {server.token}":
                return True
            self.error(401, "unauthorized access")
            return False

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            parts = urlsplit(self.path)
            if parts.path == "/query":
                self.query(parts.query, body)
            elif parts.path == "/api/v2/write":
                self.write(parse_qs(parts.query, keep_blank_values=True), body)
            else:
                self.error(404, f"path {parts.path} not found")

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/query":
                self.query(parts.query, b"")
            else:
                self.error(404, f"path {parts.path} not found")

        def query(self, query: str, body: bytes) -> None:
            if self.authorised():
                self.answer(*server.influxd("POST", f"/query?{query}", body))

        def write(self, params: dict[str, list[str]], body: bytes) -> None:
            server.writes.append(
                {"params": params, "headers": dict(self.headers.items()), "body": body}
            )
            expected = {"org": [server.org], "bucket": [server.bucket], "precision": ["us"]}
            if set(params) != set(expected) or params["precision"] != ["us"]:
                server.problems.append(f"write parameters {params}, expected {expected}")
            if self.headers.get("Content-Type") != "text/plain; charset=utf-8":
                server.problems.append(f"Content-Type {self.headers.get('Content-Type')}")
            if not self.authorised():
                return
            if server.status is not None:
                self.error(server.status, f"answering {server.status} on purpose")
            elif params.get("org") != [server.org] or params.get("bucket") != [server.bucket]:
                bucket = params.get("bucket", [""])[0]
                self.error(404, f'bucket "{bucket}" not found')
            else:
                self.store(body)

        def store(self, body: bytes) -> None:
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                server.problems.append("a body that is not UTF-8")
            target = "/write?" + urlencode({"db": server.bucket, "precision": "u"})
            status, text = server.influxd("POST", target, body)
            if status == 204:
                self.answer(204)
            else:
                reason = json.loads(text).get("error", "") if text else ""
                self.error(400 if status == 400 else 500, reason)

    return Handler


@contextmanager
def v2_server(influxd_url: str, *, org: str, bucket: str, token: str) -> Iterator[V2Server]:
    """The server on a free loopback port, in its own thread, stopped on leaving."""
    state = V2Server(influxd_url, org, bucket, token)
    with serve_handler(lambda _base: _handler(state)) as base:
        state.url = base
        yield state
