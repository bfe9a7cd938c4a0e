"""The `netprobe` command: parse, call one room, render. No logic of its own."""

import sys

import click

from netprobe import __version__
from netprobe.errors import ExitCode, NetprobeError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


from netprobe.cli.results import results  # noqa: E402

cli.add_command(results)

from netprobe.cli.lab import lab  # noqa: E402

cli.add_command(lab)

from netprobe.cli.run import probe, run  # noqa: E402

cli.add_command(run)
cli.add_command(probe)

from netprobe.cli.schedule import schedule  # noqa: E402

cli.add_command(schedule)

from netprobe.cli.detect import detect  # noqa: E402

cli.add_command(detect)

from netprobe.cli.analyze import analyze  # noqa: E402

cli.add_command(analyze)

from netprobe.cli.alert import alert, check  # noqa: E402

cli.add_command(alert)
cli.add_command(check)

from netprobe.cli.localize import localize  # noqa: E402

cli.add_command(localize)

from netprobe.cli.importing import import_  # noqa: E402

cli.add_command(import_)

from netprobe.cli.psconfig import psconfig  # noqa: E402

cli.add_command(psconfig)

from netprobe.cli.store import store  # noqa: E402

cli.add_command(store)

from netprobe.cli.report import report  # noqa: E402

cli.add_command(report)

from netprobe.cli.receive import receive  # noqa: E402

cli.add_command(receive)
