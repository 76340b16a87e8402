import { describe, expect, it } from 'vitest';
import { LINK_ADMISSION_DEFAULTS } from '../../../shared/links/index.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import type { PeerLink, PeerLinkFactory, PeerLinkOptions } from '../../../client/src/adapters/peer-link.js';
import { Connections } from '../../../client/src/app/connections.js';
import { DEFAULT_CONNECTION_BUDGET } from '../../../client/src/app/tab-node.js';
import { ManualScheduler } from '../../helpers/manual-scheduler.js';
import { waitFor } from '../wait-for.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const INFO_HASH = 'c'.repeat(40);

/** Memory links, counting how many were made (each would be an RTCPeerConnection). */
class CountingFactory implements PeerLinkFactory {
  created = 0;
  private readonly inner = new MemoryPeerLinkFactory();
  create(opts: PeerLinkOptions): PeerLink {
    this.created++;
    return this.inner.create(opts);
  }
}

function tab(id: string, factory: PeerLinkFactory, scheduler?: ManualScheduler): Connections {
  return new Connections(
    id,
    factory,
    seededRandom(id.charCodeAt(0)),
    DEFAULT_CONNECTION_BUDGET,
    () => [],
    () => true,
    scheduler ? { scheduler } : {},
  );
}

describe('Connections', () => {
  it('makes no connection for a first signal that is not an SDP offer', () => {
    const factory = new CountingFactory();
    const a = tab(A, factory);
    for (const signal of [
      { type: 'candidate', candidate: { candidate: 'candidate:1', sdpMid: '0' } },
      { type: 'answer', sdp: 'v=0' },
      { renegotiate: true },
      { type: 'offer' },
      'offer',
      null,
    ]) {
      a.receiveSignal(B, { link: 'l1', infoHash: INFO_HASH, signal });
    }
    a.receiveSignal(B, null);
    a.receiveSignal(B, { link: 7, signal: { type: 'offer', sdp: 'v=0' } });
    expect(factory.created).toBe(0);
    expect(a.size).toBe(0);
    expect(a.stats().refused['not-an-offer']).toBe(6);
  });

  it('closes an incoming link that does not open by the incoming deadline, on the injected clock', async () => {
    const factory = new CountingFactory();
    const scheduler = new ManualScheduler();
    const a = tab(A, factory, scheduler);
    // A real offer whose answer never reaches its sender.
    const dialler = factory.create({ remoteId: A, initiator: true, iceServers: [] });
    dialler.on('signal', (signal) => a.receiveSignal(B, { link: 'l1', signal }));
    await waitFor('the offer', () => a.size === 1);
    expect(scheduler.armed).toEqual([LINK_ADMISSION_DEFAULTS.incomingDeadlineMs]);
    scheduler.advance(LINK_ADMISSION_DEFAULTS.incomingDeadlineMs - 1);
    expect(a.size).toBe(1);
    scheduler.advance(LINK_ADMISSION_DEFAULTS.incomingDeadlineMs);
    await waitFor('the link closed', () => a.size === 0);
    expect(a.stats()).toMatchObject({ expired: 1, halfOpenIncoming: 0 });
    // B is backing off: its next offer makes nothing.
    const again = factory.create({ remoteId: A, initiator: true, iceServers: [] });
    again.on('signal', (signal) => a.receiveSignal(B, { link: 'l2', signal }));
    await waitFor('the refusal', () => a.stats().refused.backoff === 1);
    expect(factory.created).toBe(3);
    expect(a.size).toBe(0);
    again.close();
  });

  it('two tabs dialling each other for one purpose end with one open link', async () => {
    const factory = new CountingFactory();
    const a = tab(A, factory);
    const b = tab(B, factory);
    a.on('signal', (_to, env) => b.receiveSignal(A, env));
    b.on('signal', (_to, env) => a.receiveSignal(B, env));
    expect(a.connect(B, { infoHash: INFO_HASH })).toBeDefined();
    expect(b.connect(A, { infoHash: INFO_HASH })).toBeDefined();
    await waitFor('one open link each', () => a.all().some((l) => l.open) && b.all().some((l) => l.open));
    await waitFor('the loser closed', () => a.size === 1 && b.size === 1);
    expect(a.opened + b.opened).toBe(3);
    a.closeAll();
    await waitFor('closed', () => a.size === 0 && b.size === 0);
  });
});
