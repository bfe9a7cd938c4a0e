"""The CLI imports a command's module only when that command runs (netprobe/cli/lazy.py)."""

import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from netprobe.cli.lazy import LazyGroup


def test_detect_on_a_file_loads_neither_the_store_nor_the_other_commands(tmp_path):
    series = tmp_path / "series.csv"
    series.write_text("time,value\n" + "".join(f"{i},{10 + i % 3}\n" for i in range(40)))
    code = (
        "import sys\n"
        "from netprobe.cli import main\n"
        f"sys.argv = ['netprobe', 'detect', {str(series)!r}, '--json']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('netprobe.'))\n"
        "print(loaded, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert '"change_points"' in done.stdout
    loaded = done.stderr
    assert "'netprobe.cli.detect'" in loaded
    for heavy in ("netprobe.store", "netprobe.config", "netprobe.cli.results", "netprobe.lab"):
        assert f"'{heavy}'" not in loaded


def _group_with(target: str) -> click.Group:
    @click.group(cls=LazyGroup)
    def group() -> None:
        """A test group."""

    group.add_lazy("echo", target)
    return group


@click.command()
def echo() -> None:
    """Say hello."""
    click.echo("hello")


def test_a_lazy_command_is_listed_in_help_and_runs():
    group = _group_with(f"{__name__}:echo")
    assert "Say hello." in CliRunner().invoke(group, ["--help"]).output
    result = CliRunner().invoke(group, ["echo"])
    assert result.exit_code == 0 and result.output == "hello\n"


def test_a_lazy_name_that_is_not_the_commands_own_is_a_programming_error():
    group = _group_with(f"{__name__}:echo")
    group.add_lazy("shout", f"{__name__}:echo")
    with pytest.raises(RuntimeError, match="'echo'"):
        group.get_command(click.Context(group), "shout")
