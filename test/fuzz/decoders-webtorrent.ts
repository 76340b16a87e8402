import fc from 'fast-check';
import { seededRandom } from '../../shared/random.js';
import { WtTrackerClient, type WtClientOutput } from '../../shared/webtorrent/tracker-client.js';
import {
  BINARY_ID_LENGTH,
  MAX_WT_OFFERS,
  checkWtRequest,
  checkWtResponse,
} from '../../shared/webtorrent/tracker-messages.js';
import { idBytes20, mutatedText } from './arbitraries.js';
import { check } from './outcome.js';
import { defineProperty } from './registry.js';
import type { FuzzProperty } from './registry.js';

/** A 20-byte id as the protocol carries it: a binary string. */
const binaryId = idBytes20.map((b) => String.fromCharCode(...b));
const sdp = (type: 'offer' | 'answer') =>
  fc.record({ type: fc.constant(type), sdp: fc.string({ maxLength: 64 }) });

/** Announces as WebTorrent sends them, some with offers or an answer. */
const announce = fc.record(
  {
    action: fc.constant('announce'),
    info_hash: binaryId,
    peer_id: binaryId,
    event: fc.constantFrom('started', 'completed', 'stopped', 'update'),
    left: fc.integer({ min: 0, max: 1 << 30 }),
    offers: fc.array(fc.record({ offer: sdp('offer'), offer_id: binaryId }), {
      maxLength: MAX_WT_OFFERS + 2,
    }),
    answer: sdp('answer'),
    to_peer_id: binaryId,
    offer_id: binaryId,
    interval: fc.integer({ min: -5, max: 5000 }),
    complete: fc.integer({ min: -1, max: 50 }),
    incomplete: fc.integer({ min: -1, max: 50 }),
  },
  { requiredKeys: ['action', 'info_hash'] },
);

const anyValue = fc.oneof(
  announce,
  fc.anything({ withNullPrototype: true, withObjectString: true }),
  mutatedText(announce.map((a) => JSON.stringify(a))).map((t) => {
    try {
      return JSON.parse(t) as unknown;
    } catch {
      return t;
    }
  }),
);

function isBinaryId(v: unknown): boolean {
  return (
    typeof v === 'string' && v.length === BINARY_ID_LENGTH && [...v].every((c) => c.charCodeAt(0) <= 0xff)
  );
}

const wtDecode = defineProperty(
  {
    name: 'webtorrent.check-anything',
    target: 'shared/webtorrent/tracker-messages.ts checkWtRequest / checkWtResponse',
    claim: 'any value is answered, never thrown on; an accepted announce has binary ids and at most 5 offers',
    ciRuns: 300,
  },
  () =>
    fc.property(anyValue, (value) => {
      checkWtResponse(value);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      const r = checkWtRequest(value as Record<string, unknown>);
      if (!r.ok || r.message.action !== 'announce') return;
      const m = r.message;
      check(isBinaryId(m.info_hash) && isBinaryId(m.peer_id), 'ids are 20-character binary strings');
      check((m.offers?.length ?? 0) <= MAX_WT_OFFERS, `at most ${MAX_WT_OFFERS} offers`);
    }),
);

const ME = '11'.repeat(20);

const wtClient = defineProperty(
  {
    name: 'webtorrent.client-machine',
    target: 'shared/webtorrent/tracker-client.ts WtTrackerClient.receive',
    claim: 'hostile tracker frames never throw; an answer is passed on only for an offer id the client made',
    ciRuns: 200,
  },
  () =>
    fc.property(fc.array(anyValue, { maxLength: 12 }), (frames) => {
      const machine = new WtTrackerClient(ME, seededRandom(1));
      const infoHash = 'ab'.repeat(20);
      machine.add(infoHash, { complete: false, want: 5 }, 0);
      machine.opened(0);
      const made = new Set<string>();
      const take = (outs: WtClientOutput[]) => {
        for (const o of outs) {
          if (o.type === 'make-offers') for (const id of o.offerIds) made.add(id);
          if (o.type === 'answer') check(made.has(o.offerId), `answer for an offer never made: ${o.offerId}`);
        }
      };
      let now = 0;
      for (const frame of frames) {
        now += 1000;
        machine.receive(frame, now);
        take(machine.poll());
        for (const id of made) machine.offerReady(id, { type: 'offer', sdp: 'v=0' }, now);
        take(machine.poll());
      }
    }),
);

export const webtorrentProperties: FuzzProperty[] = [wtDecode, wtClient];
