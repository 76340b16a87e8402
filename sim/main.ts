/**
 * `npm run sim`: runs the DHT, swarm and baseline-overlay simulations and prints their tables.
 *
 *   npm run sim                 all of it (N = 100, 1,000 and 10,000 DHT nodes; ~9 minutes on 2 cores)
 *   npm run sim -- --quick      skips N = 10,000
 *   npm run sim -- --seed 42    replays a run (or SIM_SEED=42)
 *   npm run sim -- --only dht   one part: dht, swarm, baselines or search (keyword search, N = 1,000 and 10,000)
 *                               (or superpeers: short-lived tabs without and with super-peers, only when
 *                               named; N = 1,000 unless --sizes)
 *   npm run sim -- --sizes 100,2000   DHT / baseline network sizes
 *   npm run sim -- --only dht --sizes 1000 --colluders 0,0.1,0.2,0.3 [--paths 1,3]
 *                               honest lookups against colluding nodes (instead of the DHT table)
 *   npm run sim -- --only dht --sizes 1000 --forging-relays 0,0.1,0.2 [--paths 1,3]
 *                               honest lookups against relays that forge answers
 *
 * Progress goes to stderr, tables to stdout.
 */
import { spawnSync } from 'node:child_process';
import { getHeapStatistics } from 'node:v8';
import { runChord } from './baselines/chord.js';
import type { BaselineResult } from './baselines/baseline-result.js';
import { runGnutella } from './baselines/gnutella.js';
import { runSuperPeer } from './baselines/super-peer.js';
import { runSearchReport } from './search-report.js';
import { printCollusion, runCollusion } from './dht-collusion.js';
import { runDhtSim, successRate, type DhtSimResult } from './dht-sim.js';
import { freshSeed } from './seed.js';
import { printSuperPeerComparison, runSuperPeerComparison } from './super-peers.js';
import { fmt, pct, table } from './stats.js';
import {
  broadbandClasses,
  runSwarmSim,
  thirtyLeechers,
  type SwarmSimOptions,
  type SwarmSimResult,
} from './swarm-sim.js';

interface Args {
  quick: boolean;
  sizes: number[] | undefined;
  seed: number;
  only: 'dht' | 'swarm' | 'baselines' | 'search' | 'superpeers' | undefined;
  colluders: number[] | undefined;
  forgers: number[] | undefined;
  paths: number[];
}

function parseArgs(argv: readonly string[]): Args {
  let quick = false;
  let seed: number | undefined;
  let only: Args['only'];
  let sizes: number[] | undefined;
  let colluders: number[] | undefined;
  let forgers: number[] | undefined;
  let paths = [1];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--seed') seed = Number(argv[++i]);
    else if (a === '--sizes') {
      sizes = (argv[++i] ?? '').split(',').map(Number);
      if (sizes.some((n) => !Number.isInteger(n) || n < 2))
        throw new Error('--sizes takes node counts, e.g. 100,1000');
    } else if (a === '--colluders') {
      colluders = (argv[++i] ?? '').split(',').map(Number);
      if (colluders.some((f) => !(f >= 0 && f < 1)))
        throw new Error('--colluders takes fractions, e.g. 0,0.2');
    } else if (a === '--forging-relays') {
      forgers = (argv[++i] ?? '').split(',').map(Number);
      if (forgers.some((f) => !(f >= 0 && f < 1)))
        throw new Error('--forging-relays takes fractions, e.g. 0,0.1');
    } else if (a === '--paths') {
      paths = (argv[++i] ?? '').split(',').map(Number);
      if (paths.some((p) => !Number.isInteger(p) || p < 1)) throw new Error('--paths takes counts, e.g. 1,3');
    } else if (a === '--only') {
      const v = argv[++i];
      if (v !== 'dht' && v !== 'swarm' && v !== 'baselines' && v !== 'search' && v !== 'superpeers')
        throw new Error(`--only takes dht, swarm, baselines, search or superpeers`);
      only = v;
    } else throw new Error(`unknown argument ${a}`);
  }
  const env = process.env.SIM_SEED;
  if (seed === undefined && env !== undefined && env !== '' && env !== 'random') seed = Number(env);
  seed ??= freshSeed();
  if (!Number.isInteger(seed)) throw new Error('the seed must be an integer');
  return { quick, sizes, seed: seed >>> 0, only, colluders, forgers, paths };
}

const log = (line: string): void => {
  process.stderr.write(`${line}\n`);
};

interface DhtScenario {
  joinRatePerSec: number;
  warmupMs: number;
  phaseMs: number;
  findNodes: number;
  gets: number;
  getPeers: number;
}

/**
 * Scenario per N: bigger networks get shorter phases and fewer lookups to stay within minutes
 * (building the network, one join after another, is most of the cost).
 */
function dhtScenario(nodes: number): DhtScenario {
  if (nodes <= 100)
    return {
      joinRatePerSec: 10,
      warmupMs: 5 * 60_000,
      phaseMs: 20 * 60_000,
      findNodes: 200,
      gets: 200,
      getPeers: 100,
    };
  if (nodes <= 1000)
    return {
      joinRatePerSec: 20,
      warmupMs: 5 * 60_000,
      phaseMs: 10 * 60_000,
      findNodes: 200,
      gets: 200,
      getPeers: 100,
    };
  return {
    joinRatePerSec: 20,
    warmupMs: 2 * 60_000,
    phaseMs: 3 * 60_000,
    findNodes: 100,
    gets: 100,
    getPeers: 50,
  };
}

function describeScenario(nodes: number): string {
  const s = dhtScenario(nodes);
  return (
    `N=${nodes}: ${s.joinRatePerSec} joins/s, ${s.warmupMs / 60_000} min settle, ${s.phaseMs / 60_000}-min phases, ` +
    `${s.findNodes} find_node / ${s.gets} get / ${s.getPeers} get_peers per phase`
  );
}

function runDht(sizes: readonly number[], seed: number): DhtSimResult[] {
  const results: DhtSimResult[] = [];
  for (const nodes of sizes) {
    const started = Date.now();
    const r = runDhtSim({
      nodes,
      seed,
      churnFraction: 0.2,
      ...dhtScenario(nodes),
      progress: log,
    });
    log(`dht N=${nodes}: ${r.events} events in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    results.push(r);
  }
  return results;
}

function printDht(results: readonly DhtSimResult[]): void {
  const rows: string[][] = [];
  for (const r of results) {
    for (const p of r.phases) {
      rows.push([
        String(r.nodes),
        p.phase === 'calm' ? 'none' : `${pct(r.churnFraction, 0)} (${p.left} out, ${p.joined} in)`,
        pct(successRate(p.findNode)),
        pct(p.findNode.closestFound),
        pct(p.findNode.meanOverlap),
        pct(successRate(p.get)),
        pct(successRate(p.getPeers)),
        fmt(p.findNode.rounds, 2),
        fmt(p.findNode.rpcs, 1),
        fmt(p.findNode.rpcs * p.framesPerRpc, 0),
        `${fmt(p.findNode.p50Ms, 0)} / ${fmt(p.findNode.p95Ms, 0)}`,
        `${fmt(p.getPeers.p50Ms, 0)} / ${fmt(p.getPeers.p95Ms, 0)}`,
        `${fmt(p.liveMean, 1)} / ${p.liveMax}`,
        fmt(p.openedPerNodeHour, 1),
        fmt(p.messagesPerNodeMinute, 1),
      ]);
    }
  }
  console.log('\nKademlia DHT over WebRTC links (relayed queries, <= 40 live links per node)');
  console.log(
    table(
      [
        'N',
        'churn',
        'k-closest exact',
        'closest found',
        'k-overlap',
        'get found',
        'get_peers found',
        'rounds',
        'RPCs/lookup',
        'msgs/lookup',
        'find_node ms p50 / p95',
        'get_peers ms p50 / p95',
        'live conns mean / max',
        'conns opened/node/h',
        'DHT msgs/node/min',
      ],
      rows,
    ),
  );
  for (const r of results) {
    const problems = r.problemCount > 0 ? `, ${r.problemCount} host problems, first: ${r.problems[0]}` : '';
    console.log(
      `  N=${r.nodes}: ${fmt(r.buildMessagesPerNode, 0)} DHT msgs/node to join and settle; ` +
        `lifetime conns max ${r.lifetimeMax} (Chromium ~500); network refused ${r.networkRefused} over the cap; ` +
        `offers via overlay ${r.signaling.overlayOffers}, via server ${r.signaling.serverOffers} ` +
        `(${r.signaling.overlayFallbacks} fell back), rejected ${r.signaling.rejected}${problems}`,
    );
  }
  console.log(
    '  k-closest exact: the lookup returned all 20 true closest live nodes; closest found: it returned the closest one;\n' +
      '  get found: the value (publisher alive); msgs/lookup = RPCs x frames per RPC (relay hops included).\n' +
      '  Churn phase: 20 % of the nodes leave and as many join, spread over the phase. Scenarios:\n' +
      results.map((r) => `    ${describeScenario(r.nodes)}`).join('\n'),
  );
}

interface SwarmRow {
  name: string;
  result: SwarmSimResult;
}

function runSwarms(seed: number): SwarmRow[] {
  // 256 pieces: start-up and the last pieces are a small share of the run, as in a real swarm
  // (a tab's own torrents use 256 KiB pieces, so a 16 MiB file would have 64).
  const big: SwarmSimOptions = {
    seed,
    leechers: 100,
    fileBytes: 16 * 1024 * 1024,
    pieceLength: 64 * 1024,
    seedRates: { upload: 1_000_000, download: 8_000_000 },
    leecherRates: broadbandClasses(),
    progress: log,
  };
  const small = thirtyLeechers(seed);
  const scenarios: [string, SwarmSimOptions][] = [
    ['1 seed + 100 leechers, heterogeneous', big],
    ['1 seed + 100 leechers, from magnet', { ...big, magnet: true }],
    ['1 seed + 100 leechers, small file', { ...big, fileBytes: 4 * 1024 * 1024 }],
    ['1 seed + 30 leechers', small],
    ['  seed leaves after 1.2 copies', { ...small, seedLeavesAfterCopies: 1.2 }],
    ['  seed leaves after 3 copies', { ...small, seedLeavesAfterCopies: 3 }],
    [
      // Long enough for several rechoke rounds: a free rider collecting one piece from each
      // neighbour's first optimistic unchoke would otherwise have much of a 2 MiB file.
      '  one free rider (128 KB/s class)',
      {
        ...small,
        fileBytes: 8 * 1024 * 1024,
        freeRiders: 1,
        freeRiderRates: { upload: 128_000, download: 1_024_000 },
      },
    ],
    ['  one corrupt peer', { ...small, corruptPeers: 1 }],
  ];
  return scenarios.map(([name, options]) => {
    const started = Date.now();
    const result = runSwarmSim(options);
    log(`swarm "${name.trim()}": ${result.events} events in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return { name, result };
  });
}

/** "16 MiB / 64 KiB" */
function fileSize(r: SwarmSimResult): string {
  const size = (n: number): string => (n >= 1024 * 1024 ? `${n / 1024 / 1024} MiB` : `${n / 1024} KiB`);
  return `${size(r.fileBytes)} / ${size(r.pieceLength)}`;
}

function printSwarms(rows: readonly SwarmRow[]): void {
  console.log('\nSwarm distribution time vs the Kumar-Ross lower bound');
  console.log(
    table(
      [
        'scenario',
        'file / piece',
        'completed',
        'time s',
        'bound s',
        'ratio',
        'median s',
        'dup %',
        'seed left s',
        'free rider s',
        'banned (by n)',
      ],
      rows.map(({ name, result: r }) => {
        const leechers = r.peers.filter((p) => p.role !== 'seed');
        const times = leechers
          .flatMap((p) => (p.completeMs === undefined ? [] : [p.completeMs]))
          .sort((a, b) => a - b);
        const median = times.length === 0 ? Number.NaN : (times[Math.floor(times.length / 2)] as number);
        const rider = leechers.find((p) => p.role === 'free-rider');
        const riderRank =
          rider?.completeMs === undefined
            ? undefined
            : times.filter((t) => t <= (rider.completeMs as number)).length;
        const banned = new Map<string, Set<string>>();
        for (const b of r.bans) {
          let set = banned.get(b.peer);
          if (set === undefined) banned.set(b.peer, (set = new Set()));
          set.add(b.by);
        }
        return [
          name,
          fileSize(r),
          `${r.completed}/${r.leechers}`,
          r.distributionMs === undefined ? 'never' : fmt(r.distributionMs / 1000, 1),
          fmt(r.lowerBoundMs / 1000, 1),
          r.distributionMs === undefined ? '-' : fmt(r.ratio, 2),
          fmt(median / 1000, 1),
          fmt((100 * r.wastedBytes) / Math.max(1, r.downloadedBytes), 1),
          r.seedLeftAtMs === undefined ? '-' : fmt(r.seedLeftAtMs / 1000, 1),
          rider === undefined
            ? '-'
            : rider.completeMs === undefined
              ? 'never'
              : `${fmt(rider.completeMs / 1000, 1)} (#${riderRank}/${times.length})`,
          [...banned].map(([peer, by]) => `${peer} (${by.size})`).join(', ') || '-',
        ];
      }),
    ),
  );
  console.log(
    '  Uploads 128/256/512/1024 KB/s (40/30/20/10 %), downloads 8x, 30 ms median latency; seed 1 MB/s (100 leechers),\n' +
      '  500 KB/s (30). Bound: max(F/u_s, N F/(u_s + sum u_i), F/d_min). dup %: payload received twice or not needed.\n' +
      '  Where the rest of the time goes: docs/benchmark-report.md, simulator section.',
  );
}

function runBaselines(sizes: readonly number[], seed: number): BaselineResult[] {
  const out: BaselineResult[] = [];
  for (const nodes of sizes) {
    for (const churnFraction of [0, 0.2]) {
      const base = { nodes, seed, lookups: 200, churnFraction, rounds: 20 };
      out.push(
        runChord(base),
        runGnutella({ ...base, search: { kind: 'flood', ttl: 7 } }),
        runGnutella({ ...base, search: { kind: 'ring', maxTtl: 7 } }),
        runGnutella({ ...base, search: { kind: 'walk', walkers: 16, checkEvery: 4, maxSteps: 1024 } }),
        runSuperPeer(base),
      );
      log(`baselines N=${nodes} churn=${churnFraction}: done`);
    }
  }
  return out;
}

function printBaselines(baselines: readonly BaselineResult[], dht: readonly DhtSimResult[]): void {
  const rows: string[][] = [];
  const sizes = [...new Set(baselines.map((b) => b.nodes))];
  for (const nodes of sizes) {
    for (const churn of [false, true]) {
      const d = dht.find((r) => r.nodes === nodes);
      const p = d?.phases.find((x) => x.phase === (churn ? 'churn' : 'calm'));
      if (p !== undefined) {
        rows.push([
          String(nodes),
          churn ? '20%' : 'none',
          'Kademlia get (this code)',
          pct(successRate(p.get)),
          fmt(p.get.rpcs * p.framesPerRpc, 1),
          fmt(p.get.rounds, 2),
          '-',
        ]);
      }
      for (const b of baselines.filter((x) => x.nodes === nodes && x.churn === churn)) {
        rows.push([
          String(nodes),
          churn ? '20%' : 'none',
          b.overlay,
          pct(b.success),
          fmt(b.messagesPerLookup, 1),
          fmt(b.hopsPerLookup, 2),
          fmt(b.maintenancePerNodeRound, 2),
        ]);
      }
    }
  }
  console.log('\nBaseline overlays beside Kademlia (finding a stored item)');
  console.log(
    table(['N', 'churn', 'overlay', 'success', 'msgs/lookup', 'hops', 'upkeep msgs/node/round'], rows),
  );
  console.log(
    '  Baselines are round-based (20 rounds: churn, lookups, upkeep); Gnutella and super-peer objects sit on 1 % of nodes;\n' +
      '  Chord counts a lookup right when it reaches the true successor. Kademlia hops = lookup rounds.',
  );
}

/**
 * Every simulated DhtNode keeps its own routing table and source routes (~100-200 KB each with
 * the simulator's share: ~2 GB at N = 10,000), so big runs may need more heap than Node's default
 * ~4 GB. Re-runs this script with a larger heap when needed; returns true if it did (the child
 * printed everything).
 */
function respawnWithHeap(largest: number): boolean {
  const wantMb = largest >= 5000 ? Math.ceil((largest * 1.2) / 1000) * 1000 : 0;
  const haveMb = getHeapStatistics().heap_size_limit / 1024 / 1024;
  if (wantMb === 0 || haveMb >= wantMb || process.env.TABSWARM_SIM_CHILD === '1') return false;
  log(`restarting with --max-old-space-size=${wantMb} for N=${largest}`);
  const child = spawnSync(
    process.execPath,
    [...process.execArgv, `--max-old-space-size=${wantMb}`, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, TABSWARM_SIM_CHILD: '1' } },
  );
  process.exitCode = child.status ?? 1;
  return true;
}

function main(): void {
  const args = parseArgs(process.argv.slice(2));
  const sizes = args.sizes ?? (args.quick ? [100, 1000] : [100, 1000, 10_000]);
  if (
    args.only !== 'swarm' &&
    args.only !== 'baselines' &&
    args.only !== 'superpeers' &&
    respawnWithHeap(Math.max(...sizes))
  )
    return;
  console.log(
    `tabswarm simulation, seed ${args.seed}${args.quick ? ' (quick)' : ''} — replay with --seed ${args.seed}`,
  );
  const started = Date.now();
  let dht: DhtSimResult[] = [];
  if (args.only === undefined || args.only === 'dht' || args.only === 'baselines') {
    // The attack tables replace the DHT table.
    const attacked = args.colluders !== undefined || args.forgers !== undefined;
    if (args.colluders !== undefined)
      printCollusion(runCollusion(sizes, args.colluders, args.paths, args.seed, log));
    if (args.forgers !== undefined)
      printCollusion(runCollusion(sizes, args.forgers, args.paths, args.seed, log, 'forgers'));
    if (!attacked && args.only !== 'baselines') {
      dht = runDht(sizes, args.seed);
      printDht(dht);
    }
  }
  if (args.only === 'superpeers')
    for (const nodes of args.sizes ?? [1000])
      printSuperPeerComparison(nodes, runSuperPeerComparison(nodes, args.seed, log));
  if (args.only === undefined || args.only === 'swarm') printSwarms(runSwarms(args.seed));
  if (args.only === undefined || args.only === 'baselines')
    printBaselines(runBaselines(sizes, args.seed), dht);
  if (args.only === undefined || args.only === 'search')
    runSearchReport(
      sizes.filter((n) => n >= 1000),
      args.seed,
      log,
    );
  console.log(`\nseed ${args.seed}, ${((Date.now() - started) / 1000).toFixed(0)} s`);
}

main();
