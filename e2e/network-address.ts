import { execFileSync } from 'node:child_process';
import { networkInterfaces } from 'node:os';

/** An address of this machine that is not loopback, so a page opened at it is not a secure context. */
export interface NonLoopbackAddress {
  address: string;
  /** Takes away the address if this module added it. */
  release(): void;
}

/** Added to `lo` only when the machine has no other address (needs root and iproute2). */
const SPARE_ADDRESS = '10.254.0.1';

/**
 * The machine's first non-internal IPv4 address; on a machine with none, one added to the
 * loopback interface for the test (Chromium treats only 127.0.0.0/8, ::1 and localhost as
 * potentially trustworthy, so any other address gives an insecure context).
 */
export function nonLoopbackAddress(): NonLoopbackAddress {
  for (const list of Object.values(networkInterfaces()))
    for (const a of list ?? [])
      if (a.family === 'IPv4' && !a.internal) return { address: a.address, release() {} };
  try {
    execFileSync('ip', ['addr', 'add', `${SPARE_ADDRESS}/32`, 'dev', 'lo'], { stdio: 'pipe' });
  } catch (err) {
    throw new Error(
      `this machine has no non-loopback address and cannot add one (${(err as Error).message}); ` +
        'the test needs one to open the page in an insecure context',
      { cause: err },
    );
  }
  return {
    address: SPARE_ADDRESS,
    release: () =>
      execFileSync('ip', ['addr', 'del', `${SPARE_ADDRESS}/32`, 'dev', 'lo'], { stdio: 'ignore' }),
  };
}
