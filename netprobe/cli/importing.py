"""`netprobe import`: bring results made elsewhere into the store (iperf3 files, perfSONAR).

Every import is idempotent and resumable: what is already stored is counted and skipped,
so running it twice stores nothing twice and a stopped import is finished by running it
again. Documents that cannot be translated are counted with their reason, never fatal.
"""

import json
import sys
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.results import TimeOrAgo
from netprobe.config import load_config
from netprobe.ingest.esmond_archive import WINDOW, read_archive
from netprobe.ingest.http import INSECURE_WARNING, PASSWORD_ENV, TOKEN_ENV, JsonClient
from netprobe.ingest.http import authorization as credentials
from netprobe.ingest.importer import Counts, Read, import_reads
from netprobe.ingest.iperf3_files import read_files
from netprobe.ingest.opensearch_archive import INDEX, read_index
from netprobe.model import Direction
from netprobe.store import Store, open_store
from netprobe.units import parse_duration

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _store_options(command: Callable) -> Callable:
    """--db, --config and --json: where results go and how counts are shown."""
    command = click.option(
        "--json", "as_json", is_flag=True, help="Print the counts as one JSON object."
    )(command)
    command = config_option(command)
    return click.option(
        "--db",
        "db",
        envvar="NETPROBE_DB",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Import into this SQLite file (made if missing) instead of the configured "
        "store (also $NETPROBE_DB).",
    )(command)


def _http_options(command: Callable) -> Callable:
    """The time range, and how to reach the archive: timeout, TLS, credentials."""
    for option in reversed(
        [
            click.option(
                "--until", type=TimeOrAgo(), help="Only results started before TIME [now]."
            ),
            click.option(
                "--timeout",
                type=click.FloatRange(min=0.1),
                default=30.0,
                show_default=True,
                help="Seconds to wait for each answer of the archive.",
            ),
            click.option(
                "--ca-file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="PEM file of the CA that signed the archive's certificate.",
            ),
            click.option(
                "--insecure",
                is_flag=True,
                help="Do not verify the archive's TLS certificate (warns; never the default).",
            ),
            click.option(
                "--user", help=f"Basic-auth user; password from --password-file or ${PASSWORD_ENV}."
            ),
            click.option(
                "--password-file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="File whose first line is the --user's password.",
            ),
            click.option(
                "--token-file",
                type=click.Path(dir_okay=False, path_type=Path),
                help=f"File whose first line is a bearer token (else ${TOKEN_ENV}, if set).",
            ),
        ]
    ):
        command = option(command)
    return command


def _client(
    timeout: float,
    ca_file: Path | None,
    insecure: bool,
    user: str | None,
    password_file: Path | None,
    token_file: Path | None,
) -> JsonClient:
    """The HTTP client the options describe; warns on stderr when TLS is not verified."""
    if insecure:
        click.secho(INSECURE_WARNING, err=True, fg="red", bold=True)
    return JsonClient(
        timeout=timeout,
        ca_file=ca_file,
        insecure=insecure,
        authorization=credentials(user=user, password_file=password_file, token_file=token_file),
    )


@click.group("import")
def import_() -> None:
    """Import results made elsewhere: saved iperf3 -J files, perfSONAR archives.

    Imports are idempotent: a result already stored is counted as "already present" and
    not written again, so running an import twice stores nothing twice, and an import that
    was stopped is finished by running it again. Documents that cannot be read are counted
    with their reason. A progress line is shown on a terminal; the counts come at the end.

    \b
    Examples:
      netprobe import iperf3 /data/iperf3-logs/ --site ccperfsonar1.in2p3.fr
      netprobe import esmond https://ps-archive.example.org --since 2019-01-01
      netprobe import opensearch https://ps5.example.org/opensearch --user reader \\
          --password-file ~/.ps-password --since 2024-01-01
    """


@import_.command("iperf3")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@_store_options
@click.option("--site", help="Site name to store [the configuration's site, else 'local'].")
@click.option(
    "--endpoint",
    help="Endpoint name to store [the host each document connected to].",
)
@click.option(
    "--direction",
    type=click.Choice([d.value for d in Direction]),
    help="For documents that do not record it (test_start.reverse) [forward].",
)
def iperf3(
    paths: tuple[Path, ...],
    db: Path | None,
    config_path: Path | None,
    as_json: bool,
    site: str | None,
    endpoint: str | None,
    direction: str | None,
) -> None:
    """Import saved `iperf3 -J` outputs: files, or folders searched for *.json.

    Results are stored as probe "import:iperf3". Failed runs (an error document, a run cut
    short) are imported as failures with their reason, never as 0 bit/s. A document
    without a start time takes its file's modification time, and says so in its flags.

    \b
    Example:
      netprobe import iperf3 /data/iperf3/ --site lyon --endpoint ncsa --db np.sqlite
    """
    store, configured_site = _open(db, config_path)
    reads = read_files(
        paths,
        site=site or configured_site,
        endpoint=endpoint,
        direction=Direction(direction) if direction else None,
    )
    _run(reads, store, as_json, Counts())


@import_.command("esmond")
@click.argument("url")
@_store_options
@click.option("--source", help="Only measurements from this host (name or address).")
@click.option("--dest", help="Only measurements to this host (name or address).")
@click.option(
    "--since",
    type=TimeOrAgo(),
    help="Only results started at or after TIME [365 days ago].",
)
@_http_options
@click.option(
    "--window",
    default=f"{WINDOW.days}d",
    show_default=True,
    help="Time span of one base-data request.",
)
def esmond(
    url: str,
    db: Path | None,
    config_path: Path | None,
    as_json: bool,
    source: str | None,
    dest: str | None,
    since: datetime | None,
    until: datetime | None,
    window: str,
    **http: object,
) -> None:
    """Import a perfSONAR 4.x measurement archive (esmond) at URL.

    Searches the archive's metadata (--source, --dest), then reads each measurement's
    throughput, packet-retransmits, failures, histogram-rtt, packet-loss-rate and
    packet-trace base data, one --window of time per request. Archive failures are
    imported as failures. Other event types are counted as skipped.

    \b
    Example:
      netprobe import esmond https://ps-archive.example.org --source ccperfsonar1.in2p3.fr \\
          --dest psb-bw-100g.ncsa.illinois.edu --since 2019-01-01 --ca-file site-ca.pem
    """
    try:
        span = timedelta(seconds=parse_duration(window))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--window") from None
    if span.total_seconds() < 1:
        raise click.BadParameter("expected at least 1s", param_hint="--window")
    until = until or datetime.now(UTC)
    since = since or until - timedelta(days=365)
    client = _client(**http)
    store, _ = _open(db, config_path)
    counts = Counts()
    reads = read_archive(
        client,
        url,
        since=since,
        until=until,
        source=source,
        dest=dest,
        window=span,
        skipped=counts.skipped,
    )
    _run(reads, store, as_json, counts)


@import_.command("opensearch")
@click.argument("url")
@_store_options
@click.option("--index", default=INDEX, show_default=True, help="Index or data stream to read.")
@click.option(
    "--since", type=TimeOrAgo(), help="Only results started at or after TIME [the first]."
)
@_http_options
@click.option(
    "--page",
    type=click.IntRange(min=1, max=10_000),
    default=1000,
    show_default=True,
    help="Hits per search request.",
)
@click.option(
    "--intervals",
    is_flag=True,
    help="Keep each run's per-interval rates too (ten times the data; slower).",
)
def opensearch(
    url: str,
    db: Path | None,
    config_path: Path | None,
    as_json: bool,
    index: str,
    since: datetime | None,
    until: datetime | None,
    page: int,
    intervals: bool,
    **http: object,
) -> None:
    """Import a perfSONAR 5 archive (OpenSearch) at URL, index pscheduler_throughput.

    Pages through the index sorted by pscheduler.start_time with search_after. Results
    with result.succeeded false are imported as failures. Each run's summary is imported;
    --intervals keeps its per-interval rates as well. Credentials: --user with
    --password-file (or $NETPROBE_ARCHIVE_PASSWORD), or a bearer token.

    \b
    Example:
      netprobe import opensearch https://ps5.example.org/opensearch --user reader \\
          --password-file ~/.ps-password --index pscheduler_rtt --since 90d
    """
    client = _client(**http)
    store, _ = _open(db, config_path)
    reads = read_index(
        client,
        url,
        since=since or _EPOCH,
        until=until or datetime.now(UTC),
        index=index,
        page=page,
        intervals=intervals,
    )
    _run(reads, store, as_json, Counts())


def _open(db: Path | None, config_path: Path | None) -> tuple[Store, str]:
    """The store to import into, and the site name results are stored under by default."""
    if db is not None:
        return open_store("sqlite", path=db, create=True), "local"
    config = load_config(config_path)
    return configured_store(config, create=True), config.site.name


def _run(reads: Iterable[Read], store: Store, as_json: bool, counts: Counts) -> None:
    """Import, with a progress line on a terminal, then print the counts."""
    show = _progress_line() if sys.stderr.isatty() else None
    with store:
        try:
            import_reads(reads, store, counts=counts, progress=show)
        finally:
            if show:
                click.echo("", err=True)
    if as_json:
        click.echo(json.dumps(counts.as_dict(), indent=2))
    else:
        click.echo(_summary(counts))


def _progress_line() -> Callable[[Counts], None]:
    """A callback that rewrites one stderr line with the counts and the pace."""
    began = time.monotonic()

    def show(counts: Counts) -> None:
        pace = counts.read / max(time.monotonic() - began, 1e-6)
        click.echo(
            f"\rread {counts.read:,}  stored {counts.stored:,}  already present "
            f"{counts.present:,}  rejected {counts.rejected_total:,}  ({pace:,.0f}/s)",
            err=True,
            nl=False,
        )

    return show


def _summary(counts: Counts) -> str:
    """The counts for a person: totals, then each rejection reason and what was skipped."""
    lines = [
        f"read {counts.read} documents → {counts.results} results: {counts.stored} stored "
        f"({counts.failures} failures), {counts.present} already present; "
        f"{counts.rejected_total} rejected"
    ]
    for reason, n in counts.rejected.most_common():
        lines.append(f"  rejected {n}×: {reason} (first: {counts.first_rejected[reason]})")
    for what, n in sorted(counts.skipped.items()):
        lines.append(f"  skipped: {what} ({n}×)")
    return "\n".join(lines)
