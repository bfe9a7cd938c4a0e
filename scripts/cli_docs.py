"""Write docs/cli.md from the live `--help` of every netprobe command (run after CLI changes).

.venv/bin/python scripts/cli_docs.py          # rewrite docs/cli.md
.venv/bin/python scripts/cli_docs.py --check  # exit 1 when docs/cli.md is stale
"""

import sys
from pathlib import Path

import click
from click.testing import CliRunner

from netprobe.cli import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def commands(group: click.Group, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path below ``group``, depth first, in name order."""
    found = [path]
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            found += commands(command, (*path, name))
        else:
            found.append((*path, name))
    return found


def render() -> str:
    """docs/cli.md as the current code prints it."""
    parts = ["# netprobe command reference\n", "Made from `--help` by `scripts/cli_docs.py`.\n"]
    for path in commands(cli):
        result = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
        title = " ".join(("netprobe", *path))
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        sys.exit(0 if DOC.exists() and DOC.read_text() == text else 1)
    DOC.write_text(text)
