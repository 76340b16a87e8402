import { describe, expect, it } from 'vitest';
import { bencode } from '../../../shared/bencode.js';
import type { BEncodable } from '../../../shared/bencode.js';
import { fromUtf8, utf8 } from '../../../shared/bytes.js';
import { ErrorCode, TabswarmError } from '../../../shared/errors.js';
import {
  encodeExtensionHandshake,
  parseExtensionHandshake,
} from '../../../shared/wire/extension-handshake.js';

function violation(payload: Uint8Array): void {
  try {
    parseExtensionHandshake(payload);
  } catch (err) {
    expect(err).toBeInstanceOf(TabswarmError);
    expect((err as TabswarmError).code).toBe(ErrorCode.ProtocolViolation);
    return;
  }
  throw new Error(`expected ${fromUtf8(payload)} to be rejected`);
}

describe('extension handshake (BEP 10)', () => {
  it('encodes the canonical sorted dictionary', () => {
    const bytes = encodeExtensionHandshake({
      m: { ut_pex: 2, ut_metadata: 1 },
      metadataSize: 31235,
      client: 'tabswarm 0.1',
      reqq: 250,
    });
    expect(fromUtf8(bytes)).toBe(
      'd1:md11:ut_metadatai1e6:ut_pexi2ee13:metadata_sizei31235e4:reqqi250e1:v12:tabswarm 0.1e',
    );
  });

  it('leaves out absent optional fields', () => {
    expect(fromUtf8(encodeExtensionHandshake({ m: { ut_metadata: 3 } }))).toBe('d1:md11:ut_metadatai3eee');
  });

  it('round-trips', () => {
    const h = {
      m: { ut_metadata: 3, lt_donthave: 7 },
      metadataSize: 8 * 1024 * 1024,
      client: 'µTorrent 3.5',
      reqq: 500,
    };
    const parsed = parseExtensionHandshake(encodeExtensionHandshake(h));
    expect({ ...parsed, m: { ...parsed.m } }).toEqual(h);
  });

  it('parses the BEP 10 example, ignoring unknown keys', () => {
    // BEP 10's example, with string lengths counted in UTF-8 (µ is two bytes).
    const payload = utf8('d1:md11:LT_metadatai1e7:µT_PEXi2ee1:pi6881e1:v14:µTorrent 1.70e');
    const h = parseExtensionHandshake(payload);
    expect({ ...h.m }).toEqual({ LT_metadata: 1, µT_PEX: 2 });
    expect(h.client).toBe('µTorrent 1.70');
    expect(h.metadataSize).toBeUndefined();
  });

  it('drops disabled (id 0) extensions and tolerates a missing m', () => {
    expect({ ...parseExtensionHandshake(bencode({ m: { ut_metadata: 0, ut_pex: 1 } })).m }).toEqual({
      ut_pex: 1,
    });
    expect({ ...parseExtensionHandshake(bencode({ v: 'x' })).m }).toEqual({});
  });

  it('keeps __proto__ as an ordinary key', () => {
    const h = parseExtensionHandshake(utf8('d1:md9:__proto__i5eee'));
    expect(Object.getPrototypeOf(h.m)).toBeNull();
    expect(h.m['__proto__']).toBe(5);
    expect(fromUtf8(encodeExtensionHandshake(h))).toBe('d1:md9:__proto__i5eee');
  });

  it('ignores malformed advisory fields', () => {
    const h = parseExtensionHandshake(bencode({ m: {}, v: 5, reqq: 'many' }));
    expect(h.client).toBeUndefined();
    expect(h.reqq).toBeUndefined();
  });

  const bad: [string, Uint8Array][] = [
    ['empty payload', new Uint8Array(0)],
    ['truncated', utf8('d1:md11:ut_metadatai1e')],
    ['trailing bytes', utf8('d1:mdeex')],
    ['not a dictionary', utf8('li1ee')],
    ['m is a list', bencode({ m: [1] })],
    ['m id 256', bencode({ m: { ut_metadata: 256 } })],
    ['m id negative', bencode({ m: { ut_metadata: -1 } })],
    ['m id a string', bencode({ m: { ut_metadata: '1' } } as BEncodable)],
    ['metadata_size 0', bencode({ m: {}, metadata_size: 0 })],
    ['metadata_size over 8 MiB', bencode({ m: {}, metadata_size: 8 * 1024 * 1024 + 1 })],
    ['metadata_size a string', bencode({ m: {}, metadata_size: '100' })],
  ];
  it.each(bad)('rejects %s with PROTOCOL_VIOLATION', (_label, payload) => violation(payload));
});
