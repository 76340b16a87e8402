#!/usr/bin/env bash
# Installs what the tests need, then runs every test (typecheck, lint, unit, simulation, e2e).
set -euo pipefail
cd "$(dirname "$0")/.."

# Installs Debian package $2 when command $1 is missing (as root), else says what is needed.
need() {
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's $2 for the tests..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
  else
    echo "The tests need $1: install it (apt-get install $2)." >&2
    exit 1
  fi
}

# Browser tests drive Chromium (or CHROMIUM_PATH).
if [ -z "${CHROMIUM_PATH:-}" ]; then need chromium chromium; fi
# The HTTPS tests make a certificate at test time with openssl.
need openssl openssl
# The hub store's Redis tests, the two-process tests and the cluster e2e start their own redis-server.
need redis-server redis-server
# The NAT tests (e2e/nat.spec.ts) build a network of namespaces with NAT routers and run coturn.
if [ "$(id -u)" = 0 ]; then
  need ip iproute2
  need nft nftables
  need turnserver coturn
fi
npm ci --no-audit --no-fund
npm test
