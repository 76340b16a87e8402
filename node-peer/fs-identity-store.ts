import { readFileSync, unlinkSync } from 'node:fs';
import { link, mkdir, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PooledIdentityStore, type KeySlots, type SlotLocks } from '../client/src/adapters/identity-store.js';

/** Secret keys in files `identity-<slot>.key` (owner-only), one per slot. */
export class FsKeySlots implements KeySlots {
  constructor(private readonly dir: string) {}

  async get(slot: number): Promise<Uint8Array | undefined> {
    try {
      return new Uint8Array(await readFile(this.path(slot)));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(slot: number, secretKey: Uint8Array): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const path = this.path(slot);
    await writeFile(`${path}.tmp`, secretKey, { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  private path(slot: number): string {
    return join(this.dir, `identity-${slot}.key`);
  }
}

/** Lock files this process holds, removed even when it exits without releasing them. */
const held = new Set<string>();
let lockSerial = 0;
let cleanupInstalled = false;
function removeHeldOnExit(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.on('exit', () => {
    for (const path of held) {
      try {
        unlinkSync(path);
      } catch {
        // already gone
      }
    }
  });
}

/**
 * The Web Locks `ifAvailable` request over lock files holding the owner's pid: a lock whose
 * process is gone (a crash, a kill -9) is stale and taken over, so a restarted peer gets its id back.
 */
export class FsSlotLocks implements SlotLocks {
  constructor(private readonly dir: string) {}

  async request(
    name: string,
    _options: { ifAvailable: true },
    callback: (lock: unknown) => Promise<void> | void,
  ): Promise<unknown> {
    const path = join(this.dir, `${name}.lock`);
    if (!(await this.take(path))) return callback(null);
    held.add(path);
    removeHeldOnExit();
    try {
      return await callback({ name });
    } finally {
      held.delete(path);
      await unlink(path).catch(() => {});
    }
  }

  private async take(path: string): Promise<boolean> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    for (let attempt = 0; attempt < 2; attempt++) {
      // Written aside then linked: the lock appears whole (with its pid) or not at all.
      const aside = `${path}.${process.pid}.${++lockSerial}`;
      await writeFile(aside, String(process.pid));
      try {
        await link(aside, path);
        return true;
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
        if (held.has(path) || isAlive(ownerOf(path))) return false;
        await unlink(path).catch(() => {}); // stale: its process is gone
      } finally {
        await unlink(aside).catch(() => {});
      }
    }
    return false;
  }
}

function ownerOf(path: string): number {
  try {
    return Number(readFileSync(path, 'utf8'));
  } catch {
    return 0;
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

/**
 * The Node peer's identities: Ed25519 keys in files under `dir`, a pool like the tabs' (two peers
 * started on one state folder get different ids, a restarted one gets its id back).
 */
export function fsIdentityStore(dir: string): PooledIdentityStore {
  return new PooledIdentityStore(
    new FsKeySlots(dir),
    new FsSlotLocks(dir),
    (n) => new Uint8Array(randomBytes(n)),
  );
}
