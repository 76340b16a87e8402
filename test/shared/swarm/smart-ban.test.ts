import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../../shared/random.js';
import { SmartBan } from '../../../shared/swarm/smart-ban.js';

const BLOCK = 1024;

describe('SmartBan', () => {
  const good = seededRandom(1).bytes(4 * BLOCK);
  const corrupt = (data: Uint8Array, block: number): Uint8Array => {
    const out = data.slice();
    out[block * BLOCK + 5] = (out[block * BLOCK + 5]! + 1) & 0xff;
    return out;
  };

  it('bans the peer whose block differed from the verified piece, not the honest ones', () => {
    const ban = new SmartBan();
    const bad = corrupt(good, 2);
    const suppliers = ['honest1', 'honest2', 'liar', 'honest1'];
    expect(ban.pieceFailed(7, SmartBan.contributions(bad, BLOCK, suppliers))).toEqual([]);
    expect(ban.trackedPieces).toBe(1);
    expect(ban.pieceVerified(7, good, BLOCK)).toEqual(['liar']);
    expect(ban.trackedPieces).toBe(0);
  });

  it('never bans when the failed blocks all match (e.g. a block lost to a late duplicate)', () => {
    const ban = new SmartBan();
    ban.pieceFailed(1, SmartBan.contributions(good, BLOCK, ['a', 'b', undefined, 'a']));
    expect(ban.pieceVerified(1, good, BLOCK)).toEqual([]);
  });

  it('bans a sole contributor after its second failed piece', () => {
    const ban = new SmartBan();
    expect(ban.pieceFailed(1, SmartBan.contributions(corrupt(good, 0), BLOCK, ['x', 'x', 'x', 'x']))).toEqual(
      [],
    );
    expect(ban.pieceFailed(2, SmartBan.contributions(corrupt(good, 1), BLOCK, ['x', 'x', 'x', 'x']))).toEqual(
      ['x'],
    );
  });

  it('keeps every failure of a piece until it verifies', () => {
    const ban = new SmartBan();
    ban.pieceFailed(3, SmartBan.contributions(corrupt(good, 0), BLOCK, ['a', 'h', 'h', 'h']));
    ban.pieceFailed(3, SmartBan.contributions(corrupt(good, 3), BLOCK, ['h', 'h', 'h', 'b']));
    expect(ban.pieceVerified(3, good, BLOCK).sort()).toEqual(['a', 'b']);
  });
});
