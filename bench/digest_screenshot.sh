#!/usr/bin/env bash
# Regenerate docs/img/digest.png: the HTML digest `monitor demo` writes, photographed by
# headless Chromium (Debian: apt-get install chromium fonts-noto-cjk).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
(cd "$work" && "$repo/.venv/bin/monitor" demo >/dev/null)
page=$(ls "$work"/demo-out/*.html | head -n 1)
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
  --disable-background-networking --disable-component-update --disable-sync --hide-scrollbars \
  --user-data-dir="$work/chrome" --window-size=900,1560 \
  --screenshot="$repo/docs/img/digest.png" "file://$page"
echo "wrote $repo/docs/img/digest.png from $page"
