import { LitElement, css, html, nothing } from 'lit';
import type { FileView } from '../app/status.js';
import { formatBytes } from './format.js';

/** Rows shown at once: a folder of 10,000 files renders one page, not 10,000 rows. */
export const FILE_PAGE_SIZE = 100;

/** What `select-files` carries: the transfer and the indexes of the files now chosen. */
export interface FilesSelected {
  infoHash: string;
  indexes: number[];
}

/**
 * The files of a transfer, a page at a time: each with a box to choose it for download, its path,
 * size and progress, and a note when saving changes or refuses its name. Emits `select-files`
 * with `detail: FilesSelected`.
 */
export class TsFileList extends LitElement {
  static override properties = {
    files: { attribute: false },
    infoHash: { attribute: false },
    page: { state: true },
  };
  declare files: FileView[];
  declare infoHash: string;
  declare page: number;

  constructor() {
    super();
    this.files = [];
    this.infoHash = '';
    this.page = 0;
  }

  static override styles = css`
    :host {
      display: block;
      margin-top: 0.5rem;
      font-size: 0.85rem;
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    td {
      padding: 0.1rem 0.3rem;
      border-bottom: 1px solid #eef;
    }
    td.path {
      overflow-wrap: anywhere;
    }
    td.num {
      text-align: right;
      white-space: nowrap;
    }
    .note {
      color: #8a5a00;
      font-size: 0.8rem;
    }
    .bar {
      display: flex;
      gap: 0.5rem;
      align-items: center;
      margin: 0.3rem 0;
    }
  `;

  override render() {
    const files = this.files;
    const pages = Math.max(1, Math.ceil(files.length / FILE_PAGE_SIZE));
    const page = Math.min(this.page, pages - 1);
    const shown = files.slice(page * FILE_PAGE_SIZE, (page + 1) * FILE_PAGE_SIZE);
    let chosen = 0;
    for (const f of files) if (f.selected) chosen++;
    return html`<div class="bar">
        <span data-testid="file-count">${files.length} files, ${chosen} chosen</span>
        <button data-testid="choose-all" @click=${() => this.emit(files.map((f) => f.index))}>All</button>
        <button data-testid="choose-none" @click=${() => this.emit([])}>None</button>
        ${
          pages > 1
            ? html`<button ?disabled=${page === 0} @click=${() => (this.page = page - 1)}>‹</button>
                <span data-testid="file-page">page ${page + 1} of ${pages}</span>
                <button
                  data-testid="next-page"
                  ?disabled=${page === pages - 1}
                  @click=${() => (this.page = page + 1)}
                >
                  ›
                </button>`
            : nothing
        }
      </div>
      <table>
        <tbody>
          ${shown.map(
            (f) =>
              html`<tr data-testid="file-row" data-index=${f.index}>
                <td>
                  <input
                    type="checkbox"
                    aria-label=${`Download ${f.path}`}
                    data-testid="file-choose"
                    .checked=${f.selected}
                    @change=${(e: Event) => this.toggle(f.index, (e.target as HTMLInputElement).checked)}
                  />
                </td>
                <td class="path">
                  ${f.path}${f.note ? html`<div class="note" data-testid="file-note">${f.note}</div>` : nothing}
                </td>
                <td class="num">${formatBytes(f.length)}</td>
                <td class="num" data-testid="file-progress">
                  ${f.length > 0 ? Math.floor((f.verifiedBytes / f.length) * 100) : 100}%
                </td>
              </tr>`,
          )}
        </tbody>
      </table>`;
  }

  private toggle(index: number, on: boolean): void {
    const indexes = this.files.filter((f) => (f.index === index ? on : f.selected)).map((f) => f.index);
    this.emit(indexes);
  }

  private emit(indexes: number[]): void {
    const detail: FilesSelected = { infoHash: this.infoHash, indexes };
    this.dispatchEvent(new CustomEvent('select-files', { detail, bubbles: true, composed: true }));
  }
}
customElements.define('ts-file-list', TsFileList);
