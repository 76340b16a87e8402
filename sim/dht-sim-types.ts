import type { Random } from '../shared/random.js';
import type { DhtEvent, DhtOptions } from '../shared/dht/index.js';
import type { DhtHost, SignalCounters } from './dht-host.js';
import type { Distribution } from './distributions.js';

/**
 * One DHT scenario. N tabs join through the server at a steady rate and settle; values and
 * announcements are published; then two measurement phases follow on the same network: a calm
 * one, and (if `churnFraction` > 0) one in which that fraction of the nodes leaves and as many
 * new ones join. Lookups are spread over each phase and counted in the phase they started in.
 */
export interface DhtSimOptions {
  nodes: number;
  seed: number;
  /** Fraction of nodes that leave, and as many that join, during the churn phase (0: no churn phase). */
  churnFraction: number;
  /** Arrivals per second while the network forms. */
  joinRatePerSec?: number;
  /** Quiet time after the last arrival before measuring. */
  warmupMs?: number;
  /** Length of each measurement phase. */
  phaseMs?: number;
  /** Per phase: find_node lookups for random targets, gets of published values, get_peers of announced info-hashes. */
  findNodes?: number;
  gets?: number;
  getPeers?: number;
  /** Values put, and info-hashes announced (by `announcers` nodes each), before measuring. */
  values?: number;
  infoHashes?: number;
  announcers?: number;
  /** One-way link latency. */
  latency?: Distribution;
  /** Loss on DHT messages (0 for a reliable data channel). */
  loss?: number;
  /** Options for every DhtNode. */
  dht?: Partial<DhtOptions>;
  /**
   * Fraction of the nodes that collude (sim/dht-colluders.ts): they answer every lookup with
   * their own ids closest to the target and drop stores. Lookups, puts and announces measured
   * are issued by the others (default 0).
   */
  colluders?: number;
  /**
   * Fraction of the nodes that forge answers for what they relay (sim/dht-forging-relays.ts);
   * like colluders, they issue none of the lookups measured (default 0).
   */
  forgingRelays?: number;
  /** More work on the same network (e.g. the search workload, sim/search-sim.ts). */
  extend?: (sim: DhtSimContext) => void;
  /**
   * Super-peers (sim/super-peers.ts): this many nodes join first, never leave, issue none of the
   * lookups measured, and run with `superPeerDht` over a link cap of `superPeerMaxLive` (default 0).
   */
  superPeers?: number;
  superPeerDht?: Partial<DhtOptions>;
  superPeerMaxLive?: number;
  /** Progress lines (stderr in `npm run sim`). */
  progress?: (line: string) => void;
  /** Sees every finished lookup it measures, with its verdict (for digging into failures). */
  onLookup?: (info: LookupReport) => void;
}

/** What a scenario extension may use: the clock, nodes, phases and every node's events. */
export interface DhtSimContext {
  readonly clock: { readonly now: number; at(time: number, fire: () => void): void };
  readonly random: Random;
  /** A random live node that neither colludes nor forges. */
  randomHost(): DhtHost | undefined;
  /** When measuring starts, and each phase (0 calm, 1 churn). */
  readonly measureStart: number;
  phaseStart(phase: number): number;
  readonly phaseMs: number;
  readonly phaseCount: number;
  /** Sees every event of every node. */
  listen(fn: (host: DhtHost, event: DhtEvent) => void): void;
}

/** Outcome of one lookup kind in one phase. Rounds, RPCs, timeouts and duration are means over finished lookups. */
export interface LookupStats {
  issued: number;
  /** Finished with a lookup-done event. */
  done: number;
  /** Found what was asked (see PhaseResult). */
  success: number;
  /** Never finished (the run ended first). */
  unfinished: number;
  /** The asking node left before the answer (not counted either way). */
  abandoned: number;
  rounds: number;
  rpcs: number;
  timeouts: number;
  durationMs: number;
  /** Duration percentiles over finished lookups (ms). */
  p50Ms: number;
  p95Ms: number;
}

/** What one measurement phase showed. */
export interface PhaseResult {
  phase: 'calm' | 'churn';
  /** find_node: success = the result holds all of the true k closest live nodes. */
  findNode: LookupStats & { meanOverlap: number; closestFound: number };
  /** get: success = returned the value, put by a publisher still alive when the get started. */
  get: LookupStats;
  /** get_peers: success = returned at least one live announcer. */
  getPeers: LookupStats;
  /** Live DHT links per node, sampled every minute. */
  liveMean: number;
  liveMax: number;
  /** Connections opened per node per hour in the phase (each end counts one). */
  openedPerNodeHour: number;
  /** DHT messages per node per minute (all traffic, upkeep and relaying included). */
  messagesPerNodeMinute: number;
  /** Frames sent per query sent, over all nodes: what one RPC costs in messages, relays included. */
  framesPerRpc: number;
  /** Nodes that left and joined during the phase. */
  left: number;
  joined: number;
}

/** How the puts and announces made before measuring went. */
export interface PublishResult {
  puts: number;
  /** Puts whose lookup-done reported no node storing the value (gets count only finished puts). */
  putsStoredNowhere: number;
  /** Mean nodes that stored each put. */
  putStoredMean: number;
  announces: number;
  announcesStoredNowhere: number;
  announceStoredMean: number;
}

export interface DhtSimResult {
  seed: number;
  nodes: number;
  /** Colluding nodes that ever joined. */
  colluders: number;
  /** Forging relays that ever joined, and the answers they forged. */
  forgers: number;
  forgedAnswers: number;
  /** Over all nodes and the whole run: queries sent, answers that came through relays and were checked for their proof, and those refused. */
  queriesSent: number;
  answersChecked: number;
  answersRefused: number;
  churnFraction: number;
  /** Super-peers in the run (see DhtSimOptions.superPeers). */
  superPeers: number;
  publish: PublishResult;
  phases: PhaseResult[];
  /** DHT messages sent while the network formed and settled, per node (what a join costs). */
  buildMessagesPerNode: number;
  /** Most connections any one live node opened over its life (Chromium allows ~500). */
  lifetimeMax: number;
  /** Connections that opened over the whole run. */
  connectionsOpened: number;
  /** Attempts the network refused at the live cap or lifetime budget (the DHT asked for too many). */
  networkRefused: number;
  signaling: SignalCounters & { serverRelayed: number };
  problems: string[];
  problemCount: number;
  virtualMs: number;
  events: number;
}

/** One measured lookup, for `onLookup`. */
export interface LookupReport {
  kind: 'find_node' | 'get' | 'get_peers';
  host: DhtHost;
  target: string;
  event: Extract<DhtEvent, { type: 'lookup-done' }>;
  ok: boolean;
  /** find_node: the true k closest live nodes when it finished. */
  truth?: string[];
  now: number;
}
