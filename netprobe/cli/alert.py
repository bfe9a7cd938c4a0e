"""`netprobe alert` (send what changed, from cron) and `netprobe check` (a Nagios plugin)."""

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from netprobe.cli.config_option import config_option
from netprobe.cli.configured_store import configured_store
from netprobe.cli.params import Duration
from netprobe.config import Config, load_config
from netprobe.errors import ExitCode, NagiosCode, NetprobeError, StoreError
from netprobe.model import Suspect, Verdict

WINDOW = "30d"

window_option = click.option(
    "--window",
    type=Duration(),
    default=WINDOW,
    show_default=True,
    help="How far back the analysis reads results.",
)


@dataclass
class Evaluation:
    """What one analysis of the recent results found, for `alert` and `check`."""

    verdicts: list[Verdict]
    evaluated: set[str]  # the endpoints analysed
    host_notes: dict[tuple[str, str, str], str] = field(default_factory=dict)
    suspects: dict[tuple[str, str], Suspect] = field(default_factory=dict)
    problem: str | None = None  # why the analysis could not be written for the dashboards


def _current(
    config: Config,
    endpoint: str | None,
    window: float,
    *,
    alerting: bool = False,
    write: bool = False,
) -> Evaluation:
    """The verdicts that hold now and the endpoints analysed, over the last ``window`` s;
    ``alerting`` adds the host context notes and the suspect segments a notification
    carries; ``write`` writes the analysis back to the store for the dashboards."""
    from netprobe.analysis import analyze, current_verdicts, host_notes

    now = datetime.now(UTC)
    since = now - timedelta(seconds=window)
    with configured_store(config, create=False) as store:
        analyses = analyze(config, store, endpoint=endpoint, since=since, now=now)
        found = Evaluation(current_verdicts(analyses), {a.endpoint for a in analyses})
        if alerting:
            from netprobe.locate import locate, suspects

            found.host_notes = host_notes(store, analyses)
            located = locate(config, store, analyses=analyses, since=since, now=now)
            found.suspects = suspects(located)
        if write:
            from netprobe.publish import publish

            try:
                publish(config, store, analyses, now=now, since=since)
            except StoreError as exc:
                found.problem = f"cannot write the analysis for the dashboards: {exc}"
    return found


@click.command()
@config_option
@window_option
@click.option(
    "--write",
    is_flag=True,
    help="Also write the analysis to the store for the Grafana dashboards (as "
    "`netprobe analyze --write`).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the notifications sent as JSON.")
def alert(config_path: Path | None, window: float, write: bool, as_json: bool) -> None:
    """Analyse the recent results and notify the [alerts] sinks of what opened or resolved.

    Idempotent and meant for cron (every 5 or 10 minutes): an alert is sent once when it
    opens (after the "M of N" hold-down), re-posted to Alertmanager while open, and sent
    once more when it resolves. A degraded link whose path is traced carries its suspect
    segment (as `netprobe localize` ranks it) and the links that point to it; when the
    host context (iperf3 version, congestion control, MTU, a CPU-bound sender) changed
    where the trouble began, the alert says so. Exits 1 when a sink could not be reached
    (the message stays queued and is sent by the next run). With --write each evaluation
    also writes the change points, plan line, verdicts and health for Grafana; a store
    that cannot take them is reported and exits 1, after the alerts. Rules and sinks:
    docs/alerts.md.

    \b
    Example:
      netprobe alert --config /etc/netprobe/site.toml --write
    """
    from netprobe.alerts import deliver
    from netprobe.alerts.text import host_note, suspect_text

    config = load_config(config_path)
    found = _current(config, None, window, alerting=True, write=write)
    run = deliver(
        found.verdicts,
        site=config.site.name,
        state_dir=config.site.state_dir,
        settings=config.alerts,
        now=datetime.now(UTC),
        evaluated=found.evaluated,
        host_notes=found.host_notes,
        suspects=found.suspects,
    )
    if as_json:
        click.echo(json.dumps([n.as_dict() for n in run.notifications], indent=2))
    else:
        for note in run.notifications:
            key = note.key
            click.echo(
                f"{note.event.value:8} {key.endpoint} {key.direction} {key.kind}: {note.summary}"
            )
            if note.host_context_changed:
                click.echo(f"{'':8} {host_note(note)}")
            if note.suspect:
                click.echo(f"{'':8} suspect: {suspect_text(note.suspect)}")
        click.echo(
            f"{len(run.open_alerts)} alert(s) open, {run.held} held by quiet hours.", err=True
        )
    errors = run.errors + ([found.problem] if found.problem else [])
    for line in errors:
        click.echo(f"netprobe alert: {line}", err=True)
    if errors:
        sys.exit(ExitCode.FAILURE)


class NagiosCommand(click.Command):
    """A command whose usage errors exit 3 (UNKNOWN): a 2 would read as CRITICAL."""

    def make_context(self, *args, **kwargs) -> click.Context:
        try:
            return super().make_context(*args, **kwargs)
        except click.UsageError as exc:
            exc.exit_code = NagiosCode.UNKNOWN
            raise


@click.command(cls=NagiosCommand)
@config_option
@click.option("--endpoint", help="Only the link to this endpoint.")
@window_option
def check(config_path: Path | None, endpoint: str | None, window: float) -> None:
    """A Nagios/Icinga plugin: one status line with perfdata, exit 0/1/2/3.

    OK when no link has a problem now, WARNING or CRITICAL by the severity of the worst
    verdict ([alerts] severity), UNKNOWN when nothing could be analysed or the arguments,
    config or store are wrong.

    \b
    Example (Icinga CheckCommand):
      netprobe check --config /etc/netprobe/site.toml --endpoint ncsa
    """
    from netprobe.alerts import check_status

    try:
        config = load_config(config_path)
        verdicts = _current(config, endpoint, window).verdicts
    except NetprobeError as exc:
        click.echo(f"NETPROBE UNKNOWN - {exc}")
        sys.exit(NagiosCode.UNKNOWN)
    code, line = check_status(verdicts, config.alerts)
    click.echo(line)
    sys.exit(code)
