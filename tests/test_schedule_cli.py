"""`netprobe schedule list | cron | systemd` on real schedule files."""

import json
import subprocess
import sys
import types
from pathlib import Path

import pytest

from netprobe.cron import CronExpr
from netprobe.errors import ConfigError
from netprobe.probes import PROBES

FIXTURES = Path(__file__).parent / "fixtures" / "config"
SPLIT = str(FIXTURES / "split")


def test_list_json_gives_next_slots_and_delays(run_cli):
    out = run_cli("schedule", "list", "--config", SPLIT, "--json", "--at", "2024-05-01T10:07:00Z")
    rows = {r["probe"]: r for r in json.loads(out.stdout)}
    tput, trace = rows["far-throughput"], rows["far-trace"]
    assert tput["cron"] == "5 */2 * * *" and tput["every_s"] is None
    assert tput["next_slot"] == "2024-05-01T12:05:00+00:00"
    assert 0 <= tput["jitter_offset_s"] < 90
    assert tput["endpoint_lock"] is True
    assert trace["every_s"] == 3600 and trace["next_slot"] == "2024-05-01T11:00:00+00:00"
    assert trace["run_at"] == trace["next_slot"]  # no jitter
    assert trace["endpoint_lock"] is False and trace["lock_seconds"] is None


def test_lock_duration_is_the_tool_modules_own_answer(run_cli, monkeypatch):
    tool = types.SimpleNamespace(
        duration=lambda spec: spec.options.duration + spec.options.omit + 4
    )
    monkeypatch.setitem(PROBES, "iperf3", tool)
    out = run_cli("schedule", "list", "--config", SPLIT, "--json")
    rows = {r["probe"]: r for r in json.loads(out.stdout)}
    assert rows["far-throughput"]["lock_seconds"] == 20  # 15 s + 1 s omit + 4 s


def test_list_table_for_people(run_cli):
    out = run_cli("schedule", "list", "--config", SPLIT, "--at", "2024-05-01").stdout
    lines = out.splitlines()
    assert lines[0].split() == [
        "PROBE", "TEST", "TOOL", "ENGINE", "ENDPOINT", "SCHEDULE", "NEXT", "SLOT", "DELAY", "LOCK"
    ]  # fmt: skip
    assert "far-trace" in lines[2] and "every 1h" in lines[2] and "2024-05-01T01:00:00Z" in lines[2]
    assert lines[2].split()[3] == "local"


def test_list_refuses_a_bad_time(run_cli):
    out = run_cli("schedule", "list", "--config", SPLIT, "--at", "yesterday", expect=2)
    assert "--at" in out.stderr


def test_cron_prints_an_installable_cron_d_file(run_cli):
    out = run_cli("schedule", "cron", "--config", SPLIT, "--log", "/tmp/np.log").stdout
    entry = [line for line in out.splitlines() if line.startswith("*")]
    assert len(entry) == 1
    fields = entry[0].split()
    CronExpr.parse(" ".join(fields[:5]))  # a valid cron schedule
    assert fields[5] == "root"
    assert fields[6].endswith("netprobe") and Path(fields[6]).is_absolute()
    assert fields[7:10] == ["run", "--config", str(FIXTURES.resolve() / "split")]
    assert entry[0].endswith(">> /tmp/np.log 2>&1")
    assert "PATH=" in out and "/usr/sbin" in out


def test_cron_for_a_user_crontab_has_no_user_field(run_cli):
    out = run_cli(
        "schedule", "cron", "--config", SPLIT, "--crontab", "--netprobe", "/opt/np"
    ).stdout
    entry = next(line for line in out.splitlines() if line.startswith("*"))
    assert entry.split()[5:8] == ["/opt/np", "run", "--config"]


def test_systemd_prints_a_service_and_a_minutely_persistent_timer(run_cli):
    out = run_cli("schedule", "systemd", "--config", SPLIT, "--user", "netprobe").stdout
    service, timer = out.split("# /etc/systemd/system/netprobe.timer")
    assert "Type=oneshot" in service and "User=netprobe" in service
    exec_start = next(line for line in service.splitlines() if line.startswith("ExecStart="))
    assert exec_start.endswith(f"run --config {FIXTURES.resolve() / 'split'}")
    assert "OnCalendar=minutely" in timer and "Persistent=true" in timer
    assert "WantedBy=timers.target" in timer


def test_a_bad_config_is_not_installed_exit_2_one_message_no_traceback(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\n[site]\nname = "s"\n[[probes]]\nname = "p"\ntest = "rtt"\n')
    proc = subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()"]
        + ["schedule", "cron", "--config", str(bad)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.startswith("Error: 2 problems in the configuration:")
    assert f"{bad}: probes[0].endpoint: missing" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_check_summarises_a_good_configuration(run_cli):
    out = run_cli("schedule", "check", "--config", SPLIT).stdout
    assert out.startswith("ok: site ps.example.org, 1 endpoints, 1 links, 2 probes from ")
    assert "probes.toml" in out


def test_check_lists_every_problem_and_exits_2(run_cli, tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('schema = 1\n[site]\nname = "s"\nbind = "eth0"\nnetns = "a b"\n')
    with pytest.raises(ConfigError) as caught:
        run_cli("schedule", "check", "--config", str(bad))
    lines = str(caught.value).splitlines()
    assert lines[0] == "2 problems in the configuration:"
    assert lines[1].strip().startswith(f'{bad}: site.bind = "eth0"')
    assert lines[2].strip().startswith(f'{bad}: site.netns = "a b"')
