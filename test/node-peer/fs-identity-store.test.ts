import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { toHex } from '../../shared/bytes.js';
import { fsIdentityStore } from '../../node-peer/fs-identity-store.js';
import { identityStoreContract } from '../client/adapters/identity-store.contract.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'tabswarm-identity-'));
  dirs.push(dir);
  return dir;
}

// Each profile is its own folder; mkdtemp is async, so each store waits for it.
identityStoreContract('file system', () => {
  const dir = tempDir();
  return {
    tab: () => ({ claim: async () => fsIdentityStore(await dir).claim() }),
  };
});

describe('fsIdentityStore', () => {
  it('keeps the key in an owner-only file and takes over a lock whose process is gone', async () => {
    const dir = await tempDir();
    const first = await fsIdentityStore(dir).claim();
    const id = toHex(first.identity.peerId);
    expect(((await stat(join(dir, 'identity-0.key'))).mode & 0o777).toString(8)).toBe('600');
    await first.release();
    // A crashed peer left its lock behind, with a pid no process has.
    await writeFile(join(dir, 'tabswarm-identity-0.lock'), '999999999');
    const again = await fsIdentityStore(dir).claim();
    expect(toHex(again.identity.peerId)).toBe(id);
    await again.release();
    expect((await readdir(dir)).filter((f) => f.endsWith('.lock'))).toEqual([]);
  });
});
