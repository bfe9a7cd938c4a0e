"""Import one link-year of 10-minute results (52,560 OpenSearch documents) into SQLite.

Run: .venv/bin/python benchmarks/import_bench.py [--page 1000] [--count 52560]

The documents are made from the real-shaped hit template of the tests
(tests/fixtures/perfsonar/opensearch/pscheduler_throughput-hit.json: ten 1-second
intervals each, 1 in 50 a failure), served by the tests' archive server on 127.0.0.1
with OpenSearch's ``search_after`` paging. The import runs as its own process
(`netprobe import opensearch`), timed from start to exit: the whole-process time, with
Python start-up. A second run of the same import (everything already present) is timed too.
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from archive_server import Archive, serve, throughput_hits  # noqa: E402

from netprobe.ingest.opensearch_archive import DETAIL, STREAMS  # noqa: E402

YEAR = 365 * 24 * 6  # 10-minute slots in a year: 52,560


def timed_import(url: str, db: Path, page: int, *extra: str) -> tuple[float, dict]:
    """Seconds the `netprobe import opensearch` process took, and its counts."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", "import", "opensearch",
         url, "--db", str(db), "--page", str(page), "--json", *extra],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    return time.perf_counter() - began, json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--page", type=int, default=1000, help="hits per search request")
    parser.add_argument("--count", type=int, default=YEAR, help="documents in the archive")
    args = parser.parse_args()
    hits = throughput_hits(
        args.count, start=datetime(2025, 1, 1, tzinfo=UTC), every=600, failed_every=50
    )
    archive = Archive(hits={"pscheduler_throughput": hits})
    # encode the answers once, before the clock starts (see archive_server.Archive.index)
    archive.index("pscheduler_throughput", DETAIL)
    archive.index("pscheduler_throughput", STREAMS)
    print(f"documents: {args.count:,}, {args.page} a page")
    for label, extra in (("summaries (default)", ()), ("--intervals", ("--intervals",))):
        with tempfile.TemporaryDirectory() as folder, serve(archive) as url:
            db = Path(folder) / "np.sqlite"
            first, counts = timed_import(url, db, args.page, *extra)
            second, again = timed_import(url, db, args.page, *extra)
            size = db.stat().st_size
        print(
            f"{label:20}  first import {first:6.2f} s whole process, {counts['stored']:,} "
            f"stored ({counts['failures_stored']:,} failures), {args.count / first:,.0f} "
            f"documents/s; again {second:6.2f} s, {again['stored']} stored, "
            f"{again['already_present']:,} already present; database {size / 1e6:.1f} MB"
        )


if __name__ == "__main__":
    main()
