"""The `--config PATH` option, shared by every command that reads the schedule files."""

from pathlib import Path

import click

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
