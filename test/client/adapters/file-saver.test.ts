import { describe, expect, it } from 'vitest';
import { bytesEqual, concatBytes } from '../../../shared/bytes.js';
import { ErrorCode } from '../../../shared/errors.js';
import {
  assembleBlob,
  safeFileName,
  saveFile,
  triggerDownload,
  type DownloadEnvironment,
  type GetPiece,
} from '../../../client/src/adapters/file-saver.js';

const pieces = [new Uint8Array(1000).fill(1), new Uint8Array(1000).fill(2), new Uint8Array(300).fill(3)];
const whole = concatBytes(pieces) as Uint8Array<ArrayBuffer>;

/** Hands out pieces and records how many were requested at once (one at a time is expected). */
function source(missing?: number): { getPiece: GetPiece; reads: number[] } {
  const reads: number[] = [];
  return {
    reads,
    getPiece: async (i) => {
      reads.push(i);
      return i === missing ? undefined : pieces[i]?.slice();
    },
  };
}

function fakeDownload(): {
  env: DownloadEnvironment;
  clicks: Array<{ href: string; download: string }>;
  blobs: Blob[];
  revoked: string[];
} {
  const clicks: Array<{ href: string; download: string }> = [];
  const blobs: Blob[] = [];
  const revoked: string[] = [];
  const body = { append: () => undefined };
  const env: DownloadEnvironment = {
    document: {
      body: body as unknown as HTMLElement,
      createElement: (() => {
        const a = {
          href: '',
          download: '',
          style: {},
          click: () => clicks.push({ href: a.href, download: a.download }),
          remove: () => undefined,
        };
        return a;
      }) as unknown as Document['createElement'],
    },
    URL: {
      createObjectURL: (blob: Blob) => {
        blobs.push(blob);
        return `blob:test/${blobs.length}`;
      },
      revokeObjectURL: (url: string) => revoked.push(url),
    },
    revokeAfterMs: 0,
  };
  return { env, clicks, blobs, revoked };
}

describe('file-saver', () => {
  it('assembles a Blob from pieces read in order', async () => {
    const src = source();
    const blob = await assembleBlob(3, src.getPiece, { length: whole.length, type: 'text/plain' });
    expect(src.reads).toEqual([0, 1, 2]);
    expect(blob.size).toBe(whole.length);
    expect(blob.type).toBe('text/plain');
    expect(bytesEqual(new Uint8Array(await blob.arrayBuffer()), whole)).toBe(true);
  });

  it('fails with STORAGE_FAILED on a missing piece or a wrong length', async () => {
    await expect(assembleBlob(3, source(1).getPiece)).rejects.toMatchObject({
      code: ErrorCode.StorageFailed,
    });
    await expect(assembleBlob(3, source().getPiece, { length: 5 })).rejects.toMatchObject({
      code: ErrorCode.StorageFailed,
    });
  });

  it('triggers a download under a safe name and revokes the URL later', async () => {
    const dl = fakeDownload();
    triggerDownload(new Blob([whole]), '../etc/passwd', dl.env);
    expect(dl.clicks).toEqual([{ href: 'blob:test/1', download: '_etc_passwd' }]);
    await new Promise((r) => setTimeout(r, 5));
    expect(dl.revoked).toEqual(['blob:test/1']);
  });

  it('sanitises names', () => {
    expect(safeFileName('report final.pdf')).toBe('report final.pdf');
    expect(safeFileName('a/b\\c:d')).toBe('a_b_c_d');
    expect(safeFileName('...')).toBe('download');
    expect(safeFileName('x\u0000y')).toBe('x_y');
    expect(safeFileName('n'.repeat(500))).toHaveLength(200);
  });

  it('downloads a Blob when there is no picker', async () => {
    const dl = fakeDownload();
    const result = await saveFile('movie.mkv', 3, source().getPiece, {
      usePicker: true,
      window: {},
      download: dl.env,
    });
    expect(result).toBe('download');
    expect(dl.clicks[0]?.download).toBe('movie.mkv');
    expect(bytesEqual(new Uint8Array(await (dl.blobs[0] as Blob).arrayBuffer()), whole)).toBe(true);
  });

  it('streams piece by piece into the picked file', async () => {
    const written: Uint8Array[] = [];
    let closed = false;
    let suggested = '';
    const window = {
      showSaveFilePicker: async ({ suggestedName }: { suggestedName: string }) => {
        suggested = suggestedName;
        return {
          createWritable: async () => ({
            write: async (d: Uint8Array) => void written.push(d),
            close: async () => void (closed = true),
            abort: async () => undefined,
          }),
        };
      },
    };
    expect(
      await saveFile('movie.mkv', 3, source().getPiece, { usePicker: true, window, length: whole.length }),
    ).toBe('picker');
    expect(suggested).toBe('movie.mkv');
    expect(closed).toBe(true);
    expect(bytesEqual(concatBytes(written), whole)).toBe(true);
  });

  it('reports a cancelled picker, falls back when the picker is refused, aborts on a missing piece', async () => {
    const cancel = { showSaveFilePicker: () => Promise.reject(new DOMException('user', 'AbortError')) };
    expect(await saveFile('x', 3, source().getPiece, { usePicker: true, window: cancel })).toBe('cancelled');

    const dl = fakeDownload();
    const refuse = {
      showSaveFilePicker: () => Promise.reject(new DOMException('no gesture', 'SecurityError')),
    };
    expect(
      await saveFile('x', 3, source().getPiece, { usePicker: true, window: refuse, download: dl.env }),
    ).toBe('download');

    let aborted = false;
    const window = {
      showSaveFilePicker: async () => ({
        createWritable: async () => ({
          write: async () => undefined,
          close: async () => undefined,
          abort: async () => void (aborted = true),
        }),
      }),
    };
    await expect(saveFile('x', 3, source(2).getPiece, { usePicker: true, window })).rejects.toMatchObject({
      code: ErrorCode.StorageFailed,
    });
    expect(aborted).toBe(true);
  });

  it('maps a full disk while writing to STORAGE_FULL', async () => {
    const window = {
      showSaveFilePicker: async () => ({
        createWritable: async () => ({
          write: () => Promise.reject(new DOMException('full', 'QuotaExceededError')),
          close: async () => undefined,
          abort: async () => undefined,
        }),
      }),
    };
    await expect(saveFile('x', 3, source().getPiece, { usePicker: true, window })).rejects.toMatchObject({
      code: ErrorCode.StorageFull,
    });
  });
});
