"""The store a configuration's [store] table names, opened for a command."""

from netprobe.config import Config
from netprobe.store import Store, open_store

SQLITE_FILE = "netprobe.sqlite"
"""The SQLite file in the site's state_dir when [store] names no path."""


def configured_store(config: Config, *, create: bool = True) -> Store:
    """Open the configured store; sqlite defaults to ``state_dir/netprobe.sqlite``.

    With ``create`` the SQLite file (and its folder, which the config named) is made
    when missing; without it a missing file is a StoreError, for commands that only read.
    """
    settings = config.store.settings()
    if config.store.kind == "sqlite":
        path = config.store.path or config.site.state_dir / SQLITE_FILE
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        settings.update(path=path, create=create)
    return open_store(config.store.kind, **settings)
