import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LINK_ADMISSION_DEFAULTS } from '../../../shared/links/index.js';
import { seededRandom } from '../../../shared/random.js';
import { MemoryPeerLinkFactory } from '../../../client/src/adapters/memory-peer-link.js';
import type { PeerLink } from '../../../client/src/adapters/peer-link.js';
import { Connections, type LinkSignal } from '../../../client/src/app/connections.js';
import { DEFAULT_CONNECTION_BUDGET } from '../../../client/src/app/tab-node.js';

/*
 * The fault: 41 sockets sending candidate-only offers and refreshed offers that never complete
 * kept a seeder's 40 slots full, a real downloader got nothing in 90 s, and the seeder burnt
 * through its lifetime connection budget. Here the same flood runs against a seeder's
 * Connections over in-memory links, on a virtual clock.
 */

const ATTACKERS = 41;
const FLOOD_MS = 90_000;
const REFRESH_MS = 1_000;
const DOWNLOADER_ARRIVES_MS = 30_000;
/** What "within a short time" means for a link that opens in ~140 ms on loopback. */
const OPEN_WITHIN_MS = 1_000;

/** A 40-hex id; the seeder's is the highest, so it never wins a tie-break against anyone. */
const id = (n: number) => n.toString(16).padStart(40, '0');
const SEEDER = 'f'.repeat(40);
const DOWNLOADER = id(0xd0d0);
const INFO_HASH = 'c'.repeat(40);

let linkSeq = 0;
const linkId = () => `flood-${linkSeq++}`;

describe('links cannot be held hostage', () => {
  const toClose: PeerLink[] = [];
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    for (const l of toClose) l.close();
    vi.useRealTimers();
  });

  it('41 remotes flooding candidate-only and never-completing offers cannot keep a real downloader out or spend the lifetime budget', async () => {
    const factory = new MemoryPeerLinkFactory();
    const seeder = new Connections(
      SEEDER,
      factory,
      seededRandom(1),
      DEFAULT_CONNECTION_BUDGET,
      () => [],
      () => true,
    );
    const downloader = new Connections(
      DOWNLOADER,
      factory,
      seededRandom(2),
      DEFAULT_CONNECTION_BUDGET,
      () => [],
      () => true,
    );
    // Only the downloader hears the seeder's answers: the flood's answers are dropped, so its
    // offers look real but never complete.
    seeder.on('signal', (to, env) => {
      if (to === DOWNLOADER) downloader.receiveSignal(SEEDER, env);
    });
    downloader.on('signal', (_to, env) => seeder.receiveSignal(DOWNLOADER, env));

    const attackers = Array.from({ length: ATTACKERS }, (_, i) => id(i + 1));
    const flood = () => {
      for (const from of attackers) {
        // A candidate with no offer before it, under a link id never seen.
        const candidate: LinkSignal = {
          link: linkId(),
          infoHash: INFO_HASH,
          signal: {
            type: 'candidate',
            candidate: { candidate: 'candidate:1 1 udp 1 10.0.0.1 9 typ host', sdpMid: '0' },
          },
        };
        seeder.receiveSignal(from, candidate);
        // A real offer (from a real initiator), under a fresh link id each time: the refresh.
        const link = linkId();
        const dialler = factory.create({ remoteId: SEEDER, initiator: true, iceServers: [] });
        toClose.push(dialler);
        dialler.on('signal', (signal) => seeder.receiveSignal(from, { link, infoHash: INFO_HASH, signal }));
      }
    };

    let maxLinks = 0;
    let maxHalfOpenIncoming = 0;
    const watch = () => {
      maxLinks = Math.max(maxLinks, seeder.size);
      maxHalfOpenIncoming = Math.max(maxHalfOpenIncoming, seeder.all().filter((l) => !l.open).length);
    };

    let openedAt: number | undefined;
    let dialledAt = 0;
    for (let t = 0; t < FLOOD_MS; t += REFRESH_MS) {
      if (t === DOWNLOADER_ARRIVES_MS) {
        dialledAt = Date.now();
        const link = downloader.connect(SEEDER, { infoHash: INFO_HASH });
        expect(link).toBeDefined();
        link!.link.on('open', () => (openedAt ??= Date.now()));
      }
      flood();
      for (let step = 0; step < REFRESH_MS; step += 100) {
        await vi.advanceTimersByTimeAsync(100);
        watch();
      }
    }

    const after = openedAt === undefined ? 'never' : `${openedAt - dialledAt} ms`;
    console.log(
      `hostage flood: seeder opened ${seeder.opened}, downloader open: ${after}, links at most ${maxLinks}, half-open at most ${maxHalfOpenIncoming}`,
    );
    // The real downloader got in, at once.
    expect(openedAt).toBeDefined();
    expect(openedAt! - dialledAt).toBeLessThan(OPEN_WITHIN_MS);
    expect(downloader.find(SEEDER, INFO_HASH)?.open).toBe(true);
    expect(seeder.find(DOWNLOADER, INFO_HASH)?.open).toBe(true);
    // Half-open links never filled the live budget; at most the small half-open pool was held
    // (plus links closing in the same tick).
    expect(maxLinks).toBeLessThan(DEFAULT_CONNECTION_BUDGET);
    expect(maxHalfOpenIncoming).toBeLessThanOrEqual(LINK_ADMISSION_DEFAULTS.maxHalfOpenIncoming + 1);
    // The flood spent a small part of the lifetime budget.
    expect(seeder.opened).toBeLessThan(LINK_ADMISSION_DEFAULTS.lifetimeBudget / 4);
  });
});
