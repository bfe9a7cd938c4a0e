"""The `netprobe` command: parse, call one room, render. No logic of its own."""

import sys

import click

from netprobe import __version__
from netprobe.cli.lazy import LazyGroup
from netprobe.errors import ExitCode, NetprobeError


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="netprobe")
@click.option(
    "--traceback", is_flag=True, help="Show the Python traceback of an error (for developers)."
)
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Measure research-network links, keep the results, and find when they got worse.

    \b
    Typical use, from cron:   * * * * * netprobe run
    One probe now:            netprobe probe ENDPOINT --json
    A local test network:     netprobe lab up
    """
    ctx.ensure_object(dict)
    ctx.obj["traceback"] = traceback


def main() -> None:
    """Entry point: run the CLI, turning expected errors into one line and an exit code."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(ExitCode.FAILURE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except NetprobeError as exc:
        if "--traceback" in sys.argv:
            raise
        click.echo(f"Error: {exc}", err=True)
        sys.exit(exc.exit_code)
    sys.exit(ExitCode.OK)


# One line per command: its module is imported only when the command runs (cli/lazy.py).
cli.add_lazy("results", "netprobe.cli.results:results")
cli.add_lazy("lab", "netprobe.cli.lab:lab")
cli.add_lazy("run", "netprobe.cli.run:run")
cli.add_lazy("probe", "netprobe.cli.run:probe")
cli.add_lazy("schedule", "netprobe.cli.schedule:schedule")
cli.add_lazy("detect", "netprobe.cli.detect:detect")
cli.add_lazy("analyze", "netprobe.cli.analyze:analyze")
cli.add_lazy("alert", "netprobe.cli.alert:alert")
cli.add_lazy("check", "netprobe.cli.alert:check")
cli.add_lazy("localize", "netprobe.cli.localize:localize")
cli.add_lazy("import", "netprobe.cli.importing:import_")
cli.add_lazy("psconfig", "netprobe.cli.psconfig:psconfig")
cli.add_lazy("store", "netprobe.cli.store:store")
cli.add_lazy("report", "netprobe.cli.report:report")
cli.add_lazy("receive", "netprobe.cli.receive:receive")
