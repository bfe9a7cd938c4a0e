"""``[[segments]]``: path segments named by hand, by hops or address ranges, validated."""

import pytest
from test_config_errors import problems, write

from netprobe.config import load_config
from netprobe.localize import link_segments
from netprobe.model import Hop

RENATER = """
[[segments]]
name = "renater-lyon-paris"
hops = ["193.51.180.1", "TE0-1.Paris.Renater.FR."]
prefixes = ["193.51.0.0/16", "2001:660::/32"]

[[segments]]
name = "geant"
prefixes = ["62.40.96.0/19"]
"""


def test_segments_are_read_in_order_with_hops_and_ranges(tmp_path):
    config = load_config(write(tmp_path, top=f"schema = 1\n{RENATER}"))
    renater, geant = config.segments
    assert renater.name == "renater-lyon-paris"
    assert renater.contains("193.51.180.1") and renater.contains("193.51.7.7")
    assert renater.contains("2001:660:3001::1") and not renater.contains("2001:661::1")
    assert renater.contains(None, name="te0-1.paris.renater.fr")  # DNS ignores case and dot
    assert geant.contains("62.40.98.1") and not geant.contains("62.40.128.1")


def test_a_config_without_segments_has_none(tmp_path):
    assert load_config(write(tmp_path)).segments == ()


def test_hops_of_a_trace_fall_into_the_named_segments(tmp_path):
    config = load_config(write(tmp_path, top=f"schema = 1\n{RENATER}"))
    hops = [
        Hop(1, "193.51.180.1"),
        Hop(2, "10.0.0.1", name="te0-1.paris.renater.fr"),  # named by the archive, not ranged
        Hop(3, "62.40.98.1"),
        Hop(4, "62.40.98.77"),
        Hop(5, "141.142.0.1"),
    ]
    path = link_segments(hops, source="ccin2p3", named=config.segments)
    assert path.names == (
        "ccin2p3>193.51.180.1",
        "renater-lyon-paris",
        "10.0.0.1>62.40.98.1",
        "geant",
        "62.40.98.77>141.142.0.1",
    )


BAD = {
    "neither hops nor prefixes": (
        '[[segments]]\nname = "s"',
        'segments[0].hops: missing; expected hops = ["193.51.180.1", ...] or prefixes',
    ),
    "empty hops": (
        '[[segments]]\nname = "s"\nhops = []',
        "segments[0].hops = [...]: expected a non",
    ),
    "a hop with a space": (
        '[[segments]]\nname = "s"\nhops = ["a b"]',
        'segments[0].hops = [...]: item 0 = "a b": expected a hop address or host name',
    ),
    "a range as a hop": (
        '[[segments]]\nname = "s"\nhops = ["193.51.0.0/16"]',
        'item 0 = "193.51.0.0/16": expected a hop address or host name',
    ),
    "not a range": (
        '[[segments]]\nname = "s"\nprefixes = ["193.51.0.0/99"]',
        'segments[0].prefixes = [...]: item 0 = "193.51.0.0/99": expected an address range',
    ),
    "an address without length": (
        '[[segments]]\nname = "s"\nprefixes = ["193.51.0.1"]',
        "expected an address range such as '193.51.0.0/16'",
    ),
    "host bits set": (
        '[[segments]]\nname = "s"\nprefixes = ["2001:660::1/32"]',
        "item 0 = \"2001:660::1/32\": expected the range from its first address: '2001:660::/32'",
    ),
    "unknown key": (
        '[[segments]]\nname = "s"\nhops = ["a"]\nrange = ["10.0.0.0/8"]',
        "segments[0].range = [...]: unknown key; expected one of: hops, name, prefixes",
    ),
    "a name with >": (
        '[[segments]]\nname = "a>b"\nhops = ["a"]',
        'segments[0].name = "a>b": expected a name',
    ),
    "one name twice": (
        '[[segments]]\nname = "s"\nhops = ["a"]\n[[segments]]\nname = "s"\nhops = ["b"]',
        'segments[1].name = "s": duplicate; already defined at',
    ),
    "one hop in two segments": (
        '[[segments]]\nname = "s"\nhops = ["A.example"]\n'
        '[[segments]]\nname = "t"\nhops = ["a.example"]',
        'segments[1].hops = "a.example": expected each address in one segment only; ',
    ),
    "a hop inside another's range": (
        '[[segments]]\nname = "s"\nprefixes = ["62.40.96.0/19"]\n'
        '[[segments]]\nname = "t"\nhops = ["62.40.98.1"]',
        'segments[1].hops = "62.40.98.1": expected each address in one segment only',
    ),
    "overlapping ranges": (
        '[[segments]]\nname = "s"\nprefixes = ["2001:660::/32"]\n'
        '[[segments]]\nname = "t"\nprefixes = ["2001:660:3000::/40"]',
        'segments[1].prefixes = "2001:660:3000::/40": expected each address in one segment only',
    ),
}


@pytest.mark.parametrize(("table", "expected"), BAD.values(), ids=BAD.keys())
def test_a_bad_segment_names_file_key_value_and_expectation(tmp_path, table, expected):
    path = write(tmp_path, top=f"schema = 1\n{table}")
    message = problems(path)
    line = next((line for line in message.splitlines() if expected in line), None)
    assert line is not None, message
    assert line.strip().startswith(f"{path}: ")


def test_the_owner_of_a_hop_is_named_across_files(tmp_path):
    write(tmp_path, "a.toml")
    (tmp_path / "b.toml").write_text(
        'schema = 1\n[[segments]]\nname = "t"\nprefixes = ["193.51.0.0/16"]\n'
    )
    (tmp_path / "c.toml").write_text(
        'schema = 1\n[[segments]]\nname = "u"\nhops = ["193.51.1.1"]\n'
    )
    message = problems(tmp_path)
    assert f'{tmp_path / "c.toml"}: segments[0].hops = "193.51.1.1"' in message
    assert f"{tmp_path / 'b.toml'} segments[0] (t) has it" in message
