#!/usr/bin/env bash
# Set up (scripts/setup.sh) and run the whole default test suite plus the linters.
# Needs no phone and no network beyond the package registries used by the set-up.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check harness tests benchmarks scripts
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
