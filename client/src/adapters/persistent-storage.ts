/** The part of `navigator.storage` used here. */
export interface PersistableStorage {
  persisted?: () => Promise<boolean>;
  persist?: () => Promise<boolean>;
}

/**
 * Asks the browser not to evict this origin's storage (the stored pieces) under pressure.
 * Resolves whether storage is persistent; false where the API is missing (insecure contexts) or
 * the browser says no. Never throws: the page works the same either way, only less durably.
 */
export async function requestPersistentStorage(storage: PersistableStorage | undefined): Promise<boolean> {
  try {
    if (storage?.persisted !== undefined && (await storage.persisted())) return true;
    return storage?.persist !== undefined ? await storage.persist() : false;
  } catch {
    return false;
  }
}
