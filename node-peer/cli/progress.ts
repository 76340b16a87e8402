import type { TransferView } from '../../client/src/app/status.js';

const BAR_WIDTH = 24;

/** Bytes as people read them (1000-based, as the page shows them). */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

const peers = (view: TransferView): string =>
  `${view.peers.length} peer${view.peers.length === 1 ? '' : 's'}`;

/** `get`'s line: a bar, percentage, bytes, speed and peers. */
export function downloadLine(view: TransferView): string {
  if (view.state === 'metadata')
    return `${view.name}: looking for peers and the file's details… ${peers(view)}`;
  const filled = Math.round(view.progress * BAR_WIDTH);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`;
  const percent = `${Math.floor(view.progress * 100)}%`.padStart(4);
  return `${bar} ${percent} ${formatBytes(view.verifiedBytes)}/${formatBytes(view.length)} ${formatBytes(view.downloadRate)}/s ${peers(view)}`;
}

/** `seed`'s line: peers, upload speed and bytes sent. */
export function seedLine(view: TransferView): string {
  if (view.state === 'hashing') return `${view.name}: hashing ${Math.floor(view.progress * 100)}%`;
  return `seeding ${view.name}: ${peers(view)}, up ${formatBytes(view.uploadRate)}/s, sent ${formatBytes(view.uploaded)}`;
}

/**
 * Writes a status line: on a terminal it is redrawn in place (at most every 200 ms), elsewhere
 * a new line is written when it changes, at most once a second (logs stay readable).
 */
export class ProgressLine {
  private last = '';
  private lastAt = 0;

  constructor(
    private readonly out: NodeJS.WriteStream,
    private readonly now: () => number = Date.now,
  ) {}

  update(line: string, force = false): void {
    const tty = this.out.isTTY === true;
    const at = this.now();
    if (!force && (line === this.last || at - this.lastAt < (tty ? 200 : 1000))) return;
    this.last = line;
    this.lastAt = at;
    if (tty) this.out.write(`\r\x1b[2K${line}`);
    else this.out.write(`${line}\n`);
  }

  /** Ends the line (on a terminal) so what follows starts on its own. */
  done(): void {
    if (this.out.isTTY === true && this.last !== '') this.out.write('\n');
  }
}
