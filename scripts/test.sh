#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: sets everything up, then lints, type-checks and
# runs pytest, then the fast loop again at the oldest supported dependency versions.
# Extra arguments go to pytest and skip the other stages (e.g. scripts/test.sh -k config).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
if [ $# -gt 0 ]; then
  exec .venv/bin/python -m pytest "$@"
fi
echo "== ruff (format and lint)"
.venv/bin/ruff format --check .
.venv/bin/ruff check .
echo "== mypy src/"
.venv/bin/mypy
echo "== pytest"
.venv/bin/python -m pytest
echo "== pytest at the minimum supported versions"
bash scripts/test-minimum.sh
