import { afterEach, describe, expect, it } from 'vitest';
import type { HubStore } from '../../signaling-server/hub-store.js';
import { LEASE_REFRESHES } from '../../signaling-server/hub-store.js';
import { waitFor } from './wait-for.js';

/** A store of one "process", with the test's view of what reached it. */
export interface ProcessUnderTest {
  store: HubStore;
  delivered: { to: string; frame: string }[];
  superseded: string[];
  /** Stops as SIGKILL would: no release; the lease lapses. */
  crash(): void;
}

/** Makes `count` stores sharing one state, each a process, with these limits and lease. */
export type MakeProcesses = (
  count: number,
  options: { maxSwarmsPerPeer: number; maxSwarmsPerOwner: number; leaseMs: number },
) => Promise<ProcessUnderTest[]>;

/** Short enough for a test to watch a lease lapse, long enough for a loaded machine to renew it. */
export const TEST_LEASE_MS = 600;
const LIMITS = { maxSwarmsPerPeer: 3, maxSwarmsPerOwner: 5, leaseMs: TEST_LEASE_MS };
/** A lapsed lease is swept at the next renewal of a live process. */
const EXPIRY_BOUND_MS = TEST_LEASE_MS + (2 * TEST_LEASE_MS) / LEASE_REFRESHES + 2_000;

const id = (n: number): string => n.toString(16).padStart(40, '0');
const hash = (n: number): string => `ff${n.toString(16).padStart(38, '0')}`;

/** The hub store contract: what the hub relies on, across processes. */
export function hubStoreContract(name: string, make: MakeProcesses): void {
  describe(`hub store contract: ${name}`, () => {
    let procs: ProcessUnderTest[] = [];
    const start = async (count: number): Promise<ProcessUnderTest[]> => {
      procs = await make(count, LIMITS);
      return procs;
    };
    afterEach(async () => {
      for (const p of procs) await p.store.close();
      procs = [];
    });

    it('registers on one process and hands the peer out as bootstrap on another', async () => {
      const [a, b] = await start(2);
      expect(await a!.store.register(id(1), 5)).toEqual([]);
      expect(await b!.store.register(id(2), 5)).toEqual([id(1)]);
      expect((await a!.store.sample(5, id(1))).sort()).toEqual([id(2)]);
      expect(await a!.store.sample(0, id(1))).toEqual([]);
      for (let n = 3; n < 10; n++) await b!.store.register(id(n), 0);
      const sample = await a!.store.sample(4, id(1));
      expect(sample).toHaveLength(4);
      expect(new Set(sample).size).toBe(4);
      expect(sample).not.toContain(id(1));
    });

    it('relays a frame to the process that holds the peer, and says when nobody does', async () => {
      const [a, b] = await start(2);
      await b!.store.register(id(2), 0);
      expect(await a!.store.relay(id(2), '{"type":"signal"}')).toBe(true);
      await waitFor(() => b!.delivered.length === 1, 'the frame to reach process b');
      expect(b!.delivered[0]).toEqual({ to: id(2), frame: '{"type":"signal"}' });
      expect(a!.delivered).toEqual([]);
      expect(await a!.store.relay(id(9), 'x')).toBe(false);
      // Known at once (memory) or only by asking (Redis), never wrong.
      expect([true, undefined]).toContain(a!.store.holdsNow(id(2)));
      expect([false, undefined]).toContain(a!.store.holdsNow(id(9)));
      expect(a!.store.health().relaysOut).toBe(1);
      expect(b!.store.health().relaysIn).toBe(1);
    });

    it('keeps the order of frames relayed to one peer', async () => {
      const [a, b] = await start(2);
      await b!.store.register(id(2), 0);
      const sent = Array.from({ length: 50 }, (_, i) => `frame ${i}`);
      await Promise.all(sent.map((f) => a!.store.relay(id(2), f)));
      await waitFor(() => b!.delivered.length === sent.length, 'every frame to arrive');
      expect(b!.delivered.map((d) => d.frame)).toEqual(sent);
    });

    it('moves a peer registered again on another process, and tells the old one to supersede it', async () => {
      const [a, b, c] = await start(3);
      await a!.store.register(id(1), 0);
      await a!.store.announce(id(1), hash(1), 'started', 0, 'addr');
      await b!.store.register(id(1), 0);
      await waitFor(() => a!.superseded.length === 1, 'process a to be told');
      expect(a!.superseded).toEqual([id(1)]);
      // The old process forgets its socket; the registration stays with the new holder.
      a!.store.unregister(id(1));
      expect(await c!.store.relay(id(1), 'hello')).toBe(true);
      await waitFor(() => b!.delivered.length === 1, 'the frame to reach the new holder');
      expect(await c!.store.sample(5, id(7))).toEqual([id(1)]);
      const swarm = await c!.store.announce(id(3), hash(1), 'started', 5, 'other');
      expect(swarm).toMatchObject({ ok: true, peers: [id(1)] });
    });

    it('answers announces across processes with the counts of the whole swarm', async () => {
      const [a, b] = await start(2);
      expect(await a!.store.announce(id(1), hash(1), 'completed', 5, 'x')).toEqual({
        ok: true,
        peers: [],
        complete: 1,
        incomplete: 0,
      });
      expect(await b!.store.announce(id(2), hash(1), 'started', 5, 'y')).toEqual({
        ok: true,
        peers: [id(1)],
        complete: 1,
        incomplete: 1,
      });
      // Announcing again is idempotent; numWant bounds the peers.
      expect(await b!.store.announce(id(2), hash(1), undefined, 0, 'y')).toMatchObject({
        ok: true,
        peers: [],
      });
      expect(await a!.store.announce(id(1), hash(1), 'stopped', 5, 'x')).toEqual({
        ok: true,
        peers: [],
        complete: 0,
        incomplete: 1,
      });
      expect(a!.store.health().kind).toBe(a!.store.kind);
    });

    it('holds the per-peer and per-address caps across processes', async () => {
      const [a, b] = await start(2);
      for (let n = 1; n <= LIMITS.maxSwarmsPerPeer; n++)
        expect((await a!.store.announce(id(1), hash(n), 'started', 0, 'addr')).ok).toBe(true);
      const over = await b!.store.announce(id(1), hash(9), 'started', 0, 'addr');
      expect(over).toEqual({
        ok: false,
        reason: `already in ${LIMITS.maxSwarmsPerPeer} swarms; announce 'stopped' for one first`,
      });
      // Re-announcing a swarm it is in is never refused.
      expect((await b!.store.announce(id(1), hash(1), 'completed', 0, 'addr')).ok).toBe(true);
      // Another peer of the same address, on the other process, fills the address's cap.
      const left = LIMITS.maxSwarmsPerOwner - LIMITS.maxSwarmsPerPeer;
      for (let n = 1; n <= left; n++)
        expect((await b!.store.announce(id(2), hash(n), 'started', 0, 'addr')).ok).toBe(true);
      expect(await b!.store.announce(id(2), hash(8), 'started', 0, 'addr')).toEqual({
        ok: false,
        reason: `your address already holds ${LIMITS.maxSwarmsPerOwner} swarm entries; announce 'stopped' for one first`,
      });
      // Leaving one frees a slot for the address.
      await a!.store.announce(id(1), hash(1), 'stopped', 0, 'addr');
      expect((await b!.store.announce(id(2), hash(8), 'started', 0, 'addr')).ok).toBe(true);
    });

    it('drops a peer from every swarm when it unregisters', async () => {
      const [a, b] = await start(2);
      await a!.store.register(id(1), 0);
      await a!.store.announce(id(1), hash(1), 'started', 0, 'addr');
      await a!.store.announce(id(1), hash(2), 'completed', 0, 'addr');
      a!.store.unregister(id(1));
      expect(await b!.store.announce(id(2), hash(2), 'started', 5, 'addr')).toEqual({
        ok: true,
        peers: [],
        complete: 0,
        incomplete: 1,
      });
      expect(await b!.store.sample(5, id(2))).toEqual([]);
    });

    it('forgets the peers of a process that stops gracefully at once', async () => {
      const [a, b] = await start(2);
      await a!.store.register(id(1), 0);
      await a!.store.announce(id(1), hash(1), 'started', 0, 'addr');
      await a!.store.release();
      expect(await b!.store.sample(5, id(2))).toEqual([]);
      expect(await b!.store.announce(id(2), hash(1), 'started', 5, 'b')).toMatchObject({ peers: [] });
      expect(await b!.store.relay(id(1), 'x')).toBe(false);
    });

    it('forgets the peers of a killed process within its lease', async () => {
      const [a, b] = await start(2);
      await a!.store.register(id(1), 0);
      await a!.store.announce(id(1), hash(1), 'started', 0, 'addr');
      await b!.store.register(id(2), 0);
      a!.crash();
      const killedAt = Date.now();
      let peers = [id(1)];
      while (peers.length > 0) {
        if (Date.now() - killedAt > EXPIRY_BOUND_MS)
          throw new Error(`the killed process's peer was still registered after ${EXPIRY_BOUND_MS} ms`);
        await new Promise((r) => setTimeout(r, 50));
        peers = await b!.store.sample(5, id(2));
      }
      expect(await b!.store.announce(id(3), hash(1), 'started', 5, 'c')).toMatchObject({ peers: [] });
      expect(await b!.store.relay(id(1), 'x')).toBe(false);
      // The survivor's own peers stay.
      expect(await b!.store.sample(5, id(9))).toEqual([id(2)]);
      await waitFor(() => b!.store.health().clusterPeers === 1, 'the cluster count to drop', EXPIRY_BOUND_MS);
    });
  });
}
