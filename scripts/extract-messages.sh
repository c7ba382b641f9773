#!/usr/bin/env bash
# Extract the interface's strings into src/mentorsite/locales/mentorsite.pot (babel.cfg says
# from where) and bring every shipped catalogue up to date with it: new strings arrive
# untranslated, and tests/test_messages.py fails until each language has them.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m babel.messages.frontend extract -F babel.cfg -k attr_gettext --no-location --sort-output \
  --no-wrap --project mentorsite --copyright-holder "The mentorsite contributors" \
  -o src/mentorsite/locales/mentorsite.pot .
python -m babel.messages.frontend update -i src/mentorsite/locales/mentorsite.pot -d src/mentorsite/locales \
  -D mentorsite --no-fuzzy-matching --no-wrap --ignore-obsolete --omit-header 2>/dev/null || \
python -m babel.messages.frontend update -i src/mentorsite/locales/mentorsite.pot -d src/mentorsite/locales \
  -D mentorsite --no-fuzzy-matching --no-wrap --ignore-obsolete
