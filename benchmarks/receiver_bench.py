"""Receiver throughput and memory: pScheduler archiver bodies POSTed to `netprobe receive`.

Run: .venv/bin/python benchmarks/receiver_bench.py [--count 100000] [--clients 4]

A real `netprobe receive` process (SQLite store, synchronous = FULL: a 201 means the
result is on disk) gets ``count`` bodies as pScheduler's http archiver sends them (the
envelope of tests/test_ingest_archiver_body.py around the real iperf3 result pScheduler's
own parser made, tests/fixtures/perfsonar/pscheduler/throughput-result-iperf3-3.1.3-tcp.json),
each with its own run id, from ``clients`` keep-alive connections in threads. Every answer
must be 201. The receiver's resident memory (VmRSS) is sampled from /proc as results are
acknowledged; it must stay flat. At the end the stored rows are counted.
"""

import argparse
import http.client
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from test_ingest_archiver_body import RUN_ID, THROUGHPUT, body_of, load  # noqa: E402

TOKEN = "bench-token"
START = datetime(2025, 1, 1, tzinfo=UTC)
SAMPLES = 20  # RSS samples over the run


def body_template() -> str:
    """One archiver body as JSON text, its run id and start time left as placeholders."""
    text = json.dumps(body_of(load("throughput-result-iperf3-3.1.3-tcp.json"), THROUGHPUT))
    for when in ("2024-05-02T08:00:00Z", "2024-05-02T08:00:03Z"):
        text = text.replace(when, "@START@")
    return text.replace(RUN_ID, "@ID@")


def rss_kib(pid: int) -> int:
    """Resident memory of process ``pid`` in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def start_receiver(folder: Path) -> tuple[subprocess.Popen, int]:
    """`netprobe receive` on a free loopback port; the process and its port."""
    config = folder / "site.toml"
    config.write_text(
        f'schema = 1\n[site]\nname = "bench"\nstate_dir = "{folder / "state"}"\n'
        '[[endpoints]]\nname = "ncsa"\nhost = "psb-bw-100g.ncsa.illinois.edu"\n'
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", "from netprobe.cli import main; main()", "receive",
         "--listen", "127.0.0.1:0", "--config", str(config)],
        env={**os.environ, "NETPROBE_RECEIVER_TOKEN": TOKEN},
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    line = proc.stderr.readline()  # "receiving on 127.0.0.1:PORT (site bench)"
    if not line.startswith("receiving on "):
        proc.kill()
        raise RuntimeError(f"the receiver did not start: {line}{proc.stderr.read()}")
    return proc, int(line.split()[2].rsplit(":", 1)[1])


def send(port: int, template: str, numbers: range, acked: list[int], lock) -> None:
    """POST one body per number on one keep-alive connection; every answer must be 201."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    for n in numbers:
        start = (START + timedelta(minutes=10 * n)).isoformat().replace("+00:00", "Z")
        body = template.replace("@ID@", f"bench-{n:08d}").replace("@START@", start).encode()
        conn.request("POST", "/", body, headers)
        answer = conn.getresponse()
        answer.read()
        if answer.status != 201:
            raise RuntimeError(f"result {n}: HTTP {answer.status}")
        with lock:
            acked[0] += 1
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="results to send")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive connections")
    args = parser.parse_args()
    template = body_template()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        proc, port = start_receiver(folder)
        try:
            acked, lock = [0], threading.Lock()
            threads = [
                threading.Thread(
                    target=send,
                    args=(port, template, range(i, args.count, args.clients), acked, lock),
                )
                for i in range(args.clients)
            ]
            samples = [(0, rss_kib(proc.pid))]
            began = time.perf_counter()
            for thread in threads:
                thread.start()
            step = args.count // SAMPLES
            while any(t.is_alive() for t in threads):
                time.sleep(0.05)
                if acked[0] >= samples[-1][0] + step:
                    samples.append((acked[0], rss_kib(proc.pid)))
            elapsed = time.perf_counter() - began
            samples.append((acked[0], rss_kib(proc.pid)))
        finally:
            proc.terminate()
            proc.wait(timeout=30)
        with sqlite3.connect(folder / "state" / "netprobe.sqlite") as db:
            (rows,) = db.execute("SELECT count(*) FROM results").fetchone()
    if acked[0] != args.count:
        raise SystemExit(f"only {acked[0]} of {args.count} results acknowledged")
    print(f"results: {args.count:,} from {args.clients} keep-alive connections; stored {rows:,}")
    print(f"accepted: {args.count / elapsed:,.0f} results/s ({elapsed:.1f} s), each on disk")
    print("receiver RSS (MiB) after N results: " + ", ".join(
        f"{n:,}: {kib / 1024:.1f}" for n, kib in samples
    ))  # fmt: skip
    tenth = next(kib for n, kib in samples if n >= args.count // 10)
    print(
        f"RSS at 10 %: {tenth / 1024:.1f} MiB, at the end: {samples[-1][1] / 1024:.1f} MiB, "
        f"growth after 10 %: {(samples[-1][1] - tenth) / 1024:+.1f} MiB"
    )


if __name__ == "__main__":
    main()
