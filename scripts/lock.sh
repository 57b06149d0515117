#!/usr/bin/env bash
# Refresh requirements.lock: the exact versions of every dependency and extra (postgres, test)
# for Python 3.11 on Linux, resolved from pyproject.toml's ranges. CI and the Dockerfile install
# with it as a constraints file (`pip install -c requirements.lock ...`).
#   scripts/lock.sh            re-resolve, keeping current pins where the ranges still allow
#   scripts/lock.sh --upgrade  move every pin to the newest release the ranges allow
set -euo pipefail
cd "$(dirname "$0")/.."
uv=${UV:-.venv/bin/uv}
"$uv" pip compile pyproject.toml --all-extras --python-version 3.11 \
  --python-platform x86_64-unknown-linux-gnu --no-header --annotation-style line \
  --output-file requirements.lock "$@"
sed -i '1i # Exact versions for CI and the Dockerfile; refresh with scripts/lock.sh (see docs/operations.md)' requirements.lock
