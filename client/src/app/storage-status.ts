import { requestPersistentStorage, type PersistableStorage } from '../adapters/persistent-storage.js';
import { estimateStorage, type EstimableStorage } from '../adapters/storage-estimate.js';

/** `navigator.storage` as far as the page uses it. */
export type StorageManagerLike = PersistableStorage & EstimableStorage;

/** This origin's storage as the page shows it. */
export interface StorageView {
  /** Bytes used by this origin (every transfer's pieces, and the page's own caches), if the browser says. */
  usage?: number;
  /** Bytes this origin may use, if the browser says. */
  quota?: number;
  /** Whether the browser keeps this origin's storage under pressure; undefined until known. */
  persisted?: boolean;
  /** Whether the page asked for persistent storage (it does when a person first shares). */
  asked: boolean;
  /** Whether the browser offers persistent storage at all here (not outside a secure context). */
  canPersist: boolean;
}

/**
 * Storage used and available (`navigator.storage.estimate()`), and whether it is persistent: asked
 * of the browser once, the first time a person shares a file, since only then is there something
 * of theirs worth keeping.
 */
export class StorageStatus {
  private figures: { usage?: number; quota?: number } = {};
  private persisted: boolean | undefined;
  private asked = false;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly storage: StorageManagerLike | undefined,
    private readonly changed: () => void,
  ) {}

  view(): StorageView {
    return {
      ...this.figures,
      ...(this.persisted === undefined ? {} : { persisted: this.persisted }),
      asked: this.asked,
      canPersist: typeof this.storage?.persist === 'function',
    };
  }

  /** Reads the figures and the persistence again (one read at a time). */
  refresh(): Promise<void> {
    this.refreshing ??= (async () => {
      const [figures, persisted] = await Promise.all([estimateStorage(this.storage), this.readPersisted()]);
      this.figures = figures;
      if (persisted !== undefined) this.persisted = persisted;
      this.changed();
    })().finally(() => (this.refreshing = undefined));
    return this.refreshing;
  }

  /** Asks for persistent storage, once per page; resolves what the browser answered. */
  async askOnce(): Promise<boolean | undefined> {
    if (this.asked || this.storage?.persist === undefined) return this.persisted;
    this.asked = true;
    this.persisted = await requestPersistentStorage(this.storage);
    this.changed();
    return this.persisted;
  }

  private async readPersisted(): Promise<boolean | undefined> {
    try {
      return this.storage?.persisted !== undefined ? await this.storage.persisted() : undefined;
    } catch {
      return undefined;
    }
  }
}
