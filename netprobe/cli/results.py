"""`netprobe results`: show stored results as a table, JSON or CSV.

The store is the one the configuration's [store] table names, or the SQLite file --db
(or $NETPROBE_DB) gives directly.
"""

from datetime import datetime
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.params import TimeOrAgo
from netprobe.cli.render import results_csv, results_json, results_table
from netprobe.config import load_config
from netprobe.model import Status
from netprobe.store import open_store


@click.command()
@click.option(
    "--db",
    "db",
    envvar="NETPROBE_DB",
    type=click.Path(dir_okay=False),
    help="Read this SQLite file instead of the configured store (also $NETPROBE_DB).",
)
@config_option
@click.option("--endpoint", help="Only results to this endpoint (its name in the config).")
@click.option("--probe", help="Only results of this probe.")
@click.option("--since", type=TimeOrAgo(), help="Only results started at or after TIME.")
@click.option("--until", type=TimeOrAgo(), help="Only results started before TIME.")
@click.option(
    "--status",
    type=click.Choice([s.value for s in Status]),
    help="Only results with this status.",
)
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one object per result.")
@click.option("--csv", "as_csv", is_flag=True, help="CSV with a header row.")
@click.option(
    "--limit", type=click.IntRange(min=1), help="Only the newest N results (still oldest first)."
)
def results(
    db: str | None,
    config_path: Path | None,
    endpoint: str | None,
    probe: str | None,
    since: datetime | None,
    until: datetime | None,
    status: str | None,
    as_json: bool,
    as_csv: bool,
    limit: int | None,
) -> None:
    """Show stored probe results, failures included, oldest first.

    TIME is a date (2026-01-02), an ISO time with an offset (2026-01-02T03:00Z), or a span
    back from now (24h, 7d). A failed probe shows its status and reason, never a 0.

    \b
    Examples:
      netprobe results --config schedules/lab.toml --since 24h
      netprobe results --endpoint ncsa --status busy --since 7d
      netprobe results --since 2026-01-01 --csv > january.csv
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    if db:
        store = open_store("sqlite", path=db, create=False)
    else:
        store = configured_store(load_config(config_path), create=False)
    with store:
        found = store.results(
            endpoint=endpoint,
            probe=probe,
            since=since,
            until=until,
            status=Status(status) if status else None,
            limit=limit,
        )
    if as_json:
        click.echo(results_json(found))
    elif as_csv:
        click.echo(results_csv(found), nl=False)
    elif found:
        click.echo(results_table(found))
    else:
        click.echo("No stored result matches.", err=True)
