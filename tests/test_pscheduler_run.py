"""`netprobe run`, `probe`, `results` and `schedule` with probes whose engine is pScheduler:
the loopback lead of tests/pscheduler_server.py runs them, the results land in the store."""

import json

from pscheduler_server import Lead, merged_result, serve

CONFIG = """\
schema = 1

[site]
name = "ps.example.org"
state_dir = "{state}"

[pscheduler]
url = "{url}"
timeout = "5s"
{lead}

[[endpoints]]
name = "far"
host = "ps.far.example.org"
engine = "pscheduler"

[[endpoints]]
name = "near"
host = "198.18.0.1"

[[probes]]
name = "far-throughput"
test = "throughput"
endpoint = "far"
every = "1h"
options = {{ duration = "10s", parallel = 2 }}

[[probes]]
name = "far-rtt"
test = "rtt"
endpoint = "far"
every = "1h"

[[probes]]
name = "near-rtt-via-lead"
test = "rtt"
endpoint = "near"
engine = "pscheduler"
every = "1h"
"""


def config_file(tmp_path, url: str, lead: str = "") -> str:
    path = tmp_path / "site.toml"
    path.write_text(CONFIG.format(state=tmp_path / "state", url=url, lead=lead))
    return str(path)


def both_tests() -> Lead:
    return Lead(
        results={
            "throughput": merged_result("throughput-result-iperf3-3.1.3-tcp.json"),
            "rtt": merged_result("rtt-result-format.json"),
        }
    )


def test_run_stores_the_leads_results_and_results_shows_them(run_cli, tmp_path):
    lead = both_tests()
    with serve(lead) as url:
        config = config_file(tmp_path, url)
        ran = json.loads(run_cli("run", "--config", config, "--no-jitter", "--json").stdout)
    assert sorted(r["probe"] for r in ran) == ["far-rtt", "far-throughput", "near-rtt-via-lead"]
    posted = [body["test"] for method, _, body in lead.requests if method == "POST"]
    assert sorted(t["spec"]["dest"] for t in posted) == [
        "198.18.0.1",
        "ps.far.example.org",
        "ps.far.example.org",
    ]
    assert {"type": "throughput", "spec": {"schema": 1, "dest": "ps.far.example.org",
            "duration": "PT10S", "interval": "PT1S", "parallel": 2}} in posted  # fmt: skip
    stored = json.loads(run_cli("results", "--config", config, "--json").stdout)
    assert len(stored) == 3 and all(r["status"] == "ok" for r in stored)
    tput = next(r for r in stored if r["probe"] == "far-throughput")
    assert tput["endpoint"] == "far" and tput["tool"] == "iperf3"
    assert tput["throughput_bps"] == 388736097.120548
    table = run_cli("results", "--config", config).stdout
    assert "far-throughput" in table and "389" in table  # Mbit/s, as for a local probe


def test_probe_by_hand_exits_1_on_a_failed_run(run_cli, tmp_path):
    refused = merged_result("throughput-result-iperf3-3.12-refused.json")
    with serve(Lead(states=["failed"], result=refused)) as url:
        config = config_file(tmp_path, url)
        out = run_cli("probe", "--config", config, "far", "--json", expect=1).stdout
    (result,) = json.loads(out)
    assert result["status"] == "tool-error" and result["throughput_bps"] is None
    assert "Connection refused" in result["reason"]


def test_schedule_shows_the_engine_and_insecure_is_loud(run_cli, tmp_path):
    config = config_file(tmp_path, "https://127.0.0.1:9", "insecure = true")
    rows = json.loads(run_cli("schedule", "list", "--config", config, "--json").stdout)
    assert {r["probe"]: r["engine"] for r in rows} == {
        "far-throughput": "pscheduler",
        "far-rtt": "pscheduler",
        "near-rtt-via-lead": "pscheduler",
    }
    assert next(r for r in rows if r["probe"] == "far-throughput")["lock_seconds"] > 10
    checked = run_cli("schedule", "check", "--config", config)
    assert "WARNING: [pscheduler] insecure = true" in checked.stderr
    assert "NOT verified" in checked.stderr
    quiet = run_cli("schedule", "check", "--config", config_file(tmp_path, "https://x"))
    assert "WARNING" not in quiet.stderr
