#!/usr/bin/env bash
# Rewrite constraints/locked.txt from a fresh environment with every extra of pyproject.toml,
# so the lock holds exactly what the project depends on (and nothing installed by hand).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
"$tmp/venv/bin/python" -m pip install -q --disable-pip-version-check '.[test,dev,bench]'
{
  echo "# Exact versions the test command installs (pip install -c constraints/locked.txt …): the suite"
  echo "# runs against these. Regenerate after changing dependencies: scripts/lock.sh"
  "$tmp/venv/bin/python" -m pip freeze --exclude-editable | grep -v -i '^mentorsite' | sort -f
} > constraints/locked.txt
echo "wrote constraints/locked.txt"
