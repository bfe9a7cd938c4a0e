"""`netprobe store status|flush|reconcile|copy`: the spool, and history between two stores."""

import json
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import SQLITE_FILE, configured_spool, configured_store
from netprobe.cli.results import TimeOrAgo
from netprobe.config import Config, load_config
from netprobe.errors import ConfigError
from netprobe.store import SqliteStore, Store, open_store
from netprobe.store.records import format_time
from netprobe.store.spool import SpooledStore
from netprobe.store.transfer import copy_results, reconcile

KINDS = ("sqlite", "influxdb")


@click.group()
def store() -> None:
    """Look after the result store: the InfluxDB spool, and history between stores.

    \b
    Results InfluxDB cannot take (down, timeout, 5xx, wrong credentials) wait in
    STATE_DIR/spool and are written, in order, by the next `netprobe run` or by
    `netprobe store flush`. Results it refuses as bad data (4xx) are kept aside in
    STATE_DIR/spool/rejected.jsonl with the reason, never retried.
    """


@store.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def status(config_path: Path | None, as_json: bool) -> None:
    """Show what waits in the spool and what was rejected, and why.

    \b
    Example:
      netprobe store status --config schedules/
    """
    config = load_config(config_path)
    spool = configured_spool(config).status()
    if as_json:
        data = asdict(spool)
        data.update(
            store=config.store.kind,
            folder=str(spool.folder),
            oldest=format_time(spool.oldest),
            newest=format_time(spool.newest),
        )
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"store:    {config.store.kind}")
    click.echo(f"spool:    {spool.folder}")
    span = f" (started {format_time(spool.oldest)} .. {format_time(spool.newest)})"
    click.echo(f"queued:   {spool.queued} results{span if spool.queued else ''}")
    click.echo(f"rejected: {spool.rejected} results")
    for reason, count in sorted(spool.reasons.items(), key=lambda item: -item[1]):
        click.echo(f"  {count:>6}  {reason}")


@store.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object.")
def flush(config_path: Path | None, as_json: bool) -> None:
    """Write the spooled results to InfluxDB now, oldest first.

    Exits 1 with the reason when InfluxDB still cannot take them (they stay queued).

    \b
    Example:
      netprobe store flush --config schedules/
    """
    config = load_config(config_path)
    with configured_store(config) as opened:
        if not isinstance(opened, SpooledStore):
            raise ConfigError(
                f"[store] kind = {config.store.kind!r} writes directly: only kind = 'influxdb' "
                "has a spool to flush"
            )
        report = opened.flush()
    if as_json:
        click.echo(json.dumps(asdict(report)))
    else:
        click.echo(
            f"written {report.written}, rejected {report.rejected} "
            f"(see `netprobe store status`), still queued {report.queued}"
        )


def _need_influx(config: Config) -> None:
    if config.store.kind != "influxdb":
        raise ConfigError(
            "the InfluxDB store is the one [store] names: set kind = 'influxdb' and its url, "
            "database and credentials there"
        )


def _open(kind: str, config: Config, sqlite_path: Path | None, *, create: bool) -> Store:
    """The store of ``kind``: SQLite at --sqlite (or the site's file), InfluxDB as [store] says."""
    if kind == "sqlite":
        return SqliteStore(sqlite_path or config.site.state_dir / SQLITE_FILE, create=create)
    _need_influx(config)
    return open_store("influxdb", **config.store.settings())


_sqlite_option = click.option(
    "--sqlite",
    "sqlite_path",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The SQLite file [default: STATE_DIR/netprobe.sqlite].",
)
_since_option = click.option(
    "--since",
    type=TimeOrAgo(),
    default="30d",
    show_default=True,
    help="From TIME (a date, an ISO time, or a span back from now).",
)
_until_option = click.option(
    "--until", type=TimeOrAgo(), default=None, help="Up to TIME [default: now]."
)


@store.command(name="reconcile")
@config_option
@_sqlite_option
@_since_option
@_until_option
@click.option("--all", "show_all", is_flag=True, help="Show days that agree too.")
@click.option("--json", "as_json", is_flag=True, help="A JSON list, one object per link and day.")
def reconcile_command(
    config_path: Path | None,
    sqlite_path: Path | None,
    since: datetime,
    until: datetime | None,
    show_all: bool,
    as_json: bool,
) -> None:
    """Compare result counts per link and day in SQLite and InfluxDB.

    Counts results per endpoint, direction and UTC day in both stores and shows the
    days where they differ. Exits 1 when a count differs.

    \b
    Example:
      netprobe store reconcile --config schedules/ --since 2026-01-01
    """
    config = load_config(config_path)
    _need_influx(config)
    until = until or datetime.now(UTC)
    with (
        _open("sqlite", config, sqlite_path, create=False) as sqlite,
        _open("influxdb", config, None, create=False) as influx,
    ):
        counts = reconcile(sqlite, influx, since, until)
    differ = [c for c in counts if c.first != c.second]
    shown = counts if show_all else differ
    if as_json:
        rows = [
            {
                "endpoint": c.endpoint,
                "direction": c.direction,
                "day": c.day.isoformat(),
                "sqlite": c.first,
                "influxdb": c.second,
            }
            for c in shown
        ]
        click.echo(json.dumps(rows, indent=2))
    else:
        click.echo(f"{'day':<10}  {'endpoint':<24} {'direction':<9} {'sqlite':>7} {'influxdb':>8}")
        for c in shown:
            mark = "" if c.first == c.second else "  differs"
            click.echo(
                f"{c.day.isoformat():<10}  {c.endpoint:<24} {c.direction:<9} "
                f"{c.first:>7} {c.second:>8}{mark}"
            )
        click.echo(f"{len(counts)} link-days, {len(differ)} differ")
    if differ:
        raise click.exceptions.Exit(1)


@store.command(name="copy")
@config_option
@click.option("--from", "source", type=click.Choice(KINDS), required=True, help="Read here.")
@click.option("--to", "target", type=click.Choice(KINDS), required=True, help="Write here.")
@_sqlite_option
@_since_option
@_until_option
def copy_command(
    config_path: Path | None,
    source: str,
    target: str,
    sqlite_path: Path | None,
    since: datetime,
    until: datetime | None,
) -> None:
    """Copy results between SQLite and InfluxDB (both ways).

    The InfluxDB is the one [store] names; results are read a UTC day at a time.
    Copying again is safe: a result already in the target is not duplicated.

    \b
    Example:
      netprobe store copy --from sqlite --to influxdb --since 2024-01-01
    """
    if source == target:
        raise click.BadParameter("--from and --to name the same store", param_hint="--to")
    config = load_config(config_path)
    _need_influx(config)
    until = until or datetime.now(UTC)
    with (
        _open(source, config, sqlite_path, create=False) as read,
        _open(target, config, sqlite_path, create=True) as write,
    ):
        copied = copy_results(read, write, since, until)
    click.echo(f"copied {copied} results from {source} to {target}")
