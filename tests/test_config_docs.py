"""docs/config.md documents every key the validator accepts, in the right section.

The accepted keys are asked of the validator itself: a table with an unknown key is
refused with the list of keys it accepts.
"""

import re
from pathlib import Path

import pytest

from netprobe.config import load_config
from netprobe.errors import ConfigError

DOC = (Path(__file__).resolve().parents[1] / "docs" / "config.md").read_text()

BASE = """\
schema = 1
{top}
[site]
name = "s.example.org"
{site}
{store}
[[endpoints]]
name = "e"
host = "h.example.org"
{endpoint}
[[links]]
name = "l"
endpoint = "e"
plan = [{{ from = 2020-01-01, capacity = "1G" {step} }}]
{link}
[[probes]]
name = "p"
test = "{test}"
endpoint = "e"
every = "1h"
{probe}
[probes.options]
{options}
"""
SLOTS = ("top", "site", "store", "endpoint", "step", "link", "probe", "options")

# (section heading in the doc, where the unknown key goes, extra settings)
SECTIONS = [
    ("## [site]", {"site": "zzz = 1"}),
    ("## [store]", {"store": '[store]\nkind = "sqlite"\nzzz = 1'}),
    ("## [store]", {"store": '[store]\nkind = "influxdb"\nurl = "http://x"\nzzz = 1'}),
    ("## [[endpoints]]", {"endpoint": "zzz = 1"}),
    ("## [[links]]", {"link": "zzz = 1"}),
    ("### plan steps", {"step": ", zzz = 1"}),
    ("## [[probes]]", {"probe": "zzz = 1"}),
    ('### options for test = "throughput"', {"test": "throughput", "options": "zzz = 1"}),
    ('### options for test = "rtt"', {"test": "rtt", "options": "zzz = 1"}),
    ('### options for test = "trace"', {"test": "trace", "options": "zzz = 1"}),
    ("## [[segments]]", {"top": '[[segments]]\nname = "x"\nhops = ["a"]\nzzz = 1'}),
    ("## [alerts]", {"top": "[alerts]\nzzz = 1"}),
    ("## [pscheduler]", {"top": '[pscheduler]\nurl = "https://ps.example.org"\nzzz = 1'}),
    ("### [[alerts.links]]", {"top": '[[alerts.links]]\nendpoint = "e"\nzzz = 1'}),
]
SECTIONS += [
    (
        f'### [[alerts.sinks]] kind = "{kind}"',
        {"top": f'[[alerts.sinks]]\nkind = "{kind}"\nzzz = 1'},
    )
    for kind in ("alertmanager", "webhook", "mail")
]


def accepted_keys(tmp_path: Path, settings: dict[str, str]) -> list[str]:
    values = {slot: "" for slot in SLOTS} | {"test": "rtt"} | settings
    path = tmp_path / "probe.toml"
    path.write_text(BASE.format(**values))
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    line = next(line for line in str(caught.value).splitlines() if "zzz" in line)
    return line.split("expected one of: ")[1].split(", ")


def section(heading: str) -> str:
    level = heading.split(" ")[0]
    start = DOC.index(f"\n{heading}\n")
    ends = [m.start() for m in re.finditer(rf"\n#{{1,{len(level)}}} ", DOC) if m.start() > start]
    return DOC[start : ends[0] if ends else len(DOC)]


@pytest.mark.parametrize(("heading", "settings"), SECTIONS, ids=[s[0] for s in SECTIONS])
def test_every_accepted_key_is_documented_in_its_section(tmp_path, heading, settings):
    keys = accepted_keys(tmp_path, settings)
    assert len(keys) >= 2 and "zzz" not in keys
    text = section(heading)
    missing = [key for key in keys if f"| `{key}` |" not in text]
    assert not missing, f"{heading} in docs/config.md lacks {missing}"


def test_every_top_level_key_is_documented(tmp_path):
    keys = accepted_keys(tmp_path, {"top": "zzz = 1"})
    assert set(keys) == {
        "schema",
        "site",
        "store",
        "alerts",
        "pscheduler",
        "endpoints",
        "links",
        "probes",
        "segments",
    }
    assert "| `schema` |" in section("## Top level")
    tables = ("[site]", "[store]", "[alerts]", "[pscheduler]", "[[endpoints]]", "[[links]]")
    for table in (*tables, "[[probes]]", "[[segments]]"):
        assert f"\n## {table}\n" in DOC


def test_the_complete_example_in_the_doc_loads(tmp_path):
    example = DOC.split("## A complete file")[1].split("```toml\n")[1].split("```")[0]
    path = tmp_path / "example.toml"
    path.write_text(example)
    config = load_config(path)
    assert [p.name for p in config.probes] == ["far-throughput", "far-rtt"]
    assert [s.kind for s in config.alerts.sinks] == ["alertmanager"]
