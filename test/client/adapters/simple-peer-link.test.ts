import wrtc from '@roamhq/wrtc';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../shared/errors.js';
import {
  SimplePeerLinkFactory,
  type WrtcImplementation,
} from '../../../client/src/adapters/simple-peer-link.js';
import { peerLinkContract } from './peer-link.contract.js';

peerLinkContract(
  'simple-peer over @roamhq/wrtc',
  () => new SimplePeerLinkFactory({ wrtc: wrtc as WrtcImplementation }),
);

describe('SimplePeerLink', () => {
  it('throws CONNECTION_FAILED from create() when there is no WebRTC at all', () => {
    expect(() =>
      new SimplePeerLinkFactory().create({ remoteId: 'x', initiator: true, iceServers: [] }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.ConnectionFailed }));
  });

  it('reports CONNECTION_FAILED then close when the RTCPeerConnection cannot be built', async () => {
    const refusing = {
      ...wrtc,
      RTCPeerConnection: class {
        constructor() {
          throw new Error('too many peer connections');
        }
      },
    } as unknown as WrtcImplementation;
    const link = new SimplePeerLinkFactory({ wrtc: refusing }).create({
      remoteId: 'x',
      initiator: true,
      iceServers: [],
    });
    const events: string[] = [];
    link.on('error', (err) => events.push(`error:${err.code}`));
    await new Promise<void>((resolve) => link.on('close', () => resolve()));
    expect(events).toEqual([`error:${ErrorCode.ConnectionFailed}`]);
    expect(link.state).toBe('closed');
  });

  it('an open link keeps going when its answer arrives a second time (an offer resent during an ICE restart)', async () => {
    const factory = new SimplePeerLinkFactory({ wrtc: wrtc as WrtcImplementation });
    const a = factory.create({ remoteId: 'b', initiator: true, iceServers: [] });
    const b = factory.create({ remoteId: 'a', initiator: false, iceServers: [] });
    const answers: unknown[] = [];
    a.on('signal', (s) => b.signal(s));
    b.on('signal', (s) => {
      if ((s as { type?: string }).type === 'answer') answers.push(s);
      a.signal(s);
    });
    const errors: string[] = [];
    a.on('error', (err) => errors.push(err.message));
    await Promise.all([
      new Promise<void>((resolve) => a.on('open', () => resolve())),
      new Promise<void>((resolve) => b.on('open', () => resolve())),
    ]);
    a.signal(answers[0]);
    // setRemoteDescription settles asynchronously: give a refusal time to arrive.
    await new Promise((r) => setTimeout(r, 200));
    const got = new Promise<Uint8Array>((resolve) => b.on('data', (_channel, data) => resolve(data)));
    expect(a.send('wire', new Uint8Array([7]))).toBe(true);
    expect([...(await got)]).toEqual([7]);
    expect([a.state, errors]).toEqual(['open', []]);
    a.close();
    b.close();
  });
});
