import { describe, expect, it } from 'vitest';
import { MachineDriver } from '../../../shared/machine/driver.js';
import { seededRandom } from '../../../shared/random.js';
import {
  WT_CLIENT_DEFAULTS,
  WtTrackerClient,
  type WtClientOutput,
} from '../../../shared/webtorrent/tracker-client.js';
import { binaryToHex, hexToBinary, MAX_WT_OFFERS } from '../../../shared/webtorrent/tracker-messages.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';

const ME = '11'.repeat(20);
const OTHER = '22'.repeat(20);
const HASH = 'ab'.repeat(20);
const OFFER = { type: 'offer' as const, sdp: 'v=0\r\n' };
const ANSWER = { type: 'answer' as const, sdp: 'v=0\r\na=answer\r\n' };

function setup() {
  const clock = new ManualScheduler();
  const machine = new WtTrackerClient(ME, seededRandom(7));
  const outputs: WtClientOutput[] = [];
  const driver = new MachineDriver(machine, clock, { execute: (o) => outputs.push(o) });
  const take = () => outputs.splice(0);
  const sent = () =>
    take()
      .filter((o): o is Extract<WtClientOutput, { type: 'send' }> => o.type === 'send')
      .map((o) => o.message);
  const reply = (fields: object) =>
    driver.input((now) =>
      machine.receive({ action: 'announce', info_hash: hexToBinary(HASH), ...fields }, now),
    );
  return { clock, machine, driver, take, sent, reply };
}

describe('WtTrackerClient', () => {
  it('connects, announces started without offers, then offers to the members the counts show', () => {
    const { machine, driver, take, sent, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: false, want: 8 }, now));
    expect(take()).toEqual([{ type: 'connect' }]);
    driver.input((now) => machine.opened(now));
    const [first] = sent();
    expect(first).toMatchObject({
      action: 'announce',
      event: 'started',
      info_hash: hexToBinary(HASH),
      peer_id: hexToBinary(ME),
      left: 1,
    });
    expect(first?.offers).toBeUndefined();
    reply({ interval: 120, complete: 1, incomplete: 2 });
    const [make] = take();
    expect(make).toMatchObject({ type: 'make-offers', infoHash: HASH });
    const ids = (make as Extract<WtClientOutput, { type: 'make-offers' }>).offerIds;
    expect(ids).toHaveLength(2); // two others in the swarm
    for (const id of ids) driver.input((now) => machine.offerReady(id, OFFER, now));
    const [withOffers] = sent();
    expect(withOffers?.offers).toEqual(ids.map((id) => ({ offer: OFFER, offer_id: hexToBinary(id) })));
    expect(withOffers?.event).toBeUndefined();

    // The answer to one of ours comes back; one to an unknown offer id is ignored.
    reply({ answer: ANSWER, offer_id: hexToBinary(ids[0] as string), peer_id: hexToBinary(OTHER) });
    reply({ answer: ANSWER, offer_id: hexToBinary('99'.repeat(20)), peer_id: hexToBinary(OTHER) });
    expect(take()).toEqual([
      { type: 'answer', infoHash: HASH, peerId: OTHER, offerId: ids[0], answer: ANSWER },
    ]);
  });

  it('passes on relayed offers and sends our answer with to_peer_id and offer_id; ignores its own id', () => {
    const { machine, driver, take, sent, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: true, want: 0 }, now));
    driver.input((now) => machine.opened(now));
    expect(sent()[0]).toMatchObject({ event: 'started', left: 0 });
    const offerId = '33'.repeat(20);
    reply({ offer: OFFER, offer_id: hexToBinary(offerId), peer_id: hexToBinary(OTHER) });
    reply({ offer: OFFER, offer_id: hexToBinary(offerId), peer_id: hexToBinary(ME) });
    expect(take()).toEqual([{ type: 'offer', infoHash: HASH, peerId: OTHER, offerId, offer: OFFER }]);
    driver.input((now) => machine.answerReady(HASH, OTHER, offerId, ANSWER, now));
    const [answer] = sent();
    expect(answer).toMatchObject({
      answer: ANSWER,
      to_peer_id: hexToBinary(OTHER),
      offer_id: hexToBinary(offerId),
    });
    expect(binaryToHex(answer?.to_peer_id as string)).toBe(OTHER);
  });

  it("re-announces at the tracker's interval (clamped) and sends completed and stopped", () => {
    const { clock, machine, driver, sent, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: false, want: 0 }, now));
    driver.input((now) => machine.opened(now));
    sent();
    reply({ interval: 60, complete: 0, incomplete: 1 });
    clock.advance(59_999);
    expect(sent()).toEqual([]);
    clock.advance(60_000);
    expect(sent()).toEqual([expect.not.objectContaining({ event: expect.anything() })]);
    reply({ interval: 1 }); // clamped up to the minimum
    clock.advance(60_000 + WT_CLIENT_DEFAULTS.minIntervalMs - 1);
    expect(sent()).toEqual([]);
    clock.advance(60_000 + WT_CLIENT_DEFAULTS.minIntervalMs);
    expect(sent()).toHaveLength(1);
    driver.input((now) => machine.update(HASH, { complete: true, want: 0 }, now));
    expect(sent()).toEqual([expect.objectContaining({ event: 'completed', left: 0 })]);
    driver.input((now) => machine.remove(HASH, now));
    expect(sent()).toEqual([expect.objectContaining({ event: 'stopped' })]);
  });

  it('makes at most 5 offers, at most once per gap, announces what gathered in time, expires the rest', () => {
    const { clock, machine, driver, take, sent, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: false, want: 20 }, now));
    driver.input((now) => machine.opened(now));
    sent();
    reply({ interval: 120, complete: 10, incomplete: 10 });
    const make = take()[0] as Extract<WtClientOutput, { type: 'make-offers' }>;
    expect(make.offerIds).toHaveLength(MAX_WT_OFFERS);
    const [ready, ...late] = make.offerIds as [string, ...string[]];
    driver.input((now) => machine.offerReady(ready, OFFER, now));
    clock.advance(WT_CLIENT_DEFAULTS.gatherMs);
    const out = take();
    expect(
      out.filter((o) => o.type === 'offer-expired').map((o) => (o as { offerId: string }).offerId),
    ).toEqual(late);
    const announced = out.find((o) => o.type === 'send') as unknown as { message: { offers: unknown[] } };
    expect(announced.message.offers).toHaveLength(1);
    // More counts within the gap make no new offers.
    reply({ complete: 10, incomplete: 10 });
    driver.input((now) => machine.update(HASH, { complete: false, want: 20 }, now));
    expect(take()).toEqual([]);
    // Unanswered, the announced offer is given up after its time.
    clock.advance(WT_CLIENT_DEFAULTS.gatherMs + WT_CLIENT_DEFAULTS.offerTtlMs);
    expect(take()).toContainEqual({ type: 'offer-expired', offerId: ready });
    // Past the gap (doubled: nobody answered), wanting peers makes a new batch.
    clock.advance(2 * WT_CLIENT_DEFAULTS.minOfferGapMs);
    driver.input((now) => machine.update(HASH, { complete: false, want: 3 }, now));
    expect(take()).toContainEqual(expect.objectContaining({ type: 'make-offers' }));
  });

  it('reconnects with growing waits while the tracker is down, and starts over once it answers', () => {
    const { clock, machine, driver, take, sent, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: false, want: 0 }, now));
    take();
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const closedAt = clock.now();
      driver.input((now) => machine.closed(now));
      const at = machine.nextTimeout() as number;
      waits.push(at - closedAt);
      clock.advance(at);
      expect(take()).toEqual([{ type: 'connect' }]);
    }
    const { reconnectMinMs, jitter } = WT_CLIENT_DEFAULTS;
    waits.forEach((w, i) => {
      expect(w).toBeGreaterThanOrEqual(reconnectMinMs * 2 ** i * (1 - jitter));
      expect(w).toBeLessThanOrEqual(reconnectMinMs * 2 ** i * (1 + jitter));
    });
    driver.input((now) => machine.opened(now));
    expect(sent()[0]).toMatchObject({ event: 'started' });
    reply({ interval: 120, complete: 0, incomplete: 1 });
    const closedAt = clock.now();
    driver.input((now) => machine.closed(now));
    expect((machine.nextTimeout() as number) - closedAt).toBeLessThanOrEqual(reconnectMinMs * (1 + jitter));
  });

  it('reports failures and unreadable frames as warnings and keeps going', () => {
    const { machine, driver, take, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: false, want: 0 }, now));
    driver.input((now) => machine.opened(now));
    take();
    driver.input((now) => machine.receive({ 'failure reason': 'go away' }, now));
    driver.input((now) => machine.receive('not an object', now));
    driver.input((now) => machine.receive({ action: 'announce', info_hash: 'short' }, now));
    reply({ 'failure reason': 'swarm full' });
    const warnings = take().map((o) => (o as { message: string }).message);
    expect(warnings).toEqual([
      expect.stringMatching(/go away/),
      expect.stringMatching(/not a JSON object/),
      expect.stringMatching(/info_hash/),
      expect.stringMatching(/swarm full/),
    ]);
  });

  it('waits twice as long after a batch nobody answered, and starts over after an answer', () => {
    const { clock, machine, driver, take, reply } = setup();
    driver.input((now) => machine.add(HASH, { complete: false, want: 8 }, now));
    driver.input((now) => machine.opened(now));
    take();
    const { minOfferGapMs } = WT_CLIENT_DEFAULTS;
    /** Answers the counts, gathers the batch it makes, and returns when it was made and its ids. */
    const batch = (): { at: number; ids: string[] } => {
      reply({ interval: 1800, complete: 1, incomplete: 1 });
      const make = take().find((o) => o.type === 'make-offers') as { offerIds: string[] } | undefined;
      if (make === undefined) return { at: -1, ids: [] };
      for (const id of make.offerIds) driver.input((now) => machine.offerReady(id, OFFER, now));
      take();
      return { at: clock.now(), ids: make.offerIds };
    };
    const first = batch();
    expect(first.ids).toHaveLength(1);
    // Unanswered, its link closed (the tab's own deadline for a link that does not open).
    driver.input((now) => machine.offerFailed(first.ids[0] as string, now));
    clock.advance(first.at + minOfferGapMs * 2 - 1);
    expect(batch().ids).toEqual([]);
    clock.advance(first.at + minOfferGapMs * 2);
    const second = batch();
    expect(second.ids).toHaveLength(1);
    reply({ answer: ANSWER, offer_id: hexToBinary(second.ids[0] as string), peer_id: hexToBinary(OTHER) });
    take();
    clock.advance(second.at + minOfferGapMs);
    expect(batch().ids).toHaveLength(1);
  });
});
