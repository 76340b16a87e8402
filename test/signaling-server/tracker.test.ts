import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../shared/random.js';
import { Tracker } from '../../signaling-server/tracker.js';

const tracker = (maxSwarmsPerPeer = 256) => new Tracker({ maxSwarmsPerPeer, random: seededRandom(1) });

describe('Tracker', () => {
  it('returns other members of the same swarm only', () => {
    const t = tracker();
    expect(t.announce('p1', 'h1', 'started', 20)).toEqual({
      ok: true,
      peers: [],
      complete: 0,
      incomplete: 1,
    });
    t.announce('p2', 'h1', undefined, 20);
    t.announce('p3', 'h2', 'started', 20);
    const r = t.announce('p4', 'h1', 'started', 20);
    expect(r.ok && [...r.peers].sort()).toEqual(['p1', 'p2']);
    expect(t.swarmCount).toBe(2);
    expect(t.swarmSize('h1')).toBe(3);
  });

  it('counts seeders, honours numWant, and removes on stopped', () => {
    const t = tracker();
    for (let i = 0; i < 30; i++) t.announce(`p${i}`, 'h', i < 5 ? 'completed' : 'started', 20);
    const r = t.announce('p29', 'h', undefined, 7);
    expect(r).toMatchObject({ ok: true, complete: 5, incomplete: 25 });
    expect(r.ok && r.peers.length).toBe(7);
    expect(r.ok && r.peers.includes('p29')).toBe(false);
    expect(t.announce('p0', 'h', 'stopped', 20)).toEqual({
      ok: true,
      peers: [],
      complete: 4,
      incomplete: 25,
    });
    expect(t.swarmsOf('p0')).toEqual([]);
    expect(t.announce('nobody', 'zz', 'stopped', 20)).toEqual({
      ok: true,
      peers: [],
      complete: 0,
      incomplete: 0,
    });
    expect(t.swarmCount).toBe(1);
  });

  it('forgets a removed peer everywhere and drops empty swarms', () => {
    const t = tracker();
    t.announce('p1', 'h1', 'started', 20);
    t.announce('p1', 'h2', 'completed', 20);
    t.announce('p2', 'h2', 'started', 20);
    t.removePeer('p1');
    expect(t.swarmCount).toBe(1);
    expect(t.swarmsOf('p1')).toEqual([]);
    expect(t.announce('p2', 'h2', undefined, 20)).toEqual({
      ok: true,
      peers: [],
      complete: 0,
      incomplete: 1,
    });
  });

  it('caps the swarms per peer but allows re-announcing a joined one', () => {
    const t = tracker(2);
    t.announce('p', 'h1', 'started', 20);
    t.announce('p', 'h2', 'started', 20);
    const refused = t.announce('p', 'h3', 'started', 20);
    expect(refused.ok).toBe(false);
    expect(t.swarmSize('h3')).toBe(0);
    expect(t.announce('p', 'h2', 'completed', 20).ok).toBe(true);
    t.announce('p', 'h1', 'stopped', 20);
    expect(t.announce('p', 'h3', 'started', 20).ok).toBe(true);
  });

  it('caps the entries of one owner across its peers, and gives them back as peers leave', () => {
    const t = new Tracker({ maxSwarmsPerPeer: 2, maxSwarmsPerOwner: 3, random: seededRandom(1) });
    expect(t.announce('p1', 'h1', 'started', 20, 'addr').ok).toBe(true);
    expect(t.announce('p1', 'h2', 'started', 20, 'addr').ok).toBe(true);
    expect(t.announce('p2', 'h1', 'started', 20, 'addr').ok).toBe(true);
    expect(t.entriesOf('addr')).toBe(3);
    const refused = t.announce('p2', 'h3', 'started', 20, 'addr');
    expect(refused.ok).toBe(false);
    expect(t.swarmSize('h3')).toBe(0);
    // Re-announcing a joined swarm adds no entry; another owner is not affected.
    expect(t.announce('p2', 'h1', 'completed', 20, 'addr').ok).toBe(true);
    expect(t.announce('q', 'h3', 'started', 20, 'other').ok).toBe(true);
    t.announce('p1', 'h2', 'stopped', 20);
    expect(t.entriesOf('addr')).toBe(2);
    expect(t.announce('p2', 'h3', 'started', 20, 'addr').ok).toBe(true);
    t.removePeer('p1');
    t.removePeer('p2');
    expect(t.entriesOf('addr')).toBe(0);
  });
});
