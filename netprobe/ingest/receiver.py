"""An HTTP(S) endpoint for pScheduler's ``http`` archiver: POSTed (or PUT) results → the store.

With a TLS context every connection is TLS, its handshake done in the connection's own
thread (a slow or broken client never holds up the others). A request needs
``Authorization: Bearer TOKEN``; its body (at most MAX_BODY bytes) is
validated by archiver_body.parse_body. A bad body gets a 400 with the reason and is kept
aside, appended to a JSON-lines file. A result is acknowledged (201) only after the store's
write returned, and the store ignores a result it already holds, so a sender that retries
after a lost acknowledgement stores it once.
"""

import hmac
import json
import os
import socket
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from netprobe.errors import DocumentError, StoreError
from netprobe.ingest.archiver_body import parse_body
from netprobe.model import Result
from netprobe.store import Store

MAX_BODY = 1 << 20
"""Largest body accepted, bytes (1 MiB); a pScheduler result is a few kB."""
DRAIN_LIMIT = 16 << 20
"""Oversized bodies up to this size (bytes) are read and dropped before the 413."""
HANDSHAKE_TIMEOUT = 30.0
"""Seconds a client has to complete the TLS handshake."""
DIE_AFTER_WRITE_ENV = "NETPROBE_RECEIVER_TEST_DIE_AFTER_WRITE"
"""Test hook: when set, the process dies (os._exit) after storing, before acknowledging."""


class Receiver(ThreadingHTTPServer):
    """The server: its token, where results go and where bad bodies are kept."""

    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        *,
        token: str,
        open_store: Callable[[], Store],
        rejected: Path,
        max_body: int = MAX_BODY,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """Bind ``address`` (host, port; port 0 picks a free one).

        Args:
            token: the bearer token a sender must present (non-empty).
            open_store: opens the store; called once per connection, in its thread
                (SQLite connections belong to one thread), and again after a store error.
            rejected: JSON-lines file where refused bodies are appended.
            max_body: largest body accepted, bytes.
            tls: a server context with its certificate loaded: HTTPS only; None: HTTP.
        """
        if not token:
            raise ValueError("receiver: an empty token would let anyone in")
        self.token = token.encode()
        self.open_store = open_store
        self.rejected = rejected
        self.max_body = max_body
        self.tls = tls
        self._reject_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: socket.socket, client_address: tuple) -> None:
        """Serve one connection, in its own thread; with TLS, after the handshake. A client
        that fails the handshake (plain HTTP, an untrusted or closed connection) is dropped
        without a word: there is nobody to tell."""
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        try:
            request.settimeout(HANDSHAKE_TIMEOUT)
            secured = self.tls.wrap_socket(request, server_side=True)  # takes over the socket
            secured.settimeout(None)
        except (ssl.SSLError, OSError):
            return
        try:
            super().finish_request(secured, client_address)
        finally:
            self.shutdown_request(secured)

    def keep_aside(self, body: bytes, reason: str) -> None:
        """Append a refused body with its reason to the rejected file, durably."""
        line = json.dumps(
            {
                "received": datetime.now(UTC).isoformat(),
                "reason": reason,
                "body": body.decode("utf-8", errors="replace"),
            }
        )
        self.rejected.parent.mkdir(parents=True, exist_ok=True)
        with self._reject_lock, open(self.rejected, "a", encoding="utf-8") as out:
            out.write(line + "\n")
            out.flush()
            os.fsync(out.fileno())


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"
    # The answer goes out as two writes (head, then body). With Nagle's algorithm the body
    # waits for the sender to acknowledge the head, which a keep-alive sender delays by up
    # to 40 ms: 20 results/s on one connection instead of hundreds.
    disable_nagle_algorithm = True
    _store: Store | None = None  # this connection's store, opened at its first result

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            if self._store is not None:
                self._store.close()

    def do_POST(self) -> None:  # noqa: N802 (the http.server name)
        if not self._authorized():
            self.close_connection = True  # its body is left unread
            self._answer(HTTPStatus.UNAUTHORIZED, {"error": "missing or wrong bearer token"})
            return
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            self.close_connection = True
            self._answer(HTTPStatus.LENGTH_REQUIRED, {"error": "Content-Length required"})
            return
        if length > self.server.max_body:
            self.close_connection = True
            self._discard(length)
            limit = self.server.max_body
            self._answer(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"body over {limit} B"})
            return
        body = self.rfile.read(length)
        try:
            result = parse_body(json.loads(body))
        except (ValueError, UnicodeDecodeError) as exc:  # DocumentError is a ValueError
            reason = str(exc) if isinstance(exc, DocumentError) else f"not JSON: {exc}"
            self.server.keep_aside(body, reason)
            self._answer(HTTPStatus.BAD_REQUEST, {"error": reason})
            return
        try:
            self._write(result)
        except StoreError as exc:  # not acknowledged: the sender retries later
            self._answer(HTTPStatus.SERVICE_UNAVAILABLE, {"error": str(exc)})
            return
        if os.environ.get(DIE_AFTER_WRITE_ENV):
            os._exit(137)
        self._answer(HTTPStatus.CREATED, {"stored": result.context.get("archive_id")})

    do_PUT = do_POST  # the archiver's "op": "put", as perfSONAR 5 sends to its Logstash

    def _write(self, result: Result) -> None:
        """Store ``result`` through this connection's store; a store that failed is closed
        and opened afresh by the next result.

        Raises:
            StoreError: the store cannot be opened or did not take the result.
        """
        if self._store is None:
            self._store = self.server.open_store()
        try:
            self._store.write([result])
        except StoreError:
            store, self._store = self._store, None
            store.close()
            raise

    def _discard(self, length: int) -> None:
        """Read and drop a refused body, so the sender sees the answer rather than a reset;
        past DRAIN_LIMIT the connection is just closed."""
        if length > DRAIN_LIMIT:
            return
        while length > 0:
            chunk = self.rfile.read(min(length, 1 << 16))
            if not chunk:
                return
            length -= len(chunk)

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return False
        return hmac.compare_digest(token.strip().encode(), self.server.token)

    def _answer(self, status: HTTPStatus, document: dict) -> None:
        payload = json.dumps(document).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: the command reports what matters, not every request line."""
