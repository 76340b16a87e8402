#!/usr/bin/env bash
# Installs what the tests need, then runs every test (typecheck, lint, unit, simulation, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's chromium for the browser tests..."
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  else
    echo "Browser tests need Chromium: install it (apt-get install chromium) or set CHROMIUM_PATH." >&2
    exit 1
  fi
fi
npm ci --no-audit --no-fund
npm test
