import { describe, expect, it } from 'vitest';
import { bytesEqual, toHex } from '../../../shared/bytes.js';
import { peerIdOf, sign, verify } from '../../../shared/identity/index.js';
import type { IdentityClaim, IdentityStore } from '../../../client/src/adapters/identity-store.js';

/** A browser profile: each call of `tab()` is the identity store a new tab of it sees. */
export interface ProfileUnderTest {
  tab(): IdentityStore;
}

const idOf = (claim: IdentityClaim): string => toHex(claim.identity.peerId);

/**
 * What every IdentityStore promises: a valid key pair whose id is derived from it; two live
 * tabs of one profile never share an id; a tab that goes away (reload) gives its id to the next.
 */
export function identityStoreContract(name: string, makeProfile: () => ProfileUnderTest): void {
  describe(`IdentityStore contract: ${name}`, () => {
    it('claims a key pair whose id is SHA-1 of the public key, and which signs', async () => {
      const claim = await makeProfile().tab().claim();
      const { identity } = claim;
      expect(bytesEqual(identity.peerId, peerIdOf(identity.publicKey))).toBe(true);
      const message = new Uint8Array([1, 2, 3]);
      expect(verify(sign(identity.secretKey, message), message, identity.publicKey)).toBe(true);
      expect(claim.kept).toBe(true);
      await claim.release();
    });

    it('gives two live tabs of one profile different ids, even claiming at once', async () => {
      const profile = makeProfile();
      const claims = await Promise.all([1, 2, 3, 4, 5].map(() => profile.tab().claim()));
      expect(new Set(claims.map(idOf)).size).toBe(claims.length);
      await Promise.all(claims.map((c) => c.release()));
    });

    it('gives a reloaded tab its id back', async () => {
      const profile = makeProfile();
      const first = await profile.tab().claim();
      const other = await profile.tab().claim();
      await first.release(); // the page unloads
      const reloaded = await profile.tab().claim();
      expect(idOf(reloaded)).toBe(idOf(first));
      expect(idOf(reloaded)).not.toBe(idOf(other));
      await Promise.all([reloaded.release(), other.release()]);
    });

    it('separate profiles do not share ids', async () => {
      const a = await makeProfile().tab().claim();
      const b = await makeProfile().tab().claim();
      expect(idOf(a)).not.toBe(idOf(b));
    });
  });
}
