import type { QueryHandler } from './context.js';

/**
 * ping: answer with our id (the node adds it, and, when the answer goes back through relays, our
 * key and signature, as for every answer: see answerQuery); a peer with few links says how many
 * (`ln`), and we note it.
 */
export const handlePing: QueryHandler<'ping'> = (query, ctx) => {
  if (query.a.ln !== undefined) ctx.noteAskerLinks(query.a.ln);
  return { r: {} };
};
