"""A real influxd (Debian's influxdb 1.x) as pytest fixtures: one server per session.

Each test gets its own database, dropped afterwards. Without influxd the tests that need
it fail under CI (CI=true: scripts/install.sh installs it there) and are skipped, with
the reason, on a developer's machine that lacks it.
"""

import itertools
import os
from collections.abc import Iterator

import pytest

from netprobe.lab.influxd import Influxd, influxd_missing

_NAMES = itertools.count()


def need_influxd() -> None:
    """Fail (in CI) or skip (elsewhere) the calling test when influxd is not installed."""
    reason = influxd_missing()
    if reason and os.environ.get("CI"):
        pytest.fail(reason)
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def influxd(tmp_path_factory) -> Iterator[Influxd]:
    """An influxd on free loopback ports with its files in a temporary folder."""
    need_influxd()
    server = Influxd(tmp_path_factory.mktemp("influxd")).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def influx_database(influxd: Influxd) -> Iterator[str]:
    """The name of a database no other test uses (created by the store's first write)."""
    name = f"t{os.getpid()}_{next(_NAMES)}"
    yield name
    influxd.query(f'DROP DATABASE "{name}"')
