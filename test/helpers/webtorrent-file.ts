import createTorrent from 'create-torrent';

/** A .torrent made by WebTorrent's create-torrent. */
export function webTorrentFile(
  data: Uint8Array,
  pieceLength: number,
  announce: string[] = [],
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    createTorrent(
      Buffer.from(data.buffer, data.byteOffset, data.byteLength),
      { name: 'file.bin', pieceLength, announceList: announce.map((a) => [a]), createdBy: 'WebTorrent' },
      (err: Error | null, torrent: Uint8Array) => (err ? reject(err) : resolve(new Uint8Array(torrent))),
    );
  });
}
