"""`netprobe report` over a real SQLite store: two months of hourly probes, a 40 % drop."""

import json
import shutil
import subprocess
import zipfile
from datetime import timedelta

import numpy as np
import pytest
from test_analyze_cli import DROP, START, G, N, hourly, results

from netprobe.model import Direction, Hop, Result, Status
from netprobe.store import SqliteStore
from netprobe.store.records import CSV_COLUMNS

HOST = "<script>alert(1)</script>.example.org"  # a host name is data: it must be escaped
DROP_DAY = (START + timedelta(hours=DROP)).strftime("%Y-%m-%d")  # 2026-02-11


def trace(at, third_hop: str) -> Result:
    hops = [Hop(1, "198.18.0.1", "gw.lyon"), Hop(2, third_hop, "<b>core</b>", 80.5)]
    return Result(
        probe="ncsa-trace",
        test="trace",
        tool="traceroute",
        endpoint="ncsa",
        direction=Direction.FORWARD,
        status=Status.OK,
        started=at,
        hops=hops,
    )


def rtt(at, ms: float) -> Result:
    return Result(
        probe="ncsa-rtt",
        test="rtt",
        tool="ping",
        endpoint="ncsa",
        direction=Direction.FORWARD,
        status=Status.OK,
        started=at,
        metrics={"rtt_avg_ms": ms},
    )


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    """Forward drops 40 % at DROP and its path changes then; reverse stays at 17 Gbit/s."""
    root = tmp_path_factory.mktemp("report")
    forward = np.full(N, 17 * G)
    forward[DROP:] *= 0.6
    drop_at = START + timedelta(hours=DROP)
    with SqliteStore(root / "netprobe.sqlite") as store:
        store.write(results(Direction.FORWARD, hourly(forward, seed=1)))
        store.write(results(Direction.REVERSE, hourly(np.full(N, 17 * G), seed=2)))
        store.write([trace(drop_at - timedelta(days=1), "198.18.1.1")])
        store.write([trace(drop_at + timedelta(hours=2), "198.18.9.9")])
        store.write([rtt(START + timedelta(hours=i), 90 + (i >= DROP) * 20) for i in range(N)])
    config = root / "site.toml"
    config.write_text(
        "schema = 1\n\n"
        f'[site]\nname = "cc-in2p3"\nstate_dir = "{root}"\n\n'
        f'[[endpoints]]\nname = "ncsa"\nhost = "{HOST}"\n\n'
        '[[links]]\nname = "lyon-ncsa"\nendpoint = "ncsa"\n'
        'plan = [{ from = 2025-06-01, capacity = "20Gbps" }]\n'
    )
    return root, str(config)


PERIOD = ("--endpoint", "ncsa", "--from", "2026-01-01", "--to", "2026-03-02")


@pytest.fixture(scope="module")
def html_report(deployment):
    from click.testing import CliRunner

    from netprobe.cli import cli

    root, config = deployment
    out = root / "ncsa.html"
    args = ["report", "--config", config, *PERIOD, "--format", "html", "-o", str(out)]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_html_has_the_link_the_drop_and_the_change(html_report):
    page = html_report.read_text()
    assert "lyon-ncsa" in page and "cc-in2p3" in page
    summary = page.split('class="summary">')[1].split("</p>")[0]
    assert f"on {DROP_DAY}T1" in summary and "fell from" in summary
    assert "-40%" in summary or "-39%" in summary or "-41%" in summary
    assert "confidence interval" in summary
    assert "no significant change" in summary  # reverse
    # per direction: throughput, heat map, distribution; and the forward RTT
    assert page.count("data:image/png;base64,") == 7
    assert "Statistics per segment" in page and "20 Gbit/s" in page
    assert "198.18.1.1" in page and "198.18.9.9" in page and 'class="changed"' in page


def test_html_escapes_every_value_from_data(html_report):
    page = html_report.read_text()
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;.example.org" in page
    assert "<b>core</b>" not in page and "&lt;b&gt;core&lt;/b&gt;" in page


def test_html_needs_no_network(html_report):
    page = html_report.read_text()
    assert "http://" not in page and "https://" not in page and 'src="//' not in page


def test_html_renders_in_headless_chromium(html_report, tmp_path):
    from PIL import Image

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is missing: install the Debian package (scripts/install.sh)"
    shot = tmp_path / "shot.png"
    run = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--enable-logging=stderr",
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            "--window-size=1200,2000",
            html_report.as_uri(),
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    errors = [line for line in run.stderr.splitlines() if "CONSOLE" in line or "Uncaught" in line]
    assert errors == [], errors  # the page's console stays quiet
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200  # text and figures, not a blank page


def test_markdown_report(run_cli, deployment):
    _, config = deployment
    page = run_cli("report", "--config", config, *PERIOD, "--format", "md").stdout
    assert page.startswith("# netprobe report: lyon-ncsa (cc-in2p3 ↔ ")
    assert f"on {DROP_DAY}T1" in page and "## Statistics per segment" in page
    assert "| from | to | probes | median |" in page
    assert "**2**" in page  # the hop that changed


def test_bundle_holds_report_csv_and_json(run_cli, deployment, tmp_path):
    _, config = deployment
    out = tmp_path / "ncsa.zip"
    run_cli(
        "report",
        "--config",
        config,
        *PERIOD,
        "--format",
        "md",
        "-o",
        str(tmp_path / "r.md"),
        "--bundle",
        str(out),
    )
    with zipfile.ZipFile(out) as z:
        names = ["analysis.json", "report.md", "results.csv", "results.json"]
        assert sorted(z.namelist()) == names
        analysis = json.loads(z.read("analysis.json"))
        rows = z.read("results.csv").decode().splitlines()
        raw = json.loads(z.read("results.json"))
        assert z.read("report.md").decode() == (tmp_path / "r.md").read_text()
    assert [a["direction"] for a in analysis] == ["forward", "reverse"]
    assert analysis[0]["change_points"][0]["kind"] == "drop"
    assert len(rows) == 1 + 2 * N + N + 2  # header, throughput both ways, rtt, traces
    assert rows[0].split(",") == list(CSV_COLUMNS)
    assert len(raw) == len(rows) - 1 and {"hops", "intervals", "argv"} <= raw[0].keys()


def test_to_before_from_is_a_usage_error(run_cli, deployment):
    _, config = deployment
    args = ("report", "--config", config, "--endpoint", "ncsa", "--from", "2026-03-01")
    result = run_cli(*args, "--to", "2026-02-01", expect=2)
    assert "--to" in result.stderr


def test_pdf_holds_the_link_the_dates_and_the_change(run_cli, deployment, tmp_path):
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext is missing: install poppler-utils (scripts/install.sh test)"
    _, config = deployment
    out = tmp_path / "ncsa.pdf"
    run_cli("report", "--config", config, *PERIOD, "--format", "pdf", "-o", str(out))
    assert out.read_bytes().startswith(b"%PDF")
    text = subprocess.run(
        [pdftotext, str(out), "-"], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    assert "lyon-ncsa" in text and "2026-01-01" in text
    assert DROP_DAY in text and "fell from" in " ".join(text.split())


def test_pdf_needs_an_output_file(run_cli, deployment):
    _, config = deployment
    result = run_cli("report", "--config", config, *PERIOD, "--format", "pdf", expect=2)
    assert "--output" in result.stderr
