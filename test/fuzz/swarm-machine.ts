import fc from 'fast-check';
import { bytesEqual, concatBytes } from '../../shared/bytes.js';
import { ErrorCode } from '../../shared/errors.js';
import { createInfoDictionary, infoHashOf, MIN_PIECE_LENGTH } from '../../shared/info-dictionary.js';
import type { InfoDictionary } from '../../shared/info-dictionary.js';
import { seededRandom } from '../../shared/random.js';
import { sha1 } from '../../shared/sha1.js';
import { SEND_CHUNK_SIZE, UT_METADATA_ID } from '../../shared/swarm/swarm.js';
import type { SwarmOutput } from '../../shared/swarm/swarm.js';
import { encodeExtensionHandshake, parseExtensionHandshake } from '../../shared/wire/extension-handshake.js';
import { EXTENDED_HANDSHAKE_ID } from '../../shared/wire/peer-wire.js';
import {
  encodeUtMetadata,
  metadataPiece,
  metadataPieceCount,
  parseUtMetadata,
} from '../../shared/wire/ut-metadata.js';
import {
  BLOCK_SIZE,
  MAX_REQUEST_LENGTH,
  WireDecoder,
  encodeHandshake,
  encodeMessage,
} from '../../shared/wire/wire-codec.js';
import type { WireMessage } from '../../shared/wire/wire-codec.js';
import { mutated } from './arbitraries.js';
import { SwarmUnderTest } from './machines.js';
import { check } from './outcome.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

/**
 * A stateful property of the swarm: scripted peers connect and leave, handshake (as themselves,
 * as a duplicate, as the swarm), send valid, wrong and garbage messages in arbitrary chunks,
 * serve the blocks and metadata the swarm asks for (or corrupt ones); the host answers verify
 * and read actions, reports drained channels and lets time pass. After every input the outputs
 * must be well formed, and after every timeout the next one must lie ahead.
 */

const PEERS = 5;
const peer = fc.integer({ min: 0, max: PEERS - 1 });
/** The ut_metadata id the scripted peers ask to be sent on. */
const PEER_UT_METADATA_ID = 2;
const rarely = fc.integer({ min: 0, max: 7 }).map((x) => x === 0);
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 3 });

type Command =
  | { kind: 'remove' | 'drained'; peer: number }
  | { kind: 'add'; peer: number; greet: 'none' | 'handshake' | 'full'; seed: boolean; fast: boolean }
  | {
      kind: 'handshake';
      peer: number;
      id: 'own' | 'other' | 'swarm';
      ext: boolean;
      fast: boolean;
      wrongHash: boolean;
      cuts: number[];
    }
  | { kind: 'message'; peer: number; msg: MessageSpec; cuts: number[] }
  | { kind: 'serve'; peer: number; corrupt: boolean; all: boolean }
  | { kind: 'ask'; peer: number; pick: number }
  | { kind: 'serveMetadata'; peer: number; reject: boolean; corrupt: boolean }
  | { kind: 'garbage'; peer: number; bytes: Uint8Array }
  | { kind: 'verify'; pick: number; lie: boolean }
  | { kind: 'read'; pick: number; answer: 'data' | 'missing' | 'short' }
  | { kind: 'advance' }
  | { kind: 'wait'; ms: number; timeout: boolean };

/** A message from a scripted peer, with indices relative to the torrent so most are in range. */
type MessageSpec =
  | { type: 'choke' | 'unchoke' | 'interested' | 'not-interested' | 'keep-alive' }
  | { type: 'have'; index: number }
  | { type: 'bitfield'; bits: number; extraBytes: number }
  | { type: 'request' | 'cancel' | 'piece'; index: number; block: number; length: number }
  | { type: 'port' }
  | { type: 'ext-handshake'; metadata: boolean; sizeDelta: number }
  | { type: 'ut-request' | 'ut-reject'; piece: number }
  | { type: 'extended-raw'; id: number; payload: Uint8Array }
  | { type: 'have-all' | 'have-none' | 'reject-pending' }
  | { type: 'suggest' | 'allowed-fast'; index: number }
  | { type: 'reject'; index: number; block: number; length: number };

const messageSpec: fc.Arbitrary<MessageSpec> = fc.oneof(
  fc.record({
    type: fc.constantFrom(
      'choke' as const,
      'unchoke' as const,
      'interested' as const,
      'not-interested' as const,
      'keep-alive' as const,
    ),
  }),
  fc.record({ type: fc.constant('have' as const), index: fc.integer({ min: 0, max: 6 }) }),
  fc.record({
    type: fc.constant('bitfield' as const),
    bits: fc.nat({ max: 255 }),
    extraBytes: fc.oneof(fc.constant(0), fc.integer({ min: -1, max: 2 })),
  }),
  fc.record({
    type: fc.constantFrom('request' as const, 'cancel' as const, 'piece' as const),
    index: fc.integer({ min: 0, max: 5 }),
    block: fc.integer({ min: 0, max: 2 }),
    length: fc.oneof(fc.constant(BLOCK_SIZE), fc.integer({ min: 0, max: MAX_REQUEST_LENGTH + 1 })),
  }),
  fc.record({ type: fc.constant('port' as const) }),
  fc.record({
    type: fc.constant('ext-handshake' as const),
    metadata: fc.boolean(),
    sizeDelta: fc.oneof(fc.constant(0), fc.integer({ min: -2, max: 2 })),
  }),
  fc.record({
    type: fc.constantFrom('ut-request' as const, 'ut-reject' as const),
    piece: fc.integer({ min: 0, max: 3 }),
  }),
  // BEP 6: legal only after a handshake with the Fast bit; `reject-pending` rejects a real request.
  fc.record({ type: fc.constantFrom('have-all' as const, 'have-none' as const, 'reject-pending' as const) }),
  fc.record({
    type: fc.constantFrom('suggest' as const, 'allowed-fast' as const),
    index: fc.integer({ min: 0, max: 6 }),
  }),
  fc.record({
    type: fc.constant('reject' as const),
    index: fc.integer({ min: 0, max: 5 }),
    block: fc.integer({ min: 0, max: 2 }),
    length: fc.oneof(fc.constant(BLOCK_SIZE), fc.integer({ min: 0, max: MAX_REQUEST_LENGTH + 1 })),
  }),
  fc.record({
    type: fc.constant('extended-raw' as const),
    id: fc.constantFrom(UT_METADATA_ID, 0, 9),
    payload: mutated(fc.constant(encodeUtMetadata({ type: 'request', piece: 0 }))),
  }),
);

const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constantFrom('remove' as const, 'drained' as const), peer }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      peer,
      greet: fc.constantFrom('none' as const, 'handshake' as const, 'full' as const, 'full' as const),
      seed: fc.boolean(),
      fast: fc.boolean(),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('handshake' as const),
      peer,
      id: fc.constantFrom('own' as const, 'own' as const, 'own' as const, 'other' as const, 'swarm' as const),
      ext: fc.boolean(),
      fast: fc.boolean(),
      wrongHash: rarely,
      cuts,
    }),
  },
  {
    weight: 10,
    arbitrary: fc.record({ kind: fc.constant('message' as const), peer, msg: messageSpec, cuts }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant('serve' as const), peer, corrupt: rarely, all: fc.boolean() }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('ask' as const), peer, pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('serveMetadata' as const),
      peer,
      reject: rarely,
      corrupt: rarely,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      peer,
      bytes: fc.uint8Array({ maxLength: 40 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('verify' as const), pick: fc.nat(), lie: rarely }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('read' as const),
      pick: fc.nat(),
      answer: fc.constantFrom('data' as const, 'data' as const, 'missing' as const, 'short' as const),
    }),
  },
  { weight: 3, arbitrary: fc.constant({ kind: 'advance' as const }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('wait' as const),
      ms: fc.integer({ min: 0, max: 200_000 }),
      timeout: fc.boolean(),
    }),
  },
);

/** A small torrent: one to four pieces of one or two blocks. */
const setup = fc.record({
  pieceLength: fc.constantFrom(MIN_PIECE_LENGTH, 2 * MIN_PIECE_LENGTH),
  pieces: fc.integer({ min: 1, max: 4 }),
  tail: fc.nat(),
  role: fc.constantFrom('seed' as const, 'leecher' as const, 'partial' as const, 'magnet' as const),
  haveBits: fc.nat({ max: 15 }),
  maxPeers: fc.integer({ min: 1, max: PEERS }),
  uploadSlots: fc.integer({ min: 1, max: 4 }),
  pipeline: fc.option(fc.integer({ min: 1, max: 8 }), { nil: undefined }),
  initialSeeding: fc.boolean(),
  seed: fc.integer(),
});
type Setup = typeof setup extends fc.Arbitrary<infer S> ? S : never;

interface Torrent {
  data: Uint8Array;
  info: InfoDictionary;
  infoBytes: Uint8Array;
  infoHash: Uint8Array;
}

function makeTorrent(s: Setup): Torrent {
  const length = (s.pieces - 1) * s.pieceLength + 1 + (s.tail % s.pieceLength);
  const data = seededRandom(s.seed).bytes(length);
  const hashes: Uint8Array[] = [];
  for (let off = 0; off < length; off += s.pieceLength)
    hashes.push(sha1(data.subarray(off, off + s.pieceLength)));
  const { info, infoBytes, infoHash } = createInfoDictionary({
    name: 'f',
    length,
    pieceLength: s.pieceLength,
    pieceHashes: concatBytes(hashes),
  });
  return { data, info, infoBytes, infoHash };
}

/** What the host knows of one scripted peer's connection. */
interface Conn {
  /** Decodes what the swarm sends this peer. */
  decoder: WireDecoder;
  /** The swarm's block requests to this peer, not yet served. */
  requests: { index: number; begin: number; length: number }[];
  /** Pieces the swarm told this peer it has (bitfield and haves). */
  advertised: Set<number>;
  /** ut_metadata pieces the swarm asked this peer for. */
  metadataRequests: number[];
  /** The peer's handshake went out to the swarm: only then may the swarm send it messages. */
  greeted: boolean;
  /** The extended id the swarm wants ut_metadata on (from its extension handshake). */
  swarmUtId: number | undefined;
  /** The peer's handshake set the BEP 6 bit (the swarm always does): Fast is on. */
  fast: boolean;
  /** The swarm has sent a message after its handshake (a BEP 6 have-all/none must come first). */
  spoke: boolean;
}

class SwarmHost {
  now = 1_000_000;
  readonly swarm: SwarmUnderTest;
  readonly torrent: Torrent;
  private readonly ownId: Uint8Array;
  private readonly peerIds: Uint8Array[];
  private readonly open = new Map<string, Conn>();
  private readonly verifying = new Map<number, Uint8Array>();
  private readonly reads = new Set<number>();
  /** The swarm knows the info dictionary (from the start, or once `metadata` came out). */
  private info: InfoDictionary | undefined;
  /** Pieces the swarm has verified (or was given), as its events tell. */
  private readonly have = new Set<number>();
  /** The host said a corrupt piece was good: served blocks may then be wrong. */
  private lied = false;
  private readonly maxPeers: number;

  constructor(s: Setup) {
    this.torrent = makeTorrent(s);
    const t = this.torrent;
    const rnd = seededRandom(s.seed ^ 0x5eed);
    this.ownId = rnd.bytes(20);
    this.peerIds = Array.from({ length: PEERS }, () => rnd.bytes(20));
    const count = t.info.pieceCount;
    const have =
      s.role === 'seed'
        ? Array<boolean>(count).fill(true)
        : s.role === 'partial'
          ? Array.from({ length: count }, (_, i) => ((s.haveBits >> i) & 1) === 1)
          : undefined;
    this.swarm = new SwarmUnderTest({
      infoHash: t.infoHash,
      peerId: this.ownId,
      random: seededRandom(s.seed),
      ...(s.role === 'magnet' ? {} : { info: t.info, infoBytes: t.infoBytes }),
      ...(have ? { have } : {}),
      maxPeers: s.maxPeers,
      uploadSlots: s.uploadSlots,
      ...(s.pipeline === undefined ? {} : { requestPipeline: s.pipeline }),
      initialSeeding: s.initialSeeding,
    });
    if (s.role !== 'magnet') this.info = t.info;
    have?.forEach((h, i) => h && this.have.add(i));
    this.maxPeers = s.maxPeers;
  }

  run(c: Command): void {
    const sw = this.swarm;
    this.now += 1;
    const key = 'peer' in c ? `p${c.peer}` : '';
    switch (c.kind) {
      case 'add': {
        if (this.open.has(key)) return;
        this.open.set(key, {
          decoder: new WireDecoder({ infoHash: this.torrent.infoHash }),
          requests: [],
          advertised: new Set(),
          metadataRequests: [],
          swarmUtId: undefined,
          greeted: c.greet !== 'none',
          fast: c.greet !== 'none' && c.fast,
          spoke: false,
        });
        this.take(sw.addPeer(key, this.now));
        if (c.greet === 'none') return;
        // A well-behaved peer: handshake; with `full`, extension handshake, pieces, unchoke, interest.
        this.send(
          key,
          encodeHandshake(this.torrent.infoHash, this.peerIds[c.peer] as Uint8Array, true, c.fast),
          [],
        );
        if (c.greet === 'handshake') return;
        const t = this.torrent;
        const bits = new Uint8Array(Math.ceil(t.info.pieceCount / 8));
        for (let i = 0; i < t.info.pieceCount; i++)
          if (c.seed || i % 2 === c.peer % 2) bits[i >> 3] = (bits[i >> 3] as number) | (0x80 >> (i & 7));
        const ext = encodeExtensionHandshake({
          m: { ut_metadata: PEER_UT_METADATA_ID },
          metadataSize: t.infoBytes.length,
        });
        const msgs: WireMessage[] = [
          { type: 'extended', id: EXTENDED_HANDSHAKE_ID, payload: ext },
          c.fast && c.seed ? { type: 'have-all' } : { type: 'bitfield', bits },
          { type: 'unchoke' },
          { type: 'interested' },
        ];
        return this.send(key, concatBytes(msgs.map(encodeMessage)), []);
      }
      case 'remove':
        if (!this.open.delete(key)) return;
        return this.take(sw.removePeer(key, this.now));
      case 'drained':
        return this.take(sw.drained(key, this.now));
      case 'handshake': {
        const id =
          c.id === 'swarm'
            ? this.ownId
            : (this.peerIds[c.id === 'own' ? c.peer : (c.peer + 1) % PEERS] as Uint8Array);
        const hash = c.wrongHash ? this.ownId : this.torrent.infoHash;
        const conn = this.open.get(key);
        if (conn && !conn.greeted) {
          conn.greeted = true;
          conn.fast = c.fast;
        }
        return this.send(key, encodeHandshake(hash, id, c.ext, c.fast), c.cuts);
      }
      case 'message': {
        const conn = this.open.get(key);
        // BEP 3: a choke discards the requests the swarm had out with us (BEP 6: it does not).
        if (conn && c.msg.type === 'choke' && !conn.fast) conn.requests = [];
        const msg = this.message(c.msg, conn);
        return this.send(key, concatBytes(msg.map(encodeMessage)), c.cuts);
      }
      case 'serve':
        return this.serve(key, c.corrupt, c.all);
      case 'serveMetadata':
        return this.serveMetadata(key, c.reject, c.corrupt);
      case 'ask':
        return this.ask(key, c.pick);
      case 'garbage':
        return this.send(key, c.bytes, []);
      case 'verify': {
        const pending = [...this.verifying];
        const entry = pending[c.pick % Math.max(1, pending.length)];
        if (!entry) return;
        const [index, data] = entry;
        this.verifying.delete(index);
        const info = this.info as InfoDictionary;
        const good = bytesEqual(sha1(data), info.pieces.subarray(index * 20, index * 20 + 20));
        if (c.lie && !good) this.lied = true;
        return this.take(sw.pieceVerified(index, c.lie ? !good : good, this.now));
      }
      case 'read': {
        const pending = [...this.reads];
        const index = pending[c.pick % Math.max(1, pending.length)];
        if (index === undefined) return;
        this.reads.delete(index);
        const piece = this.pieceData(index);
        const answer = c.answer === 'data' ? piece : c.answer === 'short' ? piece.subarray(1) : undefined;
        return this.take(sw.pieceData(index, answer, this.now));
      }
      case 'advance': {
        const next = sw.nextTimeout();
        if (next !== undefined) this.now = Math.max(this.now, next);
        return this.timeout();
      }
      case 'wait':
        this.now += c.ms;
        if (c.timeout) this.timeout();
        return;
    }
  }

  private pieceData(index: number): Uint8Array {
    const { pieceLength } = this.torrent.info;
    return this.torrent.data.subarray(index * pieceLength, (index + 1) * pieceLength);
  }

  private timeout(): void {
    this.take(this.swarm.handleTimeout(this.now));
    const next = this.swarm.nextTimeout();
    check(
      next === undefined || next > this.now,
      () => `after handleTimeout(${this.now}) nextTimeout() is ${next}`,
    );
  }

  /** Bytes from a scripted peer, split at `cuts` (fractions), each chunk one receive. */
  private send(key: string, bytes: Uint8Array, cuts: number[]): void {
    if (!this.open.has(key)) return;
    const points = [...new Set(cuts.map((f) => Math.floor(f * bytes.length)))].sort((a, b) => a - b);
    let last = 0;
    for (const p of [...points, bytes.length]) {
      if (!this.open.has(key)) return;
      this.take(this.swarm.receive(key, bytes.subarray(last, p), this.now));
      last = p;
    }
  }

  /** The wire messages a spec stands for. */
  private message(m: MessageSpec, conn: Conn | undefined): WireMessage[] {
    const t = this.torrent;
    switch (m.type) {
      case 'have':
        return [{ type: 'have', index: m.index }];
      case 'bitfield': {
        const bytes = Math.max(0, Math.ceil(t.info.pieceCount / 8) + m.extraBytes);
        const bits = new Uint8Array(bytes).fill(m.bits);
        return [{ type: 'bitfield', bits }];
      }
      case 'request':
      case 'cancel':
        return [{ type: m.type, index: m.index, begin: m.block * BLOCK_SIZE, length: m.length }];
      case 'piece':
        return [
          {
            type: 'piece',
            index: m.index,
            begin: m.block * BLOCK_SIZE,
            block: new Uint8Array(Math.min(m.length, 2 * BLOCK_SIZE)),
          },
        ];
      case 'port':
        return [{ type: 'port', port: 6881 }];
      case 'ext-handshake': {
        const h = {
          m: { ut_metadata: PEER_UT_METADATA_ID },
          ...(m.metadata ? { metadataSize: Math.max(1, t.infoBytes.length + m.sizeDelta) } : {}),
        };
        return [{ type: 'extended', id: EXTENDED_HANDSHAKE_ID, payload: encodeExtensionHandshake(h) }];
      }
      case 'ut-request':
      case 'ut-reject':
        return [
          {
            type: 'extended',
            id: conn?.swarmUtId ?? UT_METADATA_ID,
            payload: encodeUtMetadata({
              type: m.type === 'ut-request' ? 'request' : 'reject',
              piece: m.piece,
            }),
          },
        ];
      case 'extended-raw':
        return [{ type: 'extended', id: m.id, payload: m.payload }];
      case 'suggest':
      case 'allowed-fast':
        return [{ type: m.type, index: m.index }];
      case 'reject':
        return [{ type: 'reject', index: m.index, begin: m.block * BLOCK_SIZE, length: m.length }];
      case 'reject-pending': {
        const r = conn?.requests.shift();
        return r ? [{ type: 'reject', ...r }] : [];
      }
      default:
        return [{ type: m.type }];
    }
  }

  /** Sends the blocks the swarm asked this peer for (one, or all), right or corrupt. */
  private serve(key: string, corrupt: boolean, all: boolean): void {
    const conn = this.open.get(key);
    if (!conn) return;
    const batch = conn.requests.splice(0, all ? conn.requests.length : 1);
    const msgs: WireMessage[] = batch.map((r) => {
      const block = this.torrent.data
        .slice(r.index * this.torrent.info.pieceLength + r.begin)
        .subarray(0, r.length);
      if (corrupt && block.length > 0) block[0] = (block[0] as number) ^ 0xff;
      return { type: 'piece', index: r.index, begin: r.begin, block };
    });
    if (msgs.length > 0) this.send(key, concatBytes(msgs.map(encodeMessage)), []);
  }

  /** Requests every block of a piece the swarm said it has. */
  private ask(key: string, pick: number): void {
    const conn = this.open.get(key);
    const info = this.info;
    if (!conn || !info || conn.advertised.size === 0) return;
    const index = [...conn.advertised][pick % conn.advertised.size] as number;
    const size = Math.min(info.pieceLength, info.length - index * info.pieceLength);
    const msgs: WireMessage[] = [];
    for (let begin = 0; begin < size; begin += BLOCK_SIZE)
      msgs.push({ type: 'request', index, begin, length: Math.min(BLOCK_SIZE, size - begin) });
    this.send(key, concatBytes(msgs.map(encodeMessage)), []);
  }

  /** Answers the swarm's ut_metadata requests to this peer. */
  private serveMetadata(key: string, reject: boolean, corrupt: boolean): void {
    const conn = this.open.get(key);
    if (!conn || conn.swarmUtId === undefined) return;
    const id = conn.swarmUtId;
    const infoBytes = this.torrent.infoBytes;
    const msgs = conn.metadataRequests.splice(0).map((piece): WireMessage => {
      if (reject || piece >= metadataPieceCount(infoBytes.length))
        return { type: 'extended', id, payload: encodeUtMetadata({ type: 'reject', piece }) };
      const data = metadataPiece(infoBytes, piece).slice();
      if (corrupt) data[0] = (data[0] as number) ^ 0xff;
      return {
        type: 'extended',
        id,
        payload: encodeUtMetadata({ type: 'data', piece, totalSize: infoBytes.length, data }),
      };
    });
    if (msgs.length > 0) this.send(key, concatBytes(msgs.map(encodeMessage)), []);
  }

  /** Checks the outputs of one input and updates what the host knows. */
  private take(actions: SwarmOutput[]): void {
    for (const a of actions) this.checkAction(a);
    const status = this.swarm.status(this.now);
    const keys = status.peers.map((p) => p.peer).sort();
    check(
      keys.join() === [...this.open.keys()].sort().join(),
      () => `swarm peers [${keys}], host links [${[...this.open.keys()]}]`,
    );
    check(keys.length <= this.maxPeers, 'more peers than maxPeers');
    if (this.info) check(status.pieces.length === this.info.pieceCount, 'piece map of the wrong size');
  }

  private checkAction(a: SwarmOutput): void {
    switch (a.type) {
      case 'send': {
        const conn = this.open.get(a.peer);
        check(conn !== undefined, () => `send to ${a.peer}, which is not connected`);
        check(a.data.length > 0 && a.data.length <= SEND_CHUNK_SIZE, () => `send of ${a.data.length} bytes`);
        for (const frame of conn.decoder.push(a.data)) this.checkFrame(conn, frame);
        return;
      }
      case 'close':
        check(this.open.delete(a.peer), () => `close of ${a.peer}, which is not connected`);
        check((Object.values(ErrorCode) as string[]).includes(a.code), `close with code ${a.code}`);
        return;
      case 'verify': {
        const info = this.info;
        check(info !== undefined, 'verify before metadata');
        check(a.index >= 0 && a.index < info.pieceCount, `verify of piece ${a.index}`);
        const size = Math.min(info.pieceLength, info.length - a.index * info.pieceLength);
        check(a.data.length === size, `verify with ${a.data.length} bytes, piece has ${size}`);
        check(!this.verifying.has(a.index), `piece ${a.index} handed to verify twice`);
        this.verifying.set(a.index, a.data);
        return;
      }
      case 'read':
        check(
          this.info !== undefined && a.index >= 0 && a.index < this.info.pieceCount,
          `read of piece ${a.index}`,
        );
        this.reads.add(a.index);
        return;
      case 'metadata':
        check(this.info === undefined, 'metadata twice');
        check(
          bytesEqual(infoHashOf(a.infoBytes), this.torrent.infoHash),
          'metadata that does not hash to the info-hash',
        );
        this.info = a.info;
        return;
      case 'event':
        if (a.event.type === 'peer-connected')
          check(this.open.has(a.event.peer), 'peer-connected for a peer not connected');
        if (a.event.type === 'piece-verified') this.have.add(a.event.index);
        if (a.event.type === 'piece-lost') this.have.delete(a.event.index);
        return;
    }
  }

  /** Checks one message the swarm sent a peer, and notes requests to serve. */
  private checkFrame(conn: Conn, f: ReturnType<WireDecoder['push']>[number]): void {
    const info = this.info;
    if (f.type !== 'handshake') check(conn.greeted, `${f.type} sent before the peer's handshake`);
    if (f.type === 'have-all' || f.type === 'have-none' || f.type === 'reject')
      check(conn.fast, `${f.type} to a peer without the Fast bit`);
    if (f.type === 'have-all' || f.type === 'have-none') check(!conn.spoke, `${f.type} not first`);
    if (conn.fast && f.type !== 'handshake' && !conn.spoke)
      check(
        f.type === 'have-all' || f.type === 'have-none' || f.type === 'bitfield',
        `${f.type} before have-all / have-none / bitfield with Fast on`,
      );
    if (f.type !== 'handshake') conn.spoke = true;
    switch (f.type) {
      case 'handshake':
        check(bytesEqual(f.handshake.peerId, this.ownId), 'handshake with another peer id');
        return;
      case 'have':
        check(info !== undefined && f.index < info.pieceCount, `have ${f.index}`);
        conn.advertised.add(f.index);
        return;
      case 'bitfield':
        check(
          info !== undefined && f.bits.length === Math.ceil(info.pieceCount / 8),
          'bitfield of the wrong length',
        );
        for (let i = 0; i < f.bits.length * 8; i++) {
          if ((((f.bits[i >> 3] as number) >> (7 - (i & 7))) & 1) === 0) continue;
          check(i < info.pieceCount, 'bitfield with a spare bit set');
          conn.advertised.add(i);
        }
        return;
      case 'have-all':
        check(info !== undefined && this.have.size === info.pieceCount, 'have-all without every piece');
        for (let i = 0; i < info.pieceCount; i++) conn.advertised.add(i);
        return;
      case 'have-none':
        return;
      case 'suggest':
      case 'allowed-fast':
        return check(false, `the swarm sent ${f.type}, which it never does`);
      case 'reject': {
        check(info !== undefined && f.index < info.pieceCount, `reject for piece ${f.index}`);
        return;
      }
      case 'request': {
        check(info !== undefined && f.index < info.pieceCount, `request for piece ${f.index}`);
        const size = Math.min(info.pieceLength, info.length - f.index * info.pieceLength);
        check(
          f.length > 0 && f.length <= MAX_REQUEST_LENGTH && f.begin + f.length <= size,
          `request ${f.index}:${f.begin}+${f.length}`,
        );
        check(!this.have.has(f.index), `request for piece ${f.index}, which the swarm has`);
        conn.requests.push({ index: f.index, begin: f.begin, length: f.length });
        return;
      }
      case 'cancel': {
        const before = conn.requests.length;
        conn.requests = conn.requests.filter(
          (r) => r.index !== f.index || r.begin !== f.begin || r.length !== f.length,
        );
        check(
          conn.requests.length < before,
          `cancel of ${f.index}:${f.begin}, never requested or already served`,
        );
        return;
      }
      case 'piece': {
        check(info !== undefined && f.index < info.pieceCount, `piece ${f.index}`);
        const start = f.index * info.pieceLength + f.begin;
        check(
          f.block.length > 0 &&
            start + f.block.length <= Math.min(info.length, (f.index + 1) * info.pieceLength),
          'block past its piece',
        );
        if (!this.lied)
          check(
            bytesEqual(f.block, this.torrent.data.subarray(start, start + f.block.length)),
            `served wrong data for piece ${f.index}`,
          );
        return;
      }
      case 'extended':
        if (f.id === EXTENDED_HANDSHAKE_ID) {
          const h = parseExtensionHandshake(f.payload);
          conn.swarmUtId = h.m['ut_metadata'];
          return;
        }
        check(f.id === PEER_UT_METADATA_ID, `extended message on id ${f.id}, which the peer never named`);
        {
          const m = parseUtMetadata(f.payload);
          if (m.type === 'request') conn.metadataRequests.push(m.piece);
          if (m.type === 'data')
            check(
              bytesEqual(m.data, metadataPiece(this.torrent.infoBytes, m.piece)),
              'served wrong metadata',
            );
        }
        return;
      default:
        return;
    }
  }
}

const swarmMachine = defineProperty(
  {
    name: 'swarm.machine',
    target: 'shared/swarm/swarm.ts Swarm',
    claim:
      'scripted peers, hostile messages, verdicts, reads and time never throw; sends go to connected peers as valid streams with right data; timeouts move forward',
    ciRuns: 100,
  },
  () =>
    fc.property(setup, fc.array(command, { maxLength: 80, size: 'max' }), (s, commands) => {
      const host = new SwarmHost(s);
      for (const c of commands) host.run(c);
    }),
);

export const swarmMachineProperties: FuzzProperty[] = [swarmMachine];
