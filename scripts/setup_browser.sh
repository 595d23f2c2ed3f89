#!/usr/bin/env bash
# Installs what the web UI and its browser tests need, idempotently; a quick no-op when present.
#   1. Debian's chromium (headless browser for the Playwright end-to-end tests), via apt-get.
#   2. Solara's page assets (npm packages the page would otherwise load from a CDN), via `npm pack`,
#      into the cache cxsim serves them from (see src/cxsim/ui/assets.py; `cxsim ui` does step 2 itself too).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "[setup_browser] installing Debian chromium (browser tests)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends chromium >&2
  else
    echo "[setup_browser] chromium not found and apt-get not usable (need root): browser tests will be skipped" >&2
  fi
fi

PY=.venv/bin/python
[ -x "$PY" ] || PY=python3
"$PY" -m cxsim.ui.assets >&2
