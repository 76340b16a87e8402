import type { QueryHandler } from './context.js';

/**
 * ping: answer with our id and, with a signer, our key and signature of the answer (so a relay
 * cannot answer in the name of an id it made up); a peer with few links says how many (`ln`),
 * and we note it.
 */
export const handlePing: QueryHandler<'ping'> = (query, ctx) => {
  if (query.a.ln !== undefined) ctx.noteAskerLinks(query.a.ln);
  return { r: ctx.provePong() };
};
