import { LitElement, css, html, nothing } from 'lit';
import type { TransferView } from '../app/status.js';
import { formatBytes, formatRate } from './format.js';
import './ts-qr-code.js';
import './ts-piece-map.js';
import './ts-peer-table.js';
import './ts-media-preview.js';

const STATE_TEXT: Record<TransferView['state'], string> = {
  hashing: 'Preparing',
  metadata: 'Finding peers and file info',
  downloading: 'Downloading',
  seeding: 'Seeding',
  paused: 'Paused',
  failed: 'Failed',
};

/**
 * One transfer: the link with copy button and QR code, progress, speed, peers, piece map and
 * peer table. Emits `save-file`, `save-torrent` and `copy-link` with `detail: infoHash`.
 */
export class TsTransfer extends LitElement {
  static override properties = {
    transfer: { attribute: false },
    canCopy: { attribute: false },
    copied: { state: true },
  };
  declare transfer: TransferView;
  /** Whether the page has the Clipboard API; without it there is no Copy button (the link can be selected). */
  declare canCopy: boolean;
  declare copied: boolean;

  constructor() {
    super();
    this.canCopy = true;
    this.copied = false;
  }

  static override styles = css`
    :host {
      display: block;
      border: 1px solid #ccd3dd;
      border-radius: 10px;
      padding: 1rem;
      margin: 1rem 0;
    }
    .row {
      display: flex;
      gap: 1rem;
      align-items: flex-start;
    }
    .main {
      flex: 1;
      min-width: 0;
    }
    h2 {
      font-size: 1.1rem;
      margin: 0 0 0.4rem;
      overflow-wrap: anywhere;
    }
    .link {
      display: flex;
      gap: 0.4rem;
      margin: 0.5rem 0;
    }
    .link input {
      flex: 1;
      font-family: monospace;
      font-size: 0.75rem;
    }
    progress {
      width: 100%;
      height: 1rem;
    }
    .stats {
      display: flex;
      flex-wrap: wrap;
      gap: 0.2rem 1.2rem;
      font-size: 0.9rem;
      color: #334;
    }
    .error {
      color: #b00020;
    }
    details {
      margin-top: 0.5rem;
    }
  `;

  override render() {
    const t = this.transfer;
    const ratio = t.downloaded > 0 ? (t.uploaded / t.downloaded).toFixed(2) : '—';
    const canSave = t.state === 'seeding' && t.length > 0;
    return html`<div class="row" data-testid="transfer" data-infohash=${t.infoHash} data-state=${t.state}>
      <div class="main">
        <h2 data-testid="transfer-name">${t.name || t.infoHash}</h2>
        <div class="link">
          <input readonly data-testid="magnet-link" .value=${t.magnet} @focus=${this.selectAll} />
          ${
            this.canCopy
              ? html`<button data-testid="copy-link" @click=${this.copy}>
                  ${this.copied ? 'Copied' : 'Copy link'}
                </button>`
              : nothing
          }
          ${canSave ? html`<button data-testid="save-file" @click=${this.save}>Save file</button>` : nothing}
          ${
            t.state === 'hashing' || t.state === 'metadata'
              ? nothing
              : html`<button data-testid="save-torrent" @click=${this.saveTorrent}>Download .torrent</button>`
          }
        </div>
        <progress max="1" .value=${t.progress} data-testid="progress"></progress>
        <div class="stats">
          <span data-testid="transfer-state">${STATE_TEXT[t.state]}</span>
          <span>${Math.floor(t.progress * 1000) / 10}%</span>
          <span>${formatBytes(t.verifiedBytes)} of ${t.length ? formatBytes(t.length) : '?'}</span>
          <span>↓ ${formatRate(t.downloadRate)}</span>
          <span>↑ ${formatRate(t.uploadRate)}</span>
          <span data-testid="peer-count">${t.peers.length} peer${t.peers.length === 1 ? '' : 's'}</span>
          <span>received ${formatBytes(t.downloaded)}, sent ${formatBytes(t.uploaded)}, ratio ${ratio}</span>
        </div>
        ${t.error ? html`<p class="error" data-testid="transfer-error">${t.error.message}</p>` : nothing}
        ${t.media ? html`<ts-media-preview .media=${t.media}></ts-media-preview>` : nothing}
        <ts-piece-map .states=${t.pieceStates} .availability=${t.availability}></ts-piece-map>
        <details>
          <summary>Peers</summary>
          <ts-peer-table .peers=${t.peers} .banned=${t.banned}></ts-peer-table>
        </details>
      </div>
      <ts-qr-code .text=${t.magnet}></ts-qr-code>
    </div>`;
  }

  private selectAll(e: Event): void {
    (e.target as HTMLInputElement).select();
  }

  private copy(): void {
    this.copied = true;
    setTimeout(() => (this.copied = false), 1500);
    this.dispatchEvent(
      new CustomEvent('copy-link', { detail: this.transfer.magnet, bubbles: true, composed: true }),
    );
  }

  private saveTorrent(): void {
    this.dispatchEvent(
      new CustomEvent('save-torrent', { detail: this.transfer.infoHash, bubbles: true, composed: true }),
    );
  }

  private save(): void {
    this.dispatchEvent(
      new CustomEvent('save-file', { detail: this.transfer.infoHash, bubbles: true, composed: true }),
    );
  }
}
customElements.define('ts-transfer', TsTransfer);
