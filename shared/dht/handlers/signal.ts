import { KrpcErrorCode } from '../krpc.js';
import type { QueryHandler } from './context.js';

/**
 * signal: a WebRTC offer/answer/candidate for us, handed to the host; the response is the ack.
 * The host opens a link to whoever the signal names, so a signal whose origin is not proven
 * (when this node checks proofs) is refused, never passed on: a relay could have named anyone.
 */
export const handleSignal: QueryHandler<'signal'> = (query, ctx) => {
  const problem = ctx.signalProblem(query.a.p, query.a);
  if (problem !== undefined) {
    ctx.refused('signal', problem);
    return { e: [KrpcErrorCode.Protocol, problem] };
  }
  ctx.emitSignal(ctx.asker, query.a.p);
  return { r: {} };
};
