"""The lab as pytest fixtures: one isolated lab per test session, always removed.

The namespaces are prefixed ``np-t<pid>-`` so a lab a developer has up (``np-``) is never
touched; a lab left behind by a killed earlier session (its pid gone) is removed first.
"""

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from netprobe.lab import Lab, Shaping, topology

_TOOLS = ("ip", "tc", "iptables", "ip6tables", "iperf3", "ping", "traceroute", "ss")
_TEST_PREFIX = re.compile(r"^(np-t(\d+)[a-z]?-)")


def lab_missing() -> str | None:
    """Why the lab cannot be built here (not root, a tool missing), or None."""
    if os.geteuid() != 0:
        return "lab tests need root (network namespaces, tc)"
    missing = [tool for tool in _TOOLS if shutil.which(tool) is None]
    return f"lab tests need {', '.join(missing)}" if missing else None


def _remove_stale_test_labs() -> None:
    """Remove labs of earlier test sessions whose process no longer exists."""
    netns_dir = Path("/run/netns")
    names = os.listdir(netns_dir) if netns_dir.exists() else []
    stale = set()
    for name in names:
        match = _TEST_PREFIX.match(name)
        if match and not Path(f"/proc/{match.group(2)}").exists():
            stale.add(match.group(1))
    for prefix in stale:
        Lab(prefix=prefix).down()


@pytest.fixture(scope="session")
def lab_session() -> Iterator[Lab]:
    """A lab built once for the session under prefix ``np-t<pid>-``; removed at the end."""
    reason = lab_missing()
    if reason:
        pytest.skip(reason)
    _remove_stale_test_labs()
    built = Lab(prefix=f"np-t{os.getpid()}-")
    try:
        built.up()
        yield built
    finally:
        built.down()


@pytest.fixture
def lab(lab_session: Lab) -> Iterator[Lab]:
    """The session's lab; after the test, repaired, back to its default shaping and its
    direct routes."""
    yield lab_session
    state = lab_session.status()
    if not state.complete:
        lab_session.up()
    for endpoint in state.rerouted:
        lab_session.reroute(endpoint, back=True)
    for item in state.links:
        default = Shaping(rate_bps=topology.DEFAULT_RATE_BPS[item.name])
        if any(end.shaping != default for end in item.ends):
            lab_session.shape(item.name, rate_bps=default.rate_bps)


@pytest.fixture
def spare_lab() -> Iterator[Lab]:
    """A second lab (prefix ``np-t<pid>s-``), not built; removed after the test whatever
    the test did with it."""
    reason = lab_missing()
    if reason:
        pytest.skip(reason)
    spare = Lab(prefix=f"np-t{os.getpid()}s-")
    try:
        yield spare
    finally:
        spare.down()
