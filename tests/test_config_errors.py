"""Every kind of bad value: one ConfigError naming file, key, value and what was expected."""

from pathlib import Path

import pytest

from netprobe.config import load_config
from netprobe.errors import ConfigError, ExitCode

TEMPLATE = """\
{top}
{site}
{store}
[[endpoints]]
name = "ncsa"
host = "psb.example.org"
{endpoint}

[[links]]
name = "lyon-ncsa"
endpoint = "{link_endpoint}"
plan = [{plan}]
{link}

[[probes]]
name = "ncsa-tput"
test = "{test}"
endpoint = "{probe_endpoint}"
{schedule}
{probe}
{options}
"""

DEFAULTS = {
    "top": "schema = 1",
    "site": '[site]\nname = "ccperfsonar1.in2p3.fr"',
    "store": "",
    "endpoint": "",
    "link_endpoint": "ncsa",
    "plan": '{ from = 2019-01-01, capacity = "20Gbps" }',
    "link": "",
    "test": "throughput",
    "probe_endpoint": "ncsa",
    "schedule": 'every = "1h"',
    "probe": "",
    "options": 'options = { duration = "10s" }',
}


def write(tmp_path: Path, name: str = "site.toml", **overrides: str) -> Path:
    path = tmp_path / name
    path.write_text(TEMPLATE.format(**{**DEFAULTS, **overrides}))
    return path


def problems(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.exit_code == ExitCode.USAGE
    return str(caught.value)


def test_the_template_itself_is_valid(tmp_path):
    assert load_config(write(tmp_path)).probe("ncsa-tput").options.duration == 10


CASES = {
    "rate typo": (
        {"plan": '{ from = 2019-01-01, capacity = "20Gbsp" }'},
        "links[0].plan[0].capacity = \"20Gbsp\": expected a rate such as '20Gbps'",
    ),
    "negative duration": (
        {"schedule": 'every = "-5m"'},
        "probes[0].every = \"-5m\": expected a duration such as '30s'",
    ),
    "misspelt option": (
        {"options": 'options = { duraton = "10s" }'},
        "probes[0].options.duraton = \"10s\": unknown key (did you mean 'duration'?); "
        "expected one of: bandwidth, bidir, congestion, connect_timeout, duration,",
    ),
    "option of another test": (
        {"options": "options = { count = 5 }"},
        "probes[0].options.count = 5: unknown key",
    ),
    "plan step without from": (
        {"plan": '{ capacity = "20Gbps" }'},
        "links[0].plan[0].from: missing; expected the date the step starts",
    ),
    "unsorted plan": (
        {"plan": '{ from = 2020-01-01, capacity = "4G" }, { from = 2019-01-01, capacity = "2G" }'},
        "links[0].plan[1].from = 2019-01-01: expected a date after 2020-01-01",
    ),
    "duplicate plan date": (
        {"plan": '{ from = 2020-01-01, capacity = "4G" }, { from = 2020-01-01, capacity = "2G" }'},
        "links[0].plan[1].from = 2020-01-01: expected a date after 2020-01-01",
    ),
    "empty plan": ({"plan": ""}, "links[0].plan = [...]: expected at least one step"),
    "zero capacity": (
        {"plan": '{ from = 2019-01-01, capacity = "0Gbps" }'},
        'links[0].plan[0].capacity = "0Gbps": expected a rate > 0',
    ),
    "naive time of day": (
        {"plan": '{ from = 2020-01-01T12:00:00, capacity = "20Gbps" }'},
        "links[0].plan[0].from = 2020-01-01T12:00:00: expected a time with a UTC offset",
    ),
    "local time only": (
        {"plan": '{ from = 12:00:00, capacity = "20Gbps" }'},
        "links[0].plan[0].from = 12:00:00: expected a date",
    ),
    "probe to unknown endpoint": (
        {"probe_endpoint": "nsca"},
        'probes[0].endpoint = "nsca": unknown endpoint; expected one of: ncsa',
    ),
    "link to unknown endpoint": (
        {"link_endpoint": "starlight"},
        'links[0].endpoint = "starlight": unknown endpoint; expected one of: ncsa',
    ),
    "missing site": ({"site": ""}, "[site]: missing; expected a [site] table"),
    "site without name": ({"site": "[site]"}, "site.name: missing; expected the site's host name"),
    "site not a table": ({"site": 'site = "lyon"'}, 'site = "lyon": expected a table [site]'),
    "schema missing": ({"top": ""}, "schema: missing; expected schema = 1 at the top"),
    "schema 2": ({"top": "schema = 2"}, "schema = 2: expected 1"),
    "schema as text": ({"top": 'schema = "1"'}, 'schema = "1": expected 1'),
    "schema as float": ({"top": "schema = 1.0"}, "schema = 1.0: expected 1"),
    "unknown top-level key": (
        {"top": 'schema = 1\ncolour = "red"'},
        'colour = "red": unknown key; expected one of: alerts, endpoints, links, probes, '
        "pscheduler, schema,",
    ),
    "port as string": (
        {"endpoint": 'port = "5201"'},
        'endpoints[0].port = "5201": expected an integer',
    ),
    "port out of range": (
        {"endpoint": "port = 70000"},
        "endpoints[0].port = 70000: expected an integer from 1 to 65535",
    ),
    "family": (
        {"endpoint": 'family = "ipv5"'},
        'family = "ipv5": expected one of: any, ipv4, ipv6',
    ),
    "unknown test": (
        {"test": "bandwidth"},
        'probes[0].test = "bandwidth": expected one of: throughput, rtt, trace',
    ),
    "tool for another test": (
        {"probe": 'tool = "ping"'},
        'probes[0].tool = "ping": expected one of: iperf3',
    ),
    "every and cron": (
        {"schedule": 'every = "1h"\ncron = "0 * * * *"'},
        'probes[0].cron = "0 * * * *": expected every or cron, not both',
    ),
    "neither every nor cron": (
        {"schedule": ""},
        'probes[0].every: missing; expected every = "1h" or cron = "0 * * * *"',
    ),
    "bad cron": ({"schedule": 'cron = "61 * * * *"'}, 'cron = "61 * * * *": expected a minute'),
    "cron that never fires": (
        {"schedule": 'cron = "0 0 31 2 *"'},
        "expected a cron expression that can fire",
    ),
    "every below a minute": (
        {"schedule": 'every = "30s"'},
        'every = "30s": expected whole seconds >= 1m',
    ),
    "jitter longer than period": (
        {"probe": 'jitter = "2h"'},
        'probes[0].jitter = "2h": expected less than the period (3600s)',
    ),
    "jitter longer than cron gap": (
        {"schedule": 'cron = "*/10 * * * *"', "probe": 'jitter = "10m"'},
        'probes[0].jitter = "10m": expected less than the period (600s)',
    ),
    "test longer than its period": (
        {"schedule": 'every = "1m"', "options": 'options = { duration = "50s", omit = "10s" }'},
        'probes[0].options.duration = "50s": expected duration + omit shorter than the probe',
    ),
    "share above one": (
        {"link": "expected_share = 1.5"},
        "expected_share = 1.5: expected a fraction",
    ),
    "nic not a rate": ({"link": 'nic = "fast"'}, 'links[0].nic = "fast": expected a rate'),
    "bind not an address": (
        {"site": '[site]\nname = "s"\nbind = "eth0"'},
        'site.bind = "eth0": expected an IP address',
    ),
    "bind as a number": (
        {"site": '[site]\nname = "s"\nbind = 5'},
        "site.bind = 5: expected an IP address",
    ),
    "netns with a space": (
        {"site": '[site]\nname = "s"\nnetns = "np site"'},
        'site.netns = "np site": expected a name',
    ),
    "store kind": (
        {"store": '[store]\nkind = "postgres"'},
        'store.kind = "postgres": expected one of',
    ),
    "influxdb without url": (
        {"store": '[store]\nkind = "influxdb"\ndatabase = "netprobe"'},
        "store.url: missing; expected a URL",
    ),
    "sqlite with influx keys": (
        {"store": '[store]\nurl = "http://localhost:8086"'},
        'store.url = "http://localhost:8086": unknown key; expected one of: kind, path',
    ),
    "options not a table": ({"options": "options = 5"}, "probes[0].options = 5: expected a table"),
    "reverse and bidir": (
        {"options": "options = { reverse = true, bidir = true }"},
        "probes[0].options.bidir = true: expected reverse or bidir, not both",
    ),
    "zero parallel streams": (
        {"options": "options = { parallel = 0 }"},
        "probes[0].options.parallel = 0: expected an integer from 1 to 128",
    ),
    "flag given as a number": (
        {"options": "options = { parallel = true }"},
        "probes[0].options.parallel = true: expected an integer",
    ),
    "zero duration": ({"options": 'options = { duration = "0s" }'}, "expected a duration > 0"),
    "pscheduler engine without a lead": (
        {"endpoint": 'engine = "pscheduler"'},
        'endpoints[0].engine = "pscheduler": expected a [pscheduler] table with the lead\'s url',
    ),
    "probe engine without a lead": (
        {"probe": 'engine = "pscheduler"'},
        'probes[0].engine = "pscheduler": expected a [pscheduler] table',
    ),
    "unknown engine": (
        {"probe": 'engine = "perfsonar"'},
        'probes[0].engine = "perfsonar": expected one of: local, pscheduler',
    ),
    "lead without url": (
        {"store": "[pscheduler]\ninsecure = true"},
        "pscheduler.url: missing; expected the lead's pScheduler",
    ),
    "lead url not http": (
        {"store": '[pscheduler]\nurl = "ps.example.org"'},
        'pscheduler.url = "ps.example.org": expected an http:// or https:// URL',
    ),
    "lead insecure as text": (
        {"store": '[pscheduler]\nurl = "https://ps.example.org"\ninsecure = "yes"'},
        'pscheduler.insecure = "yes": expected true or false',
    ),
    "lead CA file missing": (
        {"store": '[pscheduler]\nurl = "https://ps.example.org"\nca_file = "nowhere.pem"'},
        'pscheduler.ca_file = "nowhere.pem": expected a readable PEM file of CA certificates',
    ),
    "lead timeout zero": (
        {"store": '[pscheduler]\nurl = "https://ps.example.org"\ntimeout = "0s"'},
        'pscheduler.timeout = "0s": expected a duration > 0',
    ),
    "name with a slash": (
        {"endpoint": "", "probe_endpoint": "a/b"},
        'endpoint = "a/b": expected a name',
    ),
}


@pytest.mark.parametrize(("overrides", "expected"), CASES.values(), ids=CASES.keys())
def test_bad_value_names_file_key_value_and_expectation(tmp_path, overrides, expected):
    path = write(tmp_path, **overrides)
    message = problems(path)
    assert expected in message
    line = next(line for line in message.splitlines() if expected in line)
    assert line.strip().startswith(f"{path}: ")


def test_toml_syntax_error_gives_line_and_column(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text('schema = 1\n[site]\nname = "unterminated\n')
    message = problems(path)
    assert message.startswith(f"{path}: TOML syntax error:")
    assert "line 3" in message and "column" in message


def test_a_binary_file_is_refused_by_name(tmp_path):
    path = tmp_path / "blob.toml"
    path.write_bytes(b"schema = 1\n\xff\xfe")
    assert problems(path) == f"{path}: not UTF-8 text (byte 11); expected a TOML file"


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(
        tmp_path,
        plan='{ from = 2019-01-01, capacity = "20Gbsp" }',
        schedule='every = "-5m"',
        options='options = { duraton = "10s" }',
        endpoint="port = 0",
    )
    lines = problems(path).splitlines()
    assert lines[0] == "4 problems in the configuration:"
    keys = ["endpoints[0].port", "links[0].plan[0].capacity", "probes[0].every", "options.duraton"]
    for key in keys:
        assert sum(key in line for line in lines[1:]) == 1, key
    assert all(line.strip().startswith(str(path)) for line in lines[1:])


def test_duplicates_across_files_name_both_files(tmp_path):
    first = write(tmp_path, "a.toml")
    second = tmp_path / "b.toml"
    second.write_text('schema = 1\n[[endpoints]]\nname = "ncsa"\nhost = "other.example.org"\n')
    message = problems(tmp_path)
    assert (
        f'{second}: endpoints[0].name = "ncsa": duplicate; already defined at {first} endpoints[0]'
        in message
    )


def test_two_links_to_one_endpoint(tmp_path):
    again = f'\n[[links]]\nname = "again"\nendpoint = "ncsa"\nplan = [{DEFAULTS["plan"]}]'
    path = write(tmp_path, link=again)
    assert f'links[1].endpoint = "ncsa": expected one link per endpoint; {path} links[0]' in (
        problems(path)
    )


def test_a_folder_without_toml_files(tmp_path):
    assert "no *.toml files in this folder" in problems(tmp_path)


def test_a_folder_may_spread_one_deployment_over_files_with_refs_across_them(tmp_path):
    write(tmp_path, "a.toml", probe_endpoint="starlight")
    (tmp_path / "b.toml").write_text(
        'schema = 1\n[[endpoints]]\nname = "starlight"\nhost = "ps.example.net"\n'
    )
    assert load_config(tmp_path).spec("ncsa-tput").endpoint.host == "ps.example.net"
