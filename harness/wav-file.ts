/** Sample rate of the test WAV: 48 kHz mono 16-bit PCM is 96 kB of audio per second. */
export const WAV_SAMPLE_RATE = 48_000;
const WAV_HEADER_BYTES = 44;

/** A PCM WAV file (mono, 16-bit) of `seconds` of a quiet tone, generated here. */
export function wavFile(seconds: number, sampleRate = WAV_SAMPLE_RATE): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const data = samples * 2;
  const buf = Buffer.alloc(WAV_HEADER_BYTES + data);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + data, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16); // fmt chunk size
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * 2, 28); // bytes per second
  buf.writeUInt16LE(2, 32); // block align
  buf.writeUInt16LE(16, 34); // bits per sample
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(data, 40);
  // A tone whose pitch rises with time, so no two pieces are alike.
  for (let i = 0; i < samples; i++) {
    const t = i / sampleRate;
    buf.writeInt16LE(Math.round(3000 * Math.sin(2 * Math.PI * (220 + 10 * t) * t)), WAV_HEADER_BYTES + 2 * i);
  }
  return buf;
}

/** The byte offset of second `t` of a WAV made by {@link wavFile}. */
export function wavOffset(t: number, sampleRate = WAV_SAMPLE_RATE): number {
  return WAV_HEADER_BYTES + Math.round(t * sampleRate) * 2;
}
