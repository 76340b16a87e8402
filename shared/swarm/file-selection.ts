import { fileSpans, piecesForFiles } from '../files/file-layout.js';
import type { InfoDictionary } from '../info-dictionary.js';
import type { DownloadPipeline } from './download-pipeline.js';
import type { PiecePicker } from './piece-picker.js';
import type { SwarmCore } from './swarm-core.js';

/**
 * The swarm's side of choosing files: which pieces are wanted (those holding the chosen files'
 * bytes, or every piece), and the `complete` event, reported once each time every wanted piece
 * is stored. A choice made before the info dictionary is known is kept and applied when it comes.
 */
export class FileSelection {
  /** Positions in the info dictionary's `files` (undefined: every file). */
  private chosen: readonly number[] | undefined;
  /** `complete` was reported and nothing wanted has gone missing since. */
  private completeAnnounced = false;

  constructor(
    private readonly core: SwarmCore,
    private readonly download: DownloadPipeline,
    chosen: readonly number[] | undefined,
  ) {
    this.chosen = chosen;
  }

  /** Every wanted piece is stored (every piece, when no files were chosen). */
  get finished(): boolean {
    return this.core.picker?.finished ?? false;
  }

  /** A new picker takes the chosen files' pieces; one that starts finished reports nothing. */
  applyTo(picker: PiecePicker, info: InfoDictionary): void {
    const wanted = this.wantedPieces(info);
    if (wanted) picker.setWanted(wanted);
    this.completeAnnounced = picker.finished;
  }

  /** See Swarm.setWanted. */
  setWanted(pieces: Iterable<number> | undefined, now: number): void {
    const core = this.core;
    const picker = core.picker;
    if (!picker) return;
    picker.setWanted(pieces);
    for (const p of core.peers.values())
      if (p.wire.peerPieces.size !== undefined) this.download.recountWants(p, now);
    if (!picker.finished) this.completeAnnounced = false;
    else this.announceIfFinished();
    this.download.refillAll(now);
  }

  /** See Swarm.selectFiles. */
  select(indexes: readonly number[] | undefined, now: number): void {
    this.chosen = indexes === undefined ? undefined : [...indexes];
    const info = this.core.info;
    if (info) this.setWanted(this.wantedPieces(info), now);
  }

  /**
   * Storage lost piece `index`: if it is wanted, the transfer is no longer complete, and
   * `complete` is reported again once it is stored again (the host went back to downloading).
   */
  pieceLost(index: number): void {
    if (this.core.picker?.isWanted(index)) this.completeAnnounced = false;
  }

  /** Reports `complete` once every wanted piece is stored, if not reported already. */
  announceIfFinished(): void {
    if (!this.finished || this.completeAnnounced) return;
    this.completeAnnounced = true;
    this.core.event({ type: 'complete' });
  }

  /** The pieces of the chosen files, or undefined when every file is wanted. */
  private wantedPieces(info: InfoDictionary): Set<number> | undefined {
    return this.chosen === undefined ? undefined : piecesForFiles(fileSpans(info), this.chosen);
  }
}
