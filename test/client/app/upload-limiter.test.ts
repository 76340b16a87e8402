import { describe, expect, it } from 'vitest';
import type { LinkPath } from '../../../shared/links/index.js';
import { UploadLimiter, linkPacer } from '../../../client/src/app/upload-limiter.js';

/** An UploadLimiter that records what it was asked for instead of waiting. */
class CountingLimiter extends UploadLimiter {
  taken = 0;
  override take(bytes: number): Promise<void> {
    this.taken += bytes;
    return Promise.resolve();
  }
}

describe('linkPacer', () => {
  it('charges the relay cap only while the link runs through a relay', async () => {
    const tabWide = new CountingLimiter(1e6);
    const relay = new CountingLimiter(1e5);
    let path: LinkPath | undefined;
    const pacer = linkPacer(tabWide, relay, () => path);
    await pacer?.take(100);
    path = 'srflx';
    await pacer?.take(100);
    path = 'relay';
    await pacer?.take(100);
    expect([tabWide.taken, relay.taken]).toEqual([300, 100]);
  });

  it('is the tab-wide limiter alone without a relay cap', () => {
    const tabWide = new CountingLimiter(1e6);
    expect(linkPacer(tabWide, undefined, () => 'relay')).toBe(tabWide);
  });
});
