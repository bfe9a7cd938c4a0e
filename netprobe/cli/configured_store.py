"""The store a configuration's [store] table names, opened for a command."""

from netprobe.config import Config
from netprobe.store import Store, open_store
from netprobe.store.influx import InfluxStore
from netprobe.store.spool import Spool, SpooledStore

SQLITE_FILE = "netprobe.sqlite"
"""The SQLite file in the site's state_dir when [store] names no path."""
SPOOL_DIR = "spool"
"""The folder in the site's state_dir where results wait while InfluxDB is unavailable."""


def configured_spool(config: Config) -> Spool:
    """The spool of the site: ``state_dir/spool``."""
    return Spool(config.site.state_dir / SPOOL_DIR)


def configured_store(config: Config, *, create: bool = True) -> Store:
    """Open the configured store; sqlite defaults to ``state_dir/netprobe.sqlite``.

    With ``create`` the SQLite file (and its folder, which the config named) is made
    when missing; without it a missing file is a StoreError, for commands that only read.
    InfluxDB comes wrapped in the site's spool, so an outage loses no result.
    """
    settings = config.store.settings()
    if config.store.kind == "sqlite":
        path = config.store.path or config.site.state_dir / SQLITE_FILE
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        settings.update(path=path, create=create)
    store = open_store(config.store.kind, **settings)
    if isinstance(store, InfluxStore):
        return SpooledStore(store, configured_spool(config))
    return store
