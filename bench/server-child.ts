import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** How long tsx may take to start the server on a busy machine. */
const START_TIMEOUT_MS = 30_000;

/** `signaling-server/main.ts` in a child process of its own (a core of its own, its own memory). */
export interface ServerChild {
  child: ChildProcess;
  /** `ws://127.0.0.1:port/signal`. */
  wsUrl: string;
  /** `http://127.0.0.1:port/stats`. */
  statsUrl: string;
}

/** Starts the server on a free loopback port with `env` added to this process's environment. */
export async function startServerChild(env: Record<string, string>): Promise<ServerChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'signaling-server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const wsUrl = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error(`server did not start within ${START_TIMEOUT_MS / 1000} s`)),
      START_TIMEOUT_MS,
    );
    child.stdout?.on('data', (chunk: Buffer) => {
      if (out.length > 100_000) return;
      out += String(chunk);
      // The server logs JSON lines; the "running" line names the signaling endpoint.
      const m = /"signaling":"(ws:\/\/127\.0\.0\.1:\d+\/signal)"/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  // Keep reading its log, or a full pipe would stall it.
  child.stdout?.resume();
  return { child, wsUrl, statsUrl: wsUrl.replace('ws://', 'http://').replace('/signal', '/stats') };
}

/** utime + stime of `pid` from /proc, in seconds (assumes the usual 100 ticks per second). */
export function procCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}
