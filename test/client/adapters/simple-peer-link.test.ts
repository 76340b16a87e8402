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
});
