"""`netprobe run` (every probe due now, from cron) and `netprobe probe` (one endpoint now)."""

import contextlib
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from netprobe.cli.config_option import config_option, warn_if_insecure
from netprobe.cli.configured_store import configured_store
from netprobe.cli.render import results_json, results_table
from netprobe.config import load_config
from netprobe.errors import Interrupted, LockBusy
from netprobe.model import Result
from netprobe.runner import run_due, run_probe

TESTS = ("throughput", "rtt", "trace")


@contextlib.contextmanager
def sigterm_stops() -> Iterator[None]:
    """Turn SIGTERM into Interrupted, so the tool under way is killed and the run recorded."""

    def stop(signum: int, frame: object) -> None:
        raise Interrupted(f"stopped by {signal.Signals(signum).name}")

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command()
@config_option
@click.option("--no-jitter", is_flag=True, help="Start every due probe at once, ignoring jitter.")
@click.option("--json", "as_json", is_flag=True, help="Print the stored results as a JSON list.")
def run(config_path: Path | None, no_jitter: bool, as_json: bool) -> None:
    """Run every probe that is due now, and store every result, failures included.

    Meant for cron, once a minute (see `netprobe schedule cron`). Slots that passed without
    a run are stored as `missed`. A second `netprobe run` while one is going exits at once
    (status 0, a note on stderr): the slots it would have run are caught up as missed.

    \b
    Example:
      netprobe run --config schedules/lab.toml
    """
    config = load_config(config_path)
    warn_if_insecure(config)
    with configured_store(config) as store, sigterm_stops():
        try:
            report = run_due(config, store, jitter=not no_jitter)
        except LockBusy as busy:
            click.echo(f"netprobe run: nothing done: {busy}", err=True)
            return
        _say_if_spooled(store)
    if as_json:
        click.echo(results_json(report.results))
        return
    if report.missed:
        click.echo(f"{len(report.missed)} missed slot(s) recorded.", err=True)
    click.echo(results_table(report.results) if report.results else "No probe was due.")


@click.command()
@config_option
@click.argument("endpoint")
@click.option(
    "--test",
    type=click.Choice(TESTS),
    default="throughput",
    show_default=True,
    help="Which of the endpoint's configured probes to run.",
)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per direction measured.")
def probe(config_path: Path | None, endpoint: str, test: str, as_json: bool) -> None:
    """Run the configured TEST probes to ENDPOINT now, store the results and print them.

    Exits 0 when every direction measured, 1 when any failed (the failure is stored and
    printed with its reason, never as 0 bit/s).

    \b
    Example:
      netprobe probe --config schedules/lab.toml np-starlight --json
    """
    config = load_config(config_path)
    warn_if_insecure(config)
    config.endpoint(endpoint)  # an unknown name is an error listing the known ones
    probes = config.probes_to(endpoint, test)
    if not probes:
        raise click.UsageError(f"no {test} probe to {endpoint!r} is configured")
    found: list[Result] = []
    with configured_store(config) as store, sigterm_stops():
        for configured in probes:
            found += run_probe(config, store, configured)
        _say_if_spooled(store)
    if as_json:
        click.echo(results_json(found))
    else:
        click.echo(results_table(found))
    if not all(r.ok for r in found):
        sys.exit(1)


def _say_if_spooled(store: object) -> None:
    """Tell the user when results went to the spool instead of the store (InfluxDB down)."""
    problem = getattr(store, "problem", None)
    if problem:
        click.echo(f"netprobe: results kept in the spool, to be flushed later: {problem}", err=True)
