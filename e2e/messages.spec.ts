import { expect, test } from './fixtures.js';

test('a malformed link gets a clear message in the page', async ({ person }) => {
  const page = await (await person()).open();
  await page.getByTestId('link-input').fill('magnet:?xt=urn:btih:not-a-hash');
  await page.getByTestId('open-link').click();
  const notice = page.getByTestId('notice').filter({ hasText: 'cannot be opened' });
  await expect(notice).toBeVisible();
  await expect(notice).toHaveAttribute('data-code', 'MAGNET_INVALID');
  await expect(page.getByTestId('transfer')).toHaveCount(0);
});

test('a server that cannot be reached, or goes away, is shown', async ({ person, server }) => {
  const lost = await (await person()).open('?server=ws://127.0.0.1:9/signal');
  await expect(
    lost.getByTestId('notice').filter({ hasText: 'Cannot reach the signaling server' }),
  ).toBeVisible();
  await expect(lost.getByTestId('server-state')).toHaveText('server offline');

  const page = await (await person()).open();
  await expect(page.getByTestId('server-state')).toHaveText('server online');
  await server.close();
  await expect(page.getByTestId('notice').filter({ hasText: 'went away' })).toBeVisible();
  await expect(page.getByTestId('server-state')).toHaveText('server offline');
});

test('a link whose file details never arrive says so', async ({ person }) => {
  const page = await (await person()).open('?metadataPatience=3000');
  const nobody = 'magnet:?xt=urn:btih:' + 'ab'.repeat(20) + '&dn=ghost.bin';
  await page.getByTestId('link-input').fill(nobody);
  await page.getByTestId('open-link').click();
  await expect(page.getByTestId('transfer-state')).toHaveText('Finding peers and file info');
  await expect(page.getByTestId('transfer-error')).toContainText('No peer has sent');
});
