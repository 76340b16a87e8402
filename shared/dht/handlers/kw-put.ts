import { toHex } from '../../bytes.js';
import { decodeKeywordRecord } from '../../search/keyword-record.js';
import type { KeywordRecord } from '../../search/keyword-record.js';
import { keywordKey } from '../../search/keywords.js';
import { KrpcErrorCode } from '../krpc.js';
import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/**
 * kw_put: stores a keyword record under the keyword whose SHA-1 is the target. Needs a token we
 * issued to the asker for that target; the record must name that keyword and carry its
 * publisher's signature (checked when this node has a verifier). Anyone may store a publisher's
 * record (it is signed), but the store's share per publisher bounds a publisher that floods.
 */
export const handleKwPut: QueryHandler<'kw_put'> = (query, ctx) => {
  const { target, token, rec } = query.a;
  if (!ctx.tokens.verify(ctx.asker, toNodeId(target), token, ctx.now)) {
    return { e: [KrpcErrorCode.Protocol, 'bad token'] };
  }
  let record: KeywordRecord;
  try {
    record = decodeKeywordRecord(rec);
  } catch (err) {
    ctx.refused('store', (err as Error).message);
    return { e: [KrpcErrorCode.Protocol, 'bad record'] };
  }
  const want = toHex(target);
  const word = record.keywords.find((w) => toHex(keywordKey(w)) === want);
  if (word === undefined) {
    ctx.refused('store', 'record not published under this keyword');
    return { e: [KrpcErrorCode.Protocol, 'record not published under this keyword'] };
  }
  if (!ctx.recordVerifies(record)) {
    ctx.refused('store', 'record signature does not verify');
    return { e: [KrpcErrorCode.Protocol, 'bad record signature'] };
  }
  ctx.keywords.put(word, record, ctx.now);
  return { r: {} };
};
