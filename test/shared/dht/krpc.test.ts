import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import { utf8 } from '../../../shared/bytes.js';
import { ErrorCode, isTabswarmError } from '../../../shared/errors.js';
import { seededRandom } from '../../../shared/random.js';
import { decodeKrpc, encodeKrpc, MAX_DHT_MESSAGE } from '../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../shared/dht/krpc.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('krpc', 41));
const id = random.bytes(20);
const other = random.bytes(20);
const t = utf8('aa');

function rejects(data: Uint8Array, code: string = ErrorCode.DhtInvalid): void {
  let thrown: unknown;
  try {
    decodeKrpc(data);
  } catch (err) {
    thrown = err;
  }
  expect(
    isTabswarmError(thrown),
    `expected a TabswarmError for ${new TextDecoder().decode(data.subarray(0, 80))}`,
  ).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
}

describe('KRPC messages', () => {
  it('round-trips every query, a response and an error', () => {
    const messages: KrpcMessage[] = [
      { y: 'q', t, q: 'ping', a: { id } },
      { y: 'q', t, q: 'ping', a: { id, ln: 2 } },
      { y: 'q', t, q: 'ping', a: { id, sp: 1 } },
      { y: 'q', t, q: 'ping', a: { id, ln: 1, sp: 1 } },
      { y: 'q', t, q: 'find_node', a: { id, target: other } },
      { y: 'q', t, q: 'get_peers', a: { id, info_hash: other } },
      { y: 'q', t, q: 'announce_peer', a: { id, info_hash: other, token: utf8('tok') } },
      { y: 'q', t, q: 'announce_peer', a: { id, info_hash: other, token: utf8('tok'), peer: other } },
      { y: 'q', t, q: 'put', a: { id, v: utf8('hello'), token: utf8('tok') } },
      { y: 'q', t, q: 'get', a: { id, target: other } },
      { y: 'q', t, q: 'signal', a: { id, p: utf8('{"type":"offer"}') } },
      { y: 'r', t, r: { id, nodes: [other, id], token: utf8('tok'), values: [other], v: utf8('x') } },
      { y: 'r', t, r: { id } },
      { y: 'r', t, r: { id, nodes: [other], sn: [id, other] } },
      { y: 'e', t, e: [203, 'bad token'] },
    ];
    for (const m of messages) expect(decodeKrpc(encodeKrpc(m))).toEqual(m);
  });

  it('parses a query with an unknown method as "unknown" (answered with 204)', () => {
    const m = decodeKrpc(bencode({ t, y: 'q', q: 'sample_infohashes', a: { id } }));
    expect(m).toMatchObject({ y: 'q', q: 'unknown', method: 'sample_infohashes' });
  });

  it('rejects malformed messages', () => {
    rejects(utf8('le'));
    rejects(bencode({ y: 'q', q: 'ping', a: { id } })); // no t
    rejects(bencode({ t: '', y: 'q', q: 'ping', a: { id } })); // empty t
    rejects(bencode({ t, y: 'x', q: 'ping', a: { id } }));
    rejects(bencode({ t, y: 'q', q: 'ping' })); // no a
    rejects(bencode({ t, y: 'q', q: 'ping', a: { id: id.subarray(0, 19) } }));
    rejects(bencode({ t, y: 'q', q: 'ping', a: { id, ln: 'few' } }));
    rejects(bencode({ t, y: 'q', q: 'ping', a: { id, ln: 70_000 } }));
    rejects(bencode({ t, y: 'q', q: 'ping', a: { id, sp: 2 } }));
    rejects(bencode({ t, y: 'q', q: 'ping', a: { id, sp: 'yes' } }));
    rejects(bencode({ t, y: 'q', q: 'find_node', a: { id } })); // no target
    rejects(bencode({ t, y: 'q', q: 'find_node', a: { id, target: 7 } }));
    rejects(bencode({ t, y: 'q', q: 'announce_peer', a: { id, info_hash: other } })); // no token
    rejects(
      bencode({ t, y: 'q', q: 'announce_peer', a: { id, info_hash: other, token: 'x', peer: 'short' } }),
    );
    rejects(bencode({ t, y: 'r', r: { id, nodes: new Uint8Array(30) } })); // not a multiple of 20
    rejects(bencode({ t, y: 'r', r: { id, nodes: new Uint8Array(20 * 65) } })); // too many
    rejects(bencode({ t, y: 'r', r: { id, sn: new Uint8Array(30) } })); // not a multiple of 20
    rejects(bencode({ t, y: 'r', r: { id, sn: new Uint8Array(20 * 66) } })); // more than nodes and the responder
    rejects(bencode({ t, y: 'r', r: { id, values: [new Uint8Array(6)] } }));
    rejects(bencode({ t, y: 'r', r: { id, values: 'x' } }));
    rejects(bencode({ t, y: 'e', e: ['x'] }));
    rejects(utf8('d1:t2:aa1:y1:qe')); // no q
    rejects(utf8('d1:ti1e1:y1:qe')); // t not a string
  });

  it('rejects bencode that is not canonical or is truncated', () => {
    rejects(utf8('d1:t2:aa1:y1:r1:rd2:idi01eee'), ErrorCode.BencodeInvalid);
    rejects(utf8('d1:t2:aa1:y1:r'), ErrorCode.BencodeInvalid);
    rejects(utf8('d1:t-3:aae'), ErrorCode.BencodeInvalid);
  });

  it('caps sizes: 64 KiB messages, 1000-byte values, 16 KiB signals', () => {
    const huge = new Uint8Array(MAX_DHT_MESSAGE + 1);
    rejects(huge, ErrorCode.MessageTooLarge);
    rejects(bencode({ t, y: 'q', q: 'put', a: { id, v: new Uint8Array(997), token: 'x' } }));
    expect(() =>
      decodeKrpc(bencode({ t, y: 'q', q: 'put', a: { id, v: new Uint8Array(995), token: 'x' } })),
    ).not.toThrow();
    rejects(bencode({ t, y: 'r', r: { id, v: new Uint8Array(1000) } }));
    rejects(bencode({ t, y: 'q', q: 'signal', a: { id, p: new Uint8Array(16 * 1024 + 1) } }));
    expect(() => encodeKrpc({ y: 'q', t, q: 'signal', a: { id, p: new Uint8Array(70_000) } })).toThrow(
      /bytes/,
    );
  });
});
