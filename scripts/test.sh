#!/usr/bin/env bash
# Install the kit and run its whole test suite, on a fresh machine or again on this one:
#     bash scripts/test.sh            # any arguments go to pytest, e.g.  bash scripts/test.sh -x tests/test_scripts.py
# Creates .venv (with python3) if it is missing, installs the package with its test extra, makes sure a Chromium
# is there for the browser tests, installs axe-core (npm ci in tests/browser) for their accessibility audit, then
# runs pytest from the repository's root.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTHON="${PYTHON:-python3}"
CHROMIUM=/usr/bin/chromium

if [ ! -x .venv/bin/python ]; then
    echo "creating .venv with $("$PYTHON" --version)"
    "$PYTHON" -m venv .venv
fi

echo "installing chatkit with its test extra, at the versions constraints.txt pins"
.venv/bin/python -m pip install --quiet -e ".[test]" -c constraints.txt

if [ ! -x "$CHROMIUM" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing Debian's chromium for the browser tests"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
    else
        echo "note: $CHROMIUM is missing, so the browser tests cannot run; install it with" >&2
        echo "      sudo apt-get install chromium    (Debian, Ubuntu)" >&2
    fi
fi

if [ ! -d tests/browser/node_modules ] && command -v npm >/dev/null; then
    echo "installing axe-core for the browser tests' accessibility audit (npm ci, pinned in tests/browser)"
    npm ci --prefix tests/browser --no-audit --no-fund --silent
fi

exec .venv/bin/python -m pytest "$@"
