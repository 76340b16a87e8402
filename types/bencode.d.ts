/** Types for the `bencode` package, of which tabswarm uses only `encode` (see shared/bencode.ts). */
declare module 'bencode' {
  const bencode: {
    encode(value: unknown): Uint8Array;
    decode(data: Uint8Array, start?: number, end?: number, encoding?: string): unknown;
    byteLength(value: unknown): number;
    encodingLength(value: unknown): number;
  };
  export default bencode;
}
