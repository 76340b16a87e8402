/**
 * Wraps an IDBFactory so that writes beyond `quotaBytes` of values fail the way browsers fail
 * them: the transaction aborts with a QuotaExceededError, nothing in it is kept.
 */
export function quotaLimitedIndexedDB(factory: IDBFactory, quotaBytes: number): IDBFactory {
  let committed = 0;
  const wrapTransaction = (tx: IDBTransaction): IDBTransaction => {
    let pending = 0;
    let quotaError: DOMException | undefined;
    tx.addEventListener('complete', () => (committed += pending));
    const wrapStore = (store: IDBObjectStore): IDBObjectStore =>
      new Proxy(store, {
        get(target, prop) {
          if (prop === 'transaction') return txProxy;
          if (prop === 'put') {
            return (value: unknown, key?: IDBValidKey) => {
              if (quotaError) return undefined;
              pending += value instanceof Uint8Array ? value.byteLength : 0;
              if (committed + pending > quotaBytes) {
                quotaError = new DOMException('quota exceeded (test)', 'QuotaExceededError');
                queueMicrotask(() => tx.abort());
                return undefined;
              }
              return target.put(value, key);
            };
          }
          const value = Reflect.get(target, prop, target) as unknown;
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    const txProxy: IDBTransaction = new Proxy(tx, {
      get(target, prop) {
        if (prop === 'error') return quotaError ?? target.error;
        if (prop === 'objectStore') return (name: string) => wrapStore(target.objectStore(name));
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
      set(target, prop, value) {
        return Reflect.set(target, prop, value, target);
      },
    });
    return txProxy;
  };
  const wrapDb = (db: IDBDatabase): IDBDatabase =>
    new Proxy(db, {
      get(target, prop) {
        if (prop === 'transaction') {
          return (names: string | string[], mode?: IDBTransactionMode) =>
            wrapTransaction(target.transaction(names, mode));
        }
        const value = Reflect.get(target, prop, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
      set(target, prop, value) {
        return Reflect.set(target, prop, value, target);
      },
    });
  return new Proxy(factory, {
    get(target, prop) {
      if (prop === 'open') {
        return (name: string, version?: number) => {
          const request = target.open(name, version);
          return new Proxy(request, {
            get(req, p) {
              if (p === 'result')
                return req.readyState === 'done' && req.result ? wrapDb(req.result) : req.result;
              const value = Reflect.get(req, p, req) as unknown;
              return typeof value === 'function' ? value.bind(req) : value;
            },
            set(req, p, value) {
              return Reflect.set(req, p, value, req);
            },
          });
        };
      }
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
