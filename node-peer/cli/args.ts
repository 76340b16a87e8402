import { homedir } from 'node:os';
import { join } from 'node:path';

/** The server a peer uses unless told otherwise (or `TABSWARM_SERVER`). */
export const DEFAULT_SERVER = 'ws://localhost:8080/signal';

/** Exit statuses of the command line. */
export const Exit = {
  ok: 0,
  /** The transfer or the peer failed. */
  failed: 1,
  /** Bad arguments: usage printed. */
  usage: 2,
  /** The signaling server could not be reached. */
  unreachable: 3,
  /** Stopped by Ctrl-C before a download finished. */
  interrupted: 130,
} as const;

export const USAGE = `usage:
  tabswarm seed <file> [--server URL] [--state DIR] [--super]
      shares a file: prints its magnet link, then seeds until stopped (Ctrl-C)
  tabswarm get <magnet-or-.torrent> [--out DIR] [--server URL] [--state DIR]
      downloads into DIR (default: the current folder) and exits 0 once every piece is verified

options:
  --server URL   signaling server (default $TABSWARM_SERVER, else ${DEFAULT_SERVER})
  --state DIR    identity keys and transfer state (default $TABSWARM_STATE, else ~/.local/state/tabswarm)
  --out DIR      where \`get\` writes the download
  --super        a long-lived peer with a larger link budget for the overlay (super-peer)
  --quiet        no progress output`;

/** A command line, checked. */
export type Command =
  | { kind: 'help' }
  | { kind: 'seed'; path: string; server: string; state: string; superPeer: boolean; quiet: boolean }
  | { kind: 'get'; source: string; out: string; server: string; state: string; quiet: boolean };

/** A command line that cannot run; its message says why. */
export class UsageError extends Error {}

const VALUE_FLAGS = new Set(['--server', '--state', '--out']);
const BOOLEAN_FLAGS = new Set(['--super', '--quiet', '--help', '-h']);

/** Parses `argv` (without node and the script); throws {@link UsageError}. */
export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Command {
  const positional: string[] = [];
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] =
      arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (VALUE_FLAGS.has(flag as string)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
      values.set(flag as string, value);
    } else if (BOOLEAN_FLAGS.has(arg)) flags.add(arg);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (flags.has('--help') || flags.has('-h')) return { kind: 'help' };
  const [verb, target, ...extra] = positional;
  if (verb === undefined) throw new UsageError('no command given');
  if (verb !== 'seed' && verb !== 'get') throw new UsageError(`unknown command ${JSON.stringify(verb)}`);
  if (target === undefined)
    throw new UsageError(verb === 'seed' ? 'seed needs a file' : 'get needs a magnet link');
  if (extra.length > 0) throw new UsageError(`unexpected ${JSON.stringify(extra[0])}`);
  const server = values.get('--server') ?? env['TABSWARM_SERVER'] ?? DEFAULT_SERVER;
  if (!/^wss?:\/\/[^/\s]+/.test(server))
    throw new UsageError(`--server must be a ws:// or wss:// URL, not ${JSON.stringify(server)}`);
  const state =
    values.get('--state') ??
    env['TABSWARM_STATE'] ??
    join(env['XDG_STATE_HOME'] ?? join(env['HOME'] ?? homedir(), '.local', 'state'), 'tabswarm');
  const quiet = flags.has('--quiet');
  if (verb === 'seed') {
    if (values.has('--out')) throw new UsageError('--out is for get');
    return { kind: 'seed', path: target, server, state, superPeer: flags.has('--super'), quiet };
  }
  if (flags.has('--super')) throw new UsageError('--super is for seed');
  return { kind: 'get', source: target, out: values.get('--out') ?? process.cwd(), server, state, quiet };
}
