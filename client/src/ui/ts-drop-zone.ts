import { LitElement, css, html } from 'lit';
import { droppedFiles, pickedFiles, type ChosenFile } from './dropped-files.js';
import { controls } from './theme.js';

/** What `files-chosen` carries: the files, and the trackers typed beside the drop zone. */
export interface FilesChosen {
  files: File[];
  /** The same files with their folder paths (a dropped or picked folder's files keep theirs). */
  chosen: ChosenFile[];
  /** Extra tracker URLs for these shares (their magnets list them, the tab announces to them). */
  trackers: string[];
  /** "List in search" (off by default) and the title typed for it (empty: each file's name). */
  listing: { listInSearch: boolean; title: string };
}

/**
 * Where a person drops or picks files to share (or .torrent files to download), with an optional
 * field of extra trackers (URLs separated by spaces or commas). Emits `files-chosen` with
 * `detail: FilesChosen`.
 */
export class TsDropZone extends LitElement {
  static override properties = {
    dragging: { state: true },
    trackers: { state: true },
    listInSearch: { state: true },
    title: { state: true },
  };
  declare dragging: boolean;
  declare trackers: string;
  declare listInSearch: boolean;
  declare title: string;

  constructor() {
    super();
    this.dragging = false;
    this.trackers = '';
    this.listInSearch = false;
    this.title = '';
  }

  static override styles = [
    controls,
    css`
      .zone {
        display: block;
        width: 100%;
        border: 2px dashed var(--border);
        border-radius: 10px;
        padding: 2rem 1rem;
        text-align: center;
        background: var(--surface);
        color: var(--fg);
        line-height: 1.4;
      }
      .zone.dragging {
        background: var(--notice-bg);
        border-color: var(--accent);
      }
      input[type='file'] {
        display: none;
      }
      .folder {
        margin-top: 0.4rem;
        font-size: 0.9rem;
      }
      .trackers {
        display: flex;
        flex-wrap: wrap;
        gap: 0.2rem 0.5rem;
        margin-top: 0.4rem;
        font-size: 0.9rem;
        color: var(--muted);
      }
      .trackers input {
        flex: 1 1 12rem;
      }
    `,
  ];

  override render() {
    // A real button: Tab reaches it, Enter or Space opens the file picker; dropping works on it too.
    return html`<button
        type="button"
        class="zone ${this.dragging ? 'dragging' : ''}"
        data-testid="drop-zone"
        @click=${this.openPicker}
        @dragover=${this.onDragOver}
        @dragleave=${() => (this.dragging = false)}
        @drop=${this.onDrop}
      >
        <strong>Drop a file here</strong> or press to choose one to share (a .torrent file downloads)
      </button>
      <input
        type="file"
        data-testid="file-input"
        multiple
        tabindex="-1"
        aria-hidden="true"
        @change=${this.onPick}
      />
      <p class="folder">
        <button type="button" data-testid="folder-button" @click=${this.openFolderPicker}>
          Pick a folder
        </button>
        to share it, subfolders and all, as one link
      </p>
      <input
        type="file"
        data-testid="folder-input"
        webkitdirectory
        tabindex="-1"
        aria-hidden="true"
        @change=${this.onPick}
      />
      <label class="trackers"
        >Also announce to trackers
        <input
          type="text"
          data-testid="share-trackers"
          placeholder="wss://tracker.example.org (optional)"
          .value=${this.trackers}
          @input=${(e: Event) => (this.trackers = (e.target as HTMLInputElement).value)}
      /></label>
      <div class="trackers">
        <label
          ><input
            type="checkbox"
            data-testid="list-in-search"
            .checked=${this.listInSearch}
            @change=${(e: Event) => (this.listInSearch = (e.target as HTMLInputElement).checked)}
          />
          List in search</label
        >
        <input
          type="text"
          aria-label="Title in search"
          data-testid="search-title"
          placeholder="Title in search (default: the file name)"
          ?disabled=${!this.listInSearch}
          .value=${this.title}
          @input=${(e: Event) => (this.title = (e.target as HTMLInputElement).value)}
        />
      </div>`;
  }

  private openPicker(): void {
    this.renderRoot.querySelector<HTMLInputElement>('input[type=file]')?.click();
  }

  private openFolderPicker(): void {
    this.renderRoot.querySelector<HTMLInputElement>('[data-testid=folder-input]')?.click();
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
    const detail: FilesChosen = {
      files: chosen.map((c) => c.file),
      chosen,
      trackers,
      listing: { listInSearch: this.listInSearch, title: this.title },
    };
    this.dispatchEvent(new CustomEvent('files-chosen', { detail, bubbles: true, composed: true }));
  }
}
customElements.define('ts-drop-zone', TsDropZone);
