import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { ExtensionRegistry } from '../../../shared/swarm/extension-registry.js';
import type { ExtensionSender, SwarmExtension } from '../../../shared/swarm/extension-registry.js';
import { SwarmCore } from '../../../shared/swarm/swarm-core.js';
import type { SwarmPeer } from '../../../shared/swarm/swarm-core.js';
import { newPeerDownload } from '../../../shared/swarm/download-pipeline.js';
import { RateMeter } from '../../../shared/swarm/rate-meter.js';
import { newPeerReveal } from '../../../shared/swarm/seeding-reveal.js';
import { newPeerUpload } from '../../../shared/swarm/upload-scheduler.js';
import { parseExtensionHandshake } from '../../../shared/wire/extension-handshake.js';
import type { ExtensionHandshake } from '../../../shared/wire/extension-handshake.js';
import { EXTENDED_HANDSHAKE_ID, PeerWire } from '../../../shared/wire/peer-wire.js';
import { WireDecoder, encodeHandshake } from '../../../shared/wire/wire-codec.js';
import type { DecodedFrame } from '../../../shared/wire/wire-codec.js';

const infoHash = new Uint8Array(20).fill(1);
const ourId = new Uint8Array(20).fill(2);
const theirId = new Uint8Array(20).fill(3);

/** A peer whose handshake arrived, as the registry sees it. */
function openPeer(core: SwarmCore, key: string, theirs?: ExtensionHandshake): SwarmPeer {
  const wire = new PeerWire({ infoHash, peerId: ourId, now: 0 });
  wire.receive(encodeHandshake(infoHash, theirId, true), 0);
  if (theirs) wire.extensions = theirs;
  const p: SwarmPeer = {
    key,
    wire,
    connectedAt: 0,
    down: new RateMeter(),
    up: new RateMeter(),
    download: newPeerDownload(0),
    upload: newPeerUpload(0),
    reveal: newPeerReveal(),
  };
  core.peers.set(key, p);
  return p;
}

function sent(core: SwarmCore): DecodedFrame[] {
  const decoder = new WireDecoder({ handshake: false });
  return core.poll().flatMap((o) => (o.type === 'send' ? decoder.push(o.data) : []));
}

class Echo implements SwarmExtension {
  readonly name = 'x_echo';
  readonly got: { peer: string; payload: number[] }[] = [];
  handshakes = 0;
  constructor(readonly sender: ExtensionSender) {}
  handshakeFields() {
    return { metadataSize: 1234 };
  }
  onHandshake(): void {
    this.handshakes++;
  }
  onMessage(peer: SwarmPeer, payload: Uint8Array): void {
    this.got.push({ peer: peer.key, payload: [...payload] });
  }
}

describe('ExtensionRegistry', () => {
  it("builds our handshake's m dictionary and the fields extensions add", () => {
    const core = new SwarmCore(infoHash, seededRandom(1));
    const registry = new ExtensionRegistry(core);
    registry.register(9, (sender) => new Echo(sender));
    const p = openPeer(core, 'p');
    registry.sendHandshake(p, { client: 'test', reqq: 10 }, 0);
    const [frame] = sent(core);
    expect(frame?.type === 'extended' && frame.id).toBe(EXTENDED_HANDSHAKE_ID);
    const ours = parseExtensionHandshake(frame!.type === 'extended' ? frame.payload : new Uint8Array());
    expect({ ...ours.m }).toEqual({ x_echo: 9 });
    expect(ours.metadataSize).toBe(1234);
    expect(ours.client).toBe('test');
    expect(ours.reqq).toBe(10);
  });

  it('routes by our id, sends on the id the peer chose, and ignores ids it does not know', () => {
    const core = new SwarmCore(infoHash, seededRandom(1));
    const registry = new ExtensionRegistry(core);
    const echo = registry.register(9, (sender) => new Echo(sender));
    const p = openPeer(core, 'p', { m: { x_echo: 77 } });
    const other = openPeer(core, 'q', { m: {} });
    registry.onHandshake(p, p.wire.extensions!, 0);
    expect(echo.handshakes).toBe(1);

    registry.onMessage(p, 9, new Uint8Array([1, 2]), 0);
    registry.onMessage(p, 77, new Uint8Array([3]), 0);
    expect(echo.got).toEqual([{ peer: 'p', payload: [1, 2] }]);

    expect(echo.sender.supports(p)).toBe(true);
    expect(echo.sender.supports(other)).toBe(false);
    expect(echo.sender.send(p, new Uint8Array([5]), 0)).toBe(true);
    expect(echo.sender.send(other, new Uint8Array([5]), 0)).toBe(false);
    const frames = sent(core);
    expect(frames).toHaveLength(1);
    expect(frames[0]?.type === 'extended' && [frames[0].id, ...frames[0].payload]).toEqual([77, 5]);
  });

  it('refuses the handshake id, ids past 255 and an id taken twice', () => {
    const registry = new ExtensionRegistry(new SwarmCore(infoHash, seededRandom(1)));
    registry.register(9, (sender) => new Echo(sender));
    for (const id of [EXTENDED_HANDSHAKE_ID, 256, 9]) {
      expect(() => registry.register(id, (sender) => new Echo(sender))).toThrow(RangeError);
    }
  });
});
