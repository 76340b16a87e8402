import { startServer } from '../signaling-server/server.js';
import { makeTestCertificate } from '../test/signaling-server/test-certificate.js';
import {
  appReady,
  expect,
  randomFile,
  saveFile,
  sha256,
  shareFile,
  test as base,
  waitForComplete,
} from './fixtures.js';
import { nonLoopbackAddress, type NonLoopbackAddress } from './network-address.js';

/** The same tests as everywhere, with the server on an address other machines would use. */
const test = base.extend<object, { lan: NonLoopbackAddress }>({
  lan: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const lan = nonLoopbackAddress();
      await use(lan);
      lan.release();
    },
    { scope: 'worker' },
  ],
  server: async ({ lan }, use) => {
    const server = await startServer({ port: 0, host: lan.address });
    await use(server);
    await server.close();
  },
});

test('over plain http from another address the page says what is off, and still shares and downloads', async ({
  person,
  server,
}) => {
  expect(server.url).not.toMatch(/localhost|127\.0\.0\.1/);
  const file = randomFile(1024 * 1024);
  const seeder = await (await person()).open();
  expect(await seeder.evaluate(() => isSecureContext)).toBe(false);
  const note = seeder.getByTestId('insecure-context');
  await expect(note).toBeVisible();
  await expect(note).toContainText('https');
  await expect(note.getByTestId('feature-off')).toHaveText([
    /Streaming/,
    /Copy link/,
    /Persistent storage/,
    /Saving large files/,
    /Fast hashing/,
  ]);

  const magnet = await shareFile(seeder, 'plain.bin', file);
  // No Copy button without the Clipboard API: the link is there to select.
  await expect(seeder.getByTestId('copy-link')).toHaveCount(0);
  const leecher = await (await person()).open(`#${magnet}`);
  await waitForComplete(leecher, 'plain.bin');
  const saved = await saveFile(leecher, 'plain.bin');
  expect(sha256(saved.data)).toBe(sha256(file));
});

test('the same page over https has no such message', async ({ browser, lan }) => {
  const cert = makeTestCertificate([lan.address]);
  const server = await startServer({ port: 0, host: lan.address, tls: { cert: cert.cert, key: cert.key } });
  const context = await browser.newContext({ ignoreHTTPSErrors: true });
  try {
    const page = await context.newPage();
    await page.goto(server.url);
    await appReady(page);
    expect(server.url).toMatch(/^https:/);
    expect(await page.evaluate(() => isSecureContext)).toBe(true);
    await expect(page.getByTestId('server-state')).toHaveText('server online');
    await expect(page.getByTestId('insecure-context')).toHaveCount(0);
  } finally {
    await context.close();
    await server.close();
    cert.remove();
  }
});
