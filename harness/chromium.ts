import { chromium, type Browser } from '@playwright/test';

/** Debian's Chromium unless CHROMIUM_PATH says otherwise (Playwright cannot fetch its own here). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for headless Chromium on this machine. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  // Tabs in the background must keep swarming at full speed.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

/**
 * Lets a page reach a WebSocket on another loopback port (WebTorrent's tracker in the benchmark):
 * Chromium's Local Network Access checks refuse that otherwise.
 */
export const ALLOW_LOOPBACK_PORTS = '--disable-features=LocalNetworkAccessChecks';

/** Launches Chromium for the browser tests and benchmarks, with `extraArgs` if given. */
export function launchChromium(extraArgs: readonly string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS, ...extraArgs] });
}
