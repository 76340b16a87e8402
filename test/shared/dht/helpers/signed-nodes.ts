import { toHex } from '../../../../shared/bytes.js';
import { identityFromSecretKey, identitySigner, verify } from '../../../../shared/identity/index.js';
import type { Identity } from '../../../../shared/identity/index.js';
import type { Random } from '../../../../shared/random.js';
import { seededRandom } from '../../../../shared/random.js';
import { decodeKrpc, encodeKrpc } from '../../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../../shared/dht/krpc.js';
import { decodeFrame, encodeEnvelope } from '../../../../shared/dht/relay.js';
import type { DhtAction, DhtEvent, DhtOptions } from '../../../../shared/dht/types.js';
import { TestNode } from './test-node.js';

/** Helpers for tests of nodes that sign and check proofs (Ed25519 identities, as in the tabs). */
export function signedNodes(random: Random) {
  const newIdentity = (): Identity => identityFromSecretKey(random.bytes(32));
  /** A node that signs what it sends and requires proofs of what it receives. */
  const node = (identity: Identity, options: Partial<DhtOptions> = {}): TestNode =>
    new TestNode({
      ...options,
      id: identity.peerId,
      random: seededRandom(random.int(1e9)),
      signer: identitySigner(identity),
      verifier: verify,
    });
  return { newIdentity, node };
}

export function sends(actions: DhtAction[]): Extract<DhtAction, { type: 'send' }>[] {
  return actions.filter((a): a is Extract<DhtAction, { type: 'send' }> => a.type === 'send');
}

/** The KRPC message in a frame, bare or in an envelope. */
export function messageOf(data: Uint8Array): KrpcMessage {
  const frame = decodeFrame(data, 8);
  return frame.kind === 'envelope' ? decodeKrpc(frame.envelope.message as Uint8Array) : decodeKrpc(data);
}

/** `relay` (a live link of `a`) hands `a` the message `m` as if relayed from `origin`; `a`'s outputs. */
export function relayedTo(
  a: TestNode,
  relay: Uint8Array,
  origin: Uint8Array,
  m: KrpcMessage,
  now: number,
): DhtAction[] {
  const path = [toHex(origin), toHex(relay), a.id];
  return a.receive(relay, encodeEnvelope({ path, hop: 2, message: encodeKrpc(m) }), now);
}

/** The node's answer among its outputs (it may also query others). */
export function replyOf(actions: DhtAction[]): KrpcMessage | undefined {
  return sends(actions)
    .map((x) => messageOf(x.data))
    .find((m) => m.y !== 'q');
}

/** The queries among `actions` and the node each goes to (the last id of its route). */
export function queriesOut(actions: DhtAction[]): { to: string; m: Extract<KrpcMessage, { y: 'q' }> }[] {
  const out: { to: string; m: Extract<KrpcMessage, { y: 'q' }> }[] = [];
  for (const s of sends(actions)) {
    const frame = decodeFrame(s.data, 8);
    const bytes = frame.kind === 'envelope' ? frame.envelope.message : s.data;
    if (bytes === undefined) continue;
    const m = decodeKrpc(bytes);
    if (m.y !== 'q') continue;
    const to = frame.kind === 'envelope' ? (frame.envelope.path.at(-1) as string) : s.to;
    out.push({ to, m });
  }
  return out;
}

export function dropped(actions: DhtAction[]): string[] {
  return actions.flatMap((a) =>
    a.type === 'event' && a.event.type === 'message-dropped' ? [a.event.reason] : [],
  );
}

export function eventsOf(actions: DhtAction[]): DhtEvent[] {
  return actions.flatMap((a) => (a.type === 'event' ? [a.event] : []));
}

/** Every contact in the node's routing table. */
export function contacts(a: TestNode): string[] {
  return a.snapshot().buckets.flatMap((b) => b.contacts.map((c) => c.id));
}
