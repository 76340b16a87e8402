import { isTabswarmError } from '../../shared/errors.js';
import type { ErrorCode, TabswarmError } from '../../shared/errors.js';

/** What a decoder did with one input: a value, or one of tabswarm's own errors. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: TabswarmError };

/**
 * Runs `decode`. A throw must be a TabswarmError with one of `codes`; anything else (a
 * RangeError, a TypeError, another code) is rethrown, failing the property.
 */
export function decodeOrError<T>(decode: () => T, codes: readonly ErrorCode[]): Outcome<T> {
  try {
    return { ok: true, value: decode() };
  } catch (err) {
    if (isTabswarmError(err) && codes.includes(err.code)) return { ok: false, error: err };
    const what = isTabswarmError(err) ? `TabswarmError(${err.code})` : String(err);
    throw new Error(`threw ${what}, expected a value or TabswarmError(${codes.join(' | ')})`, {
      cause: err,
    });
  }
}

/** Fails with `message` unless `condition` holds. */
export function check(condition: boolean, message: string | (() => string)): asserts condition {
  if (!condition) throw new Error(typeof message === 'string' ? message : message());
}
