/**
 * HTTP byte ranges (RFC 9110 §14) for serving a file to a media element: which bytes a `Range`
 * header asks for, and the status and headers of the answer. Pure functions.
 */

/** What to answer a request for a file of some length. `end` is exclusive. */
export type RangeAnswer =
  /** No usable Range header (absent, malformed, several ranges): the whole file. */
  | { status: 200; start: number; end: number }
  /** One satisfiable range. */
  | { status: 206; start: number; end: number }
  /** A range that starts past the end (or an empty suffix): nothing to send. */
  | { status: 416 };

const RANGE = /^bytes=(\d*)-(\d*)$/;

/**
 * The answer to `Range: <header>` for a file of `length` bytes. A header that does not parse,
 * or asks for several ranges, is ignored (RFC 9110 allows it): the whole file, 200.
 */
export function parseRange(header: string | null | undefined, length: number): RangeAnswer {
  const whole: RangeAnswer = { status: 200, start: 0, end: length };
  if (header === null || header === undefined) return whole;
  const m = RANGE.exec(header.trim().replace(/\s+/g, ''));
  if (!m) return whole;
  const [, first = '', last = ''] = m;
  if (first === '' && last === '') return whole;
  if (first === '') {
    // Suffix: the last N bytes.
    const n = Number(last);
    if (!Number.isSafeInteger(n)) return whole;
    if (n === 0 || length === 0) return { status: 416 };
    return { status: 206, start: Math.max(0, length - n), end: length };
  }
  const start = Number(first);
  const stop = last === '' ? Number.MAX_SAFE_INTEGER : Number(last);
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(stop) || stop < start) return whole;
  if (start >= length) return { status: 416 };
  return { status: 206, start, end: Math.min(stop + 1, length) };
}

/**
 * The headers of an answer: type, length, `Accept-Ranges`, `Content-Range` for 206 and 416.
 * Streamed files never run as a page of this origin (`sandbox`), and are never cached.
 */
export function rangeHeaders(
  answer: RangeAnswer,
  length: number,
  contentType: string,
): Record<string, string> {
  const headers: Record<string, string> = {
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-store',
    'Content-Security-Policy': 'sandbox',
    'X-Content-Type-Options': 'nosniff',
  };
  if (answer.status === 416) {
    headers['Content-Range'] = `bytes */${length}`;
    headers['Content-Length'] = '0';
    return headers;
  }
  headers['Content-Type'] = contentType;
  headers['Content-Length'] = String(answer.end - answer.start);
  if (answer.status === 206) headers['Content-Range'] = `bytes ${answer.start}-${answer.end - 1}/${length}`;
  return headers;
}
