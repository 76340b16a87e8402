import { KrpcErrorCode } from '../krpc.js';
import type { QueryHandler } from './context.js';

/** A method we do not implement: error 204, as BEP 5 asks. */
export const handleUnknown: QueryHandler<'unknown'> = (query) => ({
  e: [KrpcErrorCode.MethodUnknown, `method unknown: ${query.method.slice(0, 32)}`],
});
