"""``role = "test-point"`` endpoints part of the way along links named in ``on``."""

import re
from pathlib import Path

import pytest
from test_config_errors import problems, write

from netprobe.config import load_config
from netprobe.model import FAR_END, TEST_POINT

GEANT = """
[[endpoints]]
name = "geant-par"
host = "ps.par.example.net"
role = "test-point"
on = ["lyon-ncsa"]
"""


def test_a_test_point_is_an_endpoint_with_its_role_and_links(tmp_path):
    config = load_config(write(tmp_path, endpoint=GEANT))
    point = config.endpoint("geant-par")
    assert (point.role, point.on) == (TEST_POINT, ("lyon-ncsa",))
    assert config.endpoint("ncsa").role == FAR_END and config.endpoint("ncsa").on == ()


def test_a_test_point_is_probed_like_any_endpoint(tmp_path):
    probe = '[[probes]]\nname = "par-trace"\ntest = "trace"\nendpoint = "geant-par"\nevery = "1h"'
    config = load_config(write(tmp_path, endpoint=GEANT, options=probe))
    assert config.spec("par-trace").endpoint.host == "ps.par.example.net"


BAD = {
    "unknown role": (
        'role = "midpoint"',
        'role = "midpoint": expected one of: endpoint, test-point',
    ),
    "on without the role": ('on = ["lyon-ncsa"]', 'on = [...]: expected only with role = "test-'),
    "on an unknown link": (
        'role = "test-point"\non = ["lyon-nsca"]',
        'endpoints[0].on = "lyon-nsca": unknown link; expected one of: lyon-ncsa',
    ),
    "on not a list": ('role = "test-point"\non = "lyon-ncsa"', 'on = "lyon-ncsa": expected a non'),
}


@pytest.mark.parametrize(("keys", "expected"), BAD.values(), ids=BAD.keys())
def test_a_bad_test_point_names_file_key_value_and_expectation(tmp_path, keys, expected):
    path = write(tmp_path, endpoint=keys)
    message = problems(path)
    line = next((line for line in message.splitlines() if expected in line), None)
    assert line is not None, message
    assert line.strip().startswith(f"{path}: ")


def test_the_commented_localize_example_of_the_real_schedule_loads(tmp_path):
    """schedules/cc-in2p3.toml ships segments and a test point commented out (their values
    are to be confirmed): uncommented, they must be valid."""
    shipped = (Path(__file__).resolve().parents[1] / "schedules" / "cc-in2p3.toml").read_text()
    head, example = shipped.split("# --- Locating a fault")
    toml = re.compile(r"^# (\[|[a-z_]+ = )")
    lines = [line[2:] if toml.match(line) else line for line in example.splitlines()]
    path = tmp_path / "cc-in2p3.toml"
    path.write_text(head + "\n".join(lines[1:]))
    config = load_config(path)
    assert [s.name for s in config.segments] == ["renater", "geant"]
    point = config.endpoint("geant-par")
    assert point.role == TEST_POINT and point.on == ("lyon-ncsa", "lyon-starlight")
    assert [p.name for p in config.probes_to("geant-par")] == [
        "geant-par-throughput-fwd",
        "geant-par-trace",
    ]
