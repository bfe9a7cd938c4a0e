"""A throwaway InfluxDB 1.x server on loopback, for tests and benchmarks of the InfluxDB store.

``Influxd(folder).start()`` writes a config naming free loopback ports (HTTP and the RPC
``bind-address``, which defaults to a fixed 8088) and folders under ``folder``, runs
Debian's ``influxd`` and waits until ``/ping`` answers. ``kill()`` stops it the hard way
(an outage), ``start()`` again brings it back on the same port and data, ``stop()`` ends it.
"""

import contextlib
import http.client
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from types import TracebackType
from typing import Self
from urllib.parse import urlencode

from netprobe.errors import LabError

READY_SECONDS = 30.0  # influxd 1.x opens its stores in well under a second; give-up point

_CONFIG = """\
reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"

[meta]
  dir = "{root}/meta"
  logging-enabled = false

[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  query-log-enabled = false
  wal-fsync-delay = "0s"

[monitor]
  store-enabled = false

[http]
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = {auth}
  log-enabled = false
  pprof-enabled = false
  max-body-size = 0

[logging]
  level = "error"
  suppress-logo = true

[continuous_queries]
  enabled = false
"""


def influxd_missing() -> str | None:
    """Why no influxd can be started here (the program is not installed), or None."""
    if shutil.which("influxd") is None:
        return "influxd is not installed (Debian package influxdb: scripts/install.sh installs it)"
    return None


def free_port() -> int:
    """A TCP port on 127.0.0.1 nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Influxd:
    """One influxd process with its config, data and log under ``folder``.

    Args:
        folder: an existing folder the server owns (config, meta, data, wal, log).
        auth: turn HTTP authentication on (create the admin user with `create_admin`).
    """

    def __init__(self, folder: Path, *, auth: bool = False) -> None:
        self.folder = Path(folder)
        self.auth = auth
        self.http_port = free_port()
        self.rpc_port = free_port()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """The base URL of its HTTP API, e.g. ``http://127.0.0.1:41234``."""
        return f"http://127.0.0.1:{self.http_port}"

    def start(self) -> Self:
        """Start influxd (again, on the same ports and data) and wait until /ping answers.

        Raises:
            LabError: influxd is missing, exited, or did not answer within READY_SECONDS.
        """
        reason = influxd_missing()
        if reason:
            raise LabError(reason)
        config = self.folder / "influxdb.conf"
        config.write_text(
            _CONFIG.format(
                root=self.folder,
                rpc_port=self.rpc_port,
                http_port=self.http_port,
                auth=str(self.auth).lower(),
            )
        )
        log = self.folder / "influxd.log"
        with log.open("ab") as out:
            self._process = subprocess.Popen(
                ["influxd", "run", "-config", str(config)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        end = time.monotonic() + READY_SECONDS
        while time.monotonic() < end:
            if self._process.poll() is not None:
                break
            if self._pings():
                return self
            time.sleep(0.05)
        self.stop()
        tail = log.read_text(errors="replace").strip()[-400:]
        raise LabError(f"influxd on {self.url} did not start: {tail or 'no output'}")

    def _pings(self) -> bool:
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=1.0)
        try:
            conn.request("GET", "/ping")
            return conn.getresponse().status == 204
        except OSError:
            return False
        finally:
            conn.close()

    def kill(self) -> None:
        """Stop influxd with SIGKILL, as a crash or a power cut would."""
        self._signal(signal.SIGKILL)

    def stop(self) -> None:
        """Stop influxd (SIGTERM, then SIGKILL after 10 s); a no-op when it is not running."""
        self._signal(signal.SIGTERM)

    def _signal(self, sig: signal.Signals) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(sig)
        try:
            process.wait(timeout=10.0)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def query(self, statement: str, *, username: str = "", password: str = "") -> None:
        """Run one InfluxQL administration statement (CREATE DATABASE, CREATE USER, ...).

        Raises:
            LabError: the server refused it.
        """
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port, timeout=10.0)

        params = {"q": statement}
        if username:
            params.update(u=username, p=password)
        try:
            conn.request(
                "POST",
                "/query",
                body=urlencode(params),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            response = conn.getresponse()
            body = response.read().decode(errors="replace")
        finally:
            conn.close()
        if response.status != 200 or '"error"' in body:
            raise LabError(f"influxd refused {statement!r}: {response.status} {body.strip()}")

    def __enter__(self) -> Self:
        """Start it for a ``with`` block that stops it."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop it."""
        self.stop()
