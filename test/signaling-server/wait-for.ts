/**
 * Polls `condition` until it holds; throws naming `what` when it still does not after
 * `timeoutMs`, so a test never goes on silently from a state it did not reach.
 */
export async function waitFor(condition: () => boolean, what: string, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`gave up after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Resolves after `ms`: only for waits on fixed windows the server does not take as a parameter. */
export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
