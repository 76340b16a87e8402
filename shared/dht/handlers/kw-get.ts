import { fromUtf8, toHex } from '../../bytes.js';
import { keywordKey } from '../../search/keywords.js';
import { KrpcErrorCode } from '../krpc.js';
import type { QueryHandler } from './context.js';

/** Bytes of records one answer carries at most, so it stays well inside a DHT message. */
export const MAX_ANSWER_RECORD_BYTES = 48 * 1024;

/**
 * kw_get: the records stored under keyword `w` that are also under every keyword of `f` (as
 * eMule's Kad filters at the node), newest first, at most `n` and MAX_ANSWER_RECORD_BYTES; a token
 * for a later kw_put; closer contacts always. `w` must hash to the target, so a lookup for one
 * keyword cannot be answered with another's records.
 */
export const handleKwGet: QueryHandler<'kw_get'> = (query, ctx) => {
  const { target, w, n, f } = query.a;
  if (toHex(keywordKey(fromUtf8(w))) !== toHex(target)) {
    return { e: [KrpcErrorCode.Protocol, 'keyword does not hash to the target'] };
  }
  const kw: Uint8Array[] = [];
  let bytes = 0;
  for (const r of ctx.keywords.get(fromUtf8(w), f.map(fromUtf8), n, ctx.now)) {
    if (bytes + r.bytes.length > MAX_ANSWER_RECORD_BYTES) break;
    bytes += r.bytes.length;
    kw.push(r.bytes);
  }
  return {
    r: {
      token: ctx.tokens.issue(ctx.asker, target, ctx.now),
      nodes: ctx.closestNodes(target),
      kw: n > 0 ? kw : undefined,
    },
  };
};
