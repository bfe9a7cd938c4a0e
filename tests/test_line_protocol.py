"""Line protocol and InfluxQL quoting: pure, exact to the InfluxDB rules."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netprobe.store import influxql
from netprobe.store.line_protocol import (
    decode_name,
    encode_name,
    escape_key,
    escape_measurement,
    field_value,
    line,
)


@given(st.text(min_size=1))
def test_name_encoding_round_trips_and_leaves_nothing_line_protocol_cannot_carry(text):
    encoded = encode_name(text)
    assert decode_name(encoded) == text
    assert not {"\n", "\r", "\\", "\x00"} & set(encoded)
    assert not encoded.startswith("#") and not encoded[0].isspace()


@pytest.mark.parametrize(
    ("name", "encoded"),
    [
        ("ncsa", "ncsa"),
        ("starlight-ü ✓", "starlight-ü ✓"),
        ("100%", "100%25"),
        ("a\\b\\", "a%5Cb%5C"),
        ("two\nlines\r", "two%0Alines%0D"),
        ("#first #not", "%23first #not"),
        ("nul\x00", "nul%00"),
        ("%23", "%2523"),
        ("\t0", "%090"),
        (" lead trail ", "%20lead trail "),
        ("\u3000wide", "%u3000;wide"),
        ("%u3000;", "%25u3000;"),
    ],
)
def test_only_unsafe_characters_are_encoded(name, encoded):
    assert encode_name(name) == encoded
    assert decode_name(encoded) == name


def test_escaping_follows_each_part_of_the_line():
    assert escape_measurement("a b,c=d") == "a\\ b\\,c=d"
    assert escape_key("a b,c=d") == "a\\ b\\,c\\=d"
    assert field_value('say "hi" \\ bye\nnext') == '"say \\"hi\\" \\\\ bye\nnext"'
    assert field_value(12) == "12i"
    assert field_value(True) == "true"
    assert field_value(9.4e9) == "9400000000.0"


def test_a_point_sorts_tags_and_leaves_empty_ones_out():
    text = line("throughput", {"site": "", "endpoint": "a b", "direction": "forward"},
                {"status": "ok", "throughput_bps": 1.5}, 1_700_000_000_000_001)  # fmt: skip
    expected = 'throughput,direction=forward,endpoint=a\\ b status="ok",throughput_bps=1.5 '
    assert text == expected + "1700000000000001"


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_floats_and_empty_names_are_refused(bad):
    with pytest.raises(ValueError, match="cannot be stored"):
        field_value(bad)
    with pytest.raises(ValueError, match="empty name"):
        encode_name("")
    with pytest.raises(ValueError, match="at least one field"):
        line("m", {}, {}, 0)


def test_influxql_quoting():
    assert influxql.identifier('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert influxql.literal("it's") == "'it\\'s'"
    assert influxql.time_literal(1) == "1000"
