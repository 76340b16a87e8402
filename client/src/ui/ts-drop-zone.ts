import { LitElement, css, html } from 'lit';
import { droppedFiles, pickedFiles, type ChosenFile } from './dropped-files.js';

/** What `files-chosen` carries: the files, and the trackers typed beside the drop zone. */
export interface FilesChosen {
  files: File[];
  /** The same files with their folder paths (a dropped or picked folder's files keep theirs). */
  chosen: ChosenFile[];
  /** Extra tracker URLs for these shares (their magnets list them, the tab announces to them). */
  trackers: string[];
}

/**
 * Where a person drops or picks files to share (or .torrent files to download), with an optional
 * field of extra trackers (URLs separated by spaces or commas). Emits `files-chosen` with
 * `detail: FilesChosen`.
 */
export class TsDropZone extends LitElement {
  static override properties = { dragging: { state: true }, trackers: { state: true } };
  declare dragging: boolean;
  declare trackers: string;

  constructor() {
    super();
    this.dragging = false;
    this.trackers = '';
  }

  static override styles = css`
    label {
      display: block;
      border: 2px dashed #7a8aa0;
      border-radius: 10px;
      padding: 2rem;
      text-align: center;
      cursor: pointer;
      color: #334;
    }
    label.dragging {
      background: #e8f0ff;
      border-color: #3366cc;
    }
    input[type='file'] {
      display: none;
    }
    label.folder {
      border: none;
      padding: 0;
      text-align: left;
      margin-top: 0.4rem;
      font-size: 0.9rem;
      cursor: pointer;
    }
    label.folder span {
      text-decoration: underline;
      color: #1a4fb0;
    }
    .trackers {
      display: flex;
      gap: 0.5rem;
      margin-top: 0.4rem;
      font-size: 0.9rem;
    }
    .trackers input {
      flex: 1;
    }
  `;

  override render() {
    return html`<label
        class=${this.dragging ? 'dragging' : ''}
        data-testid="drop-zone"
        @dragover=${this.onDragOver}
        @dragleave=${() => (this.dragging = false)}
        @drop=${this.onDrop}
      >
        <strong>Drop a file here</strong> or click to choose one to share (a .torrent file downloads)
        <input type="file" data-testid="file-input" multiple @change=${this.onPick} />
      </label>
      <label class="folder"
        ><input type="file" data-testid="folder-input" webkitdirectory @change=${this.onPick} />
        <span role="button">Pick a folder</span> to share it, subfolders and all, as one link</label
      >
      <label class="trackers"
        >Also announce to trackers
        <input
          type="text"
          data-testid="share-trackers"
          placeholder="wss://tracker.example.org (optional; several separated by spaces)"
          .value=${this.trackers}
          @input=${(e: Event) => (this.trackers = (e.target as HTMLInputElement).value)}
      /></label>`;
  }

  private onDragOver(e: DragEvent): void {
    e.preventDefault();
    this.dragging = true;
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    this.dragging = false;
    // Entries must be taken while the event runs; the walk goes on after it.
    void droppedFiles(e.dataTransfer).then((chosen) => this.choose(chosen));
  }

  private onPick(e: Event): void {
    const input = e.target as HTMLInputElement;
    this.choose(pickedFiles(input.files));
    input.value = '';
  }

  private choose(chosen: ChosenFile[]): void {
    if (chosen.length === 0) return;
    const trackers = this.trackers.split(/[\s,]+/).filter((t) => t !== '');
    const detail: FilesChosen = { files: chosen.map((c) => c.file), chosen, trackers };
    this.dispatchEvent(new CustomEvent('files-chosen', { detail, bubbles: true, composed: true }));
  }
}
customElements.define('ts-drop-zone', TsDropZone);
