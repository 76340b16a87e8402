import { promisifyRequest } from 'idb-keyval';
import {
  freshClaim,
  PooledIdentityStore,
  type IdentityClaim,
  type IdentityStore,
  type KeySlots,
  type SlotLocks,
} from './identity-store.js';

/** Options of {@link IdbIdentityStore}; every one defaults to the browser's global. */
export interface IdbIdentityStoreOptions {
  /** Database name; default `tabswarm-identity` (its own database: the piece store's keeps its version). */
  dbName?: string;
  /** Defaults to the `indexedDB` global (tests pass fake-indexeddb's); missing means keys in memory. */
  indexedDB?: IDBFactory | undefined;
  /** Defaults to `navigator.locks`; missing means keys in memory (slots cannot be shared safely). */
  locks?: SlotLocks | undefined;
  /** Defaults to `crypto.getRandomValues`. */
  randomBytes?: (n: number) => Uint8Array;
  /** Where storage trouble is reported before falling back to a key in memory. */
  warn?: (message: string) => void;
}

const STORE = 'keys';

/** Key slots in their own IndexedDB database, one record per slot number. */
class IdbKeySlots implements KeySlots {
  private dbPromise: Promise<IDBDatabase> | undefined;

  constructor(
    private readonly factory: IDBFactory,
    private readonly dbName: string,
  ) {}

  async get(slot: number): Promise<Uint8Array | undefined> {
    const db = await this.db();
    const value: unknown = await promisifyRequest(
      db.transaction(STORE, 'readonly').objectStore(STORE).get(slot),
    );
    return value instanceof Uint8Array ? value : undefined;
  }

  async put(slot: number, secretKey: Uint8Array): Promise<void> {
    const db = await this.db();
    const tx = db.transaction(STORE, 'readwrite');
    tx.objectStore(STORE).put(Uint8Array.from(secretKey), slot);
    await promisifyRequest(tx as unknown as IDBRequest);
  }

  private db(): Promise<IDBDatabase> {
    this.dbPromise ??= (() => {
      const request = this.factory.open(this.dbName, 1);
      request.onupgradeneeded = () => request.result.createObjectStore(STORE);
      return promisifyRequest(request);
    })();
    return this.dbPromise;
  }
}

/**
 * The tab's {@link IdentityStore} in a browser: a pool of key pairs in IndexedDB, each slot
 * claimed with the Web Locks API (see {@link PooledIdentityStore}). Where either is missing or
 * storage fails (a private window, a blocked database), the tab gets a key in memory: it works
 * the same, it just gets a new id when reloaded.
 */
export class IdbIdentityStore implements IdentityStore {
  private readonly randomBytes: (n: number) => Uint8Array;

  constructor(private readonly opts: IdbIdentityStoreOptions = {}) {
    this.randomBytes = opts.randomBytes ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
  }

  async claim(): Promise<IdentityClaim> {
    const factory = 'indexedDB' in this.opts ? this.opts.indexedDB : globalThis.indexedDB;
    const locks = 'locks' in this.opts ? this.opts.locks : globalThis.navigator?.locks;
    if (factory === undefined || locks === undefined) return freshClaim(this.randomBytes);
    const slots = new IdbKeySlots(factory, this.opts.dbName ?? 'tabswarm-identity');
    try {
      return await new PooledIdentityStore(slots, locks, this.randomBytes).claim();
    } catch (err) {
      this.opts.warn?.(
        `tabswarm: keeping this tab's key in memory: ${err instanceof Error ? err.message : String(err)}`,
      );
      return freshClaim(this.randomBytes);
    }
  }
}
