import type { Page } from '@playwright/test';

/**
 * Page options of a sparse overlay: no tracker, and each tab keeps at most 4 DHT links (2 wanted,
 * 2 nearest, 1 per bucket), so lookups and new links go through relays.
 */
export const SPARSE =
  '?tracker=off&dht.maxConnections=4&dht.targetConnections=2&dht.nearConnections=2&dht.bucketConnections=1';

/** Two of `tabs` with no live link between them (the first pair found), or undefined. */
export async function unlinkedPair(tabs: Page[]): Promise<[Page, Page] | undefined> {
  const ids = await Promise.all(tabs.map((t) => t.evaluate(() => window.tabswarm.peerId)));
  const links = await Promise.all(
    tabs.map((t) =>
      t.evaluate(() =>
        window.tabswarm
          .status()
          .links.filter((l) => l.open)
          .map((l) => l.remoteId),
      ),
    ),
  );
  for (let i = 0; i < tabs.length; i++)
    for (let j = 0; j < tabs.length; j++)
      if (i !== j && !links[i]?.includes(ids[j] as string) && !links[j]?.includes(ids[i] as string))
        return [tabs[i] as Page, tabs[j] as Page];
  return undefined;
}
