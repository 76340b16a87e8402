import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The `tabswarm` command of this checkout. */
export const TABSWARM_BIN = fileURLToPath(new URL('../bin/tabswarm.js', import.meta.url));

/** A running `tabswarm` process, its output so far and its exit status. */
export interface CliRun {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exit: Promise<number | null>;
  /** Resolves with the first line of stdout (a seeder's magnet link, a getter's path). */
  firstLine: Promise<string>;
}

/** Starts `tabswarm <args>` as a separate process (real @roamhq/wrtc, real files). */
export function runTabswarm(args: readonly string[]): CliRun {
  const child = spawn(process.execPath, [TABSWARM_BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let gotLine: (line: string) => void = () => {};
  const firstLine = new Promise<string>((resolve) => (gotLine = resolve));
  child.stdout?.on('data', (d: Buffer) => {
    stdout += d.toString();
    const end = stdout.indexOf('\n');
    if (end >= 0) gotLine(stdout.slice(0, end));
  });
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit, firstLine };
}
