import { encodeBencode } from '../bencode-writer.js';
import { sha1 } from '../../sha1.js';
import { KrpcErrorCode } from '../krpc.js';
import { toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/** put (BEP 44 immutable): needs a token; the key is SHA-1 of the bencoded value. */
export const handlePut: QueryHandler<'put'> = (query, ctx) => {
  if (!ctx.tokens.verify(ctx.asker, query.a.token, ctx.now)) {
    return { e: [KrpcErrorCode.Protocol, 'bad token'] };
  }
  const key = toNodeId(sha1(encodeBencode(query.a.v)));
  if (!ctx.store.putValue(key, query.a.v, ctx.now)) return { e: [KrpcErrorCode.Server, 'store full'] };
  return { r: {} };
};
