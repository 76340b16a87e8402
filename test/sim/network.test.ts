import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { VirtualClock } from '../../sim/clock.js';
import { constant } from '../../sim/distributions.js';
import { Network, type NetworkOptions, type NodeHandlers } from '../../sim/network.js';
import { simSeed } from '../../sim/seed.js';

interface Harness {
  clock: VirtualClock;
  net: Network;
  log: string[];
  arrivals: { at: number; to: string; from: string; size: number }[];
}

function harness(options: Partial<NetworkOptions>, seed = simSeed(7)): Harness {
  const clock = new VirtualClock();
  const net = new Network(clock, seededRandom(seed), { latency: constant(10), ...options });
  return { clock, net, log: [], arrivals: [] };
}

function add(
  h: Harness,
  id: string,
  opts: { upload?: number; download?: number; maxLive?: number } = {},
): void {
  const handlers: NodeHandlers = {
    connected: (p) => h.log.push(`${h.clock.now} ${id}+${p}`),
    disconnected: (p, r) => h.log.push(`${h.clock.now} ${id}-${p} ${r}`),
    receive: (p, d) => h.arrivals.push({ at: h.clock.now, to: id, from: p, size: d.length }),
    connectFailed: (p, r) => h.log.push(`${h.clock.now} ${id}!${p} ${r}`),
  };
  h.net.addNode(id, handlers, opts);
}

describe('Network', () => {
  it('opens a connection after setup cost plus two latencies, on both sides at once', () => {
    const h = harness({ setupMs: 140 });
    add(h, 'a');
    add(h, 'b');
    expect(h.net.connect('a', 'b')).toBeUndefined();
    expect(h.net.connect('a', 'b')).toBe('duplicate');
    h.clock.runUntil(1000);
    expect(h.log).toEqual(['160 a+b', '160 b+a']);
    expect(h.net.nodeStats('a')?.opened).toBe(1);
    expect(h.net.nodeStats('b')?.opened).toBe(1);
  });

  it('transfer time is size / bandwidth + latency, and busy links share one uplink equally', () => {
    const h = harness({ setupMs: 0, latency: constant(25) });
    add(h, 'a', { upload: 1_000_000 }); // 1 MB/s
    add(h, 'b', { download: 10_000_000 });
    add(h, 'c', { download: 10_000_000 });
    h.net.connect('a', 'b');
    h.net.connect('a', 'c');
    h.clock.runUntil(100); // connected at 50
    const t0 = h.clock.now;
    h.net.send('a', 'b', new Uint8Array(100_000)); // 100 ms alone on the wire
    h.net.send('a', 'c', new Uint8Array(50_000)); // at half the rate beside b's: done at 100 ms
    h.clock.runUntil(1000);
    // b had 50 KB sent by then and gets the whole uplink for the rest: done at 150 ms.
    expect(h.arrivals.map((x) => [x.to, Math.round(x.at - t0)])).toEqual([
      ['c', 125],
      ['b', 175],
    ]);
  });

  it('links share an uplink in turn: a small message does not wait behind a long queue', () => {
    const h = harness({ setupMs: 0, latency: constant(5) });
    add(h, 'a', { upload: 100_000 }); // 10 KB takes 100 ms
    add(h, 'b');
    add(h, 'c');
    h.net.connect('a', 'b');
    h.net.connect('a', 'c');
    h.clock.runUntil(100);
    const t0 = h.clock.now;
    for (let i = 0; i < 10; i++) h.net.send('a', 'b', new Uint8Array(10_000));
    h.net.send('a', 'c', new Uint8Array(100));
    expect(h.net.bufferedAmount('a', 'b')).toBe(100_000);
    h.clock.runUntil(5000);
    const toC = h.arrivals.find((x) => x.to === 'c');
    // 100 bytes at half of 100 KB/s (packets interleave with b's): 2 ms, not after b's queue.
    expect(toC && Math.round(toC.at - t0)).toBe(7);
    expect(Math.round(h.arrivals.filter((x) => x.to === 'b').at(-1)?.at ?? 0)).toBe(t0 + 1001 + 5);
  });

  it("reports drained when a link's send queue empties", () => {
    const clock = new VirtualClock();
    const net = new Network(clock, seededRandom(1), { latency: constant(5), setupMs: 0 });
    const drained: number[] = [];
    net.addNode(
      'a',
      {
        connected: () => {},
        disconnected: () => {},
        receive: () => {},
        drained: () => drained.push(clock.now),
      },
      { upload: 1000 },
    );
    net.addNode('b', { connected: () => {}, disconnected: () => {}, receive: () => {} });
    net.connect('a', 'b');
    clock.runUntil(100);
    net.send('a', 'b', new Uint8Array(100));
    net.send('a', 'b', new Uint8Array(100));
    clock.runUntil(1000);
    expect(drained).toEqual([300]);
    expect(net.bufferedAmount('a', 'b')).toBe(0);
  });

  it('the slower of uplink and downlink sets the rate; a downlink is shared by senders', () => {
    const h = harness({ setupMs: 0, latency: constant(10) });
    add(h, 'a', { upload: 10_000_000 });
    add(h, 'b', { upload: 10_000_000 });
    add(h, 'r', { download: 1_000_000 });
    h.net.connect('a', 'r');
    h.net.connect('b', 'r');
    h.clock.runUntil(100);
    const t0 = h.clock.now;
    h.net.send('a', 'r', new Uint8Array(100_000));
    h.net.send('b', 'r', new Uint8Array(100_000));
    h.clock.runUntil(2000);
    // 100 KB at 1 MB/s = 100 ms each, back to back behind one downlink, plus 10 ms latency.
    expect(h.arrivals.map((x) => Math.round(x.at - t0))).toEqual([110, 210]);
  });

  it('keeps a link FIFO and delivers what was sent before a close, then the close', () => {
    const h = harness({ setupMs: 0, latency: constant(10) });
    add(h, 'a', { upload: 1000 });
    add(h, 'b');
    h.net.connect('a', 'b');
    h.clock.runUntil(100);
    for (let i = 1; i <= 3; i++) h.net.send('a', 'b', new Uint8Array(i * 10));
    h.net.disconnect('a', 'b');
    expect(h.net.send('a', 'b', new Uint8Array(1))).toBe(false);
    h.clock.runUntil(1000);
    expect(h.arrivals.map((x) => x.size)).toEqual([10, 20, 30]);
    expect(h.log.at(-1)).toBe(`170 b-a closed`);
  });

  it('enforces the live-connection cap on both sides', () => {
    const h = harness({ setupMs: 0, maxLive: 2 });
    for (const id of ['a', 'b', 'c', 'd']) add(h, id);
    h.net.connect('a', 'b');
    h.net.connect('a', 'c');
    expect(h.net.connect('a', 'd')).toBe('refused-cap');
    h.clock.runUntil(100);
    h.net.connect('d', 'b');
    h.net.connect('c', 'b'); // b has a and d pending: full
    h.clock.runUntil(200);
    expect(h.net.liveCount('a')).toBe(2);
    expect(h.net.liveCount('b')).toBe(2);
    expect(h.log.filter((l) => l.includes('!'))).toEqual(['120 c!b refused-cap']);
    expect(h.net.stats.connectionsRefused).toBe(2);
  });

  it('counts lifetime connections and refuses past the budget', () => {
    const h = harness({ setupMs: 0, lifetimeLimit: 3 });
    for (const id of ['a', 'b']) add(h, id);
    for (let i = 0; i < 3; i++) {
      expect(h.net.connect('a', 'b')).toBeUndefined();
      h.clock.runUntil(h.clock.now + 100);
      h.net.disconnect('a', 'b');
      h.clock.runUntil(h.clock.now + 100);
    }
    expect(h.net.connect('a', 'b')).toBe('refused-lifetime');
    expect(h.net.nodeStats('a')?.opened).toBe(3);
  });

  it('loses only lossy messages, at about the configured rate', () => {
    const seed = simSeed(99);
    console.log(`network loss seed=${seed}`);
    const h = harness({ setupMs: 0, loss: 0.2 }, seed);
    add(h, 'a');
    add(h, 'b');
    h.net.connect('a', 'b');
    h.clock.runUntil(100);
    for (let i = 0; i < 5000; i++) h.net.send('a', 'b', new Uint8Array(1), 'dht', true);
    for (let i = 0; i < 1000; i++) h.net.send('a', 'b', new Uint8Array(2), 'wire', false);
    h.clock.runUntil(10_000);
    const lossy = h.arrivals.filter((x) => x.size === 1).length;
    expect(h.arrivals.filter((x) => x.size === 2).length, `seed=${seed}`).toBe(1000);
    expect(lossy / 5000, `seed=${seed}`).toBeGreaterThan(0.77);
    expect(lossy / 5000, `seed=${seed}`).toBeLessThan(0.83);
  });

  it('a node leaving closes its links; peers hear of it after the latency', () => {
    const h = harness({ setupMs: 0 });
    for (const id of ['a', 'b', 'c']) add(h, id);
    h.net.connect('a', 'b');
    h.net.connect('a', 'c');
    h.clock.runUntil(100);
    h.net.removeNode('a');
    h.clock.runUntil(200);
    expect(h.log.filter((l) => l.includes('-a'))).toEqual(['110 b-a left', '110 c-a left']);
    expect(h.net.liveCount('b')).toBe(0);
    expect(h.net.connect('b', 'a')).toBeUndefined();
    h.clock.runUntil(300);
    expect(h.log.at(-1)).toBe('220 b!a unreachable');
  });
});
