/**
 * The files a drop carries, with their folder paths: the directory entries drag and drop gives
 * (`webkitGetAsEntry`) are walked, so a dropped folder arrives as its files. Browsers without
 * entries give the flat file list.
 */

/** A dropped or picked file with its path (folders first, its name last). */
export interface ChosenFile {
  path: string[];
  file: File;
}

/** The parts of FileSystemEntry used here. */
interface Entry {
  isFile: boolean;
  isDirectory: boolean;
  name: string;
  file?(ok: (file: File) => void, fail: (err: unknown) => void): void;
  createReader?(): { readEntries(ok: (entries: Entry[]) => void, fail: (err: unknown) => void): void };
}

/** Every file under `entry`, depth first; a folder read in batches until it says it is done. */
async function walk(entry: Entry, parents: string[], out: ChosenFile[]): Promise<void> {
  const path = [...parents, entry.name];
  if (entry.isFile && entry.file) {
    const read = entry.file.bind(entry);
    out.push({ path, file: await new Promise<File>((ok, fail) => read(ok, fail)) });
    return;
  }
  if (!entry.isDirectory || !entry.createReader) return;
  const reader = entry.createReader();
  for (;;) {
    // readEntries hands out a folder in batches (100 in Chromium) until an empty one.
    const batch = await new Promise<Entry[]>((ok, fail) => reader.readEntries(ok, fail));
    if (batch.length === 0) break;
    for (const child of batch) await walk(child, path, out);
  }
}

/** Files of a drop: folders walked through their entries where the browser gives them. */
export async function droppedFiles(data: DataTransfer | null): Promise<ChosenFile[]> {
  if (!data) return [];
  const entries = [...data.items]
    .filter((item) => item.kind === 'file')
    .map((item) => (item.webkitGetAsEntry?.() ?? null) as Entry | null);
  if (entries.length === 0 || entries.some((e) => e === null))
    return [...data.files].map((file) => ({ path: [file.name], file }));
  const out: ChosenFile[] = [];
  for (const entry of entries as Entry[]) await walk(entry, [], out);
  return out;
}

/** Files of a file input: a picked folder's carry `webkitRelativePath`. */
export function pickedFiles(files: FileList | null): ChosenFile[] {
  return [...(files ?? [])].map((file) => ({
    path: (file.webkitRelativePath || file.name).split('/').filter((p) => p !== ''),
    file,
  }));
}
