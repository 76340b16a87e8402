import { encodeBencode } from '../bencode-writer.js';
import { sha1 } from '../../sha1.js';
import { KrpcErrorCode } from '../krpc.js';
import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/**
 * put (BEP 44 immutable): the key is SHA-1 of the bencoded value; needs a token issued to the
 * asker for that key. The value counts against the asker's share of the store.
 */
export const handlePut: QueryHandler<'put'> = (query, ctx) => {
  const key = toNodeId(sha1(encodeBencode(query.a.v)));
  if (!ctx.tokens.verify(ctx.asker, key, query.a.token, ctx.now)) {
    return { e: [KrpcErrorCode.Protocol, 'bad token'] };
  }
  if (!ctx.store.putValue(key, query.a.v, ctx.now, ctx.asker))
    return { e: [KrpcErrorCode.Server, 'store full'] };
  return { r: {} };
};
