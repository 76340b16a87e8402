import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LogLine } from './memory-log.js';
import { waitFor } from './wait-for.js';

/** How long `npm start`'s server (tsx compiling on a busy machine) may take to come up. */
export const START_TIMEOUT_MS = 20_000;

/** `signaling-server/main.ts` run as its own process, as `npm start` runs it. */
export interface ServerProcess {
  child: ChildProcess;
  /** Its stdout, one parsed JSON object per line (a line that is not JSON fails the test). */
  lines: LogLine[];
  /** Everything it wrote to stderr. */
  stderr(): string;
  /** Resolves with the exit code once it has exited and its output is all read. */
  exited: Promise<number | null>;
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Starts the server process with `env` added to this one's (no PORT: give one). */
export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  let partial = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    partial += String(chunk);
    const complete = partial.split('\n');
    partial = complete.pop() ?? '';
    for (const text of complete) if (text.trim() !== '') lines.push(JSON.parse(text) as LogLine);
  });
  child.stderr?.on('data', (chunk) => (err += String(chunk)));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  return { child, lines, stderr: () => err, exited };
}

/** Waits for the process's "running" line and returns the port it serves on. */
export async function runningPort(server: ServerProcess): Promise<number> {
  const running = (): LogLine | undefined =>
    server.lines.find((l) => l.msg.startsWith('tabswarm is running'));
  await waitFor(
    () => running() !== undefined || server.child.exitCode !== null,
    'the server process to start',
    START_TIMEOUT_MS,
  );
  const line = running();
  if (line === undefined) throw new Error(`the server exited (${server.child.exitCode}): ${server.stderr()}`);
  return Number(new URL(String(line.signaling)).port);
}
