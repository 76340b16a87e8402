/** The part of `navigator.storage` that tells how much the origin uses and may use. */
export interface EstimableStorage {
  estimate?: () => Promise<{ usage?: number; quota?: number }>;
}

/** What the browser says about this origin's storage; a figure it does not give is left out. */
export interface StorageEstimateFigures {
  usage?: number;
  quota?: number;
}

/**
 * Asks the browser how many bytes this origin uses and may use (`navigator.storage.estimate()`).
 * Never throws: without the API (insecure contexts, old browsers) or on failure, it knows nothing.
 */
export async function estimateStorage(
  storage: EstimableStorage | undefined,
): Promise<StorageEstimateFigures> {
  try {
    const e = storage?.estimate !== undefined ? await storage.estimate() : {};
    const figure = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    return { ...(figure(e.usage) ? { usage: e.usage } : {}), ...(figure(e.quota) ? { quota: e.quota } : {}) };
  } catch {
    return {};
  }
}
