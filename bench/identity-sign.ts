/**
 * Ed25519 signs and verifies per second in Node through shared/identity/, for the costs of
 * register proofs and signed DHT messages. Also key derivation (a tab does it once), a whole
 * register proof check as the server runs it, and a DHT answer's proof as a responder makes it
 * and an asker checks it (a find_node answer naming 8 contacts: body digest and Ed25519).
 *
 *   npx tsx bench/identity-sign.ts [--seconds 2]
 */
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { toHex } from '../shared/bytes.js';
import { OriginAuth } from '../shared/dht/origin-proof.js';
import type { KrpcResponseValues } from '../shared/dht/krpc.js';
import {
  checkRegisterProof,
  domainMessage,
  identityFromSecretKey,
  identitySigner,
  proveRegister,
  sign,
  verify,
} from '../shared/identity/index.js';

const { values: args } = parseArgs({ options: { seconds: { type: 'string', default: '2' } } });
const SECONDS = Math.min(Number(args.seconds), 30);

/** Runs `fn` repeatedly for SECONDS (after a short warm-up); calls per second. */
function rate(fn: () => void): number {
  for (let i = 0; i < 50; i++) fn();
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < SECONDS * 1000) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
  }
  return n / ((performance.now() - start) / 1000);
}

const identity = identityFromSecretKey(randomBytes(32));
// A DHT-sized message: a bencoded query of ~200 bytes.
const message = domainMessage('tabswarm-bench', randomBytes(200));
const signature = sign(identity.secretKey, message);
const nonce = randomBytes(32).toString('hex');
const proof = proveRegister(identity, nonce);
const peerId = toHex(identity.peerId);
// A relayed find_node answer naming 8 contacts, signed by its responder for the asker.
const asker = identityFromSecretKey(randomBytes(32));
const tid = randomBytes(4);
const answer: KrpcResponseValues = {
  id: identity.peerId,
  nodes: Array.from({ length: 8 }, () => new Uint8Array(randomBytes(20))),
};
const responderAuth = new OriginAuth(identity.peerId, identitySigner(identity));
const askerAuth = new OriginAuth(asker.peerId, undefined, verify);
const proven = { ...answer, ...responderAuth.proveAnswer(asker.peerId, tid, answer) };
if (askerAuth.answerProblem(tid, proven) !== undefined) throw new Error('the answer proof does not check');

const rows: [string, number][] = [
  ['sign (200-byte message)', rate(() => sign(identity.secretKey, message))],
  ['verify (200-byte message)', rate(() => verify(signature, message, identity.publicKey))],
  ['key pair + id from a secret key', rate(() => identityFromSecretKey(identity.secretKey))],
  ['register proof (tab)', rate(() => proveRegister(identity, nonce))],
  ['register proof check (server)', rate(() => checkRegisterProof(peerId, nonce, proof))],
  ['DHT answer proof (responder)', rate(() => responderAuth.proveAnswer(asker.peerId, tid, answer))],
  ['DHT answer proof check (asker)', rate(() => askerAuth.answerProblem(tid, proven))],
];
console.log(`shared/identity in Node ${process.version}, ${SECONDS} s per row, one core`);
console.log('operation                          per second');
for (const [name, perSecond] of rows)
  console.log(`${name.padEnd(34)} ${Math.round(perSecond).toLocaleString('en-US').padStart(10)}`);
