#!/usr/bin/env bash
# Extract the interface's strings (babel.cfg says from where: the theme's templates, the
# receiver's, the browser scripts, Python) into src/mentorsite/locales/mentorsite.pot, and bring
# every shipped catalogue up to date with it: new strings arrive untranslated, and
# tests/test_messages.py fails until each language has them.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
LOCALES=src/mentorsite/locales
"$PYTHON" -m babel.messages.frontend extract -F babel.cfg -k attr_gettext --no-location --sort-output \
  --no-wrap --project mentorsite --copyright-holder "The mentorsite contributors" -o "$LOCALES/mentorsite.pot" .
"$PYTHON" -m babel.messages.frontend update -i "$LOCALES/mentorsite.pot" -d "$LOCALES" -D mentorsite \
  --no-fuzzy-matching --ignore-obsolete --no-wrap
