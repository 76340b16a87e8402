import { describe, expect, it } from 'vitest';
import { LINK_ADMISSION_DEFAULTS, LinkAdmission, type Admission } from '../../../shared/links/index.js';

const D = LINK_ADMISSION_DEFAULTS;
const OFFER = { type: 'offer', sdp: 'v=0\r\n' };
const CANDIDATE = { type: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0' } };

/** Asks, and starts the link when admitted (as Connections does); returns the decision. */
function offer(a: LinkAdmission, id: string, remote: string, now: number, key = ''): Admission {
  const decision = a.incoming(remote, key, OFFER, now);
  if (decision.admit) a.start(id, remote, key, 'in', now, decision.evict);
  return decision;
}

function dial(a: LinkAdmission, id: string, remote: string, now: number): Admission {
  const decision = a.outgoing();
  if (decision.admit) a.start(id, remote, '', 'out', now);
  return decision;
}

describe('LinkAdmission', () => {
  it('keeps half-open pools well inside the live budget', () => {
    expect(D.maxHalfOpenIncoming + D.maxHalfOpenOutgoing).toBeLessThan(D.liveBudget);
    expect(D.incomingDeadlineMs).toBeLessThan(D.outgoingDeadlineMs);
  });

  it('starts an incoming link only with an SDP offer', () => {
    const a = new LinkAdmission();
    expect(a.incoming('x', '', CANDIDATE, 0)).toEqual({ admit: false, reason: 'not-an-offer' });
    expect(a.incoming('x', '', { type: 'answer', sdp: 'v=0' }, 0)).toEqual({
      admit: false,
      reason: 'not-an-offer',
    });
    expect(a.incoming('x', '', OFFER, 0)).toEqual({ admit: true });
    expect(a.opened).toBe(0);
    expect(a.stats().refused['not-an-offer']).toBe(2);
  });

  it('allows one half-open link per remote and purpose; a refreshed offer does not extend it', () => {
    const a = new LinkAdmission();
    expect(offer(a, 'l1', 'x', 0, 'swarm')).toEqual({ admit: true });
    expect(offer(a, 'l2', 'x', 1_000, 'swarm')).toEqual({ admit: false, reason: 'duplicate' });
    expect(offer(a, 'l3', 'x', 1_000, '')).toEqual({ admit: true });
    a.handleTimeout(D.incomingDeadlineMs);
    expect(a.poll()).toEqual([{ type: 'close', id: 'l1', reason: 'deadline' }]);
  });

  it('closes an incoming link at its deadline and ignores its remote for a growing time', () => {
    const a = new LinkAdmission();
    offer(a, 'l1', 'x', 0);
    expect(a.nextTimeout()).toBe(D.incomingDeadlineMs);
    a.handleTimeout(D.incomingDeadlineMs - 1);
    expect(a.poll()).toEqual([]);
    let now = D.incomingDeadlineMs;
    a.handleTimeout(now);
    expect(a.poll()).toEqual([{ type: 'close', id: 'l1', reason: 'deadline' }]);
    expect(a.stats()).toMatchObject({ halfOpenIncoming: 0, expired: 1 });
    expect(offer(a, 'l2', 'x', now + D.backoff.baseMs - 1)).toEqual({ admit: false, reason: 'backoff' });
    now += D.backoff.baseMs;
    expect(offer(a, 'l2', 'x', now)).toEqual({ admit: true });
    // Never opened again: the next wait is twice as long.
    a.linkClosed('l2', now);
    expect(offer(a, 'l3', 'x', now + 2 * D.backoff.baseMs - 1)).toEqual({ admit: false, reason: 'backoff' });
    expect(offer(a, 'l3', 'x', now + 2 * D.backoff.baseMs)).toEqual({ admit: true });
    // Others are not affected.
    expect(offer(a, 'l4', 'y', now)).toEqual({ admit: true });
  });

  it('an open link leaves the half-open pool, has no deadline, and clears its remote', () => {
    const a = new LinkAdmission();
    offer(a, 'l1', 'x', 0);
    a.handleTimeout(D.incomingDeadlineMs);
    a.poll();
    offer(a, 'l2', 'x', D.incomingDeadlineMs + D.backoff.baseMs);
    a.linkOpened('l2');
    expect(a.stats()).toMatchObject({ halfOpenIncoming: 0, live: 1 });
    expect(a.nextTimeout()).toBeUndefined();
    a.linkClosed('l2', 100_000);
    // A remote that completed a link is trusted again at once.
    expect(offer(a, 'l3', 'x', 100_000)).toEqual({ admit: true });
  });

  it('caps half-open incoming links; a clean remote takes the slot of one with failures on record', () => {
    const a = new LinkAdmission();
    // Remote 'bad' failed once and comes back after its backoff.
    offer(a, 'b0', 'bad', 0);
    a.linkClosed('b0', 0);
    let now = D.backoff.baseMs;
    expect(offer(a, 'b1', 'bad', now)).toEqual({ admit: true });
    for (let i = 1; i < D.maxHalfOpenIncoming; i++)
      expect(offer(a, `f${i}`, `fresh${i}`, now)).toEqual({ admit: true });
    expect(a.stats().halfOpenIncoming).toBe(D.maxHalfOpenIncoming);
    // One with no failures takes the slot of the remote with a failure, at once...
    const real = offer(a, 'real', 'real', now);
    expect(real).toEqual({ admit: true, evict: 'b1' });
    expect(a.poll()).toEqual([{ type: 'close', id: 'b1', reason: 'evicted' }]);
    expect(a.stats()).toMatchObject({ halfOpenIncoming: D.maxHalfOpenIncoming, evicted: 1 });
    // ...but an equal record cannot take a young slot.
    expect(offer(a, 'g', 'fresh-again', now)).toEqual({ admit: false, reason: 'half-open' });
    // Equal records: the oldest slot goes once it is evictAfterMs old.
    expect(offer(a, 'h', 'fresh-again', now + D.evictAfterMs - 1)).toEqual({
      admit: false,
      reason: 'half-open',
    });
    now += D.evictAfterMs;
    expect(offer(a, 'h', 'fresh-again', now)).toEqual({ admit: true, evict: 'f1' });
    expect(a.poll()).toEqual([{ type: 'close', id: 'f1', reason: 'evicted' }]);
    // The evicted remote is backing off.
    expect(offer(a, 'f1b', 'fresh1', now)).toEqual({ admit: false, reason: 'backoff' });
  });

  it('caps half-open outgoing links and the live budget', () => {
    const a = new LinkAdmission();
    for (let i = 0; i < D.maxHalfOpenOutgoing; i++)
      expect(dial(a, `o${i}`, `r${i}`, 0)).toEqual({ admit: true });
    expect(dial(a, 'over', 'r', 0)).toEqual({ admit: false, reason: 'half-open' });
    for (let i = 0; i < D.maxHalfOpenOutgoing; i++) a.linkOpened(`o${i}`);
    let n = D.maxHalfOpenOutgoing;
    while (dial(a, `o${n}`, `r${n}`, 0).admit) a.linkOpened(`o${n++}`);
    expect(n).toBe(D.liveBudget);
    expect(dial(a, 'over', 'r', 0)).toEqual({ admit: false, reason: 'budget' });
    expect(offer(a, 'in', 'x', 0)).toEqual({ admit: false, reason: 'budget' });
    // An outgoing link past its deadline is closed, without a backoff for anyone.
    const b = new LinkAdmission();
    dial(b, 'o', 'x', 0);
    b.handleTimeout(D.outgoingDeadlineMs);
    expect(b.poll()).toEqual([{ type: 'close', id: 'o', reason: 'deadline' }]);
    expect(offer(b, 'i', 'x', D.outgoingDeadlineMs)).toEqual({ admit: true });
  });

  it('keeps the last part of the lifetime budget for links the tab dials itself', () => {
    const a = new LinkAdmission();
    const cap = Math.floor(D.lifetimeBudget * D.incomingShare);
    expect(a.incomingLifetimeCap).toBe(cap);
    for (let i = 0; i < cap; i++) {
      expect(offer(a, `i${i}`, `r${i}`, i)).toEqual({ admit: true });
      a.linkOpened(`i${i}`);
      a.linkClosed(`i${i}`, i);
    }
    expect(offer(a, 'more', 'new', cap)).toEqual({ admit: false, reason: 'lifetime' });
    for (let i = cap; i < D.lifetimeBudget; i++) {
      expect(dial(a, `o${i}`, `r${i}`, i)).toEqual({ admit: true });
      a.linkClosed(`o${i}`, i);
    }
    expect(a.opened).toBe(D.lifetimeBudget);
    expect(dial(a, 'last', 'r', D.lifetimeBudget)).toEqual({ admit: false, reason: 'lifetime' });
  });

  it('a flood of ids offering links they never complete spends a bounded part of the lifetime budget', () => {
    const IDS = 41;
    const HOUR_MS = 3_600_000;
    /** Failures before a remote is waiting the full backoff: 30 s doubling to 1 h. */
    const PER_ID_FIRST_HOUR = Math.ceil(Math.log2(D.backoff.maxMs / D.backoff.baseMs)) + 1;
    const a = new LinkAdmission();
    let most = 0;
    for (let now = 0; now < HOUR_MS; now += 1_000) {
      a.handleTimeout(now);
      a.poll();
      for (let i = 0; i < IDS; i++) offer(a, `r${i}@${now}`, `r${i}`, now);
      most = Math.max(most, a.stats().halfOpenIncoming);
    }
    expect(most).toBe(D.maxHalfOpenIncoming);
    expect(a.opened).toBeLessThanOrEqual(IDS * PER_ID_FIRST_HOUR);
    expect(a.opened).toBeLessThan(a.incomingLifetimeCap);
    console.log(`${IDS} ids offering every second for an hour started ${a.opened} links`);
  });
});
