import type { QueryHandler } from './context.js';

/** ping: answer with our id only. */
export const handlePing: QueryHandler<'ping'> = () => ({ r: {} });
