"""`netprobe analyze`: verdicts on the configured links, from the stored results."""

import json
from datetime import datetime
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.params import Duration, TimeOrAgo
from netprobe.config import load_config


@click.command()
@config_option
@click.option("--endpoint", help="Only the link to this endpoint (its name in the config).")
@click.option("--since", type=TimeOrAgo(), help="Only results started at or after TIME.")
@click.option(
    "--until",
    type=TimeOrAgo(),
    help="Only results started before TIME; the analysis is made as of TIME. [default: now]",
)
@click.option(
    "--grace",
    type=Duration(),
    default="14d",
    show_default=True,
    help="After a plan upgrade, how long the provider has to deliver the new rate.",
)
@click.option(
    "--write",
    is_flag=True,
    help="Also write the change points, plan line, verdicts, health and route changes to "
    "the store, for the Grafana dashboards (docs/grafana.md).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
def analyze(
    config_path: Path | None,
    endpoint: str | None,
    since: datetime | None,
    until: datetime | None,
    grace: float,
    write: bool,
    as_json: bool,
) -> None:
    """Judge each configured link's throughput, per direction, against its capacity plan.

    For every [[links]] entry and direction with stored results: the change points of its
    throughput, then the verdicts, most severe first, each with its numbers and one
    sentence a provider can read:

    \b
      degraded               a significant drop (date, size with 95% interval, p-value)
      failing                many failed probes in the last 7 days, or none measured
      upgrade-not-delivered  the plan stepped up; after the grace the rate did not follow
      below-plan             a period whose median is under the plan's expected rate
      unstable               more spread or many bad runs at a similar median
      recovered              back to the level before a drop, or to the expected rate
      ok                     nothing wrong now

    A problem marked (ended) held in the past only. TIME is a date (2026-01-02), an ISO
    time with an offset (2026-01-02T03:00Z), or a span back from now (24h, 30d). The rules
    are in docs/analysis.md.

    With --write the findings go back to the store as points (measurements changepoint,
    plan, verdict, health, path_change; docs/influxdb.md); writing again replaces them.

    \b
    Examples:
      netprobe analyze --config schedules/
      netprobe analyze --endpoint ncsa --since 90d --json
      netprobe analyze --config schedules/ --since 30d --write
    """
    from datetime import UTC, timedelta

    from netprobe.analysis import analyze as analyze_links
    from netprobe.cli.analysis_render import analysis_json, analysis_table

    config = load_config(config_path)
    now = until or datetime.now(UTC)
    with configured_store(config, create=False) as store:
        analyses = analyze_links(
            config,
            store,
            endpoint=endpoint,
            since=since,
            until=until,
            now=now,
            grace=timedelta(seconds=grace),
        )
        if write:
            from netprobe.publish import publish

            written = publish(config, store, analyses, now=now, since=since, until=until)
            counts = ", ".join(f"{n} {name}" for name, n in sorted(written.items()))
            click.echo(f"wrote {counts or 'no'} points", err=True)
    if as_json:
        click.echo(json.dumps([analysis_json(a) for a in analyses], indent=2))
    elif analyses:
        click.echo(analysis_table(analyses))
    else:
        click.echo("No stored throughput result for the configured links.", err=True)
