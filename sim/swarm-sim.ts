import { createInfoDictionary, type InfoDictionary } from '../shared/info-dictionary.js';
import { concatBytes } from '../shared/bytes.js';
import { seededRandom, shuffle } from '../shared/random.js';
import { sha1 } from '../shared/sha1.js';
import { METADATA_PIECE_SIZE } from '../shared/wire/ut-metadata.js';
import type { SwarmEvent } from '../shared/swarm/swarm.js';
import { VirtualClock } from './clock.js';
import { clamped, logNormal, type Distribution } from './distributions.js';
import { Network } from './network.js';
import { SwarmHost, type SwarmHostEnv } from './swarm-host.js';
import { corruptBlocks, freeRider, type FrameRewrite } from './wire-filter.js';

/** A peer's link rates, bytes per second. */
export interface PeerClass {
  upload: number;
  download: number;
}

/** One swarm scenario: a seed, leechers with their own rates, maybe a free rider or a corrupt peer. */
export interface SwarmSimOptions {
  seed: number;
  leechers: number;
  fileBytes: number;
  pieceLength: number;
  seedRates: PeerClass;
  /** Rates of leecher i (heterogeneous: draw from classes with the scenario's own Random). */
  leecherRates: (i: number, random: () => number) => PeerClass;
  latency?: Distribution;
  /** The seed leaves once it has delivered this many copies of the file (undefined: it stays). */
  seedLeavesAfterCopies?: number;
  /** How many leechers never upload, and how many send corrupt blocks (the first ones after any free riders). */
  freeRiders?: number;
  corruptPeers?: number;
  /** How many leechers (after the corrupt ones) serve wrong metadata of the right size; they arrive first. */
  badMetadataPeers?: number;
  /** Link of the free riders (default: drawn like everyone's). Give them the slowest class for a fair race. */
  freeRiderRates?: PeerClass;
  /** Leechers start from the magnet link (metadata over ut_metadata) instead of the info dictionary. */
  magnet?: boolean;
  /** Leechers arrive spread over this window (ms). */
  arrivalWindowMs?: number;
  /** Peers a newcomer connects to (from the tracker's random list). */
  connectTo?: number;
  /** Give up after this much virtual time. */
  timeLimitMs?: number;
  progress?: (line: string) => void;
}

export type PeerRole = 'seed' | 'leecher' | 'free-rider' | 'corrupt' | 'bad-metadata';

export interface PeerOutcome {
  id: string;
  role: PeerRole;
  upload: number;
  download: number;
  /** ms from its arrival to complete; undefined if it never completed. */
  completeMs: number | undefined;
  /** ms from its arrival to the metadata, for a magnet start; undefined otherwise. */
  metadataMs: number | undefined;
  /** Payload bytes delivered to others over the network. */
  uploadedBytes: number;
}

export interface SwarmSimResult {
  seed: number;
  leechers: number;
  fileBytes: number;
  pieceLength: number;
  peers: PeerOutcome[];
  /** Leechers of every role that completed. */
  completed: number;
  /** Time until the last leecher completed (ms from start); undefined if one never did. */
  distributionMs: number | undefined;
  /** The Kumar–Ross minimum distribution time, ms. */
  lowerBoundMs: number;
  /** distributionMs / lowerBoundMs. */
  ratio: number;
  seedLeftAtMs: number | undefined;
  /**
   * Per second of the run: bytes that left uplinks (payload and protocol), bytes of pieces
   * leechers verified, and the upload capacity of the peers present (the seed while it stays).
   */
  timeline: { atMs: number; sent: number; verified: number; capacity: number }[];
  /** Payload bytes received by all leechers, and the part that was not needed (duplicates, strays). */
  downloadedBytes: number;
  wastedBytes: number;
  /** Every ban: who banned whom. */
  bans: { by: string; peer: string; reason: string }[];
  piecesFailed: number;
  problems: string[];
  problemCount: number;
  virtualMs: number;
  events: number;
}

/**
 * Kumar & Ross (2006): no scheme distributes a file of F bytes from a seed of upload u_s to N
 * peers of uploads u_i and downloads d_i faster than max(F/u_s, N·F/(u_s + Σu_i), F/min d_i).
 */
export function kumarRossMs(fileBytes: number, seedUpload: number, peers: readonly PeerClass[]): number {
  const sumUp = peers.reduce((s, p) => s + p.upload, 0);
  const dMin = Math.min(...peers.map((p) => p.download));
  const seconds = Math.max(
    fileBytes / seedUpload,
    (peers.length * fileBytes) / (seedUpload + sumUp),
    fileBytes / dMin,
  );
  return seconds * 1000;
}

/** Heterogeneous home links: upload classes with downloads eight times faster. */
export function broadbandClasses(scale = 1): (i: number, random: () => number) => PeerClass {
  const classes = [
    { weight: 0.4, upload: 128_000 },
    { weight: 0.3, upload: 256_000 },
    { weight: 0.2, upload: 512_000 },
    { weight: 0.1, upload: 1_024_000 },
  ];
  return (_i, random) => {
    let x = random();
    for (const c of classes) {
      x -= c.weight;
      if (x < 0) return { upload: c.upload * scale, download: 8 * c.upload * scale };
    }
    return { upload: 1_024_000 * scale, download: 8_192_000 * scale };
  };
}

/** The 30-leecher scenario of the tests and `npm run sim`: 1 seed + 30 broadband leechers, 2 MiB in 64 KiB pieces. */
export function thirtyLeechers(seed: number, extra: Partial<SwarmSimOptions> = {}): SwarmSimOptions {
  return {
    seed,
    leechers: 30,
    fileBytes: 2 * 1024 * 1024,
    pieceLength: 64 * 1024,
    seedRates: { upload: 500_000, download: 4_000_000 },
    leecherRates: broadbandClasses(),
    timeLimitMs: 600_000,
    ...extra,
  };
}

function makeContent(
  random: () => Uint8Array,
  fileBytes: number,
  pieceLength: number,
): {
  info: InfoDictionary;
  infoBytes: Uint8Array;
  infoHash: Uint8Array;
  pieces: Map<number, Uint8Array>;
} {
  const pieces = new Map<number, Uint8Array>();
  const hashes: Uint8Array[] = [];
  const content = random();
  for (let i = 0, off = 0; off < fileBytes; i++, off += pieceLength) {
    const piece = content.subarray(off, Math.min(fileBytes, off + pieceLength));
    pieces.set(i, piece);
    hashes.push(sha1(piece));
  }
  const made = createInfoDictionary({
    name: 'sim.bin',
    length: fileBytes,
    pieceLength,
    pieceHashes: concatBytes(hashes),
  });
  return { ...made, pieces };
}

/** The info dictionary with one byte flipped in every 16 KiB metadata piece: right size, wrong content. */
function corruptMetadata(infoBytes: Uint8Array): Uint8Array {
  const out = infoBytes.slice();
  for (let at = 0; at < out.length; at += METADATA_PIECE_SIZE) out[at] = (out[at] as number) ^ 0xff;
  return out;
}

/** An independent seed for one of a run's random streams. */
function derivedSeed(seed: number, stream: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x27d4eb2d) + Math.imul(stream, 0x9e3779b9)) >>> 0;
}

/** Runs one swarm to completion (or the time limit) and measures it. */
export function runSwarmSim(options: SwarmSimOptions): SwarmSimResult {
  const seedValue = options.seed >>> 0;
  // Separate streams: the peers (classes, arrivals) stay the same whatever the content, the
  // swarms or the network draw, so runs of different swarm versions or file sizes face the same
  // peers.
  const scenario = seededRandom(seedValue);
  const contentRandom = seededRandom(derivedSeed(seedValue, 4));
  const random = seededRandom(derivedSeed(seedValue, 1));
  const trackerRandom = seededRandom(derivedSeed(seedValue, 2));
  const clock = new VirtualClock();
  const network = new Network(clock, seededRandom(derivedSeed(seedValue, 3)), {
    latency: options.latency ?? clamped(logNormal(30, 0.5), 2, 400),
  });
  const problems: string[] = [];
  let problemCount = 0;
  const bans: SwarmSimResult['bans'] = [];
  let piecesFailed = 0;
  const env: SwarmHostEnv = {
    clock,
    network,
    random,
    onProblem: (host, problem) => {
      problemCount++;
      if (problems.length < 20) problems.push(`t=${clock.now.toFixed(0)}ms ${host.id}: ${problem}`);
    },
    onEvent: (host: SwarmHost, event: SwarmEvent) => {
      if (event.type === 'peer-banned') bans.push({ by: host.id, peer: event.peer, reason: event.reason });
      if (event.type === 'piece-failed') piecesFailed++;
    },
  };

  const { info, infoBytes, infoHash, pieces } = makeContent(
    () => contentRandom.bytes(options.fileBytes),
    options.fileBytes,
    options.pieceLength,
  );
  const connectTo = options.connectTo ?? 20;
  const tracker: SwarmHost[] = [];
  const roles = new Map<string, PeerRole>();
  const rates = new Map<string, PeerClass>();
  const arrivals = new Map<string, number>();

  const announce = (host: SwarmHost, want: number): void => {
    const others = shuffle(
      tracker.filter(
        (h) =>
          h.alive &&
          h !== host &&
          !network.isConnected(host.id, h.id) &&
          !host.banned.has(h.id) &&
          !h.banned.has(host.id),
      ),
      trackerRandom,
    );
    for (const other of others.slice(0, want)) network.connect(host.id, other.id);
  };

  const seedHost = new SwarmHost(env, {
    id: 'seed',
    swarm: { infoHash, info, infoBytes, have: Array.from({ length: info.pieceCount }, () => true) },
    storage: new Map(pieces),
    link: options.seedRates,
  });
  roles.set('seed', 'seed');
  rates.set('seed', options.seedRates);
  arrivals.set('seed', 0);
  tracker.push(seedHost);

  const leechers: SwarmHost[] = [];
  const freeRiders = options.freeRiders ?? 0;
  const corrupt = options.corruptPeers ?? 0;
  const badMetadata = options.badMetadataPeers ?? 0;
  const window = options.arrivalWindowMs ?? 1000;
  for (let i = 0; i < options.leechers; i++) {
    const role: PeerRole =
      i < freeRiders
        ? 'free-rider'
        : i < freeRiders + corrupt
          ? 'corrupt'
          : i < freeRiders + corrupt + badMetadata
            ? 'bad-metadata'
            : 'leecher';
    const id = `${role === 'leecher' ? 'p' : role}${i}`;
    const drawn = options.leecherRates(i, () => scenario.next());
    const r = role === 'free-rider' ? (options.freeRiderRates ?? drawn) : drawn;
    const misbehave: FrameRewrite | undefined =
      role === 'free-rider' ? freeRider : role === 'corrupt' ? corruptBlocks : undefined;
    roles.set(id, role);
    rates.set(id, r);
    const drawnAt = scenario.next() * window;
    // A peer with bad metadata is met first: the case a magnet start must survive.
    const at = role === 'bad-metadata' ? 0 : drawnAt;
    arrivals.set(id, at);
    clock.at(at, () => {
      const host = new SwarmHost(env, {
        id,
        swarm:
          role === 'bad-metadata'
            ? { infoHash, info, infoBytes: corruptMetadata(infoBytes) }
            : options.magnet === true
              ? { infoHash }
              : { infoHash, info, infoBytes },
        ...(misbehave ? { misbehave } : {}),
        link: r,
      });
      leechers.push(host);
      tracker.push(host);
      announce(host, connectTo);
    });
  }

  // Re-announce: a host low on peers asks the tracker for more, every 30 s.
  const reannounce = (): void => {
    for (const h of tracker) if (h.alive && network.liveCount(h.id) < 10) announce(h, connectTo);
    clock.after(30_000, reannounce);
  };
  clock.after(30_000, reannounce);

  let seedLeftAt: number | undefined;
  const copies = options.seedLeavesAfterCopies;
  if (copies !== undefined) {
    const check = (): void => {
      if (!seedHost.alive) return;
      if ((network.nodeStats('seed')?.bytesDelivered ?? 0) >= copies * options.fileBytes) {
        seedLeftAt = clock.now;
        seedHost.leave();
        return;
      }
      clock.after(100, check);
    };
    clock.after(100, check);
  }

  const timeline: SwarmSimResult['timeline'] = [];
  let sentBefore = 0;
  let verifiedBefore = 0;
  const sample = (): void => {
    let sent = 0;
    let verified = 0;
    let capacity = 0;
    for (const h of tracker) {
      sent += network.nodeStats(h.id)?.bytesSent ?? 0;
      if (h !== seedHost) verified += h.storage.size * options.pieceLength;
      if (h.alive) capacity += (rates.get(h.id) as PeerClass).upload;
    }
    timeline.push({
      atMs: clock.now,
      sent: sent - sentBefore,
      verified: verified - verifiedBefore,
      capacity,
    });
    sentBefore = sent;
    verifiedBefore = verified;
    if (!allDone()) clock.after(1000, sample);
  };
  clock.after(1000, sample);

  const limit = options.timeLimitMs ?? 3_600_000;
  const allDone = (): boolean =>
    leechers.length === options.leechers && leechers.every((h) => h.completeAt !== undefined || !h.alive);
  let nextReport = 10_000;
  const progress = options.progress;
  clock.runUntilDone(() => {
    if (progress !== undefined && clock.now >= nextReport) {
      nextReport += 10_000;
      const done = leechers.filter((h) => h.completeAt !== undefined).length;
      progress(
        `swarm N=${options.leechers}: t=${(clock.now / 1000).toFixed(0)}s, ${done}/${options.leechers} complete`,
      );
    }
    return allDone();
  }, limit);

  const outcomes: PeerOutcome[] = [seedHost, ...leechers].map((h) => {
    const r = rates.get(h.id) as PeerClass;
    return {
      id: h.id,
      role: roles.get(h.id) as PeerRole,
      upload: r.upload,
      download: r.download,
      completeMs: h.completeAt === undefined ? undefined : h.completeAt - (arrivals.get(h.id) as number),
      metadataMs: h.metadataAt === undefined ? undefined : h.metadataAt - (arrivals.get(h.id) as number),
      uploadedBytes: network.nodeStats(h.id)?.bytesDelivered ?? 0,
    };
  });
  let downloadedBytes = 0;
  let wastedBytes = 0;
  for (const h of leechers) {
    const st = h.swarm.status(clock.now);
    downloadedBytes += st.downloaded;
    wastedBytes += st.wasted;
  }
  const leecherOutcomes = outcomes.filter((o) => o.role !== 'seed');
  const completed = leecherOutcomes.filter((o) => o.completeMs !== undefined).length;
  const distributionMs =
    completed === options.leechers ? Math.max(...leechers.map((h) => h.completeAt as number)) : undefined;
  const lowerBoundMs = kumarRossMs(
    options.fileBytes,
    options.seedRates.upload,
    leecherOutcomes.map((o) => ({ upload: o.role === 'free-rider' ? 0 : o.upload, download: o.download })),
  );
  return {
    seed: seedValue,
    leechers: options.leechers,
    fileBytes: options.fileBytes,
    pieceLength: options.pieceLength,
    peers: outcomes,
    completed,
    distributionMs,
    lowerBoundMs,
    ratio: distributionMs === undefined ? Number.NaN : distributionMs / lowerBoundMs,
    seedLeftAtMs: seedLeftAt,
    timeline,
    downloadedBytes,
    wastedBytes,
    bans,
    piecesFailed,
    problems,
    problemCount,
    virtualMs: clock.now,
    events: clock.eventsRun,
  };
}
