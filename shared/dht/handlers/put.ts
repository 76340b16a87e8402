import { bencode } from '../../bencode.js';
import { sha1 } from '../../sha1.js';
import { KrpcErrorCode } from '../krpc.js';
import { idBytes, toNodeId } from '../node-id.js';
import type { QueryHandler } from './context.js';

/**
 * put (BEP 44 immutable): the key is SHA-1 of the bencoded value; needs a token issued to the
 * asker for that key. The value counts against the asker's share of the store, so a node with
 * a verifier also wants the asker's proof that it is the asker (see OriginAuth).
 */
export const handlePut: QueryHandler<'put'> = (query, ctx) => {
  const key = toNodeId(sha1(bencode(query.a.v)));
  if (!ctx.tokens.verify(ctx.asker, key, query.a.token, ctx.now)) {
    return { e: [KrpcErrorCode.Protocol, 'bad token'] };
  }
  // After the token (cheap): a signature is checked only for a store that would otherwise be taken.
  const problem = ctx.storeProblem('put', idBytes(key), query.a.token, query.a);
  if (problem !== undefined) {
    ctx.refused('store', problem);
    return { e: [KrpcErrorCode.Protocol, problem] };
  }
  if (!ctx.store.putValue(key, query.a.v, ctx.now, ctx.asker))
    return { e: [KrpcErrorCode.Server, 'store full'] };
  return { r: {} };
};
