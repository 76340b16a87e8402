import type { Random } from '../../../shared/random.js';
import { seededRandom } from '../../../shared/random.js';
import { IdbIdentityStore } from '../adapters/idb-identity-store.js';
import type { IdentityClaim } from '../adapters/identity-store.js';

/**
 * A tab's identity: an Ed25519 key pair whose SHA-1 is its 20-byte id, used as BitTorrent peer
 * id, DHT node id and the name the signaling server knows it by (shared/identity/). Keys live in
 * a small pool in IndexedDB; each tab claims one no other live tab holds (Web Locks), so two
 * tabs of one profile never share an id and a reloaded tab gets its id back. Without IndexedDB
 * or Web Locks the key is kept in memory: a new id per load.
 */
export function claimIdentity(): Promise<IdentityClaim> {
  return new IdbIdentityStore({ warn: (m) => console.warn(m) }).claim();
}

/** The generator injected into shared/ state machines, seeded from the platform's CSPRNG. */
export function newRandom(): Random {
  const seed = crypto.getRandomValues(new Uint32Array(1))[0] as number;
  return seededRandom(seed);
}
