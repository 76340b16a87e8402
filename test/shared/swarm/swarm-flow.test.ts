import { describe, expect, it } from 'vitest';
import { concatBytes, utf8 } from '../../../shared/bytes.js';
import { seededRandom } from '../../../shared/random.js';
import {
  INITIAL_PIPELINE,
  MAX_PIPELINE,
  MIN_PIPELINE,
  MIN_UPLOAD_WINDOW,
  Swarm,
  UPLOAD_WINDOW,
} from '../../../shared/swarm/swarm.js';
import type { SwarmOutput, SwarmOptions } from '../../../shared/swarm/swarm.js';
import { encodeMessage } from '../../../shared/wire/wire-codec.js';
import { rawPeer } from './raw-peer.js';
import type { RawPeer } from './raw-peer.js';
import { Harness, makeTorrent } from './swarm-harness.js';
import type { TestTorrent } from './swarm-harness.js';

const BLOCK = 16 * 1024;

function swarmFor(
  torrent: TestTorrent,
  name: string,
  seed: number,
  extra: Partial<SwarmOptions> = {},
): Swarm {
  return new Swarm({
    infoHash: torrent.infoHash,
    peerId: utf8(`-TS0001-${name.padEnd(12, '.').slice(0, 12)}`),
    random: seededRandom(seed),
    info: torrent.info,
    infoBytes: torrent.infoBytes,
    ...extra,
  });
}

function allPieces(torrent: TestTorrent): boolean[] {
  return new Array<boolean>(torrent.info.pieceCount).fill(true);
}

/** Requests `peer` has received and not answered yet, oldest first. */
function openRequests(
  peer: RawPeer,
  answered: Set<string>,
): { index: number; begin: number; length: number }[] {
  const out: { index: number; begin: number; length: number }[] = [];
  const cancelled = new Set<string>();
  for (const f of peer.state.frames) if (f.type === 'cancel') cancelled.add(`${f.index}:${f.begin}`);
  for (const f of peer.state.frames) {
    const id = f.type === 'request' ? `${f.index}:${f.begin}` : '';
    if (f.type === 'request' && !answered.has(id) && !cancelled.has(id)) out.push(f);
  }
  return out;
}

/** A leecher whose only peer is a scripted seed that has unchoked it. */
function leecherWithSeed(torrent: TestTorrent) {
  const leech = swarmFor(torrent, 'leech', 7);
  const seed = rawPeer(leech, 'seed');
  seed.handshake(torrent.infoHash);
  const bits = new Uint8Array(Math.ceil(torrent.info.pieceCount / 8)).fill(0xff);
  seed.send(concatBytes([encodeMessage({ type: 'bitfield', bits }), encodeMessage({ type: 'unchoke' })]));
  const answered = new Set<string>();
  /** Answers up to `max` open requests at `now` with the right bytes. */
  const deliver = (now: number, max = Infinity): number => {
    let n = 0;
    for (const r of openRequests(seed, answered)) {
      if (n >= max) break;
      answered.add(`${r.index}:${r.begin}`);
      const start = r.index * torrent.info.pieceLength + r.begin;
      const block = torrent.data.slice(start, start + r.length);
      seed.send(encodeMessage({ type: 'piece', index: r.index, begin: r.begin, block }), now);
      n++;
    }
    return n;
  };
  const outstanding = (now: number): number => leech.status(now).peers[0]!.requestsOut;
  return { leech, seed, deliver, outstanding };
}

describe('Swarm request pipeline (slow start)', () => {
  it('starts with a few blocks and grows to the 4 MiB cap within a few round trips on a fast link', () => {
    const torrent = makeTorrent(64 * 262144, 262144, 51);
    const { deliver, outstanding } = leecherWithSeed(torrent);
    expect(outstanding(0)).toBe(INITIAL_PIPELINE);
    // A 2 ms round trip: every outstanding block arrives, then the leecher tops up.
    const inFlight: number[] = [];
    let now = 0;
    for (let trip = 0; trip < 6; trip++) {
      now += 2;
      deliver(now);
      inFlight.push(outstanding(now));
    }
    console.log(`in flight per round trip: ${inFlight.join(' ')}`);
    // It at least doubles per round trip while it grows...
    expect(inFlight[0]).toBeGreaterThanOrEqual(2 * INITIAL_PIPELINE);
    expect(inFlight[1]).toBeGreaterThanOrEqual(4 * INITIAL_PIPELINE);
    // ... so 1 MiB is in flight after 4 round trips and the 4 MiB cap after 5 (10 ms).
    expect(inFlight[3]! * BLOCK).toBeGreaterThanOrEqual(1024 * 1024);
    expect(inFlight[4]).toBe(MAX_PIPELINE);
    expect(Math.max(...inFlight)).toBeLessThanOrEqual(MAX_PIPELINE);
  });

  it('on a slow link keeps about 1.5 s of the measured rate in flight, never fewer than MIN_PIPELINE', () => {
    const torrent = makeTorrent(16 * 262144, 262144, 52);
    const { deliver, outstanding } = leecherWithSeed(torrent);
    // 128 KB/s: one 16 KiB block every 125 ms, for 20 s.
    let most = 0;
    let now = 0;
    for (let i = 0; i < 160; i++) {
      now += 125;
      deliver(now, 1);
      most = Math.max(most, outstanding(now));
    }
    const perSecond = 8;
    // Slow start stops once twice the rate-based depth is in flight; then the depth follows the rate.
    expect(most).toBeLessThanOrEqual(3 * perSecond + 2);
    expect(outstanding(now)).toBeGreaterThanOrEqual(MIN_PIPELINE);
    expect(outstanding(now)).toBeLessThanOrEqual(2 * perSecond);
    expect(outstanding(now)).toBeGreaterThanOrEqual(perSecond);
  });
});

describe('Swarm upload window', () => {
  /** A seed with one scripted peer that keeps ~200 block requests queued with it. */
  function seedWithFlooder(seed: number) {
    const torrent = makeTorrent(64 * 65536, 65536, seed);
    const swarm = swarmFor(torrent, 'seed', seed, { have: allPieces(torrent), initialSeeding: false });
    const peer = rawPeer(swarm, 'p');
    peer.handshake(torrent.infoHash);
    peer.send(encodeMessage({ type: 'interested' }));
    let next = 0;
    const topUp = (now: number): void => {
      const queued = swarm.status(now).peers[0]!.requestsIn;
      const parts: Uint8Array[] = [];
      for (let i = queued; i < 200; i++, next++) {
        const block = next % (torrent.info.pieceCount * 4);
        parts.push(
          encodeMessage({ type: 'request', index: block >> 2, begin: (block & 3) * BLOCK, length: BLOCK }),
        );
      }
      if (parts.length > 0) peer.send(concatBytes(parts), now);
      answerReads(now);
    };
    const answerReads = (now: number): void => {
      for (let round = 0; round < 10; round++) {
        const reads = peer.state.actions.filter(
          (a): a is Extract<SwarmOutput, { type: 'read' }> => a.type === 'read',
        );
        peer.state.actions.length = 0;
        if (reads.length === 0) return;
        for (const r of reads) {
          const start = r.index * torrent.info.pieceLength;
          peer.apply(() =>
            swarm.pieceData(r.index, torrent.data.slice(start, start + torrent.info.pieceLength), now),
          );
        }
      }
    };
    /**
     * Plays a link of `rate` bytes/s for `ms`: whatever the swarm hands over drains at that rate,
     * then the host reports `drained`. Returns the bytes handed over per drain.
     */
    const link = (rate: number, ms: number, start: number): number[] => {
      const windows: number[] = [];
      let now = start;
      let before = peer.state.sentBytes;
      topUp(now);
      while (now < start + ms) {
        const handed = peer.state.sentBytes - before;
        windows.push(handed);
        now += Math.max(1, (handed * 1000) / rate);
        before = peer.state.sentBytes;
        peer.apply(() => swarm.drained('p', now));
        topUp(now);
      }
      return windows;
    };
    return { swarm, peer, link };
  }

  it('starts at the floor and settles near 0.5 s of the measured rate', () => {
    const { link } = seedWithFlooder(61);
    const windows = link(1_000_000, 3000, 0);
    expect(windows[0]).toBeLessThanOrEqual(MIN_UPLOAD_WINDOW + BLOCK + 1024);
    const last = windows[windows.length - 1]!;
    expect(last).toBeGreaterThan(350_000);
    expect(last).toBeLessThan(650_000);
  });

  it('stays at the floor on a slow link, so our own messages never queue behind seconds of blocks', () => {
    const { link } = seedWithFlooder(62);
    const windows = link(64_000, 5000, 0);
    // 0.5 s at 64 KB/s is below the 32 KiB floor: every window is the floor (two blocks).
    for (const w of windows.slice(1)) expect(w).toBeLessThanOrEqual(MIN_UPLOAD_WINDOW + BLOCK + 1024);
  });

  it('is capped at 4 MiB on a very fast link', () => {
    const { link } = seedWithFlooder(63);
    const windows = link(200_000_000, 200, 0);
    expect(Math.max(...windows)).toBeLessThanOrEqual(UPLOAD_WINDOW + BLOCK + 64 * 1024);
    expect(Math.max(...windows)).toBeGreaterThan(MIN_UPLOAD_WINDOW * 4);
  });

  it('waits for drained once the host has reported it, instead of reopening after 250 ms', () => {
    const { swarm, peer, link } = seedWithFlooder(64);
    link(64_000, 1000, 0);
    const sent = peer.state.sentBytes;
    // The window is full and no drained comes: nothing more goes out for a long while.
    peer.apply(() => swarm.handleTimeout(2000));
    peer.apply(() => swarm.handleTimeout(5000));
    expect(peer.state.sentBytes).toBe(sent);
  });
});

/** A seed of 8 pieces of 64 KiB (no initial seeding) and two raw peers, a and b, interested in it. */
function seedWithTwoPeers(seed: number) {
  const torrent = makeTorrent(8 * 65536, 65536, seed);
  const swarm = swarmFor(torrent, 'seed', seed, { have: allPieces(torrent), initialSeeding: false });
  const group = new Map<string, RawPeer>();
  const a = rawPeer(swarm, 'a', 0, group);
  const b = rawPeer(swarm, 'b', 0, group);
  for (const p of [a, b]) {
    p.handshake(torrent.infoHash, p.key);
    p.send(encodeMessage({ type: 'interested' }));
  }
  return { torrent, swarm, a, b };
}

describe('Swarm seed serving order', () => {
  it('a seed serves the piece it has uploaded least first and finishes a piece before the next', () => {
    const { torrent, swarm, a, b } = seedWithTwoPeers(71);
    const answerReads = (now: number): void => {
      for (let round = 0; round < 10; round++) {
        const reads = a.state.actions.filter(
          (x): x is Extract<SwarmOutput, { type: 'read' }> => x.type === 'read',
        );
        a.state.actions.length = 0;
        for (const r of reads) {
          const start = r.index * torrent.info.pieceLength;
          a.apply(() =>
            swarm.pieceData(r.index, torrent.data.slice(start, start + torrent.info.pieceLength), now),
          );
        }
      }
    };
    const requestPiece = (p: RawPeer, index: number): Uint8Array =>
      concatBytes(
        [0, 1, 2, 3].map((k) => encodeMessage({ type: 'request', index, begin: k * BLOCK, length: BLOCK })),
      );
    // a takes piece 0 in full.
    a.send(requestPiece(a, 0), 1);
    for (let t = 2; t < 10; t++) {
      answerReads(t);
      a.apply(() => swarm.drained('a', t));
    }
    expect(a.state.frames.filter((f) => f.type === 'piece').length).toBe(4);
    // b asks for piece 0 (given out once already), then pieces 3 and 5 (never given out).
    b.send(concatBytes([requestPiece(b, 0), requestPiece(b, 3), requestPiece(b, 5)]), 10);
    for (let t = 11; t < 30; t++) {
      answerReads(t);
      b.apply(() => swarm.drained('b', t));
    }
    const order = b.state.frames.flatMap((f) => (f.type === 'piece' ? [f.index] : []));
    expect(order).toEqual([3, 3, 3, 3, 5, 5, 5, 5, 0, 0, 0, 0]);
  });

  it('a leecher serves requests in the order they came', () => {
    const torrent = makeTorrent(8 * 65536, 65536, 72);
    const have = allPieces(torrent);
    have[7] = false;
    const swarm = swarmFor(torrent, 'half', 72, { have });
    const p = rawPeer(swarm, 'p');
    p.handshake(torrent.infoHash);
    p.send(encodeMessage({ type: 'interested' }));
    p.send(
      concatBytes(
        [5, 1, 3].map((index) => encodeMessage({ type: 'request', index, begin: 0, length: BLOCK })),
      ),
      1,
    );
    for (let t = 2; t < 10; t++) {
      const reads = p.state.actions.filter(
        (x): x is Extract<SwarmOutput, { type: 'read' }> => x.type === 'read',
      );
      p.state.actions.length = 0;
      for (const r of reads) {
        const start = r.index * torrent.info.pieceLength;
        p.apply(() =>
          swarm.pieceData(r.index, torrent.data.slice(start, start + torrent.info.pieceLength), t),
        );
      }
      p.apply(() => swarm.drained('p', t));
    }
    expect(p.state.frames.flatMap((f) => (f.type === 'piece' ? [f.index] : []))).toEqual([5, 1, 3]);
  });
});

describe('Swarm upload turns', () => {
  /**
   * Plays the host for `swarm` and its scripted peers: answers reads, and reports `drained` for a
   * peer once the bytes handed over for it have gone out (one peer per step, in the order they
   * were handed over). Returns which peer got piece frames at each step.
   */
  function host(swarm: Swarm, torrent: TestTorrent, peers: RawPeer[]) {
    const log: string[] = [];
    const sent = new Map(peers.map((p) => [p.key, p.state.sentBytes]));
    const frames = new Map(peers.map((p) => [p.key, p.state.frames.length]));
    const first = peers[0] as RawPeer;
    const settle = (now: number): void => {
      for (let round = 0; round < 10; round++) {
        const reads = first.state.actions.filter(
          (x): x is Extract<SwarmOutput, { type: 'read' }> => x.type === 'read',
        );
        first.state.actions.length = 0;
        for (const r of reads) {
          const start = r.index * torrent.info.pieceLength;
          first.apply(() =>
            swarm.pieceData(r.index, torrent.data.slice(start, start + torrent.info.pieceLength), now),
          );
        }
      }
      for (const p of peers) {
        const got = p.state.frames.slice(frames.get(p.key));
        frames.set(p.key, p.state.frames.length);
        for (const f of got) if (f.type === 'piece') log.push(`${p.key}${f.index}`);
      }
    };
    const step = (now: number): void => {
      settle(now);
      const busy = peers.find((p) => p.state.sentBytes > (sent.get(p.key) as number));
      if (busy === undefined) return;
      sent.set(busy.key, busy.state.sentBytes);
      busy.apply(() => swarm.drained(busy.key, now));
      settle(now);
    };
    return { log, step, settle };
  }

  const requestPiece = (index: number): Uint8Array =>
    concatBytes(
      [0, 1, 2, 3].map((k) => encodeMessage({ type: 'request', index, begin: k * BLOCK, length: BLOCK })),
    );

  it('a seed sends one peer at a time a whole piece, the peer it sent least to first', () => {
    const { torrent, swarm, a, b } = seedWithTwoPeers(81);
    const { log, step } = host(swarm, torrent, [a, b]);
    a.apply(() => swarm.drained('a', 0)); // the host reports drains
    a.send(concatBytes([requestPiece(0), requestPiece(1)]), 1);
    b.send(concatBytes([requestPiece(2), requestPiece(3)]), 1);
    for (let t = 2; t < 40; t++) step(t);
    // Blocks go out two at a time (the 32 KiB window): a piece per turn, turns alternate.
    const pieces = (key: string, index: number): string[] => new Array<string>(4).fill(`${key}${index}`);
    expect(log).toEqual([...pieces('a', 0), ...pieces('b', 2), ...pieces('a', 1), ...pieces('b', 3)]);
  });

  it('a leecher gives the next turn to the peer furthest behind', () => {
    const torrent = makeTorrent(8 * 65536, 65536, 82);
    const have = allPieces(torrent).map((_, i) => i < 4);
    const swarm = swarmFor(torrent, 'half', 82, { have });
    const group = new Map<string, RawPeer>();
    const ahead = rawPeer(swarm, 'ahead', 0, group);
    const behind = rawPeer(swarm, 'behind', 0, group);
    ahead.handshake(torrent.infoHash, 'ahead');
    ahead.send(
      concatBytes([
        encodeMessage({ type: 'bitfield', bits: new Uint8Array([0x0e]) }), // pieces 4-6
        encodeMessage({ type: 'unchoke' }),
        encodeMessage({ type: 'interested' }),
      ]),
    );
    behind.handshake(torrent.infoHash, 'behind');
    behind.send(encodeMessage({ type: 'interested' }));
    const { log, step } = host(swarm, torrent, [ahead, behind]);
    ahead.apply(() => swarm.drained('ahead', 0));
    ahead.send(requestPiece(1), 1);
    // While ahead's piece is on its way, both ask for more; ahead asked first.
    ahead.send(requestPiece(2), 2);
    behind.send(requestPiece(0), 2);
    for (let t = 3; t < 40; t++) step(t);
    expect(log.slice(0, 8)).toEqual([
      'ahead1',
      'ahead1',
      'ahead1',
      'ahead1',
      'behind0',
      'behind0',
      'behind0',
      'behind0',
    ]);
    expect(log.slice(8)).toEqual(['ahead2', 'ahead2', 'ahead2', 'ahead2']);
  });

  it('without drained reports, serves every unchoked peer at once', () => {
    const { torrent, swarm, a, b } = seedWithTwoPeers(83);
    const { log, settle } = host(swarm, torrent, [a, b]);
    a.send(requestPiece(0), 1);
    b.send(requestPiece(2), 1);
    settle(1);
    expect(log.filter((x) => x.startsWith('a')).length).toBeGreaterThan(0);
    expect(log.filter((x) => x.startsWith('b')).length).toBeGreaterThan(0);
  });
});

describe('Swarm initial seeding', () => {
  it('lets leechers trade: no bitfield from the seed, far less than a copy each from it, all shown at the end', () => {
    const seedValue = 81;
    console.log(`initial seeding seed ${seedValue}`);
    const torrent = makeTorrent(16 * 32768, 32768, seedValue);
    const h = new Harness(true);
    const seed = h.add('seed', torrent, { seed: true });
    const names = ['a', 'b', 'c', 'd', 'e', 'f'];
    for (const n of names) h.add(n, torrent);
    for (const n of names) h.connect('seed', n);
    for (let i = 0; i < names.length; i++) h.connect(names[i]!, names[(i + 1) % names.length]!);
    expect(h.run(() => names.every((n) => h.node(n).swarm.status(h.now).complete))).toBe(true);
    for (const n of names) expect(h.messages('seed', n).some((m) => m.type === 'bitfield')).toBe(false);
    expect(seed.swarm.status(h.now).uploaded).toBeLessThan(3 * torrent.data.length);
    // Once every piece reached some peer, every peer was told about all of them.
    for (const n of names) {
      const view = h
        .node(n)
        .swarm.status(h.now)
        .peers.find((p) => p.peer === 'seed');
      expect(view?.pieces).toBe(16);
    }
  });

  it('gives every piece out once before giving any twice, then shows everything', () => {
    const torrent = makeTorrent(12 * 32768, 32768, 82);
    const swarm = swarmFor(torrent, 'seed', 82, { have: allPieces(torrent) });
    const group = new Map<string, RawPeer>();
    const peers = ['a', 'b', 'c', 'd'].map((k) => rawPeer(swarm, k, 0, group));
    for (const p of peers) p.handshake(torrent.infoHash, p.key);
    // All unchoked at once (they lack pieces) and told about two pieces each, all different.
    const told = (p: RawPeer): number[] =>
      p.state.frames.flatMap((f) => (f.type === 'have' ? [f.index] : []));
    expect(peers.every((p) => p.state.frames.some((f) => f.type === 'unchoke'))).toBe(true);
    expect(peers.every((p) => !p.state.frames.some((f) => f.type === 'bitfield'))).toBe(true);
    const first = peers.flatMap(told);
    expect(first).toHaveLength(8);
    expect(new Set(first).size).toBe(8);
    // Each peer fetches what it is told, one piece at a time, and announces it when complete.
    const requested = new Map(peers.map((p) => [p.key, new Set<number>()]));
    const announced = new Map(peers.map((p) => [p.key, new Set<number>()]));
    const out = new Set<number>();
    let blocksWhenAllOut = -1;
    for (let t = 1; t < 200 && blocksWhenAllOut < 0; t++) {
      for (const p of peers) {
        const next = told(p).find((i) => !requested.get(p.key)!.has(i));
        if (next === undefined) continue;
        requested.get(p.key)!.add(next);
        p.send(
          concatBytes(
            [0, 1].map((k) =>
              encodeMessage({ type: 'request', index: next, begin: k * BLOCK, length: BLOCK }),
            ),
          ),
          t,
        );
      }
      const reads = peers[0]!.state.actions.filter(
        (x): x is Extract<SwarmOutput, { type: 'read' }> => x.type === 'read',
      );
      peers[0]!.state.actions.length = 0;
      for (const r of reads) {
        const start = r.index * torrent.info.pieceLength;
        peers[0]!.apply(() =>
          swarm.pieceData(r.index, torrent.data.slice(start, start + torrent.info.pieceLength), t),
        );
      }
      for (const p of peers) p.apply(() => swarm.drained(p.key, t));
      for (const p of peers) {
        const blocks = new Map<number, number>();
        for (const f of p.state.frames)
          if (f.type === 'piece') blocks.set(f.index, (blocks.get(f.index) ?? 0) + 1);
        for (const [index, n] of blocks) {
          if (n < 2 || announced.get(p.key)!.has(index)) continue;
          announced.get(p.key)!.add(index);
          out.add(index);
          p.send(encodeMessage({ type: 'have', index }), t);
        }
      }
      if (out.size === 12) {
        blocksWhenAllOut = peers.reduce(
          (sum, p) => sum + p.state.frames.filter((f) => f.type === 'piece').length,
          0,
        );
      }
    }
    // Every piece went out exactly once: 12 pieces of 2 blocks.
    expect(blocksWhenAllOut).toBe(24);
    // Then every peer was told about every piece.
    for (const p of peers) expect(new Set(told(p)).size).toBe(12);
  });
});

describe('Swarm bans', () => {
  it('emits peer-banned once per peer, however many of its pieces turn out bad', () => {
    const torrent = makeTorrent(24 * 32768, 32768, 91);
    const h = new Harness();
    const liar = h.add('liar', torrent, { seed: true, extra: { initialSeeding: false } });
    for (const [i, piece] of liar.store) {
      const bad = piece.slice();
      bad[0] = (bad[0]! ^ 0xff) & 0xff;
      liar.store.set(i, bad);
    }
    const leech = h.add('leech', torrent);
    h.connect('leech', 'liar');
    // The liar alone supplies several pieces that fail: banned on the second, the rest fail too.
    h.run(() => leech.swarm.status(h.now).banned.length > 0);
    h.add('honest', torrent, { seed: true });
    h.connect('leech', 'honest');
    expect(h.run(() => leech.events.some((e) => e.type === 'complete'))).toBe(true);
    const failed = leech.events.filter((e) => e.type === 'piece-failed').length;
    expect(failed).toBeGreaterThanOrEqual(2);
    const bans = leech.events.filter((e) => e.type === 'peer-banned');
    expect(bans).toHaveLength(1);
    expect(bans[0]).toMatchObject({ type: 'peer-banned', peer: 'liar' });
  });
});

describe('Swarm metadata relay', () => {
  it('tells peers met before it had the metadata its size once it has it, so they can fetch it', () => {
    const torrent = makeTorrent(6 * 32768, 32768, 95);
    const h = new Harness();
    h.add('seed', torrent, { seed: true });
    const a = h.add('a', torrent, { magnet: true });
    const b = h.add('b', torrent, { magnet: true });
    // a and b meet while neither has the metadata; only a ever meets the seed.
    h.connect('a', 'b');
    h.connect('a', 'seed');
    expect(h.run(() => a.events.some((e) => e.type === 'complete'))).toBe(true);
    expect(h.run(() => b.events.some((e) => e.type === 'complete'), 120_000)).toBe(true);
    expect(b.info).toBeDefined();
  });
});

describe('Swarm request take-over', () => {
  it('a fast peer with nothing new to fetch takes over the newest blocks a much slower peer holds', () => {
    const torrent = makeTorrent(4 * 65536, 65536, 97);
    const leech = swarmFor(torrent, 'leech', 97);
    const group = new Map<string, RawPeer>();
    const slow = rawPeer(leech, 'slow', 0, group);
    const fast = rawPeer(leech, 'fast', 0, group);
    // Both have pieces 0-2; nobody has piece 3 yet, so this is not endgame.
    const bits = new Uint8Array(1).fill(0xe0);
    for (const p of [slow, fast]) {
      p.handshake(torrent.infoHash, p.key);
      p.send(concatBytes([encodeMessage({ type: 'bitfield', bits }), encodeMessage({ type: 'unchoke' })]));
    }
    const requestsTo = (p: RawPeer): string[] =>
      p.state.frames.flatMap((f) => (f.type === 'request' ? [`${f.index}:${f.begin}`] : []));
    expect(requestsTo(slow)).toHaveLength(INITIAL_PIPELINE);
    // The fast peer answers everything within milliseconds; the slow one never does.
    const answered = new Set<string>();
    for (let t = 1; t <= 20; t++) {
      for (const r of openRequests(fast, answered)) {
        answered.add(`${r.index}:${r.begin}`);
        const start = r.index * torrent.info.pieceLength + r.begin;
        fast.send(
          encodeMessage({
            type: 'piece',
            index: r.index,
            begin: r.begin,
            block: torrent.data.slice(start, start + r.length),
          }),
          t,
        );
      }
    }
    // All but one of the slow peer's blocks were cancelled there and asked of the fast one.
    const cancelled = slow.state.frames.flatMap((f) =>
      f.type === 'cancel' ? [`${f.index}:${f.begin}`] : [],
    );
    expect(cancelled).toHaveLength(INITIAL_PIPELINE - 1);
    for (const id of cancelled) expect(requestsTo(fast)).toContain(id);
    expect(leech.status(20).peers.find((p) => p.peer === 'slow')?.requestsOut).toBe(1);
  });
});
