import subprocess
import sys

from netprobe import __version__


def test_version(run_cli):
    assert __version__ in run_cli("--version").stdout


def test_help_teaches_typical_use(run_cli):
    assert "netprobe run" in run_cli("--help").stdout


def test_unknown_command_is_usage_error_without_traceback():
    proc = subprocess.run(
        [sys.executable, "-c", "from netprobe.cli import main; main()", "frobnicate"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "No such command" in proc.stderr
    assert "Traceback" not in proc.stderr
