#!/usr/bin/env bash
# Build the example site and serve it at http://127.0.0.1:8000/ (Ctrl+C stops).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/mentorsite serve . --port "${PORT:-8000}"
