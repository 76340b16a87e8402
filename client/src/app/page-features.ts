/** Browser features tabswarm uses that a browser may hold back (most of them outside a secure context). */
export interface PageCapabilities {
  /** `isSecureContext`: https, or http on localhost. */
  secureContext: boolean;
  /** `navigator.clipboard.writeText`: the Copy link button. */
  clipboard: boolean;
  /** `navigator.storage.persist`: ask the browser not to evict stored pieces. */
  persistentStorage: boolean;
  /** `navigator.serviceWorker`: streaming media while it downloads. */
  serviceWorker: boolean;
  /** `showSaveFilePicker`: saving a file straight to disk, whatever its size. */
  savePicker: boolean;
  /** `crypto.subtle`: fast native hashing. */
  subtleCrypto: boolean;
}

/** A feature of the page that is off, and what it would need. */
export interface FeatureOff {
  id: 'streaming' | 'copy' | 'persistent-storage' | 'large-files' | 'fast-hashing';
  /** What a person loses, in their words. */
  what: string;
  /** The browser API it needs. */
  needs: string;
}

const FEATURES: readonly (FeatureOff & { has: (c: PageCapabilities) => boolean })[] = [
  {
    id: 'streaming',
    what: 'Streaming: playing audio or video while it downloads',
    needs: 'service workers',
    has: (c) => c.serviceWorker,
  },
  { id: 'copy', what: 'The Copy link button', needs: 'the Clipboard API', has: (c) => c.clipboard },
  {
    id: 'persistent-storage',
    what: 'Persistent storage: the browser may evict stored pieces when space runs low',
    needs: 'navigator.storage.persist',
    has: (c) => c.persistentStorage,
  },
  {
    id: 'large-files',
    what: 'Saving large files straight to disk (files are handed over as downloads instead)',
    needs: 'the File System Access API',
    has: (c) => c.savePicker,
  },
  {
    id: 'fast-hashing',
    what: 'Fast hashing (a slower built-in hash is used instead)',
    needs: 'WebCrypto',
    has: (c) => c.subtleCrypto,
  },
];

/** Every feature the page cannot offer with these capabilities. */
export function featuresOff(c: PageCapabilities): FeatureOff[] {
  return FEATURES.filter((f) => !f.has(c)).map(({ id, what, needs }) => ({ id, what, needs }));
}

/**
 * What the page should tell a person about an insecure context: the features it turns off, or
 * undefined in a secure context (features a browser lacks everywhere are not the page's to explain).
 */
export function insecureContextFeatures(c: PageCapabilities): FeatureOff[] | undefined {
  return c.secureContext ? undefined : featuresOff(c);
}

/** The subset of a window that capabilities are read from (a real `window` fits). */
export interface CapabilitySource {
  isSecureContext?: boolean;
  navigator?: {
    clipboard?: { writeText?: unknown };
    storage?: { persist?: unknown };
    serviceWorker?: unknown;
  };
  showSaveFilePicker?: unknown;
  crypto?: { subtle?: unknown };
}

/** Reads the page's capabilities by feature detection, never by browser name. */
export function detectCapabilities(w: CapabilitySource): PageCapabilities {
  const nav = w.navigator;
  return {
    secureContext: w.isSecureContext === true,
    clipboard: typeof nav?.clipboard?.writeText === 'function',
    persistentStorage: typeof nav?.storage?.persist === 'function',
    serviceWorker: nav !== undefined && 'serviceWorker' in nav && nav.serviceWorker !== undefined,
    savePicker: typeof w.showSaveFilePicker === 'function',
    subtleCrypto: w.crypto?.subtle !== undefined,
  };
}
