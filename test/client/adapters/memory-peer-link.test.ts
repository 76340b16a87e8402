import { describe, expect, it } from 'vitest';
import { ErrorCode, type TabswarmError } from '../../../shared/errors.js';
import { NO_RELAY_MESSAGE } from '../../../shared/links/index.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import { peerLinkContract } from './peer-link.contract.js';

peerLinkContract('memory twin', () => new MemoryPeerLinkFactory());

describe('memory twin as a NAT network', () => {
  it('reports the path it is given', async () => {
    const factory = new MemoryPeerLinkFactory({ path: 'relay', rttMs: 40 });
    const a = factory.create({ remoteId: 'b', initiator: true, iceServers: [] });
    const b = factory.create({ remoteId: 'a', initiator: false, iceServers: [] });
    a.on('signal', (d) => b.signal(d));
    b.on('signal', (d) => a.signal(d));
    await new Promise<void>((resolve) => a.on('open', resolve));
    expect(await a.route()).toEqual({ path: 'relay', local: 'relay', remote: 'srflx', rttMs: 40 });
    a.close();
  });

  it('fails with NO_ROUTE and the reason on both ends when ICE finds no path', async () => {
    const factory = new MemoryPeerLinkFactory({ noRoute: true });
    const a = factory.create({
      remoteId: 'b',
      initiator: true,
      iceServers: [{ urls: 'stun:s.example.org' }],
    });
    const b = factory.create({ remoteId: 'a', initiator: false, iceServers: [] });
    a.on('signal', (d) => b.signal(d));
    b.on('signal', (d) => a.signal(d));
    const errors = await Promise.all(
      [a, b].map((l) => new Promise<TabswarmError>((resolve) => l.on('error', resolve))),
    );
    for (const e of errors) {
      expect(e.code).toBe(ErrorCode.NoRoute);
      expect(e.message).toContain(NO_RELAY_MESSAGE);
    }
    expect([a.state, b.state]).toEqual(['closed', 'closed']);
  });
});
