"""What several commands share: the --config option and the store the config names."""

from pathlib import Path

import click

from netprobe.config import Config, load_config
from netprobe.store import Store, open_store

SQLITE_FILE = "netprobe.sqlite"

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    envvar="NETPROBE_CONFIG",
    help="A schedule file or a folder of them (default ./schedules, or $NETPROBE_CONFIG).",
)


def load(config_path: Path | None) -> Config:
    """The validated configuration (ConfigError, exit 2, names file, key and value)."""
    return load_config(config_path)


def configured_store(config: Config) -> Store:
    """Open the store the config's [store] table names (sqlite: state_dir/netprobe.sqlite)."""
    settings = config.store
    if settings.kind == "sqlite":
        path = settings.path or config.site.state_dir / SQLITE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)  # the config named it: make its folder
        return open_store("sqlite", path=path)
    raise click.UsageError(f"store kind {settings.kind!r} is not available in this version")
