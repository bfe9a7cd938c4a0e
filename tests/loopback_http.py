"""What the loopback test servers share: a JSON request handler and serving it on 127.0.0.1
(free port, own thread, HTTPS with a certificate), always shut down."""

import json
import ssl
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class JsonHandler(BaseHTTPRequestHandler):
    """Reads a JSON body, hands the request to ``_answer(method, body)``, sends JSON back."""

    def log_message(self, *args) -> None:  # keep pytest output clean
        pass

    def do_GET(self) -> None:
        self._answer("GET", None)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._answer("POST", json.loads(self.rfile.read(length) or b"null"))

    def _answer(self, method: str, body) -> None:
        raise NotImplementedError

    def _send_bytes(self, status: int, data: bytes) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test)


@contextmanager
def serve_handler(
    handler_for: Callable[[str], type[BaseHTTPRequestHandler]],
    *,
    cert: Path | None = None,
    key: Path | None = None,
) -> Iterator[str]:
    """Serve ``handler_for(base_url)`` on 127.0.0.1 (HTTPS with ``cert``/``key``); yields
    the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    server.daemon_threads = True
    scheme = "http"
    if cert is not None:
        tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        tls.load_cert_chain(cert, key)
        server.socket = tls.wrap_socket(server.socket, server_side=True)
        scheme = "https"
    base = f"{scheme}://127.0.0.1:{server.server_address[1]}"
    server.RequestHandlerClass = handler_for(base)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
