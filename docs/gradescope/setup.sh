#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image from the uploaded zip.
# The zip holds: setup.sh, run_autograder, the kit's wheel (chatkit-*.whl) and, if any, hidden/test_*_hidden.py.
set -euo pipefail
apt-get install -y -qq python3 python3-venv
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet /autograder/source/chatkit-*.whl "pytest>=8"
