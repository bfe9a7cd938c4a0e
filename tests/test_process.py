import sys
import time

import pytest

from netprobe.probes.process import in_netns, run_tool


def test_run_tool_captures_output_and_code():
    done = run_tool([sys.executable, "-c", "import sys; print('hi'); sys.exit(3)"], deadline=10)
    assert done.stdout.strip() == "hi"
    assert done.returncode == 3
    assert not done.timed_out


def test_run_tool_kills_whole_group_on_deadline(tmp_path):
    pidfile = tmp_path / "child.pid"
    # The child forks a grandchild that would outlive a plain kill of the child.
    script = (
        "import os, subprocess, sys, time\n"
        "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        f"open({str(pidfile)!r}, 'w').write(str(p.pid))\n"
        "time.sleep(60)\n"
    )
    done = run_tool([sys.executable, "-c", script], deadline=1.5)
    assert done.timed_out
    assert done.returncode is None
    grandchild = int(pidfile.read_text())
    assert _dies_within(grandchild, seconds=5)


def _dies_within(pid: int, seconds: float) -> bool:
    """True once pid is gone or a zombie (killed, waiting for init to reap it)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_run_tool_missing_program():
    with pytest.raises(FileNotFoundError):
        run_tool(["netprobe-no-such-tool"], deadline=1)


def test_in_netns():
    assert in_netns(["ping", "x"], "np-a") == ["ip", "netns", "exec", "np-a", "ping", "x"]
    assert in_netns(["ping", "x"], None) == ["ping", "x"]
