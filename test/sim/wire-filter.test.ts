import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../shared/bytes.js';
import { encodeHandshake, encodeMessage, MessageId } from '../../shared/wire/wire-codec.js';
import { corruptBlocks, freeRider, WireFilter } from '../../sim/wire-filter.js';

const handshake = encodeHandshake(new Uint8Array(20).fill(1), new Uint8Array(20).fill(2));
const unchoke = encodeMessage({ type: 'unchoke' });
const have = encodeMessage({ type: 'have', index: 3 });
const block = new Uint8Array([1, 2, 3, 4]);
const piece = encodeMessage({ type: 'piece', index: 0, begin: 0, block });

/** Feeds `stream` in chunks of `size` bytes and joins what comes out. */
function run(filter: WireFilter, stream: Uint8Array, size: number): Uint8Array {
  const out: Uint8Array[] = [];
  for (let i = 0; i < stream.length; i += size) {
    const o = filter.push(stream.slice(i, i + size));
    if (o) out.push(o);
  }
  return concatBytes(out);
}

describe('WireFilter', () => {
  const stream = concatBytes([handshake, unchoke, have, piece, have]);

  it('a free rider drops unchoke and piece messages, whatever the chunking', () => {
    for (const size of [1, 7, 64, stream.length]) {
      expect(run(new WireFilter(freeRider), stream, size)).toEqual(concatBytes([handshake, have, have]));
    }
  });

  it('a corrupt peer keeps the framing but inverts block bytes', () => {
    const out = run(new WireFilter(corruptBlocks), stream, 5);
    expect(out.length).toBe(stream.length);
    const at = handshake.length + unchoke.length + have.length;
    expect(out[at + 4]).toBe(MessageId.Piece);
    expect([...out.slice(at + 13, at + 17)]).toEqual([...block].map((b) => b ^ 0xff));
    expect(out.slice(0, at)).toEqual(stream.slice(0, at));
  });
});
