import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { Exit } from '../../../node-peer/cli/args.js';
import { startServer, type RunningServer } from '../../../signaling-server/server.js';
import { waitFor } from '../../client/wait-for.js';

/** The `tabswarm` command as a person runs it: a separate process, real server, real WebRTC. */
const BIN = fileURLToPath(new URL('../../../bin/tabswarm.js', import.meta.url));
let server: RunningServer;
let dir: string;
const children: ChildProcess[] = [];

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exit: Promise<number | null>;
}

function tabswarm(...args: string[]): Run {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

/** `tabswarm get` from this test's server into `out`, with its own state folder. */
function get(magnet: string, out: string, state: string, ...more: string[]): Run {
  return tabswarm(
    'get',
    magnet,
    '--out',
    out,
    '--server',
    server.wsUrl,
    '--state',
    join(dir, state),
    ...more,
  );
}

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1' });
  dir = await mkdtemp(join(tmpdir(), 'tabswarm-cli-'));
});
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

describe('tabswarm (command line)', () => {
  it('refuses bad arguments with the reason and the usage, exit status 2', async () => {
    const run = tabswarm('seed', join(dir, 'missing.bin'), '--server', server.wsUrl);
    expect(await run.exit).toBe(Exit.usage);
    expect(run.stderr()).toMatch(/cannot read .*missing\.bin: no such file/);
    const bad = tabswarm('get', 'not-a-link', '--server', server.wsUrl, '--state', join(dir, 'bad'));
    expect(await bad.exit).toBe(Exit.usage);
    expect(bad.stderr()).toMatch(/neither a magnet link nor a \.torrent file/);
    const flag = tabswarm('get', 'magnet:?xt=x', '--frobnicate');
    expect(await flag.exit).toBe(Exit.usage);
    expect(flag.stderr()).toMatch(/unknown option --frobnicate[\s\S]*usage:/);
  }, 30_000);

  it('says when the server cannot be reached, exit status 3', async () => {
    const run = tabswarm(
      'get',
      `magnet:?xt=urn:btih:${'ab'.repeat(20)}`,
      '--server',
      'ws://127.0.0.1:9/signal',
      '--state',
      join(dir, 'x'),
    );
    expect(await run.exit).toBe(Exit.unreachable);
    expect(run.stderr()).toMatch(/cannot reach the signaling server at ws:\/\/127\.0\.0\.1:9\/signal/);
  }, 30_000);

  it('seed prints a magnet link; get downloads it to disk, verified, and exits 0; Ctrl-C stops the seeder cleanly', async () => {
    const data = seededRandom(7).bytes(3 * 1024 * 1024 + 5);
    const file = join(dir, 'shared.bin');
    await writeFile(file, data);
    const state = join(dir, 'seed-state');
    const seeder = tabswarm('seed', file, '--server', server.wsUrl, '--state', state);
    await waitFor('the magnet link', () => seeder.stdout().includes('\n'), { timeoutMs: 20_000 });
    const magnet = seeder.stdout().trim();
    expect(magnet).toMatch(/^magnet:\?xt=urn:btih:[0-9a-f]{40}&dn=shared\.bin/);

    const out = join(dir, 'out');
    const getter = get(magnet, out, 'get-state');
    expect(await getter.exit).toBe(Exit.ok);
    expect(getter.stdout().trim()).toBe(join(out, 'shared.bin'));
    expect(getter.stderr()).toMatch(/\[#+\] 100%/);
    expect(sha256(await readFile(join(out, 'shared.bin')))).toBe(sha256(data));

    seeder.child.kill('SIGINT');
    expect(await seeder.exit).toBe(Exit.ok);
    expect(seeder.stderr()).toMatch(/SIGINT: stopping, telling peers/);
    expect((await readdir(join(state, 'keys'))).filter((f) => f.endsWith('.lock'))).toEqual([]);

    // Again, with everything on disk: nothing to fetch, still verified.
    const again = get(magnet, out, 'get-state', '--quiet');
    expect(await again.exit).toBe(Exit.ok);
    expect(sha256(await readFile(join(out, 'shared.bin')))).toBe(sha256(data));
  }, 60_000);

  it('seed shares a folder in place as one multi-file torrent; get writes it with its subfolders', async () => {
    const folder = join(dir, 'album');
    const files = {
      'cover.jpg': seededRandom(11).bytes(300 * 1024),
      'disc 1/01.flac': seededRandom(12).bytes(700 * 1024 + 3),
      'disc 2/extra/notes.txt': seededRandom(13).bytes(1234),
    };
    for (const [path, data] of Object.entries(files)) {
      await mkdir(dirname(join(folder, path)), { recursive: true });
      await writeFile(join(folder, path), data);
    }
    const seeder = tabswarm('seed', folder, '--server', server.wsUrl, '--state', join(dir, 'album-seed'));
    await waitFor('the magnet link', () => seeder.stdout().includes('\n'), { timeoutMs: 20_000 });
    const magnet = seeder.stdout().trim();
    expect(magnet).toMatch(/&dn=album/);

    const out = join(dir, 'album-out');
    const getter = get(magnet, out, 'album-get');
    expect(await getter.exit).toBe(Exit.ok);
    for (const [path, data] of Object.entries(files))
      expect(sha256(await readFile(join(out, 'album', path))), path).toBe(sha256(data));
    // Seeded in place: the folder's own files are what was shared, untouched.
    for (const [path, data] of Object.entries(files))
      expect(sha256(await readFile(join(folder, path))), path).toBe(sha256(data));
    seeder.child.kill('SIGINT');
    expect(await seeder.exit).toBe(Exit.ok);
  }, 60_000);
});
