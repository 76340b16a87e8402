import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { Exit } from '../node-peer/cli/args.js';
import {
  appReady,
  expect,
  infoHashOf,
  randomFile,
  sha256,
  shareFile,
  test,
  waitForComplete,
} from './fixtures.js';
import { startServer } from '../signaling-server/server.js';
import { runTabswarm, type CliRun } from './node-peer-cli.js';

/**
 * tabswarm outside its page: the example app built on the library, and the Node peer's command
 * line swapping files with tabs (real processes, real WebRTC on both ends).
 */
const EXAMPLE_DIR = fileURLToPath(new URL('../.tmp/share-box/', import.meta.url));
const runs: CliRun[] = [];
let dir: string;

test.beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tabswarm-e2e-lib-'));
  await build({
    configFile: fileURLToPath(new URL('../examples/share-box/vite.config.ts', import.meta.url)),
    logLevel: 'silent',
  });
});
test.afterEach(() => {
  for (const run of runs.splice(0)) if (run.child.exitCode === null) run.child.kill('SIGKILL');
});
test.afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function cli(...args: string[]): CliRun {
  const run = runTabswarm(args);
  runs.push(run);
  return run;
}

test('the example app: one copy shares a file, another downloads it by magnet, same bytes', async ({
  browser,
}) => {
  // The signaling server serves the example's build instead of the page.
  const server = await startServer({ port: 0, host: '127.0.0.1', staticDir: EXAMPLE_DIR });
  const open = async () => {
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (err) => console.error(`[page error] ${err.message}`));
    await page.goto(server.url);
    return page;
  };
  try {
    const data = randomFile(600_000);
    const sharer = await open();
    await sharer
      .locator('#file')
      .setInputFiles({ name: 'box.bin', mimeType: 'application/octet-stream', buffer: data });
    const magnet = sharer.locator('li .magnet');
    await expect(magnet).toHaveValue(/^magnet:/);
    const link = await magnet.inputValue();

    const receiver = await open();
    await receiver.locator('#link').fill(link);
    await receiver.locator('#get').click();
    const item = receiver.locator(`li[data-info-hash="${infoHashOf(link)}"]`);
    await expect(item).toHaveAttribute('data-state', 'seeding', { timeout: 60_000 });
    const href = await item.locator('a.save').getAttribute('href');
    const got = await receiver.evaluate(
      async (url) => [...new Uint8Array(await (await fetch(url)).arrayBuffer())],
      href as string,
    );
    expect(sha256(Uint8Array.from(got))).toBe(sha256(data));
    await sharer.context().close();
    await receiver.context().close();
  } finally {
    await server.close();
  }
});

test('a Node peer seeds a file (tabswarm seed); a tab downloads it with identical bytes', async ({
  person,
  server,
}) => {
  const data = randomFile(2 * 1024 * 1024 + 17);
  const file = join(dir, 'from-node.bin');
  await writeFile(file, data);
  const seeder = cli('seed', file, '--server', server.wsUrl, '--state', join(dir, 'seed-state'));
  const magnet = await seeder.firstLine;
  expect(magnet).toMatch(/^magnet:\?xt=urn:btih:/);
  const page = await (await person()).open(`#${magnet}`);
  await waitForComplete(page, 'from-node.bin');
  expect(await page.evaluate((h) => window.tabswarm.sha256(h), infoHashOf(magnet))).toBe(sha256(data));
  seeder.child.kill('SIGINT');
  expect(await seeder.exit).toBe(Exit.ok);
});

test('a tab seeds; tabswarm get downloads it to disk with identical bytes and exits 0', async ({
  person,
  server,
}) => {
  const data = randomFile(2 * 1024 * 1024 + 5);
  const page = await (await person()).open();
  await appReady(page);
  const magnet = await shareFile(page, 'from-tab.bin', data);
  const out = join(dir, 'out');
  const getter = cli(
    'get',
    magnet,
    '--out',
    out,
    '--server',
    server.wsUrl,
    '--state',
    join(dir, 'get-state'),
  );
  expect(await getter.exit).toBe(Exit.ok);
  expect(getter.stdout().trim()).toBe(join(out, 'from-tab.bin'));
  expect(sha256(await readFile(join(out, 'from-tab.bin')))).toBe(sha256(data));
});
