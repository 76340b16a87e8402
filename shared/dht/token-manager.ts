import { bytesEqual, concatBytes } from '../bytes.js';
import type { Random } from '../random.js';
import { sha1 } from '../sha1.js';
import { idBytes } from './node-id.js';
import type { IdLike } from './node-id.js';

const SECRET_BYTES = 20;
/** Bytes of a token we issue (a truncated SHA-1: enough that guessing one is hopeless). */
export const TOKEN_BYTES = 8;

/**
 * get_peers/get tokens (BEP 5), bound to the asker's node id (there is no IP) and to the key
 * they are for (info-hash or value key): token = SHA-1(secret || asker id || key) truncated. A
 * token for one key cannot store under another, and one asker's token cannot store for another
 * asker. The secret rotates every `rotateMs`; a token made with the current or the previous
 * secret is accepted, so a token lives between one and two periods. Rotation is lazy (driven by
 * `now` on each call), so it needs no timer.
 */
export class TokenManager {
  private current: Uint8Array;
  private previous: Uint8Array;
  private rotatedAt: number;

  constructor(
    private readonly random: Random,
    readonly rotateMs = 5 * 60_000,
    now = 0,
  ) {
    this.current = random.bytes(SECRET_BYTES);
    this.previous = random.bytes(SECRET_BYTES);
    this.rotatedAt = now;
  }

  /** A token for `asker` to store under `key`, valid until at least `rotateMs` from now. */
  issue(asker: IdLike, key: IdLike, now: number): Uint8Array {
    this.rotate(now);
    return this.tokenFor(this.current, idBytes(asker), idBytes(key));
  }

  /** True if `token` was issued to `asker` for `key` with the current or previous secret. */
  verify(asker: IdLike, key: IdLike, token: Uint8Array, now: number): boolean {
    this.rotate(now);
    if (token.length !== TOKEN_BYTES) return false;
    const id = idBytes(asker);
    const k = idBytes(key);
    return (
      bytesEqual(token, this.tokenFor(this.current, id, k)) ||
      bytesEqual(token, this.tokenFor(this.previous, id, k))
    );
  }

  private rotate(now: number): void {
    const periods = Math.floor((now - this.rotatedAt) / this.rotateMs);
    if (periods <= 0) return;
    // Two or more missed periods invalidate both secrets.
    this.previous = periods === 1 ? this.current : this.random.bytes(SECRET_BYTES);
    this.current = this.random.bytes(SECRET_BYTES);
    this.rotatedAt += periods * this.rotateMs;
  }

  private tokenFor(secret: Uint8Array, id: Uint8Array, key: Uint8Array): Uint8Array {
    return sha1(concatBytes([secret, id, key])).slice(0, TOKEN_BYTES);
  }
}
