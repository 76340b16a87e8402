import { startServer } from '../signaling-server/server.js';
import { appReady, expect, test } from './fixtures.js';

test('the app shell opens offline from its service worker, and the page says joining needs the server', async ({
  browser,
}) => {
  // A server of this test's own: it is stopped, so only the worker's cache can serve the reload.
  const server = await startServer({ port: 0, host: '127.0.0.1' });
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await appReady(page);
    await expect(page.getByTestId('offline')).toHaveCount(0);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await expect.poll(() => page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

    await server.close();
    await context.setOffline(true);
    await page.reload();
    await appReady(page);
    await expect(page.getByTestId('drop-zone')).toBeVisible();
    await expect(page.getByTestId('offline')).toContainText('joining the network needs the signaling server');
    await expect(page.getByTestId('server-state')).not.toHaveText('server online');
  } finally {
    await context.close();
    await server.close().catch(() => {});
  }
});
