import { relayUploadCap, type LinkPath } from '../../../shared/links/index.js';

/** What paces uploads: resolves when `bytes` may be sent. */
export interface UploadPacer {
  take(bytes: number): Promise<void>;
}

/**
 * The pacer of one swarm link: the tab-wide cap, then, while the link runs through a TURN relay,
 * the cap on relayed upload (shared/links/link-path.ts decides when it applies).
 */
export function linkPacer(
  tabWide: UploadPacer | undefined,
  relay: UploadLimiter | undefined,
  path: () => LinkPath | undefined,
): UploadPacer | undefined {
  if (relay === undefined) return tabWide;
  return {
    async take(bytes) {
      await tabWide?.take(bytes);
      if (relayUploadCap(path(), relay.bytesPerSecond) !== undefined) await relay.take(bytes);
    },
  };
}

/**
 * A tab-wide upload cap (bytes per second) shared by every swarm link, as BitTorrent clients
 * offer; unlimited by default. A token bucket that holds at most one second of tokens.
 */
export class UploadLimiter implements UploadPacer {
  private tokens: number;
  private last: number;

  constructor(
    readonly bytesPerSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    this.tokens = bytesPerSecond;
    this.last = now();
  }

  /** Resolves when `bytes` may be sent. */
  async take(bytes: number): Promise<void> {
    for (;;) {
      const t = this.now();
      this.tokens = Math.min(
        this.bytesPerSecond,
        this.tokens + ((t - this.last) / 1000) * this.bytesPerSecond,
      );
      this.last = t;
      if (this.tokens >= Math.min(bytes, this.bytesPerSecond)) {
        this.tokens -= bytes;
        return;
      }
      const waitMs = ((bytes - this.tokens) / this.bytesPerSecond) * 1000;
      await new Promise((r) => setTimeout(r, Math.min(1000, Math.max(5, waitMs))));
    }
  }
}
