import { Outbox, TimerTable, type Machine } from '../machine/index.js';
import type { Random } from '../random.js';
import { JitteredBackoff } from '../backoff.js';

/** Defaults of {@link BootstrapBackoff}. */
export const BOOTSTRAP_BACKOFF = {
  /** The wait after the first ask: enough for the links it brought to open. */
  minMs: 2_000,
  /** The longest wait: a lone tab asks a few times an hour, not once per round trip. */
  maxMs: 300_000,
  /** Each wait is drawn from ±this fraction of the nominal one, so tabs do not ask in step. */
  jitter: 0.25,
} as const;

/** Options of a {@link BootstrapBackoff}. */
export interface BootstrapBackoffOptions {
  minMs: number;
  maxMs: number;
  jitter: number;
}

/** The one output: ask the server for a bootstrap set now. */
export interface BootstrapAsk {
  type: 'ask';
}

/**
 * When a tab may ask the signaling server for bootstrap peers. The DHT wants contacts whenever
 * it has none, which for a lone tab is right after every empty answer: asked directly, that is
 * one `register` per round trip, forever. Here a want is served at once only if the last ask
 * is far enough behind; otherwise it waits for its turn (one timer). The wait starts at `minMs`
 * and doubles per ask up to `maxMs`, with jitter; the server's `retryAfterMs` pushes the next
 * ask further; a link opening resets everything, since a tab with a link no longer depends on
 * the server and a later need is news. An answer never causes an ask by itself.
 *
 * Sans-I/O: inputs take `now`, the ask comes out of `poll()`, randomness is injected.
 */
export class BootstrapBackoff implements Machine<BootstrapAsk> {
  private readonly out = new Outbox<BootstrapAsk>();
  private readonly timers = new TimerTable<'ask'>();
  private readonly options: BootstrapBackoffOptions;
  private readonly waits: JitteredBackoff;
  /** No ask before this time. */
  private notBefore = -Infinity;

  constructor(
    private readonly random: Random,
    options: Partial<BootstrapBackoffOptions> = {},
  ) {
    this.options = { ...BOOTSTRAP_BACKOFF, ...options };
    this.waits = new JitteredBackoff(this.options.minMs, this.options.maxMs, this.options.jitter);
  }

  /** The host needs bootstrap peers: asks now, or at the first time allowed (once, however often wanted). */
  want(now: number): void {
    if (this.timers.has('ask')) return;
    if (now >= this.notBefore) this.ask(now);
    else this.timers.set('ask', this.notBefore);
  }

  /**
   * The server answered a register. `retryAfterMs` (sent when it had nobody to give) defers the
   * next ask, clamped to `maxMs` so a wrong server cannot silence the tab for longer than that.
   */
  answered(now: number, retryAfterMs?: number): void {
    if (retryAfterMs === undefined) return;
    this.notBefore = Math.max(this.notBefore, now + Math.min(retryAfterMs, this.options.maxMs));
    if (this.timers.has('ask')) this.timers.set('ask', this.notBefore);
  }

  /** A link opened: back to the shortest wait, and a want waiting for its turn is dropped. */
  linkOpened(now: number): void {
    this.waits.reset();
    this.notBefore = now;
    this.timers.clear('ask');
  }

  /** When the next ask may go (for status and tests). */
  get nextAskAt(): number {
    return this.notBefore;
  }

  poll(): BootstrapAsk[] {
    return this.out.poll();
  }

  nextTimeout(): number | undefined {
    return this.timers.next();
  }

  handleTimeout(now: number): void {
    for (const timer of this.timers.due(now)) if (timer.name === 'ask') this.ask(now);
  }

  private ask(now: number): void {
    this.out.push({ type: 'ask' });
    this.notBefore = now + this.waits.next(this.random.next());
  }
}
