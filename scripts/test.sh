#!/usr/bin/env bash
# Install what the tests need, then run the linters and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install.sh test
.venv/bin/ruff check netprobe tests benchmarks scripts
.venv/bin/ruff format --check netprobe tests benchmarks scripts
exec .venv/bin/pytest -ra "$@"
