import { describe, expect, it } from 'vitest';
import { decodeSignalingFrame } from '../../../client/src/adapters/signaling-frames.js';
import { utf8 } from '../../../shared/bytes.js';
import { ErrorCode, isTabswarmError } from '../../../shared/errors.js';

describe('decodeSignalingFrame', () => {
  it('reads a frame of bytes as its text, a leading U+FEFF included, as the server does', () => {
    expect(decodeSignalingFrame(utf8('{"type":"ping"}'))).toEqual({ type: 'ping' });
    // The server's Buffer decoding keeps the mark and JSON.parse refuses it; so does the tab.
    let error: unknown;
    try {
      decodeSignalingFrame(utf8('\uFEFF{"type":"ping"}'));
    } catch (err) {
      error = err;
    }
    expect(isTabswarmError(error) && error.code).toBe(ErrorCode.SignalInvalid);
    expect(decodeSignalingFrame(utf8('["\uFEFF"]'))).toEqual(['\uFEFF']);
  });
});
