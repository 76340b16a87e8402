import { KrpcErrorCode } from '../krpc.js';
import type { QueryHandler } from './context.js';

/**
 * signal: a WebRTC offer/answer/candidate for us, handed to the host; the response is the ack.
 * The host opens a link to whoever the signal names, so a signal whose origin is not proven
 * (when this node checks proofs) is refused, never passed on: a relay could have named anyone.
 */
export const handleSignal: QueryHandler<'signal'> = (query, ctx) => {
  const { p, k, sig } = query.a;
  const problem = ctx.signalProblem(p, k, sig);
  if (problem !== undefined) {
    ctx.signalRefused(problem);
    return { e: [KrpcErrorCode.Protocol, problem] };
  }
  ctx.emitSignal(ctx.asker, p);
  return { r: {} };
};
