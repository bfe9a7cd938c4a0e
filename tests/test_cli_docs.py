"""docs/cli.md is the live --help of every command, so the reference never drifts."""

import importlib.util
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "cli_docs.py"


def load_script():
    spec = importlib.util.spec_from_file_location("cli_docs", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_command_is_documented_as_it_prints_its_help():
    cli_docs = load_script()
    assert cli_docs.DOC.read_text() == cli_docs.render(), (
        "docs/cli.md is stale: run .venv/bin/python scripts/cli_docs.py"
    )


def test_reference_covers_every_command():
    cli_docs = load_script()
    text = cli_docs.DOC.read_text()
    for path in cli_docs.commands(cli_docs.cli):
        assert f"## {' '.join(('netprobe', *path))}\n" in text
