/** Settings of a {@link RemoteBackoff}. */
export interface BackoffOptions {
  /** How long a remote is ignored after its first failure; each further failure doubles it. */
  baseMs: number;
  /** The longest a remote is ignored for one failure. */
  maxMs: number;
  /** A remote with no failure for this long starts over with a clean record. */
  forgetAfterMs: number;
  /** Remotes remembered at most; the least recently failed are forgotten first. */
  maxRemotes: number;
}

interface BackoffRecord {
  failures: number;
  /** Offers from the remote are ignored until then. */
  until: number;
  /** When it last failed. */
  last: number;
}

/**
 * Per-remote memory of links that never completed: after its n-th failure in a row a remote is
 * ignored for `baseMs * 2^(n-1)` (capped), so a remote that keeps offering links it never finishes
 * is heard less and less often, while one success wipes its record. A pure data structure: every
 * call takes `now`.
 *
 * Remote ids come from strangers, so the memory is bounded ({@link BackoffOptions.maxRemotes});
 * records are kept in order of their last failure, which makes forgetting the stale ones cheap.
 */
export class RemoteBackoff {
  private readonly records = new Map<string, BackoffRecord>();

  constructor(private readonly options: BackoffOptions) {}

  /** True while offers from `remote` are to be ignored. */
  blocked(remote: string, now: number): boolean {
    const rec = this.current(remote, now);
    return rec !== undefined && now < rec.until;
  }

  /** Failures on record for `remote` (0 for a remote with a clean or forgotten record). */
  failures(remote: string, now: number): number {
    return this.current(remote, now)?.failures ?? 0;
  }

  /** Records a failure at `now`; returns until when `remote` is ignored. */
  failed(remote: string, now: number): number {
    const failures = (this.current(remote, now)?.failures ?? 0) + 1;
    const delay = Math.min(this.options.baseMs * 2 ** Math.min(failures - 1, 30), this.options.maxMs);
    const rec: BackoffRecord = { failures, until: now + delay, last: now };
    // Re-inserted so the map stays ordered by last failure.
    this.records.delete(remote);
    this.records.set(remote, rec);
    this.prune(now);
    return rec.until;
  }

  /** The remote completed a link: its record is wiped. */
  succeeded(remote: string): void {
    this.records.delete(remote);
  }

  /** Remotes on record. */
  get size(): number {
    return this.records.size;
  }

  private current(remote: string, now: number): BackoffRecord | undefined {
    const rec = this.records.get(remote);
    if (rec === undefined || now - rec.last < this.options.forgetAfterMs) return rec;
    this.records.delete(remote);
    return undefined;
  }

  private prune(now: number): void {
    for (const [remote, rec] of this.records) {
      const stale = now - rec.last >= this.options.forgetAfterMs;
      if (!stale && this.records.size <= this.options.maxRemotes) break;
      this.records.delete(remote);
    }
  }
}
