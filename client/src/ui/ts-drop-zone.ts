import { LitElement, css, html } from 'lit';

/**
 * Where a person drops or picks files to share, or .torrent files to download. Emits
 * `files-chosen` with `detail: File[]`.
 */
export class TsDropZone extends LitElement {
  static override properties = { dragging: { state: true } };
  declare dragging: boolean;

  constructor() {
    super();
    this.dragging = false;
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
    input {
      display: none;
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
    </label>`;
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
    this.dispatchEvent(new CustomEvent('files-chosen', { detail: files, bubbles: true, composed: true }));
  }
}
customElements.define('ts-drop-zone', TsDropZone);
