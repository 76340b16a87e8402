/** Options of {@link EtaSmoother}. */
export interface EtaSmootherOptions {
  /** How fast older rate samples fade: a sample this old weighs half (ms, default 5000). */
  halfLifeMs?: number;
  /** Samples closer together than this are skipped: pieces land in bursts (ms, default 1000). */
  minSampleMs?: number;
}

/** Half-life of the smoothed rate unless told otherwise. */
export const ETA_HALF_LIFE_MS = 5_000;
/** Shortest gap between two rate samples unless told otherwise. */
export const ETA_MIN_SAMPLE_MS = 1_000;
/** Below this many bytes per second there is no sensible time left to show. */
export const ETA_MIN_RATE = 1;

/**
 * Time left for a download, from a smoothed rate of verified bytes. The rate is an exponential
 * moving average in continuous time: a sample taken over `dt` ms counts `1 - 2^(-dt/halfLife)`,
 * so the estimate does not depend on how often the page asks. Pure: time comes in as `now`.
 */
export class EtaSmoother {
  private readonly halfLifeMs: number;
  private readonly minSampleMs: number;
  private rate: number | undefined;
  private lastAt: number | undefined;
  private lastBytes = 0;

  constructor(opts: EtaSmootherOptions = {}) {
    this.halfLifeMs = opts.halfLifeMs ?? ETA_HALF_LIFE_MS;
    this.minSampleMs = opts.minSampleMs ?? ETA_MIN_SAMPLE_MS;
  }

  /** Records that `doneBytes` are verified at `now` (ms). */
  observe(now: number, doneBytes: number): void {
    // The first sample, or pieces lost (or a clock stepped back): a new baseline, the rate kept.
    if (this.lastAt === undefined || doneBytes < this.lastBytes || now < this.lastAt) {
      this.lastAt = now;
      this.lastBytes = doneBytes;
      return;
    }
    const dt = now - this.lastAt;
    if (dt < this.minSampleMs) return;
    const sample = ((doneBytes - this.lastBytes) * 1000) / dt;
    const weight = 1 - 2 ** (-dt / this.halfLifeMs);
    this.rate = this.rate === undefined ? sample : this.rate + weight * (sample - this.rate);
    this.lastAt = now;
    this.lastBytes = doneBytes;
  }

  /** The smoothed rate in bytes per second, once there are two samples. */
  get bytesPerSecond(): number | undefined {
    return this.rate;
  }

  /**
   * Seconds until `totalBytes` are done at the smoothed rate: 0 when done, undefined while the
   * rate is unknown or too slow to say.
   */
  secondsLeft(doneBytes: number, totalBytes: number): number | undefined {
    const left = totalBytes - doneBytes;
    if (left <= 0) return 0;
    if (this.rate === undefined || this.rate < ETA_MIN_RATE) return undefined;
    return left / this.rate;
  }

  /** Forgets the rate (a paused transfer starts afresh when it resumes). */
  reset(): void {
    this.rate = undefined;
    this.lastAt = undefined;
    this.lastBytes = 0;
  }
}
