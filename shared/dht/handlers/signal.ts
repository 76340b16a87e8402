import type { QueryHandler } from './context.js';

/** signal: a WebRTC offer/answer/candidate for us, handed to the host; the response is the ack. */
export const handleSignal: QueryHandler<'signal'> = (query, ctx) => {
  ctx.emitSignal(ctx.asker, query.a.p);
  return { r: {} };
};
