#!/usr/bin/env bash
# Build the wheel, install it in a fresh venv OUTSIDE the checkout and run `monitor demo` and
# `monitor db upgrade` there: proves migrations, default watchlists and the demo ship inside
# the package (importlib.resources), not beside a checkout. Used by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
python=${PYTHON:-$root/.venv/bin/python}
work=$(mktemp -d "${TMPDIR:-/tmp}/monitor-wheel.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$python" -m pip wheel --quiet --no-deps --wheel-dir "$work/dist" "$root"
python3 -m venv "$work/venv"
constraints=()
if [ -f "$root/requirements.lock" ]; then constraints=(--constraint "$root/requirements.lock"); fi
"$work/venv/bin/pip" install --quiet "${constraints[@]}" "$work"/dist/news_monitor-*.whl

mkdir "$work/run"
cd "$work/run"
# Nothing from the checkout: no PYTHONPATH, no config, no migrations folder override.
clean=(env -u PYTHONPATH -u MONITOR_CONFIG -u MONITOR_ALEMBIC_DIR -u MONITOR_DATABASE_URL)
"${clean[@]}" "$work/venv/bin/python" - <<'PY'
import monitor, pathlib, sys
where = pathlib.Path(monitor.__file__).resolve()
if "site-packages" not in where.parts:
    sys.exit(f"wheel smoke test imported monitor from {where}, not the installed wheel")
PY
"${clean[@]}" "$work/venv/bin/monitor" demo --out "$work/run/demo-out"
ls "$work"/run/demo-out/*.html "$work"/run/demo-out/*.txt >/dev/null
cat > monitor.yaml <<'YAML'
database:
  url: sqlite:///wheel-smoke.db
feeds:
  - id: example
    url: https://example.org/rss.xml
YAML
"${clean[@]}" "$work/venv/bin/monitor" db upgrade --config monitor.yaml
"${clean[@]}" "$work/venv/bin/monitor" db current --config monitor.yaml | tee current.txt
head=$("${clean[@]}" "$work/venv/bin/python" -c 'from monitor.store.db import head_revision; print(head_revision())')
grep -q "current: $head " current.txt || { echo "wheel: database not at head $head" >&2; exit 1; }
echo "wheel smoke test: demo and db upgrade ran from the installed wheel (head $head)"
