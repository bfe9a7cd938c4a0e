"""Where results are kept: one Store protocol, an embedded SQLite default, InfluxDB."""

import inspect

from netprobe.errors import ConfigError
from netprobe.store.base import Series, Store
from netprobe.store.influx import InfluxStore
from netprobe.store.sqlite import SqliteStore

STORES = {"sqlite": SqliteStore, "influxdb": InfluxStore}

__all__ = ["STORES", "InfluxStore", "Series", "SqliteStore", "Store", "open_store"]


def open_store(kind: str, **settings: object) -> Store:
    """Open the store of ``kind`` (a key of `STORES`) with its settings (see each class).

    Raises:
        ConfigError: unknown kind, or settings that kind does not take.
        StoreError: the store cannot be opened.
    """
    if kind not in STORES:
        raise ConfigError(f"store kind {kind!r} is unknown; expected one of: {', '.join(STORES)}")
    try:
        inspect.signature(STORES[kind]).bind(**settings)
    except TypeError as exc:
        raise ConfigError(f"bad settings for the {kind} store: {exc}") from None
    return STORES[kind](**settings)
