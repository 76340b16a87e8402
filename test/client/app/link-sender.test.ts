import { describe, expect, it } from 'vitest';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import type { PeerLink } from '../../../client/src/adapters/peer-link.js';
import { PEER_HIGH_WATER_BYTES } from '../../../client/src/adapters/peer-link.js';
import { LinkSender } from '../../../client/src/app/link-sender.js';
import { UploadLimiter } from '../../../client/src/app/upload-limiter.js';
import { waitFor } from '../wait-for.js';

/** Two memory links wired to each other, open. */
async function pair(bytesPerTick?: number): Promise<[PeerLink, PeerLink]> {
  const factory = new MemoryPeerLinkFactory(bytesPerTick ? { bytesPerTick } : {});
  const a = factory.create({ remoteId: 'b', initiator: true, iceServers: [] });
  const b = factory.create({ remoteId: 'a', initiator: false, iceServers: [] });
  a.on('signal', (s) => b.signal(s));
  b.on('signal', (s) => a.signal(s));
  await Promise.all([a, b].map((l) => new Promise<void>((r) => l.on('open', () => r()))));
  return [a, b];
}

function collect(link: PeerLink, on: 'wire' | 'dht' = 'wire'): Uint8Array[] {
  const got: Uint8Array[] = [];
  link.on('data', (channel, data) => channel === on && got.push(data));
  return got;
}

const settle = (ms = 20) => new Promise((r) => setTimeout(r, ms));

describe('LinkSender', () => {
  it('coalesces small writes into one message and keeps the byte stream intact', async () => {
    const [a, b] = await pair();
    const got = collect(b);
    const sender = new LinkSender(a, 'wire');
    for (let i = 0; i < 100; i++) sender.write(new Uint8Array([i]));
    await settle();
    expect(got.length).toBeLessThan(5);
    expect(Array.from(got.flatMap((m) => Array.from(m)))).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('sends each DHT write as its own message: the reader decodes one frame per message', async () => {
    const [a, b] = await pair();
    const got = collect(b, 'dht');
    const sender = new LinkSender(a, 'dht');
    const frames = [new Uint8Array([1, 2, 3]), new Uint8Array(70_000).fill(9), new Uint8Array([4])];
    for (const f of frames) sender.write(f);
    await settle(50);
    expect(got).toEqual(frames);
  });

  it('splits a large write into messages of at most 64 KiB', async () => {
    const [a, b] = await pair();
    const got = collect(b);
    const data = new Uint8Array(200_000).map((_, i) => i % 251);
    new LinkSender(a, 'wire').write(data);
    await settle(50);
    expect(got.every((m) => m.length <= 64 * 1024)).toBe(true);
    const joined = new Uint8Array(got.reduce((n, m) => n + m.length, 0));
    let off = 0;
    for (const m of got) {
      joined.set(m, off);
      off += m.length;
    }
    expect(joined).toEqual(data);
  });

  it('never lets the channel buffer grow far past the high-water mark, and reports when drained', async () => {
    const [a, b] = await pair(256 * 1024);
    let received = 0;
    b.on('data', (_c, d) => (received += d.length));
    let drained = 0;
    const sender = new LinkSender(a, 'wire', () => drained++);
    let peak = 0;
    const total = 16 * 1024 * 1024;
    for (let i = 0; i < total / 65536; i++) sender.write(new Uint8Array(65536));
    await waitFor(
      'every byte received',
      () => {
        peak = Math.max(peak, a.bufferedAmount('wire'));
        return received >= total;
      },
      { everyMs: 1 },
    );
    expect(peak).toBeLessThanOrEqual(PEER_HIGH_WATER_BYTES + 64 * 1024);
    await settle(50);
    expect(drained).toBeGreaterThan(0);
    expect(sender.pending).toBe(0);
  });

  it('paces sends through an upload limiter', async () => {
    const [a, b] = await pair();
    let received = 0;
    b.on('data', (_c, d) => (received += d.length));
    const sender = new LinkSender(a, 'wire', undefined, new UploadLimiter(1_000_000));
    const started = Date.now();
    for (let i = 0; i < 24; i++) sender.write(new Uint8Array(65536));
    await waitFor('every byte received', () => received >= 24 * 65536, { everyMs: 5 });
    // 1.5 MiB at 1 MB/s with a one-second burst allowance: at least ~0.5 s.
    expect(Date.now() - started).toBeGreaterThan(400);
  });

  it('drops what is queued when the link closes', async () => {
    const [a] = await pair(1024);
    const sender = new LinkSender(a, 'wire');
    for (let i = 0; i < 200; i++) sender.write(new Uint8Array(65536));
    a.close();
    await settle(50);
    expect(sender.pending).toBe(0);
    sender.write(new Uint8Array(10));
    expect(sender.pending).toBe(0);
  });
});
