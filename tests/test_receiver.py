"""`netprobe receive`: a real server on loopback, a real HTTP client, a real SQLite store.

The bodies are built as pScheduler's archiver daemon builds them (see
tests/test_ingest_archiver_body.py), around a real result from tests/fixtures/perfsonar/.
"""

import contextlib
import http.client
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_ingest_archiver_body import RUN_ID, THROUGHPUT, body_of, load

from netprobe.cli.configured_store import configured_store
from netprobe.cli.receive import REJECTED_FILE, TOKEN_ENV, server_tls
from netprobe.config import load_config
from netprobe.errors import ConfigError, StoreUnavailable
from netprobe.ingest.receiver import DIE_AFTER_WRITE_ENV, Receiver

TOKEN = "s3cret-token"


def valid_body() -> bytes:
    return json.dumps(body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT)).encode()


def post(
    url: str,
    body: bytes,
    token: str | None = TOKEN,
    *,
    method: str = "POST",
    context: ssl.SSLContext | None = None,
) -> tuple[int, dict]:
    """POST (or ``method``) ``body``; the status and decoded JSON answer (errors included)."""
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10, context=context) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "site.toml"
    path.write_text(
        f'schema = 1\n\n[site]\nname = "cc-in2p3"\nstate_dir = "{tmp_path / "state"}"\n\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb.ncsa.example.org"\n'
    )
    return path


def stored(config: Path) -> list:
    with configured_store(load_config(config)) as store:
        return store.results()


@pytest.fixture
def server(config: Path):
    """A Receiver on a free loopback port, served from a thread; yields its URL."""
    site = load_config(config)
    receiver = Receiver(
        ("127.0.0.1", 0),
        token=TOKEN,
        open_store=lambda: configured_store(site),
        rejected=site.site.state_dir / REJECTED_FILE,
    )
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{receiver.server_address[1]}/"
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join()


def test_accepted_with_the_token_and_stored(server, config):
    status, answer = post(server, valid_body())
    assert (status, answer) == (201, {"stored": RUN_ID})
    [result] = stored(config)
    assert result.context["archive_id"] == RUN_ID
    assert result.throughput_bps == 1.76e9


@pytest.mark.parametrize("token", [None, "wrong-token", ""])
def test_refused_without_or_with_a_wrong_token(server, config, token):
    status, answer = post(server, valid_body(), token=token)
    assert status == 401 and "token" in answer["error"]
    assert stored(config) == []


def test_oversized_body_is_refused(server, config):
    status, answer = post(server, b" " * ((1 << 20) + 1))
    assert status == 413 and "1048576" in answer["error"]
    assert stored(config) == []


def test_malformed_bodies_get_the_reason_and_are_kept_aside(server, config, tmp_path):
    missing = body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT)
    del missing["participants"]
    status, answer = post(server, json.dumps(missing).encode())
    assert status == 400 and answer["error"] == "body: missing participants"
    status, answer = post(server, b"{not json")
    assert status == 400 and answer["error"].startswith("not JSON")
    kept = [json.loads(line) for line in (tmp_path / "state" / REJECTED_FILE).open()]
    assert [k["reason"] for k in kept] == ["body: missing participants", answer["error"]]
    assert kept[1]["body"] == "{not json"
    assert stored(config) == []


def test_the_same_body_twice_is_stored_once(server, config):
    assert post(server, valid_body())[0] == 201
    assert post(server, valid_body())[0] == 201
    assert len(stored(config)) == 1


def body_numbered(n: int) -> bytes:
    body = body_of(load("throughput-result-example-iperf2.json"), THROUGHPUT)
    body["id"] = f"run-{n}"  # another run: another id, another time
    body["run"]["start-time"] = f"2024-05-02T0{n}:00:03Z"
    body["run"]["end-time"] = f"2024-05-02T0{n}:00:40Z"
    return json.dumps(body).encode()


@contextlib.contextmanager
def serving(open_store, tls: ssl.SSLContext | None = None) -> Iterator[int]:
    """A Receiver on a free loopback port with ``open_store``; yields the port."""
    receiver = Receiver(
        ("127.0.0.1", 0), token=TOKEN, open_store=open_store, rejected=Path(os.devnull), tls=tls
    )
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver.server_address[1]
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join()


def keep_alive_posts(port: int, bodies: list[bytes]) -> list[int]:
    """POST each body in turn on one keep-alive connection; the statuses."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    statuses = []
    for body in bodies:
        conn.request("POST", "/", body, headers)
        answer = conn.getresponse()
        answer.read()
        statuses.append(answer.status)
    conn.close()
    return statuses


def test_one_store_per_connection_reopened_after_a_store_error(config):
    site = load_config(config)
    opened = []

    def open_store():
        opened.append(len(opened))
        if len(opened) == 1:
            raise StoreUnavailable("the store is down (test)")
        return configured_store(site)

    with serving(open_store) as port:
        statuses = keep_alive_posts(port, [body_numbered(n) for n in range(4)])
        statuses += keep_alive_posts(port, [body_numbered(4)])
    # The first result finds the store down: 503, not acknowledged. The connection's next
    # result opens it again, and that store serves the rest of the connection.
    assert statuses == [503, 201, 201, 201, 201]
    assert len(opened) == 3  # down, then once per connection
    assert sorted(r.context["archive_id"] for r in stored(config)) == [
        "run-1",
        "run-2",
        "run-3",
        "run-4",
    ]


def test_put_as_the_archivers_op_put_sends_it(server, config):
    status, answer = post(server, valid_body(), method="PUT")
    assert (status, answer) == (201, {"stored": RUN_ID})
    assert len(stored(config)) == 1


def test_https_with_cert_and_key(config, certificate):
    cert, key = certificate
    site = load_config(config)
    trusting = ssl.create_default_context(cafile=str(cert))
    with serving(lambda: configured_store(site), tls=server_tls(cert, key)) as port:
        url = f"https://127.0.0.1:{port}/"
        with pytest.raises(urllib.error.URLError, match="CERTIFICATE_VERIFY_FAILED"):
            post(url, body_numbered(1))  # the system CAs do not know this certificate
        with pytest.raises((urllib.error.URLError, ConnectionError, http.client.HTTPException)):
            post(f"http://127.0.0.1:{port}/", body_numbered(2))  # plain HTTP: dropped
        assert post(url, body_numbered(3), context=trusting)[0] == 201
        assert post(url, body_numbered(4), token="wrong", context=trusting)[0] == 401
    assert [r.context["archive_id"] for r in stored(config)] == ["run-3"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--key", "key.pem"], "--key needs --cert"),
        (["--cert", "missing.pem"], "--cert missing.pem: cannot load the certificate"),
        (["--cert", "token"], "--cert token: cannot load the certificate"),
    ],
)
def test_bad_tls_files_are_one_line_before_listening(config, tmp_path, args, message):
    (tmp_path / "token").write_text(TOKEN)
    done = subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", "receive",
         "--listen", "127.0.0.1:0", "--config", str(config), "--token-file", "token", *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert message in line and "Traceback" not in done.stderr


def test_the_receiver_process_serves_https(config, certificate):
    cert, key = certificate
    port = free_port()
    process = start_receiver(config, port, args=("--cert", str(cert), "--key", str(key)))
    try:
        trusting = ssl.create_default_context(cafile=str(cert))
        assert post(f"https://127.0.0.1:{port}/", valid_body(), context=trusting)[0] == 201
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert "(https, site cc-in2p3)" in process.stderr.read()
    assert len(stored(config)) == 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_receiver(config: Path, port: int, args: list[str] = (), **env: str) -> subprocess.Popen:
    """`netprobe receive ARGS` as its own process; returns once it accepts connections."""
    environ = {**os.environ, TOKEN_ENV: TOKEN, **env}
    process = subprocess.Popen(
        [sys.executable, "-c", "from netprobe.cli import main; main()",
         "receive", "--listen", f"127.0.0.1:{port}", "--config", str(config), *args],
        env=environ, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            assert process.poll() is None, process.stderr.read()
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the receiver did not start listening")


def test_killed_between_store_and_ack_then_retry_stores_once(config):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    dying = start_receiver(config, port, **{DIE_AFTER_WRITE_ENV: "1"})
    try:
        with pytest.raises((urllib.error.URLError, ConnectionError)):
            post(url, valid_body())  # no acknowledgement: the sender will retry
        assert dying.wait(timeout=10) == 137
    finally:
        dying.kill()
        dying.wait()
    assert len(stored(config)) == 1
    restarted = start_receiver(config, port)
    try:
        assert post(url, valid_body())[0] == 201
    finally:
        restarted.send_signal(signal.SIGKILL)
        restarted.wait()
    [result] = stored(config)
    assert result.context["archive_id"] == RUN_ID


def test_start_refuses_without_a_token(run_cli, config):
    with pytest.raises(ConfigError, match=TOKEN_ENV):
        run_cli("receive", "--listen", "127.0.0.1:0", "--config", str(config), env={TOKEN_ENV: ""})
    with pytest.raises(ConfigError, match="first line is empty"):
        run_cli("receive", "--listen", "127.0.0.1:0", "--token-file", os.devnull)


def test_systemd_units_include_the_receiver(run_cli, config):
    out = run_cli("schedule", "systemd", "--config", str(config)).stdout
    unit = out.split("# /etc/systemd/system/netprobe-receive.service\n")[1]
    [start] = [line for line in unit.splitlines() if line.startswith("ExecStart=")]
    assert " receive --config " in start and "--token-file /etc/netprobe/receiver.token" in start
