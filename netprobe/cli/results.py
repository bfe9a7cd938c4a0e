"""`netprobe results`: show stored results as a table, JSON or CSV.

The store is the SQLite file given by --db (or $NETPROBE_DB, else ./var/netprobe.sqlite).
NOT YET WIRED: `--config` (the [store] table of schedules/*.toml) lands with
netprobe.config; until then only --db chooses the store.
"""

import csv
import io
import json
from datetime import UTC, datetime, timedelta

import click

from netprobe.model import Result, Status
from netprobe.store import open_store
from netprobe.store.records import CSV_COLUMNS, result_to_dict, result_to_row
from netprobe.units import format_rate, parse_duration, parse_time

DEFAULT_DB = "var/netprobe.sqlite"
_REASON_WIDTH = 60


class TimeOrAgo(click.ParamType):
    """A time (``2026-01-02``, ``2026-01-02T03:00Z``, epoch seconds) or a span back from now."""

    name = "time"

    def convert(self, value, param, ctx) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return parse_time(value)
        except ValueError as time_error:
            try:
                return datetime.now(UTC) - timedelta(seconds=parse_duration(value))
            except ValueError:
                self.fail(f"{time_error}, or a span back from now such as '24h' or '7d'")


@click.command()
@click.option(
    "--db",
    "db",
    envvar="NETPROBE_DB",
    default=DEFAULT_DB,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The SQLite store to read (also $NETPROBE_DB).",
)
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
    db: str,
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
      netprobe results --since 24h
      netprobe results --endpoint ncsa --status busy --since 7d
      netprobe results --since 2026-01-01 --csv > january.csv
    """
    if as_json and as_csv:
        raise click.UsageError("choose one of --json and --csv")
    with open_store("sqlite", path=db, create=False) as store:
        found = store.results(
            endpoint=endpoint,
            probe=probe,
            since=since,
            until=until,
            status=Status(status) if status else None,
            limit=limit,
        )
    if as_json:
        click.echo(json.dumps([result_to_dict(r) for r in found], indent=2, ensure_ascii=False))
    elif as_csv:
        text = io.StringIO()
        writer = csv.DictWriter(text, CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(result_to_row(r) for r in found)
        click.echo(text.getvalue(), nl=False)
    elif found:
        click.echo(_table(found))
    else:
        click.echo(f"No results in {db} match.", err=True)


def _table(found: list[Result]) -> str:
    header = ("TIME (UTC)", "PROBE", "ENDPOINT", "DIRECTION", "STATUS", "THROUGHPUT", "RETR")
    rows = [(*header, "RTT", "REASON")]
    for r in found:
        rtt = r.metrics.get("rtt_ms", r.metrics.get("rtt_avg_ms"))
        retransmits = r.metrics.get("retransmits")
        reason = " ".join((r.reason or "").split())
        if len(reason) > _REASON_WIDTH:
            reason = reason[: _REASON_WIDTH - 1] + "…"
        rows.append(
            (
                r.started.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
                r.probe,
                r.endpoint,
                r.direction.value,
                r.status.value,
                format_rate(r.throughput_bps),
                "-" if retransmits is None else str(int(retransmits)),
                "-" if rtt is None else f"{rtt:.3g} ms",
                reason,
            )
        )
    widths = [max(len(cell) for cell in column) for column in zip(*rows, strict=True)]
    return "\n".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    )
