"""A real Alertmanager on a free loopback port, for the alert tests; always killed.

scripts/install.sh installs Debian's prometheus-alertmanager, so a missing binary fails
the test loudly instead of skipping it.
"""

import json
import shutil
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

BINARIES = ("prometheus-alertmanager", "alertmanager")
CONFIG = """\
route:
  receiver: nobody
receivers:
  - name: nobody
"""


def free_port() -> int:
    """A TCP port nobody listens on at 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Alertmanager:
    """A running Alertmanager: its URL and its API's view of the alerts."""

    def __init__(self, url: str) -> None:
        self.url = url

    def alerts(self) -> list[dict]:
        """``GET /api/v2/alerts``: the alerts Alertmanager holds as not resolved."""
        with urllib.request.urlopen(f"{self.url}/api/v2/alerts", timeout=5) as answer:
            return json.load(answer)


@pytest.fixture
def alertmanager(tmp_path: Path):
    """Start Alertmanager on 127.0.0.1:PORT with an empty route; stop it afterwards."""
    binary = next((b for b in map(shutil.which, BINARIES) if b), None)
    if binary is None:
        pytest.fail("prometheus-alertmanager is not installed: run scripts/install.sh test as root")
    (tmp_path / "am.yml").write_text(CONFIG)
    port = free_port()
    log = (tmp_path / "am.log").open("w")
    process = subprocess.Popen(
        [
            binary,
            f"--config.file={tmp_path / 'am.yml'}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"alertmanager exited {process.returncode}: {_tail(tmp_path)}")
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"alertmanager not ready on {url} within 30 s: {_tail(tmp_path)}")
            time.sleep(0.1)
        yield Alertmanager(url)
    finally:
        process.kill()
        process.wait()
        log.close()


def _tail(tmp_path: Path) -> str:
    return (tmp_path / "am.log").read_text()[-1000:]
