"""`netprobe report`: the escalation report of one link over a period, as HTML or Markdown,
and `--check`: what it lacks from the list a network support desk asks for."""

import json
import sys
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.params import TimeOrAgo
from netprobe.config import load_config
from netprobe.errors import ExitCode

if TYPE_CHECKING:
    from netprobe.report import Report

SAMPLES = 50
"""Newest throughput results read for the command line and the addresses of both ends."""


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
    help="Also write a zip of the report, the raw results (JSON and CSV) and the analysis (JSON).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Print what the report lacks from the support desk's list (exit 1 when something "
    "is); the page is written only with -o.",
)
@click.option("--json", "as_json", is_flag=True, help="With --check: print the checklist as JSON.")
def report(
    config_path: Path | None,
    endpoint: str,
    since: datetime,
    until: datetime | None,
    fmt: str,
    output: Path | None,
    bundle: Path | None,
    check: bool,
    as_json: bool,
) -> None:
    """Write the evidence to attach when escalating a link problem to its provider.

    For the link to ENDPOINT over [--from, --to): a one-paragraph summary (period, plan,
    what changed when, by how much, with 95% confidence intervals), the throughput per
    direction with the plan line, change points and segment medians, an hour-of-day ×
    day heat map, RTT and retransmits when stored, a table per segment (median, p10/p90,
    share below the expected rate, failures), the traceroute before and after each change,
    where on the path the trouble most likely is (the suspect segment, as `netprobe
    localize` ranks it over every configured link, and the links that degraded, when, and
    those that did not, with their traces), the facts a GÉANT PERT / eduPERT desk asks
    for, and the method in plain words.

    Traces from the far end back to the site (imported from its perfSONAR archive) show
    beside the forward ones. The HTML page needs no network access to be viewed.
    --format pdf prints it with headless Chromium.

    --check prints the checklist of what GÉANT PERT / eduPERT desks ask for (both end
    addresses and ports, method and units, expected rate and rate before, when it started
    and whether it ever worked, RTT, forward and reverse traces, raw tool output): each
    item present, missing (and why) or not needed. Exit 0 when nothing is missing, 1 when
    something is. The page carries the same checklist.

    \b
    Examples:
      netprobe report --endpoint ncsa --from 2026-01-01 --to 2026-03-01 -o ncsa.html
      netprobe report --endpoint ncsa --from 30d --format md --bundle ncsa.zip
      netprobe report --endpoint ncsa --from 30d --check --bundle ncsa.zip
    """
    from netprobe.analysis import analyze
    from netprobe.cli.analysis_render import analysis_json
    from netprobe.cli.render import results_csv, results_json
    from netprobe.locate import link_traces, locate, where_for
    from netprobe.report import build_report, render_html, render_markdown
    from netprobe.report.check import missing
    from netprobe.report.plots import figures

    if fmt == "pdf" and not output and not check:
        raise click.UsageError("--format pdf needs -o/--output FILE")
    if as_json and not check:
        raise click.UsageError("--json goes with --check (the report itself is HTML or Markdown)")
    until = until or datetime.now(UTC)
    if until <= since:
        raise click.UsageError(f"--to {until.isoformat()} is not after --from {since.isoformat()}")
    config = load_config(config_path)
    link = next((link for link in config.links if link.endpoint == endpoint), None)
    if link is None:
        known = ", ".join(link.endpoint for link in config.links) or "none"
        raise click.UsageError(
            f"--endpoint {endpoint!r}: no link goes to it (links go to: {known})"
        )
    with configured_store(config, create=False) as store:
        every = analyze(config, store, since=since, until=until, now=until)
        located = locate(config, store, analyses=every, since=since, until=until)
        # a direction with no throughput result (only its probes' verdicts) has nothing to show
        analyses = [a for a in every if a.link == link.name and a.n]
        span = {"since": since, "until": until}
        series = {a.direction: store.series(endpoint, a.direction, **span) for a in analyses}
        rtt = {
            a.direction: store.series(endpoint, a.direction, "rtt_avg_ms", **span) for a in analyses
        }
        retransmits = {
            a.direction: store.series(endpoint, a.direction, "retransmits", **span)
            for a in analyses
        }
        traces = link_traces(config, store, endpoint, **span)
        samples = store.results(endpoint=endpoint, test="throughput", limit=SAMPLES, **span)
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
        site_address=config.site.bind,
        samples=samples,
        raw=len(raw) if bundle else None,
        where=where_for(located, endpoint),
    )
    lacking = missing(built.checklist)
    if check:
        click.echo(_checklist_text(built, as_json))
        if not output and not bundle:
            sys.exit(ExitCode.FAILURE if lacking else ExitCode.OK)
    page = render_markdown(built) if fmt == "md" else render_html(built, figures(built))
    if fmt == "pdf":
        from netprobe.report.pdf import html_to_pdf

        if output:  # --check --bundle without -o: no PDF, the bundle has the page
            html_to_pdf(page, output)
        fmt = "html"  # the bundle carries the page the PDF was printed from
    elif output:
        output.write_text(page, encoding="utf-8")
    elif not check:
        click.echo(page)
    if bundle:
        with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr(f"report.{fmt}", page)
            z.writestr("results.json", results_json(raw))
            z.writestr("results.csv", results_csv(raw))
            z.writestr("analysis.json", json.dumps([analysis_json(a) for a in analyses], indent=2))
    if check and lacking:
        sys.exit(ExitCode.FAILURE)


def _checklist_text(built: "Report", as_json: bool) -> str:
    """The checklist: JSON for scripts, or one line per item with its facts for people."""
    from netprobe.report.facts import MISSING, NOT_NEEDED, PRESENT

    items = built.checklist
    lacking = [i.item for i in items if i.status == MISSING]
    if as_json:
        body = {"link": built.link, "endpoint": built.endpoint.name, "missing": lacking}
        return json.dumps(body | {"items": [i.as_dict() for i in items]}, indent=2)
    marks = {PRESENT: "[x]", MISSING: "[ ]", NOT_NEEDED: "[-]"}
    lines = [f"What a support desk asks for, in the report of {built.link}:"]
    for item in items:
        lines.append(f"{marks[item.status]} {item.asked}: {item.status}")
        lines += [f"      {detail}" for detail in item.details]
    lines.append(f"{len(lacking)} missing: {', '.join(lacking)}" if lacking else "Nothing missing.")
    return "\n".join(lines)
