#!/usr/bin/env bash
# Run the fast test loop (no browser) against the oldest supported release of every dependency
# (constraints/minimum.txt), in its own environment .venv-min. Called by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv-min/bin/python ] || "$PYTHON" -m venv .venv-min
pip_quiet=(-q --disable-pip-version-check)
.venv-min/bin/python -m pip install "${pip_quiet[@]}" -c constraints/minimum.txt -e '.[test]'
# Prove the pins took: a looser install would make this run test nothing new.
.venv-min/bin/python - <<'PY'
import importlib.metadata as md, re
for line in open("constraints/minimum.txt"):
    m = re.match(r"^([A-Za-z0-9_.-]+)==(\S+)", line)
    if m and md.version(m[1]) != m[2]:
        raise SystemExit(f"minimum-versions run: {m[1]} is {md.version(m[1])}, expected {m[2]}")
PY
exec .venv-min/bin/python -m pytest -m "not browser and not external" -p no:cacheprovider -q "$@"
