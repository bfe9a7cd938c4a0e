"""Shared fixtures and helpers: a CLI runner that fails loudly."""

import pytest
from click.testing import CliRunner

from netprobe.cli import cli


@pytest.fixture
def run_cli():
    """Run `netprobe ARGS` in-process; assert the exit code, dumping output when it differs."""

    def run(*args: str, expect: int = 0, env: dict[str, str] | None = None, input=None):
        result = CliRunner().invoke(cli, list(args), env=env, input=input, catch_exceptions=False)
        assert result.exit_code == expect, (
            f"netprobe {' '.join(args)} exited {result.exit_code}, expected {expect}\n"
            f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
        )
        return result

    return run


pytest_plugins = ["lab_fixture", "alertmanager_fixture", "influx_fixture", "tls_fixture"]
