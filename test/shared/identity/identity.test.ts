import { describe, expect, it } from 'vitest';
import { bytesEqual, fromHex, toHex, utf8 } from '../../../shared/bytes.js';
import {
  NONCE_BYTES,
  PEER_ID_BYTES,
  PUBLIC_KEY_BYTES,
  REGISTER_DOMAIN,
  SECRET_KEY_BYTES,
  SIGNATURE_BYTES,
  checkRegisterProof,
  domainMessage,
  identityFromSecretKey,
  peerIdOf,
  proveRegister,
  registerProofMessage,
  sign,
  verify,
} from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { sha1 } from '../../../shared/sha1.js';

const hex = (s: string): Uint8Array => fromHex(s) as Uint8Array;

/** RFC 8032 section 7.1, test 1 (empty message). */
const RFC = {
  secret: hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60'),
  public: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
  signature:
    'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
};

const random = seededRandom(42);
const someone = identityFromSecretKey(random.bytes(SECRET_KEY_BYTES));
const nonceHex = toHex(random.bytes(NONCE_BYTES));

describe('identity', () => {
  it('derives the RFC 8032 public key, and the peer id as SHA-1 of it', () => {
    const id = identityFromSecretKey(RFC.secret);
    expect(toHex(id.publicKey)).toBe(RFC.public);
    expect(id.publicKey).toHaveLength(PUBLIC_KEY_BYTES);
    expect(id.peerId).toHaveLength(PEER_ID_BYTES);
    expect(toHex(id.peerId)).toBe(toHex(sha1(hex(RFC.public))));
    expect(bytesEqual(peerIdOf(id.publicKey), id.peerId)).toBe(true);
  });

  it('signs as RFC 8032 says, and verifies only the right message, key and signature', () => {
    const id = identityFromSecretKey(RFC.secret);
    const signature = sign(id.secretKey, new Uint8Array());
    expect(toHex(signature)).toBe(RFC.signature);
    expect(signature).toHaveLength(SIGNATURE_BYTES);
    expect(verify(signature, new Uint8Array(), id.publicKey)).toBe(true);
    expect(verify(signature, new Uint8Array([0]), id.publicKey)).toBe(false);
    expect(verify(signature, new Uint8Array(), someone.publicKey)).toBe(false);
    const flipped = Uint8Array.from(signature);
    flipped[5] = (flipped[5] as number) ^ 1;
    expect(verify(flipped, new Uint8Array(), id.publicKey)).toBe(false);
  });

  it('never throws on malformed keys or signatures', () => {
    const message = utf8('m');
    const signature = sign(someone.secretKey, message);
    expect(verify(signature.slice(1), message, someone.publicKey)).toBe(false);
    expect(verify(signature, message, someone.publicKey.slice(1))).toBe(false);
    expect(verify(signature, message, new Uint8Array(PUBLIC_KEY_BYTES).fill(0xff))).toBe(false);
    expect(verify(new Uint8Array(SIGNATURE_BYTES).fill(0xff), message, someone.publicKey)).toBe(false);
  });

  it('refuses a secret key of the wrong size, and copies the one it is given', () => {
    expect(() => identityFromSecretKey(new Uint8Array(31))).toThrow(RangeError);
    const secret = random.bytes(SECRET_KEY_BYTES);
    const id = identityFromSecretKey(secret);
    secret.fill(0);
    expect(bytesEqual(id.secretKey, secret)).toBe(false);
  });

  it('separates domains: the domain ends with a zero byte before the parts', () => {
    const a = domainMessage('ab', utf8('c'));
    const b = domainMessage('a', utf8('bc'));
    expect(bytesEqual(a, b)).toBe(false);
    expect(toHex(registerProofMessage(new Uint8Array(NONCE_BYTES), someone.peerId))).toBe(
      toHex(utf8(REGISTER_DOMAIN)) + '00' + '00'.repeat(NONCE_BYTES) + toHex(someone.peerId),
    );
  });
});

describe('register proof', () => {
  const peerId = toHex(someone.peerId);

  it('a proof of the holder checks out', () => {
    const proof = proveRegister(someone, nonceHex);
    expect(checkRegisterProof(peerId, nonceHex, proof)).toBeUndefined();
    expect(checkRegisterProof(peerId, nonceHex.toUpperCase(), proof)).toBeUndefined();
  });

  it('refuses another key for the id, another nonce, another id, a signature of another domain', () => {
    const other = identityFromSecretKey(random.bytes(SECRET_KEY_BYTES));
    const theirs = proveRegister(other, nonceHex);
    expect(checkRegisterProof(peerId, nonceHex, theirs)?.field).toBe('publicKey');
    const proof = proveRegister(someone, nonceHex);
    const otherNonce = toHex(random.bytes(NONCE_BYTES));
    expect(checkRegisterProof(peerId, otherNonce, proof)?.field).toBe('signature');
    expect(checkRegisterProof(toHex(other.peerId), nonceHex, proof)?.field).toBe('publicKey');
    const nonce = hex(nonceHex);
    const elsewhere = sign(someone.secretKey, domainMessage('tabswarm-dht', nonce, someone.peerId));
    const misused = { publicKey: proof.publicKey, signature: toHex(elsewhere) };
    expect(checkRegisterProof(peerId, nonceHex, misused)).toEqual({
      field: 'signature',
      reason: expect.stringMatching(/challenge/) as string,
    });
  });
});
