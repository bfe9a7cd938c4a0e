"""A self-contained HTML page → PDF, printed by headless Chromium (no shell, with a deadline)."""

import tempfile
from pathlib import Path

from netprobe.errors import ProbeError
from netprobe.probes.process import run_tool

CHROMIUM = "chromium"


def html_to_pdf(html: str, output: Path, *, deadline: float = 120.0) -> None:
    """Print ``html`` to the PDF file ``output`` with headless Chromium.

    Args:
        html: the page (it must need no network access).
        output: where to write the PDF.
        deadline: seconds Chromium may take before it is killed.

    Raises:
        ProbeError: chromium is missing, failed, overran, or wrote no PDF (exit 1).
    """
    with tempfile.TemporaryDirectory(prefix="netprobe-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        out = output.resolve()
        argv = [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={Path(tmp) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={out}",
            page.as_uri(),
        ]
        try:
            done = run_tool(argv, deadline=deadline)
        except FileNotFoundError:
            raise ProbeError(
                f"--format pdf needs {CHROMIUM!r} on PATH (apt-get install chromium)"
            ) from None
    if done.timed_out:
        raise ProbeError(f"{CHROMIUM} did not print {out} within {deadline:g} s")
    if done.returncode != 0 or not out.exists() or out.stat().st_size == 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise ProbeError(f"{CHROMIUM} could not print {out} (exit {done.returncode}): {last}")
