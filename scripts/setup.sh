#!/usr/bin/env bash
# Set up everything mentorsite needs on a fresh Debian/Ubuntu machine, idempotently:
# a virtual environment in .venv with mentorsite installed, and, with --test, the test tools
# (headless Chromium for browser tests, fonts for the social cards' scripts, Java and the Nu Html
# Checker, axe-core, PostgreSQL, and nginx, Caddy and systemd-analyze for the deployment files).
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_install() {
  # Install Debian packages that are missing; needs root (CI and dev machines run as root).
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" != 0 ]; then
    echo "setup: please install these Debian packages first: ${missing[*]}" >&2
    return 1
  fi
  echo "setup: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import venv, ensurepip' 2>/dev/null; then
  apt_install python3-venv
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
# Social cards: Pillow's wheel bundles raqm and HarfBuzz but loads FriBiDi from the system at run time
# (libfribidi.so.0, not in a minimal Debian); without it Arabic, Hebrew and Indic text is left off the
# cards. fc-list finds the fonts for scripts DejaVu lacks (card_fonts). Optional: go on without them.
apt_install libfribidi0 fontconfig || echo "setup: without them, social cards leave Arabic, Hebrew, Indic and CJK text off" >&2
if [ $want_test = 1 ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints/locked.txt -e '.[test,dev,bench]'
  command -v java >/dev/null 2>&1 || apt_install default-jre-headless
  command -v npm >/dev/null 2>&1 || apt_install nodejs npm
  [ -x /usr/bin/chromium ] || apt_install chromium fonts-dejavu-core
  # The social cards' default font (DejaVu Sans: Latin, Greek, Cyrillic, Arabic, Hebrew); tests draw with it.
  apt_install fonts-dejavu-core
  # Fonts for the scripts DejaVu lacks, which the card tests draw: WenQuanYi Micro Hei (Han, Hiragana,
  # Katakana, Hangul; a 1.6 MB download) and Lohit Devanagari (78 kB).
  apt_install fontconfig fonts-wqy-microhei fonts-lohit-deva
  command -v shellcheck >/dev/null 2>&1 || apt_install shellcheck
  # A real PostgreSQL server for the receiver's store tests (tests/postgres_kit.py starts its own cluster).
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || apt_install postgresql
  # The shipped proxy configurations and systemd unit are run and verified (tests/test_deploy.py).
  apt_install nginx caddy systemd
  if [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
    npm install --no-audit --no-fund --silent
  fi
else
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints/locked.txt .
fi
