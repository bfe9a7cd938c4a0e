"""`netprobe report`: the escalation report of one link over a period, as HTML or Markdown."""

import json
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.params import TimeOrAgo
from netprobe.config import load_config


@click.command()
@config_option
@click.option("--endpoint", required=True, help="The link to this endpoint (its config name).")
@click.option("--from", "since", type=TimeOrAgo(), required=True, help="Start of the period.")
@click.option(
    "--to", "until", type=TimeOrAgo(), help="End of the period (excluded). [default: now]"
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["html", "md", "pdf"]),
    default="html",
    show_default=True,
    help="html: one self-contained page with the figures; md: text and tables for a ticket; "
    "pdf: the HTML page printed by headless Chromium (needs -o).",
)
@click.option(
    "-o", "--output", type=click.Path(path_type=Path), help="Write here. [default: stdout]"
)
@click.option(
    "--bundle",
    type=click.Path(path_type=Path),
    help="Also write a zip of the report, the raw results (CSV) and the analysis (JSON).",
)
def report(
    config_path: Path | None,
    endpoint: str,
    since: datetime,
    until: datetime | None,
    fmt: str,
    output: Path | None,
    bundle: Path | None,
) -> None:
    """Write the evidence to attach when escalating a link problem to its provider.

    For the link to ENDPOINT over [--from, --to): a one-paragraph summary (period, plan,
    what changed when, by how much, with 95% confidence intervals), the throughput per
    direction with the plan line, change points and segment medians, an hour-of-day ×
    day heat map, RTT and retransmits when stored, a table per segment (median, p10/p90,
    share below the expected rate, failures), the traceroute before and after each change,
    the facts a GÉANT PERT / eduPERT desk asks for, and the method in plain words.

    The HTML page needs no network access to be viewed. --format pdf prints it with
    headless Chromium. A check of what a report is missing is not available yet.

    \b
    Examples:
      netprobe report --endpoint ncsa --from 2026-01-01 --to 2026-03-01 -o ncsa.html
      netprobe report --endpoint ncsa --from 30d --format md --bundle ncsa.zip
    """
    from netprobe.analysis import analyze
    from netprobe.cli.analysis_render import analysis_json
    from netprobe.cli.render import results_csv
    from netprobe.report import build_report, render_html, render_markdown
    from netprobe.report.plots import figures

    if fmt == "pdf" and not output:
        raise click.UsageError("--format pdf needs -o/--output FILE")
    until = until or datetime.now(UTC)
    if until <= since:
        raise click.UsageError(f"--to {until.isoformat()} is not after --from {since.isoformat()}")
    config = load_config(config_path)
    with configured_store(config, create=False) as store:
        analyses = analyze(config, store, endpoint=endpoint, since=since, until=until, now=until)
        link = next(link for link in config.links if link.endpoint == endpoint)
        # a direction with no throughput result (only its probes' verdicts) has nothing to show
        analyses = [a for a in analyses if a.link == link.name and a.n]
        span = {"since": since, "until": until}
        series = {a.direction: store.series(endpoint, a.direction, **span) for a in analyses}
        rtt = {
            a.direction: store.series(endpoint, a.direction, "rtt_avg_ms", **span) for a in analyses
        }
        retransmits = {
            a.direction: store.series(endpoint, a.direction, "retransmits", **span)
            for a in analyses
        }
        traces = store.results(endpoint=endpoint, test="trace", **span)
        raw = store.results(endpoint=endpoint, **span) if bundle else []
    built = build_report(
        link=link.name,
        site=config.site.name,
        endpoint=config.endpoint(endpoint),
        plan=link.plan,
        since=since,
        until=until,
        analyses=analyses,
        series=series,
        traces=traces,
        rtt=rtt,
        retransmits=retransmits,
    )
    page = render_markdown(built) if fmt == "md" else render_html(built, figures(built))
    if fmt == "pdf":
        from netprobe.report.pdf import html_to_pdf

        html_to_pdf(page, output)
        fmt = "html"  # the bundle carries the page the PDF was printed from
    elif output:
        output.write_text(page, encoding="utf-8")
    else:
        click.echo(page)
    if bundle:
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"report.{fmt}", page)
            z.writestr("results.csv", results_csv(raw))
            z.writestr("analysis.json", json.dumps([analysis_json(a) for a in analyses], indent=2))
