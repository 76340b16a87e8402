import { afterEach, describe, expect, it } from 'vitest';
import { bytesEqual } from '../../../shared/bytes.js';
import { ErrorCode, isTabswarmError, type TabswarmError } from '../../../shared/errors.js';
import {
  MAX_PEER_MESSAGE_BYTES,
  PEER_HIGH_WATER_BYTES,
  PEER_LOW_WATER_BYTES,
  PREFERRED_PEER_MESSAGE_BYTES,
  sendPaced,
  type PeerChannel,
  type PeerLink,
  type PeerLinkFactory,
} from '../../../client/src/adapters/peer-link.js';

/** Resolves on the first `event` of `link`, with its arguments. */
function once<E extends 'open' | 'close' | 'error'>(link: PeerLink, event: E): Promise<unknown[]> {
  return new Promise((resolve) => {
    const listener = (...args: unknown[]): void => {
      link.off(event, listener);
      resolve(args);
    };
    link.on(event, listener);
  });
}

/** A message whose first 4 bytes are `seq` and the rest a pattern derived from it. */
function message(seq: number, size: number): Uint8Array {
  const data = new Uint8Array(size);
  for (let i = 0; i < size; i++) data[i] = (seq * 31 + i) & 0xff;
  if (size >= 4) new DataView(data.buffer).setUint32(0, seq);
  return data;
}

/** Deep equality of many large byte arrays, without vitest's slow element-wise diff. */
function expectSame(got: Uint8Array[], want: Uint8Array[] | undefined): void {
  expect(got.length).toBe(want?.length);
  const mismatches = got.filter((data, i) => !bytesEqual(data, want?.[i] ?? new Uint8Array(0))).length;
  expect(mismatches).toBe(0);
}

function collect(link: PeerLink): Record<PeerChannel, Uint8Array[]> {
  const got: Record<PeerChannel, Uint8Array[]> = { wire: [], dht: [] };
  link.on('data', (channel, data) => {
    expect(link.state).toBe('open');
    got[channel].push(data);
  });
  return got;
}

async function until(cond: () => boolean, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * The behaviour every {@link PeerLink} implementation shares. `makeFactory` is called per test.
 */
export function peerLinkContract(name: string, makeFactory: () => PeerLinkFactory): void {
  describe(`PeerLink contract: ${name}`, () => {
    const links: PeerLink[] = [];

    afterEach(() => {
      for (const link of links.splice(0)) link.close();
    });

    function create(factory: PeerLinkFactory, remoteId: string, initiator: boolean): PeerLink {
      const link = factory.create({ remoteId, initiator, iceServers: [] });
      links.push(link);
      return link;
    }

    /** Two links relaying signals to each other through JSON, as the signaling path would. */
    async function connectedPair(): Promise<{ a: PeerLink; b: PeerLink }> {
      const factory = makeFactory();
      const a = create(factory, 'peer-b', true);
      const b = create(factory, 'peer-a', false);
      a.on('signal', (data) => b.signal(JSON.parse(JSON.stringify(data))));
      b.on('signal', (data) => a.signal(JSON.parse(JSON.stringify(data))));
      await Promise.all([once(a, 'open'), once(b, 'open')]);
      return { a, b };
    }

    it('a WebTorrent link: one offer and one answer (complete SDP), the wire channel alone', async () => {
      const factory = makeFactory();
      const a = factory.create({ remoteId: 'peer-b', initiator: true, iceServers: [], webtorrent: true });
      const b = factory.create({ remoteId: 'peer-a', initiator: false, iceServers: [], webtorrent: true });
      links.push(a, b);
      const fromA: unknown[] = [];
      const fromB: unknown[] = [];
      a.on('signal', (data) => {
        fromA.push(data);
        b.signal(JSON.parse(JSON.stringify(data)));
      });
      b.on('signal', (data) => {
        fromB.push(data);
        a.signal(JSON.parse(JSON.stringify(data)));
      });
      await Promise.all([once(a, 'open'), once(b, 'open')]);
      expect(fromA.map((s) => (s as { type?: string }).type)).toEqual(['offer']);
      expect(fromB.map((s) => (s as { type?: string }).type)).toEqual(['answer']);
      const got = collect(b);
      expect(a.send('dht', message(1, 8))).toBe(false);
      expect(a.send('wire', message(2, 8))).toBe(true);
      await until(() => got.wire.length === 1);
      expect(got.dht).toEqual([]);
    });

    it('opens both ends through relayed signals', async () => {
      const factory = makeFactory();
      const a = create(factory, 'peer-b', true);
      const b = create(factory, 'peer-a', false);
      expect(a.state).toBe('connecting');
      expect(a.send('wire', new Uint8Array(1))).toBe(false);
      const signals: unknown[] = [];
      a.on('signal', (data) => {
        signals.push(data);
        b.signal(JSON.parse(JSON.stringify(data)));
      });
      b.on('signal', (data) => a.signal(JSON.parse(JSON.stringify(data))));
      await Promise.all([once(a, 'open'), once(b, 'open')]);
      expect(signals.length).toBeGreaterThan(0);
      expect([a.state, b.state]).toEqual(['open', 'open']);
      expect([a.remoteId, a.initiator, b.remoteId, b.initiator]).toEqual(['peer-b', true, 'peer-a', false]);
    });

    it('reports no route before opening, and a direct path with an RTT once open (one machine)', async () => {
      const factory = makeFactory();
      const lone = create(factory, 'peer-x', true);
      expect(await lone.route()).toBeUndefined();
      const { a, b } = await connectedPair();
      // ICE may select its pair a moment after the channels open.
      let route = await a.route();
      for (let i = 0; i < 50 && route === undefined; i++) {
        await new Promise((r) => setTimeout(r, 20));
        route = await a.route();
      }
      if (route === undefined) throw new Error('no selected candidate pair within 1 s of opening');
      expect(route).toMatchObject({ path: 'direct', local: 'host', remote: 'host' });
      expect(route.rttMs ?? 0).toBeGreaterThanOrEqual(0);
      expect((await b.route())?.path ?? 'direct').toBe('direct');
      a.close();
      await once(a, 'close');
      expect(await a.route()).toBeUndefined();
    });

    it('delivers messages in order on both channels, both ways', async () => {
      const { a, b } = await connectedPair();
      const gotA = collect(a);
      const gotB = collect(b);
      const sizes = [1, 7, 100, 1000, 16 * 1024, 3, 64 * 1024];
      const sent: Record<string, Uint8Array[]> = { 'a-wire': [], 'a-dht': [], 'b-wire': [], 'b-dht': [] };
      for (let i = 0; i < 40; i++) {
        for (const [from, key] of [
          [a, 'a'],
          [b, 'b'],
        ] as const) {
          for (const channel of ['wire', 'dht'] as const) {
            const data = message(i, sizes[i % sizes.length] as number);
            expect(from.send(channel, data)).toBe(true);
            sent[`${key}-${channel}`]?.push(data);
          }
        }
      }
      // A view into a larger buffer sends only the view's bytes.
      const backing = message(999, 300);
      const view = backing.subarray(100, 200);
      a.send('dht', view);
      sent['a-dht']?.push(view.slice());
      await until(
        () =>
          gotB.wire.length === 40 &&
          gotB.dht.length === 41 &&
          gotA.wire.length === 40 &&
          gotA.dht.length === 40,
      );
      expectSame(gotB.wire, sent['a-wire']);
      expectSame(gotB.dht, sent['a-dht']);
      expectSame(gotA.wire, sent['b-wire']);
      expectSame(gotA.dht, sent['b-dht']);
    });

    it('carries messages up to 256 KiB and refuses larger ones', async () => {
      const { a, b } = await connectedPair();
      const got = collect(b);
      const sizes = [128 * 1024, MAX_PEER_MESSAGE_BYTES, 200_000, 1];
      for (const [i, size] of sizes.entries()) {
        expect(a.send('wire', message(i, size))).toBe(true);
        expect(a.send('dht', message(i + 10, size))).toBe(true);
      }
      await until(() => got.wire.length === sizes.length && got.dht.length === sizes.length);
      expectSame(
        got.wire,
        sizes.map((size, i) => message(i, size)),
      );
      expectSame(
        got.dht,
        sizes.map((size, i) => message(i + 10, size)),
      );
      let thrown: unknown;
      try {
        a.send('wire', new Uint8Array(MAX_PEER_MESSAGE_BYTES + 1));
      } catch (err) {
        thrown = err;
      }
      expect(isTabswarmError(thrown, ErrorCode.MessageTooLarge)).toBe(true);
    });

    it('applies backpressure: 32 MiB sent paced never overfills the queue and all arrives', async () => {
      const { a, b } = await connectedPair();
      const total = 32 * 1024 * 1024;
      const size = PREFERRED_PEER_MESSAGE_BYTES;
      let receivedBytes = 0;
      let nextSeq = 0;
      let outOfOrder = 0;
      b.on('data', (channel, data) => {
        if (channel !== 'wire') return;
        if (new DataView(data.buffer, data.byteOffset).getUint32(0) !== nextSeq) outOfOrder++;
        nextSeq++;
        receivedBytes += data.byteLength;
      });
      let maxBuffered = 0;
      const chunk = new Uint8Array(size);
      const view = new DataView(chunk.buffer);
      for (let seq = 0; seq * size < total; seq++) {
        view.setUint32(0, seq);
        expect(await sendPaced(a, 'wire', chunk)).toBe(true);
        maxBuffered = Math.max(maxBuffered, a.bufferedAmount('wire'));
      }
      await until(() => receivedBytes === total, 60_000);
      expect(outOfOrder).toBe(0);
      expect(maxBuffered).toBeLessThanOrEqual(PEER_HIGH_WATER_BYTES + size);
      expect(maxBuffered).toBeGreaterThan(PEER_LOW_WATER_BYTES); // the queue did fill: pacing was exercised
      await a.waitForDrain('wire', 0);
      expect(a.bufferedAmount('wire')).toBe(0);
    });

    it('resolves waitForDrain at once when the queue is already low', async () => {
      const { a } = await connectedPair();
      await a.waitForDrain('dht');
      await a.waitForDrain('wire', 0);
    });

    it('closes both ends when one side closes', async () => {
      const { a, b } = await connectedPair();
      let closesA = 0;
      let closesB = 0;
      a.on('close', () => closesA++);
      b.on('close', () => closesB++);
      const bClosed = once(b, 'close');
      a.close();
      a.close();
      expect(a.state).toBe('closed');
      expect(a.send('wire', new Uint8Array(1))).toBe(false);
      await expect(a.waitForDrain('wire')).rejects.toMatchObject({ code: ErrorCode.ConnectionFailed });
      await bClosed;
      await until(() => closesA === 1);
      await new Promise((r) => setTimeout(r, 50));
      expect([closesA, closesB]).toEqual([1, 1]);
      expect(b.state).toBe('closed');
      expect(b.send('dht', new Uint8Array(1))).toBe(false);
    });

    it('rejects a pending waitForDrain when the link closes', async () => {
      const { a } = await connectedPair();
      const chunk = new Uint8Array(MAX_PEER_MESSAGE_BYTES);
      for (let i = 0; i < 16; i++) a.send('wire', chunk);
      const waiting = a.waitForDrain('wire', -1);
      a.close();
      await expect(waiting).rejects.toMatchObject({ code: ErrorCode.ConnectionFailed });
    });

    it.each([
      ['an unknown object', { hello: 'world' }],
      ['a string', 'not a signal'],
      ['null', null],
      ['an offer with a bogus sdp', { type: 'offer', sdp: 'v=garbage' }],
    ])('reports CONNECTION_FAILED then close on %s as signal', async (_label, garbage) => {
      const factory = makeFactory();
      const b = create(factory, 'peer-a', false);
      const events: string[] = [];
      let error: TabswarmError | undefined;
      b.on('error', (err) => {
        events.push('error');
        error = err;
      });
      const closed = once(b, 'close').then(() => events.push('close'));
      expect(() => b.signal(garbage)).not.toThrow();
      await closed;
      expect(events).toEqual(['error', 'close']);
      expect(error?.code).toBe(ErrorCode.ConnectionFailed);
      expect(b.state).toBe('closed');
      expect(() => b.signal({ type: 'offer', sdp: 'x' })).not.toThrow();
    });
  });
}
