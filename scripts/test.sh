#!/usr/bin/env bash
# Run the whole test suite on a fresh machine: sets everything up, then runs pytest.
# Extra arguments go to pytest (e.g. scripts/test.sh -k config).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
