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

/** Parses an incoming frame (text, or bytes holding UTF-8 text); throws SIGNAL_INVALID if not JSON. */
export function decodeSignalingFrame(frame: unknown): unknown {
  let text: string;
  if (typeof frame === 'string') text = frame;
  else if (frame instanceof ArrayBuffer || ArrayBuffer.isView(frame)) text = new TextDecoder().decode(frame);
  else throw new TabswarmError(ErrorCode.SignalInvalid, 'signaling frame is neither text nor bytes');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new TabswarmError(ErrorCode.SignalInvalid, `signaling frame is not JSON (${text.length} chars)`);
  }
}
