"""Locks between real processes: two racing runs, a killed holder, a waiting endpoint test."""

import os
import signal
import subprocess
import sys
import textwrap

import pytest

from netprobe.errors import ConfigError, LockBusy
from netprobe.locks import EndpointLock, RunLock

HOLDER = textwrap.dedent(
    """
    import subprocess, sys
    from pathlib import Path
    from netprobe.errors import ConfigError, LockBusy
    from netprobe.locks import EndpointLock, RunLock
    kind, state_dir = sys.argv[1], Path(sys.argv[2])
    lock = RunLock(state_dir) if kind == "run" else EndpointLock(state_dir, kind)
    try:
        lock.acquire()
    except LockBusy as exc:
        print("busy", exc, flush=True)
        sys.exit(1)
    child = subprocess.Popen(["sleep", "30"]) if "--spawn" in sys.argv else None
    print("got", child.pid if child else "", flush=True)
    sys.stdin.read()  # hold until the test closes our stdin
    """
)


def start(kind, state_dir, *extra):
    return subprocess.Popen(
        [sys.executable, "-c", HOLDER, kind, str(state_dir), *extra],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def finish(proc):
    proc.stdin.close()
    proc.wait(timeout=10)
    proc.stdout.close()


def test_two_runs_started_at_once_one_gets_the_lock_the_other_is_refused(tmp_path):
    procs = [start("run", tmp_path), start("run", tmp_path)]
    try:
        lines = sorted(p.stdout.readline() for p in procs)
    finally:
        for p in procs:
            finish(p)
    assert lines[0].startswith("busy")
    assert lines[1].startswith("got")
    assert "the run lock" in lines[0]
    assert "pid " in lines[0]
    assert sorted(p.returncode for p in procs) == [0, 1]


def test_refusal_names_the_holder_and_the_file(tmp_path):
    holder = start("run", tmp_path)
    try:
        assert holder.stdout.readline().startswith("got")
        with pytest.raises(LockBusy) as caught:
            RunLock(tmp_path).acquire()
    finally:
        finish(holder)
    assert f"pid {holder.pid}" in str(caught.value)
    assert str(tmp_path / "run.lock") in str(caught.value)


def test_a_killed_holder_leaves_no_stale_lock_even_with_a_child_still_alive(tmp_path):
    holder = start("run", tmp_path, "--spawn")
    sleeper = None
    try:
        sleeper = int(holder.stdout.readline().split()[1])
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=10)
        # the lock file stays, the lock does not; the orphaned tool did not inherit it
        assert (tmp_path / "run.lock").exists()
        with RunLock(tmp_path) as lock:
            assert lock.held
    finally:
        if sleeper:
            os.kill(sleeper, signal.SIGKILL)
        holder.stdout.close()
        holder.stdin.close()


def test_endpoint_lock_waits_then_refuses_and_other_endpoints_are_free(tmp_path):
    holder = start("ncsa", tmp_path)
    try:
        assert holder.stdout.readline().startswith("got")
        with pytest.raises(LockBusy, match="after waiting 0.3s"):
            EndpointLock(tmp_path, "ncsa", wait=0.3).acquire()
        with EndpointLock(tmp_path, "starlight") as other:
            assert other.held
    finally:
        finish(holder)
    with EndpointLock(tmp_path, "ncsa", wait=5) as lock:
        assert lock.held
    assert not lock.held


def test_endpoint_lock_is_taken_once_the_holder_lets_go(tmp_path):
    holder = start("ncsa", tmp_path)
    assert holder.stdout.readline().startswith("got")
    waiter = EndpointLock(tmp_path, "ncsa", wait=30)
    holder.stdin.close()  # the holder exits while we wait
    try:
        waiter.acquire()
        assert waiter.held
    finally:
        waiter.release()
        holder.wait(timeout=10)
        holder.stdout.close()


def test_the_same_process_cannot_take_a_held_lock_twice(tmp_path):
    with RunLock(tmp_path), pytest.raises(LockBusy):
        RunLock(tmp_path).acquire()


def test_endpoint_names_that_are_not_file_names_are_refused(tmp_path):
    with pytest.raises(ValueError, match="endpoint name"):
        EndpointLock(tmp_path, "../etc/passwd")


def test_an_unwritable_state_dir_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot create the lock file .*state_dir"):
        RunLock(blocker / "state").acquire()
