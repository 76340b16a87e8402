import { defineConfig } from '@playwright/test';

/**
 * e2e tests drive real Chromium tabs against a real server. Debian's chromium is used
 * (CHROMIUM_PATH or /usr/bin/chromium): Playwright cannot download its own browser here.
 * One worker: the machine has two cores and every tab competes for them.
 */
export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 30_000 },
  reporter: process.env.CI ? [['list']] : [['list']],
  use: {
    trace: 'retain-on-failure',
  },
});
