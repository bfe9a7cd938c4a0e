"""The `--config PATH` option, shared by every command that reads the schedule files, and
the warning a configuration that skips TLS verification gets each time it is used."""

from pathlib import Path

import click

from netprobe.config import Config

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path, dir_okay=True),
    default=None,
    metavar="PATH",
    help="Schedule file, or a folder whose *.toml are merged into one deployment. "
    "[default: $NETPROBE_CONFIG, else ./schedules]",
)
"""``--config PATH`` → the command's ``config_path`` argument (None: the default applies)."""


def warn_if_insecure(config: Config) -> None:
    """Say on stderr, loudly, that the pScheduler lead's certificate is not verified."""
    lead = config.pscheduler
    if lead is not None and lead.insecure:
        click.echo(
            f"WARNING: [pscheduler] insecure = true: the certificate of {lead.url} is NOT "
            "verified; anyone on the path can forge its results. Prefer ca_file with the "
            "lead's CA.",
            err=True,
        )
