import { bytesEqual, toHex } from '../shared/bytes.js';
import type { DhtEvent } from '../shared/dht/index.js';
import { idBytes } from '../shared/dht/node-id.js';
import { seededRandom, type Random } from '../shared/random.js';
import { scheduleChurn } from './churn.js';
import { VirtualClock } from './clock.js';
import { Colluders } from './dht-colluders.js';
import { ForgingRelays } from './dht-forging-relays.js';
import { DhtHost, type DhtHostEnv, type SignalCounters } from './dht-host.js';
import { clamped, logNormal } from './distributions.js';
import { Network } from './network.js';
import { SimSignalingServer } from './sim-signaling-server.js';
import { simKey } from './sim-signer.js';
import { max, mean, percentile } from './stats.js';
import type { DhtSimOptions, DhtSimResult, LookupStats, PublishResult } from './dht-sim-types.js';
import { countersOf, emptyStats, trueClosest, type SummedCounters } from './dht-lookup-stats.js';

export type {
  DhtSimOptions,
  DhtSimResult,
  LookupReport,
  LookupStats,
  PhaseResult,
  PublishResult,
} from './dht-sim-types.js';
export { successRate, trueClosest } from './dht-lookup-stats.js';

interface PendingLookup {
  phase: number;
  kind: 'find_node' | 'get' | 'get_peers';
  host: DhtHost;
  target: string;
  /** For get: the value expected. For get_peers: the announcers. */
  value?: Uint8Array;
  announcers?: string[];
}

type Kind = PendingLookup['kind'];

interface PhaseAccumulator {
  stats: Record<Kind, LookupStats>;
  durations: Record<Kind, number[]>;
  overlap: number;
  closestFound: number;
  liveSamples: number[];
  nodeMinutes: number;
  minutes: number;
  openedAtStart: number;
  messagesAtStart: number;
  opened: number;
  messages: number;
  framesAtStart: number;
  queriesAtStart: number;
  frames: number;
  queries: number;
  left: number;
  joined: number;
}

/** Runs one DHT scenario to the end and measures it. */
export function runDhtSim(options: DhtSimOptions): DhtSimResult {
  const seed = options.seed >>> 0;
  const random: Random = seededRandom(seed);
  const clock = new VirtualClock();
  const network = new Network(clock, random, {
    latency: options.latency ?? clamped(logNormal(30, 0.5), 2, 400),
    loss: options.loss ?? 0,
    maxLive: options.dht?.maxConnections ?? 40,
  });
  const server = new SimSignalingServer(clock, random, clamped(logNormal(25, 0.4), 2, 300));
  const k = options.dht?.k ?? 20;
  const joinRate = options.joinRatePerSec ?? 20;
  const buildMs = (options.nodes / joinRate) * 1000;
  const warmupMs = options.warmupMs ?? 5 * 60_000;
  const phaseMs = options.phaseMs ?? 20 * 60_000;
  const phaseCount = options.churnFraction > 0 ? 2 : 1;
  const measureStart = buildMs + warmupMs;
  const phaseStart = (i: number): number => measureStart + i * phaseMs;
  const end = phaseStart(phaseCount);
  const progress = options.progress ?? (() => undefined);

  const problems: string[] = [];
  let problemCount = 0;
  const counters: SignalCounters = { overlayOffers: 0, serverOffers: 0, overlayFallbacks: 0, rejected: 0 };
  const pending = new Map<string, PendingLookup>();
  const phases: PhaseAccumulator[] = Array.from({ length: phaseCount }, () => ({
    stats: { find_node: emptyStats(), get: emptyStats(), get_peers: emptyStats() },
    durations: { find_node: [], get: [], get_peers: [] },
    overlap: 0,
    closestFound: 0,
    liveSamples: [],
    nodeMinutes: 0,
    minutes: 0,
    openedAtStart: 0,
    messagesAtStart: 0,
    opened: 0,
    messages: 0,
    framesAtStart: 0,
    queriesAtStart: 0,
    frames: 0,
    queries: 0,
    left: 0,
    joined: 0,
  }));
  const idBytesOf = new Map<string, Uint8Array>();
  const hosts = new Map<string, DhtHost>();
  // Live hosts in an array too, for O(1) random picks.
  const liveList: DhtHost[] = [];
  const liveIndex = new Map<string, number>();

  const publish: PublishResult = {
    puts: 0,
    putsStoredNowhere: 0,
    putStoredMean: 0,
    announces: 0,
    announcesStoredNowhere: 0,
    announceStoredMean: 0,
  };
  /** Puts and announces in flight, with what to make gettable once they finish. */
  const publishing = new Map<string, () => void>();
  const listeners: ((host: DhtHost, event: DhtEvent) => void)[] = [];
  const onEvent = (host: DhtHost, event: DhtEvent): void => {
    for (const fn of listeners) fn(host, event);
    if (event.type !== 'lookup-done') return;
    const key = `${host.id}:${event.queryId}`;
    const published = publishing.get(key);
    if (published !== undefined) {
      publishing.delete(key);
      published();
      const stored = event.stored ?? 0;
      if (event.kind === 'put') {
        publish.puts++;
        publish.putStoredMean += stored;
        if (stored === 0) publish.putsStoredNowhere++;
      } else {
        publish.announces++;
        publish.announceStoredMean += stored;
        if (stored === 0) publish.announcesStoredNowhere++;
      }
      return;
    }
    const p = pending.get(key);
    if (p === undefined) return;
    pending.delete(key);
    const acc = phases[p.phase] as PhaseAccumulator;
    const s = acc.stats[p.kind];
    s.done++;
    s.rounds += event.rounds;
    s.rpcs += event.rpcs;
    s.timeouts += event.timeouts;
    s.durationMs += event.durationMs;
    acc.durations[p.kind].push(event.durationMs);
    let ok: boolean;
    let truth: string[] | undefined;
    if (p.kind === 'find_node') {
      const live = liveList.map((h) => ({ id: h.id, bytes: idBytesOf.get(h.id) as Uint8Array }));
      truth = trueClosest(live, idBytes(p.target), k, host.id);
      const got = new Set(event.closest.slice(0, k));
      const hit = truth.filter((id) => got.has(id)).length;
      acc.overlap += truth.length === 0 ? 1 : hit / truth.length;
      if (truth.length === 0 || got.has(truth[0] as string)) acc.closestFound++;
      ok = hit === truth.length;
    } else if (p.kind === 'get') {
      ok = event.value !== undefined && p.value !== undefined && bytesEqual(event.value, p.value);
    } else {
      const peers = new Set(event.peers ?? []);
      ok = (p.announcers ?? []).some((a) => peers.has(a) && hosts.has(a));
    }
    if (ok) s.success++;
    options.onLookup?.({
      kind: p.kind,
      host,
      target: p.target,
      event,
      ok,
      ...(truth ? { truth } : {}),
      now: clock.now,
    });
  };

  const colluderFraction = options.colluders ?? 0;
  const colluders = colluderFraction > 0 ? new Colluders() : undefined;
  const forgerFraction = options.forgingRelays ?? 0;
  const forgers = forgerFraction > 0 ? new ForgingRelays() : undefined;
  const env: DhtHostEnv = {
    colluders,
    forgers,
    clock,
    network,
    server,
    random,
    hosts,
    lossyDht: (options.loss ?? 0) > 0,
    dhtOptions: options.dht ?? {},
    onProblem: (host, problem) => {
      problemCount++;
      if (problems.length < 20)
        problems.push(`t=${clock.now.toFixed(0)}ms ${host.id.slice(0, 8)}: ${problem}`);
    },
    onEvent,
  };

  let spawned = 0;
  /** Super-peers: they stay, and issue none of the lookups measured. */
  const supers = new Set<string>();
  const spawn = (): DhtHost => {
    // Ids are SHA-1 of a (stand-in) key, as in the tabs, so overlay signals carry a checkable proof.
    const key = simKey(random);
    const id = key.id;
    // Exactly that share of the arrivals, spread evenly over them (not drawn from the shared
    // random stream, so runs that differ only in lookup options get as many colluders).
    const arrival = spawned++;
    if (
      colluders !== undefined &&
      Math.floor((arrival + 1) * colluderFraction) > Math.floor(arrival * colluderFraction)
    )
      colluders.add(id);
    if (
      forgers !== undefined &&
      Math.floor((arrival + 1) * forgerFraction) > Math.floor(arrival * forgerFraction)
    )
      forgers.add(id);
    const superPeer = arrival < (options.superPeers ?? 0);
    const host = new DhtHost(
      env,
      key,
      counters,
      superPeer
        ? {
            ...(options.superPeerDht ? { dht: options.superPeerDht } : {}),
            ...(options.superPeerMaxLive ? { maxLive: options.superPeerMaxLive } : {}),
          }
        : {},
    );
    if (superPeer) supers.add(host.id);
    idBytesOf.set(host.id, id);
    liveIndex.set(host.id, liveList.length);
    liveList.push(host);
    host.join();
    return host;
  };
  const departed: SummedCounters = { frames: 0, queries: 0, checked: 0, refused: 0 };
  const leave = (id: string): void => {
    const host = hosts.get(id);
    if (host === undefined) return;
    const c = host.node.snapshot().counters;
    departed.frames += c.framesOut;
    departed.queries += c.queriesOut;
    departed.checked += c.answersChecked;
    departed.refused += c.answersRefused;
    host.leave();
    idBytesOf.delete(id);
    const at = liveIndex.get(id) as number;
    const last = liveList.pop() as DhtHost;
    if (last.id !== id) {
      liveList[at] = last;
      liveIndex.set(last.id, at);
    }
    liveIndex.delete(id);
    for (const [key, p] of pending) {
      if (p.host.id !== id) continue;
      pending.delete(key);
      (phases[p.phase] as PhaseAccumulator).stats[p.kind].abandoned++;
    }
  };
  /** A random live node that neither colludes nor forges: the one that publishes or looks up. */
  const randomHost = (): DhtHost | undefined => {
    for (let tries = 0; tries < 1000; tries++) {
      const host = liveList[random.int(liveList.length)];
      if (host === undefined || !(host.colluding || host.forging || supers.has(host.id))) return host;
    }
    return undefined;
  };
  const track = (
    phase: number,
    host: DhtHost,
    kind: Kind,
    target: string,
    queryId: number,
    extra: Partial<PendingLookup> = {},
  ): void => {
    (phases[phase] as PhaseAccumulator).stats[kind].issued++;
    pending.set(`${host.id}:${queryId}`, { phase, kind, host, target, ...extra });
  };

  // 1. The network forms: arrivals at a steady rate, each bootstrapping from the server.
  for (let i = 0; i < options.nodes; i++) clock.at((i / joinRate) * 1000, () => spawn());
  let buildMessages = 0;
  clock.at(measureStart - Math.min(30_000, warmupMs / 2), () => {
    buildMessages = network.stats.messagesSent;
  });

  // 2. Publish half a minute before measuring: values and announcements, each from random nodes.
  const published: { key: string; value: Uint8Array; publisher: DhtHost }[] = [];
  const announced: { infoHash: string; announcers: DhtHost[] }[] = [];
  clock.at(measureStart - Math.min(30_000, warmupMs / 2), () => {
    for (let i = 0; i < (options.values ?? 50); i++) {
      const host = randomHost() as DhtHost;
      const value = random.bytes(64);
      host.apply((now) => {
        const q = host.node.put(value, now);
        // Gettable once the put has finished.
        publishing.set(`${host.id}:${q.queryId}`, () =>
          published.push({ key: q.key, value, publisher: host }),
        );
      });
    }
    for (let i = 0; i < (options.infoHashes ?? 20); i++) {
      const infoHash = random.bytes(20);
      const item = { infoHash: toHex(infoHash), announcers: [] as DhtHost[] };
      announced.push(item);
      for (let a = 0; a < (options.announcers ?? 3); a++) {
        const host = randomHost() as DhtHost;
        host.apply((now) => {
          const queryId = host.node.announce(infoHash, now);
          publishing.set(`${host.id}:${queryId}`, () => item.announcers.push(host));
        });
      }
    }
  });

  // 3. Per phase: lookups spread over it, churn (in the churn phase), and samples.
  for (let phase = 0; phase < phaseCount; phase++) {
    const start = phaseStart(phase);
    const acc = phases[phase] as PhaseAccumulator;
    // Lookups start in the first 90% of the phase so they finish inside it.
    const spread = (count: number, fire: () => void): void => {
      for (let i = 0; i < count; i++) clock.at(start + random.next() * phaseMs * 0.9, fire);
    };
    spread(options.findNodes ?? 200, () => {
      const host = randomHost();
      if (host === undefined) return;
      const target = random.bytes(20);
      host.apply((now) => track(phase, host, 'find_node', toHex(target), host.node.findNode(target, now)));
    });
    spread(options.gets ?? 200, () => {
      const live = published.filter((p) => p.publisher.alive);
      const host = randomHost();
      if (live.length === 0 || host === undefined) return;
      const item = live[random.int(live.length)] as (typeof published)[number];
      host.apply((now) =>
        track(phase, host, 'get', item.key, host.node.get(item.key, now), { value: item.value }),
      );
    });
    spread(options.getPeers ?? 100, () => {
      const live = announced.filter((a) => a.announcers.some((h) => h.alive));
      const host = randomHost();
      if (live.length === 0 || host === undefined) return;
      const item = live[random.int(live.length)] as (typeof announced)[number];
      const announcers = item.announcers.filter((h) => h.alive).map((h) => h.id);
      host.apply((now) =>
        track(phase, host, 'get_peers', item.infoHash, host.node.getPeers(item.infoHash, now), {
          announcers,
        }),
      );
    });
    if (phase === 1) {
      const churn = Math.round(options.nodes * options.churnFraction);
      scheduleChurn(clock, random, {
        start,
        end: start + phaseMs * 0.9,
        leaves: churn,
        joins: churn,
        pickLeaver: () => randomHost()?.id,
        leave: (id) => {
          acc.left++;
          leave(id);
        },
        join: () => {
          acc.joined++;
          spawn();
        },
      });
    }
    clock.at(start, () => {
      acc.openedAtStart = network.stats.connectionsOpened;
      acc.messagesAtStart = network.stats.messagesSent;
      const c = countersOf(liveList, departed);
      acc.framesAtStart = c.frames;
      acc.queriesAtStart = c.queries;
    });
    for (let t = start + 60_000; t <= start + phaseMs; t += 60_000) {
      clock.at(t, () => {
        for (const h of liveList) acc.liveSamples.push(network.liveCount(h.id));
        acc.nodeMinutes += liveList.length;
        acc.minutes++;
      });
    }
    clock.at(start + phaseMs, () => {
      acc.opened = network.stats.connectionsOpened - acc.openedAtStart;
      acc.messages = network.stats.messagesSent - acc.messagesAtStart;
      const c = countersOf(liveList, departed);
      acc.frames = c.frames - acc.framesAtStart;
      acc.queries = c.queries - acc.queriesAtStart;
      // Lookups of this phase still running now count as unfinished.
      for (const [key, p] of pending) {
        if (p.phase !== phase) continue;
        pending.delete(key);
        acc.stats[p.kind].unfinished++;
      }
    });
  }

  options.extend?.({
    clock,
    random,
    randomHost,
    measureStart,
    phaseStart,
    phaseMs,
    phaseCount,
    listen: (fn) => listeners.push(fn),
  });

  const steps = 20;
  for (let i = 1; i <= steps; i++) {
    const t = (end * i) / steps;
    clock.runUntil(t);
    progress(
      `dht N=${options.nodes}: ${Math.round((100 * i) / steps)}% (t=${(t / 1000).toFixed(0)}s, ${liveList.length} live, ${clock.eventsRun} events)`,
    );
  }

  const lifetimes = liveList.map((h) => network.nodeStats(h.id)?.opened ?? 0);
  const finish = (s: LookupStats, durations: number[]): LookupStats => {
    const d = Math.max(1, s.done);
    return {
      ...s,
      p50Ms: percentile(durations, 50),
      p95Ms: percentile(durations, 95),
      rounds: s.rounds / d,
      rpcs: s.rpcs / d,
      timeouts: s.timeouts / d,
      durationMs: s.durationMs / d,
    };
  };
  const totals = countersOf(liveList, departed);
  return {
    seed,
    nodes: options.nodes,
    colluders: colluders?.size ?? 0,
    forgers: forgers?.size ?? 0,
    forgedAnswers: forgers?.forged ?? 0,
    queriesSent: totals.queries,
    answersChecked: totals.checked,
    answersRefused: totals.refused,
    churnFraction: options.churnFraction,
    superPeers: supers.size,
    publish: {
      ...publish,
      putStoredMean: publish.putStoredMean / Math.max(1, publish.puts),
      announceStoredMean: publish.announceStoredMean / Math.max(1, publish.announces),
    },
    phases: phases.map((acc, i) => {
      const meanNodes = acc.nodeMinutes / Math.max(1, acc.minutes);
      const fn = acc.stats.find_node;
      return {
        phase: i === 0 ? 'calm' : 'churn',
        findNode: {
          ...finish(fn, acc.durations.find_node),
          meanOverlap: acc.overlap / Math.max(1, fn.done),
          closestFound: acc.closestFound / Math.max(1, fn.done),
        },
        get: finish(acc.stats.get, acc.durations.get),
        getPeers: finish(acc.stats.get_peers, acc.durations.get_peers),
        liveMean: mean(acc.liveSamples),
        liveMax: max(acc.liveSamples),
        openedPerNodeHour: (2 * acc.opened) / Math.max(1, meanNodes) / (phaseMs / 3_600_000),
        messagesPerNodeMinute: acc.messages / Math.max(1, acc.nodeMinutes),
        framesPerRpc: acc.frames / Math.max(1, acc.queries),
        left: acc.left,
        joined: acc.joined,
      };
    }),
    buildMessagesPerNode: buildMessages / options.nodes,
    lifetimeMax: max(lifetimes),
    connectionsOpened: network.stats.connectionsOpened,
    networkRefused: network.stats.connectionsRefused,
    signaling: { ...counters, serverRelayed: server.relayed },
    problems,
    problemCount,
    virtualMs: clock.now,
    events: clock.eventsRun,
  };
}
