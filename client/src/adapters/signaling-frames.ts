import { ErrorCode, TabswarmError } from '../../../shared/errors.js';

/** Serialises an outgoing signaling message; throws SIGNAL_INVALID for what JSON cannot carry. */
export function encodeSignalingFrame(message: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(message);
  } catch (err) {
    throw new TabswarmError(ErrorCode.SignalInvalid, `unserialisable signaling message: ${String(err)}`);
  }
  if (text === undefined) throw new TabswarmError(ErrorCode.SignalInvalid, 'signaling message is not JSON');
  return text;
}

const frameText = new TextDecoder('utf-8', { ignoreBOM: true });

/** Parses an incoming frame (text, or bytes holding UTF-8 text); throws SIGNAL_INVALID if not JSON. */
export function decodeSignalingFrame(frame: unknown): unknown {
  let text: string;
  if (typeof frame === 'string') text = frame;
  // ignoreBOM: the server's Buffer decoding keeps a leading U+FEFF (and JSON.parse refuses it);
  // both ends read the same bytes the same way.
  else if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) text = frameText.decode(frame);
  else throw new TabswarmError(ErrorCode.SignalInvalid, 'signaling frame is neither text nor bytes');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TabswarmError(ErrorCode.SignalInvalid, `signaling frame is not JSON (${text.length} chars)`);
  }
}
