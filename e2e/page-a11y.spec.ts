import { expect, randomFile, shareFile, test } from './fixtures.js';
import { DESKTOP, PHONE, seriousViolations, sidewaysOverflow } from './page-checks.js';
import type { Page } from '@playwright/test';

/**
 * axe finds nothing serious in the light scheme on a desktop and in the dark one on a 360 px
 * phone, and the phone needs no sideways scroll.
 */
async function checkPage(page: Page, state: string): Promise<void> {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize(DESKTOP);
  expect(await seriousViolations(page), `${state}, light, desktop`).toEqual([]);
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setViewportSize(PHONE);
  expect(await seriousViolations(page), `${state}, dark, 360 px`).toEqual([]);
  expect(await sidewaysOverflow(page), `${state} at 360 px`).toBe(0);
}

test('the empty, seeding and downloading page: no serious accessibility finding, no sideways scroll at 360 px', async ({
  person,
}) => {
  // The seeder's upload is capped so the downloader stays downloading while it is checked.
  const seeder = await (await person()).open('?uploadLimit=131072');
  await checkPage(seeder, 'empty');

  const name = 'a-rather-long-file-name-that-must-wrap-on-a-phone-screen.bin';
  await shareFile(seeder, name, randomFile(4 * 1024 * 1024));
  await checkPage(seeder, 'seeding');

  const link = await seeder.getByTestId('share-link').inputValue();
  const leecher = await (await person()).open(link.slice(link.indexOf('#')));
  const transfer = leecher.getByTestId('transfer');
  await expect(transfer).toHaveAttribute('data-state', 'downloading');
  await expect
    .poll(() => leecher.evaluate(() => window.tabswarm.status().transfers[0]?.verifiedBytes ?? 0))
    .toBeGreaterThan(0);
  await expect(leecher).toHaveTitle(new RegExp(`^\\d+% ${name} — tabswarm$`));
  await expect(leecher.getByTestId('progress-announcer')).toContainText(`${name}:`);
  await checkPage(leecher, 'downloading');
  await expect(transfer).toHaveAttribute('data-state', 'downloading');
});
