import { toHex } from '../../../shared/bytes.js';
import type { Random } from '../../../shared/random.js';
import { seededRandom } from '../../../shared/random.js';

/**
 * A tab's identity: one random 20-byte id used as BitTorrent peer id, DHT node id and the
 * name the signaling server knows it by. New for every tab load (two tabs never share one).
 */
export function newPeerId(): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(20));
}

/** The generator injected into shared/ state machines, seeded from the platform's CSPRNG. */
export function newRandom(): Random {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  return seededRandom(seed);
}

export function peerIdHex(id: Uint8Array): string {
  return toHex(id);
}
