#!/usr/bin/env bash
# Install Label Studio into its own virtual environment (.venv-labelstudio/) for the integration
# test tests/test_studio_server.py. label-studio pins Django and many other packages, so it must
# stay out of the project's environment. Idempotent: does nothing when the binary is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-labelstudio
if [ -x "$VENV/bin/label-studio" ]; then
    exit 0
fi
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q "label-studio==1.23.2"
