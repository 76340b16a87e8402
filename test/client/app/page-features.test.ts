import { describe, expect, it } from 'vitest';
import {
  detectCapabilities,
  featuresOff,
  insecureContextFeatures,
  type PageCapabilities,
} from '../../../client/src/app/page-features.js';

const ALL: PageCapabilities = {
  secureContext: true,
  clipboard: true,
  persistentStorage: true,
  serviceWorker: true,
  savePicker: true,
  subtleCrypto: true,
};

/** What Chromium gives a page at http://192.168.x.y: none of the secure-context APIs. */
const PLAIN_HTTP_LAN: PageCapabilities = {
  secureContext: false,
  clipboard: false,
  persistentStorage: false,
  serviceWorker: false,
  savePicker: false,
  subtleCrypto: false,
};

describe('featuresOff', () => {
  it('lists nothing when the browser gives everything', () => {
    expect(featuresOff(ALL)).toEqual([]);
  });

  it('names each feature that is off, with what it needs', () => {
    expect(featuresOff(PLAIN_HTTP_LAN).map((f) => f.id)).toEqual([
      'streaming',
      'copy',
      'persistent-storage',
      'large-files',
      'fast-hashing',
    ]);
    expect(featuresOff({ ...ALL, clipboard: false })).toEqual([
      { id: 'copy', what: 'The Copy link button', needs: 'the Clipboard API' },
    ]);
  });
});

describe('insecureContextFeatures', () => {
  it('speaks only in an insecure context', () => {
    expect(insecureContextFeatures({ ...ALL, savePicker: false })).toBeUndefined();
    expect(insecureContextFeatures(PLAIN_HTTP_LAN)).toHaveLength(5);
    expect(insecureContextFeatures({ ...ALL, secureContext: false })).toEqual([]);
  });
});

describe('detectCapabilities', () => {
  it('reads each capability by feature detection', () => {
    const fn = (): void => {};
    expect(
      detectCapabilities({
        isSecureContext: true,
        navigator: { clipboard: { writeText: fn }, storage: { persist: fn }, serviceWorker: {} },
        showSaveFilePicker: fn,
        crypto: { subtle: {} },
      }),
    ).toEqual(ALL);
    expect(detectCapabilities({ isSecureContext: false, navigator: {}, crypto: {} })).toEqual(PLAIN_HTTP_LAN);
    expect(detectCapabilities({})).toEqual(PLAIN_HTTP_LAN);
  });
});
