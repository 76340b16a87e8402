/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Gives up (and throws) after this many milliseconds. Default 20 s. */
  timeoutMs?: number;
  /** Checks this often. Default 25 ms. */
  everyMs?: number;
}

/**
 * Resolves once `check` holds, checking it every `everyMs`; throws naming `what` when it still
 * does not hold after `timeoutMs`, so a test never goes on as if it had.
 */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  opts: WaitForOptions = {},
): Promise<void> {
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, opts.everyMs ?? 25));
  }
}
