import { mkdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ErrorCode, isTabswarmError, TabswarmError } from '../../shared/errors.js';
import type { TabswarmNode } from '../../client/src/lib/tabswarm-node.js';
import type { Transfer } from '../../client/src/lib/transfer-handle.js';
import { createNodePeer, type NodePeer } from '../create-node-peer.js';
import { SUPER_PEER_OPTIONS } from '../super-peer.js';
import { Exit, parseArgs, USAGE, UsageError, type Command } from './args.js';
import { downloadLine, ProgressLine, seedLine } from './progress.js';

/** How long the first connection to the server may take before the command gives up. */
export const CONNECT_TIMEOUT_MS = 15_000;
/** The longest timer Node keeps (about 24.8 days): `get` waits this long for the last piece. */
const FOREVER_MS = 2 ** 31 - 1;

/** Where the command line writes, and the signals that stop it. */
export interface CliIo {
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
  /** Resolves on Ctrl-C (SIGINT) or SIGTERM. */
  interrupted: Promise<string>;
}

/** Runs `tabswarm <argv>`; resolves the exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const say = (line: string): void => void io.stderr.write(`${line}\n`);
  let command: Command;
  try {
    command = parseArgs(argv, io.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    say(`tabswarm: ${err.message}\n\n${USAGE}`);
    return Exit.usage;
  }
  if (command.kind === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return Exit.ok;
  }
  let peer: NodePeer | undefined;
  try {
    if (command.kind === 'seed') {
      const path = resolve(command.path);
      const kind = await stat(path).catch(() => undefined);
      if (kind === undefined) return usage(say, `cannot read ${command.path}: no such file`);
      if (!kind.isFile() && !kind.isDirectory())
        return usage(say, `${command.path} is neither a file nor a folder`);
      peer = await createNodePeer({
        server: command.server,
        stateDir: command.state,
        dataDir: dirname(path),
        ...(command.superPeer ? SUPER_PEER_OPTIONS : {}),
      });
      await online(peer.node, command.server);
      await peer.node.ready;
      const transfer = kind.isDirectory() ? await peer.seedFolder(path) : await peer.seedFile(path);
      io.stdout.write(`${transfer.magnet}\n`);
      follow(peer.node, transfer, new ProgressLine(io.stderr), seedLine, command.quiet);
      const signal = await io.interrupted;
      say(`\n${signal}: stopping, telling peers`);
      await peer.node.destroy();
      return Exit.ok;
    }
    const source = await readSource(command.source);
    if (source === undefined)
      return usage(say, `${command.source} is neither a magnet link nor a .torrent file`);
    await mkdir(command.out, { recursive: true });
    peer = await createNodePeer({ server: command.server, stateDir: command.state, dataDir: command.out });
    await online(peer.node, command.server);
    await peer.node.ready;
    const transfer = await peer.node.download(source);
    const line = new ProgressLine(io.stderr);
    follow(peer.node, transfer, line, downloadLine, command.quiet);
    const outcome = await Promise.race([
      transfer.done(FOREVER_MS).then(() => 'done' as const),
      io.interrupted,
      failure(transfer),
    ]);
    const last = transfer.status();
    if (last && !command.quiet) line.update(downloadLine(last), true);
    line.done();
    if (outcome === 'done') {
      io.stdout.write(`${join(resolve(command.out), transfer.status()?.name ?? transfer.infoHash)}\n`);
      await peer.node.destroy();
      return Exit.ok;
    }
    say(`${outcome}: stopping; what is verified is kept, and \`tabswarm get\` again resumes`);
    await peer.node.destroy();
    return Exit.interrupted;
  } catch (err) {
    await peer?.node.destroy().catch(() => {});
    if (isTabswarmError(err, ErrorCode.ServerUnreachable)) {
      say(`tabswarm: ${err.message}`);
      return Exit.unreachable;
    }
    if (isTabswarmError(err, ErrorCode.MagnetInvalid) || isTabswarmError(err, ErrorCode.TorrentInvalid))
      return usage(say, err.message);
    say(`tabswarm: ${err instanceof Error ? err.message : String(err)}`);
    return Exit.failed;
  }
}

function usage(say: (line: string) => void, message: string): number {
  say(`tabswarm: ${message}`);
  return Exit.usage;
}

/** A magnet link as is, a .torrent file's bytes, or undefined. */
async function readSource(source: string): Promise<string | Uint8Array | undefined> {
  if (/^magnet:|#magnet:/i.test(source)) return source;
  const bytes = await readFile(source).catch(() => undefined);
  return bytes === undefined ? undefined : new Uint8Array(bytes);
}

/** Resolves once the node is registered with the server; rejects SERVER_UNREACHABLE on the first failure. */
function online(node: TabswarmNode, server: string): Promise<void> {
  const signaling = node.engine.signaling;
  return new Promise((resolvePromise, reject) => {
    const settle = (err?: TabswarmError): void => {
      clearTimeout(timer);
      signaling.off('state', listener);
      if (err) reject(err);
      else resolvePromise();
    };
    const listener = (state: string, error?: TabswarmError): void => {
      if (state === 'online') settle();
      else if (state === 'offline')
        settle(
          new TabswarmError(
            ErrorCode.ServerUnreachable,
            `cannot reach the signaling server at ${server}${error ? ` (${error.message})` : ''}`,
          ),
        );
    };
    const timer = setTimeout(
      () =>
        settle(
          new TabswarmError(
            ErrorCode.ServerUnreachable,
            `no answer from the signaling server at ${server} in ${CONNECT_TIMEOUT_MS / 1000} s`,
          ),
        ),
      CONNECT_TIMEOUT_MS,
    );
    signaling.on('state', listener);
    listener(signaling.state, signaling.lastError);
  });
}

/** Redraws the progress line as the transfer changes. */
function follow(
  node: TabswarmNode,
  transfer: Transfer,
  line: ProgressLine,
  format: (view: NonNullable<ReturnType<Transfer['status']>>) => string,
  quiet: boolean,
): void {
  if (quiet) return;
  const draw = (): void => {
    const view = transfer.status();
    if (view) line.update(format(view));
  };
  node.on('change', draw);
  draw();
}

/** Resolves with a message when the transfer stops on an error it cannot get past. */
function failure(transfer: Transfer): Promise<never> {
  return new Promise((_, reject) => {
    transfer.on('error', (err) => {
      if (err.code === ErrorCode.StorageFull || err.code === ErrorCode.StorageFailed) reject(err);
    });
  });
}
