#!/usr/bin/env bash
# Preview the example site at http://127.0.0.1:8000/, rebuilt on every save (Ctrl+C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/mentorsite serve . --port "${PORT:-8000}"
