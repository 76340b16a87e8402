import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import type { BEncodable } from '../../../shared/bencode.js';
import { utf8 } from '../../../shared/bytes.js';
import { isTabswarmError } from '../../../shared/errors.js';
import { seededRandom } from '../../../shared/random.js';
import { encodeBencode } from '../../../shared/dht/bencode-writer.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('bencode-writer', 41));

/** A random value of the shapes DHT messages use. */
function randomValue(depth: number): BEncodable {
  const kind = random.int(depth > 3 ? 3 : 5);
  if (kind === 0) return random.int(2) === 0 ? random.int(1e9) : -random.int(1000);
  if (kind === 1) return random.bytes(random.int(40));
  if (kind === 2) return ['ping', 'find_node', 'héllo wörld', '', 'announce_peer'][random.int(5)] as string;
  if (kind === 3) return Array.from({ length: random.int(4) }, () => randomValue(depth + 1));
  const out: Record<string, BEncodable | undefined> = {};
  for (const k of ['t', 'y', 'q', 'a', 'r', 'id', 'nodes', 'values', 'é', 'Z', 'ab', 'a1']) {
    if (random.int(3) === 0) out[k] = random.int(5) === 0 ? undefined : randomValue(depth + 1);
  }
  return out;
}

describe('encodeBencode', () => {
  it('writes the same bytes as the generic encoder', () => {
    for (let i = 0; i < 500; i++) {
      const v = randomValue(0);
      expect(encodeBencode(v)).toEqual(bencode(v));
    }
    expect(encodeBencode({ y: 'q', t: utf8('aa'), a: { id: new Uint8Array(20) }, q: 'ping' })).toEqual(
      utf8('d1:ad2:id20:' + '\0'.repeat(20) + 'e1:q4:ping1:t2:aa1:y1:qe'),
    );
  });

  it('refuses numbers that are not integers', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      let error: unknown;
      try {
        encodeBencode({ x: bad });
      } catch (err) {
        error = err;
      }
      expect(isTabswarmError(error)).toBe(true);
    }
  });
});
