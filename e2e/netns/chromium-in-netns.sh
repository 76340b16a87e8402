#!/bin/sh
# Playwright's executablePath for a browser inside a network namespace: Playwright drives
# Chromium over pipes (fds 3 and 4), which `ip netns exec` hands on unchanged.
[ -n "$TSW_NETNS" ] || { echo "chromium-in-netns.sh: set TSW_NETNS" >&2; exit 1; }
exec ip netns exec "$TSW_NETNS" "${CHROMIUM_PATH:-/usr/bin/chromium}" "$@"
