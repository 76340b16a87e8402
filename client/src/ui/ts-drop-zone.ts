import { LitElement, css, html } from 'lit';

/** What `files-chosen` carries: the files, and the trackers typed beside the drop zone. */
export interface FilesChosen {
  files: File[];
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
      <label class="trackers"
        >Also announce to trackers
        <input
          type="text"
          data-testid="share-trackers"
          placeholder="wss://tracker.example.org (optional; several separated by spaces)"
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

  private onDragOver(e: DragEvent): void {
    e.preventDefault();
    this.dragging = true;
  }

  private onDrop(e: DragEvent): void {
    e.preventDefault();
    this.dragging = false;
    this.choose([...(e.dataTransfer?.files ?? [])]);
  }

  private onPick(e: Event): void {
    const input = e.target as HTMLInputElement;
    this.choose([...(input.files ?? [])]);
    input.value = '';
  }

  private choose(files: File[]): void {
    if (files.length === 0) return;
    const trackers = this.trackers.split(/[\s,]+/).filter((t) => t !== '');
    const detail: FilesChosen = {
      files,
      trackers,
      listing: { listInSearch: this.listInSearch, title: this.title },
    };
    this.dispatchEvent(new CustomEvent('files-chosen', { detail, bubbles: true, composed: true }));
  }
}
customElements.define('ts-drop-zone', TsDropZone);
