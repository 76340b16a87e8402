import { chromium, type Browser } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS } from '../../harness/chromium.js';
import { SIGNAL_PATH } from '../../signaling-server/server.js';

/** The two kinds of NAT the routers can run (see netns.sh). */
export type NatKind = 'eim' | 'symmetric';
/** A home namespace, each behind its own router. */
export type Home = 'h1' | 'h2';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const SCRIPT = join(HERE, 'netns.sh');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

/** Where the public segment's services listen (inside the namespaces only). */
export const PUBLIC_HOST = '203.0.113.10';
/** A second address of the STUN server, so a probe can compare two destinations' mappings. */
export const PUBLIC_HOST_2 = '203.0.113.20';
export const SERVER_PORT = 8080;
export const TURN_PORT = 3478;
export const APP_URL = `http://${PUBLIC_HOST}:${SERVER_PORT}/`;
/** The server's WebSocket endpoint, also a WebTorrent tracker: the `tr=` of tabswarm's magnets. */
export const TRACKER_URL = `ws://${PUBLIC_HOST}:${SERVER_PORT}${SIGNAL_PATH}`;
export const STUN_URL = `stun:${PUBLIC_HOST}:${TURN_PORT}`;
export const TURN_URL = `turn:${PUBLIC_HOST}:${TURN_PORT}?transport=udp`;
/** The secret coturn and the server share (a test value; it never leaves the namespaces). */
export const TURN_SECRET = 'tabswarm-netns-test-secret';
const NAMESPACE_PREFIX = 'tsw';

/** True when this machine can build the network: root, and the tools netns.sh and coturn need. */
export function canBuildNetwork(): boolean {
  if (process.getuid?.() !== 0) return false;
  return ['ip', 'nft', 'turnserver'].every((c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0);
}

function netns(...args: string[]): void {
  const r = spawnSync('bash', [SCRIPT, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`netns.sh ${args.join(' ')} failed: ${r.stderr}`);
}

/** Runs a command inside namespace `tsw-<ns>` and returns its stdout (throws on failure). */
export function runIn(ns: string, command: string[]): string {
  const r = spawnSync('ip', ['netns', 'exec', `${NAMESPACE_PREFIX}-${ns}`, ...command], {
    encoding: 'utf8',
    cwd: ROOT,
  });
  if (r.status !== 0) throw new Error(`${command.join(' ')} in ${ns} failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs `e2e/netns/stun.ts` inside a home; returns its JSON answer. */
export function stunProbe(home: Home, args: string[]): unknown {
  return JSON.parse(runIn(home, [TSX, join(HERE, 'stun.ts'), ...args]));
}

/** What the signaling server is told about ICE. */
export interface IceSetup {
  /** Hand tabs the STUN server (default true). */
  stun?: boolean;
  /** Configure TURN with this credential TTL in seconds (default: no TURN). */
  turnTtlSeconds?: number;
}

/**
 * The namespace network with coturn and the signaling server running in its public segment.
 * `stop()` always leaves nothing behind: it kills what it started and runs `netns.sh down`.
 */
export class NatNetwork {
  private readonly children: ChildProcess[] = [];
  private readonly browsers: Browser[] = [];
  private serverLog = '';

  private constructor() {}

  /** Removes every namespace of the network and what runs in them (safe to call any time). */
  static down(): void {
    netns('down');
  }

  /** Builds the network with `kind` NATs, then starts coturn and the server. */
  static async start(kind: NatKind, ice: IceSetup = {}): Promise<NatNetwork> {
    const network = new NatNetwork();
    try {
      netns('up', kind);
      await network.startCoturn();
      await network.startServer(ice);
      return network;
    } catch (err) {
      await network.stop();
      throw err;
    }
  }

  /** A Chromium whose every packet leaves from inside `home`. */
  async browser(home: Home): Promise<Browser> {
    const browser = await chromium.launch({
      executablePath: join(HERE, 'chromium-in-netns.sh'),
      env: { ...process.env, TSW_NETNS: `${NAMESPACE_PREFIX}-${home}` } as Record<string, string>,
      // Plain http from a public address is not a secure context; the app wants one (Web Locks).
      args: [
        ...CHROMIUM_ARGS,
        `--unsafely-treat-insecure-origin-as-secure=http://${PUBLIC_HOST}:${SERVER_PORT}`,
      ],
    });
    this.browsers.push(browser);
    return browser;
  }

  /** Replaces router `r1`'s public address, as when an ISP hands out a new one. */
  readdress(router: 'r1' | 'r2', address: string): void {
    netns('readdress', router, address);
  }

  /** The server's log so far (for a failing test's message). */
  get log(): string {
    return this.serverLog;
  }

  async stop(): Promise<void> {
    await Promise.all(this.browsers.splice(0).map((b) => b.close().catch(() => {})));
    for (const c of this.children.splice(0)) c.kill('SIGKILL');
    netns('down');
  }

  private async startCoturn(): Promise<void> {
    const coturn = this.spawnIn('pub', 'turnserver', [
      '-n',
      `--listening-ip=${PUBLIC_HOST}`,
      `--listening-ip=${PUBLIC_HOST_2}`,
      `--relay-ip=${PUBLIC_HOST}`,
      `--listening-port=${TURN_PORT}`,
      '--realm=tabswarm',
      '--use-auth-secret',
      `--static-auth-secret=${TURN_SECRET}`,
      '--fingerprint',
      '--no-cli',
      '--no-tls',
      '--no-dtls',
      '--min-port=49152',
      '--max-port=49652',
      '--log-file=stdout',
    ]);
    await this.waitForOutput(coturn, /Total General servers/, 'coturn');
  }

  private async startServer(ice: IceSetup): Promise<void> {
    const env: Record<string, string> = {
      PORT: String(SERVER_PORT),
      HOST: PUBLIC_HOST,
      STATIC_DIR: join(ROOT, 'dist'),
      LOG_LEVEL: 'info',
    };
    if (ice.stun !== false) env.ICE_SERVERS = JSON.stringify([{ urls: STUN_URL }]);
    if (ice.turnTtlSeconds !== undefined) {
      env.TURN_URLS = TURN_URL;
      env.TURN_SECRET = TURN_SECRET;
      env.TURN_TTL_S = String(ice.turnTtlSeconds);
    }
    const server = this.spawnIn('pub', TSX, [join(ROOT, 'signaling-server', 'main.ts')], env);
    server.stdout?.on('data', (d: Buffer) => (this.serverLog += d.toString()));
    await this.waitForOutput(server, /tabswarm is running/, 'the signaling server');
  }

  private spawnIn(
    ns: string,
    command: string,
    args: string[],
    env: Record<string, string> = {},
  ): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', `${NAMESPACE_PREFIX}-${ns}`, command, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.push(child);
    return child;
  }

  private waitForOutput(child: ChildProcess, pattern: RegExp, what: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let seen = '';
      const timer = setTimeout(
        () => reject(new Error(`${what} did not start within 20 s:\n${seen}`)),
        20_000,
      );
      const onData = (d: Buffer): void => {
        seen += d.toString();
        if (pattern.test(seen)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}) before it was ready:\n${seen}`));
      });
    });
  }
}
