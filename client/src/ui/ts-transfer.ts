import { LitElement, css, html, nothing } from 'lit';
import type { TransferView } from '../app/status.js';
import { formatBytes, formatDuration, formatRate } from './format.js';
import { closeDetailsOnEscape, controls } from './theme.js';
import './ts-qr-code.js';
import './ts-piece-map.js';
import './ts-peer-table.js';
import './ts-file-list.js';
import './ts-media-preview.js';

const STATE_TEXT: Record<TransferView['state'], string> = {
  hashing: 'Preparing',
  metadata: 'Finding peers and file info',
  downloading: 'Downloading',
  seeding: 'Seeding',
  paused: 'Paused',
  failed: 'Failed',
};

/** How long "Copied" shows on a copy button. */
const COPIED_MS = 1500;

/**
 * One transfer: its share link (the page's address with the magnet in the fragment) with a copy
 * button and a QR code, the plain magnet and the .torrent for torrent apps, progress, time left,
 * speed, peers, piece map and peer table, and what a person can do with it. Emits, with
 * `detail: infoHash`: `save-file`, `save-torrent`, `pause-transfer`, `resume-transfer`,
 * `remove-transfer`; and `copy-link` with `detail: text` (the share link or the magnet).
 */
export class TsTransfer extends LitElement {
  static override properties = {
    transfer: { attribute: false },
    shareLink: { attribute: false },
    canCopy: { attribute: false },
    copied: { state: true },
    confirming: { state: true },
  };
  declare transfer: TransferView;
  /** The link to pass on; '' while the file is being prepared. */
  declare shareLink: string;
  /** Whether the page has the Clipboard API; without it there is no Copy button (the link can be selected). */
  declare canCopy: boolean;
  /** Which link was copied a moment ago. */
  declare copied: '' | 'link' | 'magnet';
  /** Whether "Remove" is waiting for the person to confirm. */
  declare confirming: boolean;

  constructor() {
    super();
    this.shareLink = '';
    this.canCopy = true;
    this.copied = '';
    this.confirming = false;
  }

  static override styles = [
    controls,
    css`
      :host {
        display: block;
        border: 1px solid var(--border);
        border-radius: 10px;
        padding: 1rem;
        margin: 1rem 0;
        background: var(--surface);
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 1rem;
        align-items: flex-start;
      }
      .main {
        flex: 1 1 16rem;
        min-width: 0;
      }
      h2 {
        font-size: 1.1rem;
        margin: 0 0 0.4rem;
        overflow-wrap: anywhere;
      }
      .hint {
        font-size: 0.85rem;
        color: var(--muted);
      }
      .link,
      .other,
      .actions,
      .confirm {
        display: flex;
        flex-wrap: wrap;
        gap: 0.4rem;
        align-items: center;
        margin: 0.4rem 0;
      }
      .link input {
        flex: 1 1 12rem;
        font-family: monospace;
        font-size: 0.8rem;
      }
      .other input {
        flex: 1 1 8rem;
        font-family: monospace;
        font-size: 0.75rem;
      }
      .other {
        font-size: 0.85rem;
        color: var(--muted);
      }
      progress {
        width: 100%;
        height: 1rem;
        accent-color: var(--accent);
      }
      .stats {
        display: flex;
        flex-wrap: wrap;
        gap: 0.2rem 1.2rem;
        font-size: 0.9rem;
        color: var(--muted);
      }
      .error {
        color: var(--error);
      }
      .confirm {
        padding: 0.5rem;
        border-radius: 6px;
        background: var(--error-bg);
        color: var(--error-fg);
      }
      details {
        margin-top: 0.5rem;
      }
      ts-qr-code {
        flex: 0 0 auto;
      }
    `,
  ];

  override render() {
    const t = this.transfer;
    const ratio = t.downloaded > 0 ? (t.uploaded / t.downloaded).toFixed(2) : '—';
    const canSave = t.state === 'seeding' && t.length > 0;
    const hashing = t.state === 'hashing';
    const nameId = `name-${t.infoHash}`;
    return html`<article
      class="row"
      data-testid="transfer"
      data-infohash=${t.infoHash}
      data-state=${t.state}
      aria-labelledby=${nameId}
      @keydown=${this.onKeydown}
    >
      <div class="main">
        <h2 id=${nameId} data-testid="transfer-name">${t.name || t.infoHash}</h2>
        ${hashing ? nothing : this.renderLinks(t)}
        <progress
          max="1"
          .value=${t.progress}
          data-testid="progress"
          aria-label="Progress of ${t.name}"
        ></progress>
        <div class="stats">
          <span data-testid="transfer-state">${STATE_TEXT[t.state]}</span>
          <span>${Math.floor(t.progress * 1000) / 10}%</span>
          <span>${formatBytes(t.verifiedBytes)} of ${t.length ? formatBytes(t.length) : '?'}</span>
          ${
            t.secondsLeft === undefined
              ? nothing
              : html`<span data-testid="time-left">${formatDuration(t.secondsLeft)} left</span>`
          }
          <span
            ><span aria-hidden="true">↓</span>
            <span class="visually-hidden">down</span> ${formatRate(t.downloadRate)}</span
          >
          <span
            ><span aria-hidden="true">↑</span>
            <span class="visually-hidden">up</span> ${formatRate(t.uploadRate)}</span
          >
          <span data-testid="peer-count">${t.peers.length} peer${t.peers.length === 1 ? '' : 's'}</span>
          <span>received ${formatBytes(t.downloaded)}, sent ${formatBytes(t.uploaded)}, ratio ${ratio}</span>
        </div>
        ${hashing ? nothing : this.renderActions(t, canSave)}
        ${t.error ? html`<p class="error" data-testid="transfer-error">${t.error.message}</p>` : nothing}
        ${t.media ? html`<ts-media-preview .media=${t.media}></ts-media-preview>` : nothing}
        ${
          t.files && t.files.length > 1
            ? html`<ts-file-list .files=${t.files} .infoHash=${t.infoHash}></ts-file-list>`
            : nothing
        }
        <ts-piece-map .states=${t.pieceStates} .availability=${t.availability}></ts-piece-map>
        <details>
          <summary>Peers</summary>
          <ts-peer-table .peers=${t.peers} .banned=${t.banned}></ts-peer-table>
        </details>
      </div>
      ${hashing ? nothing : html`<ts-qr-code .text=${this.shareLink} .label=${`QR code of the link to ${t.name}`}></ts-qr-code>`}
    </article>`;
  }

  private renderLinks(t: TransferView) {
    const shareId = `share-${t.infoHash}`;
    return html`<label class="hint" for=${shareId}
        >Link to pass on: it opens tabswarm and downloads the file</label
      >
      <div class="link">
        <input
          id=${shareId}
          readonly
          data-testid="share-link"
          .value=${this.shareLink}
          @focus=${this.selectAll}
        />
        ${
          this.canCopy
            ? html`<button
                class="primary"
                data-testid="copy-link"
                @click=${() => this.copy('link', this.shareLink)}
              >
                ${this.copied === 'link' ? 'Copied' : 'Copy link'}
              </button>`
            : nothing
        }
      </div>
      <div class="other">
        <span>For torrent apps:</span>
        <input
          readonly
          aria-label="Magnet link"
          data-testid="magnet-link"
          .value=${t.magnet}
          @focus=${this.selectAll}
        />
        ${
          this.canCopy
            ? html`<button data-testid="copy-magnet" @click=${() => this.copy('magnet', t.magnet)}>
                ${this.copied === 'magnet' ? 'Copied' : 'Copy magnet'}
              </button>`
            : nothing
        }
        ${
          t.state === 'metadata'
            ? nothing
            : html`<button data-testid="save-torrent" @click=${() => this.send('save-torrent')}>
                Download .torrent
              </button>`
        }
      </div>
      <span class="visually-hidden" role="status">${this.copied ? 'Copied to the clipboard' : ''}</span>`;
  }

  private renderActions(t: TransferView, canSave: boolean) {
    const done = t.progress >= 1;
    // A transfer the tab paused itself (storage full) resumes on reload, not here.
    const toggle =
      t.state === 'paused'
        ? t.error
          ? nothing
          : html`<button data-testid="resume" @click=${() => this.send('resume-transfer')}>
              ${done ? 'Share again' : 'Resume'}
            </button>`
        : html`<button data-testid="pause" @click=${() => this.send('pause-transfer')}>
            ${t.state === 'seeding' ? 'Stop sharing' : 'Pause'}
          </button>`;
    return html`<div class="actions">
        ${
          canSave
            ? html`<button class="primary" data-testid="save-file" @click=${() => this.send('save-file')}>
                ${t.files && t.files.length > 1 ? 'Save files' : 'Save file'}
              </button>`
            : nothing
        }
        ${toggle}
        <button
          class="danger"
          data-testid="remove"
          aria-expanded=${this.confirming ? 'true' : 'false'}
          @click=${() => (this.confirming = true)}
        >
          Remove…
        </button>
      </div>
      ${
        this.confirming
          ? html`<div class="confirm" role="group" aria-label="Confirm removal" data-testid="confirm-remove">
              <span
                >Delete “${t.name}” from this browser? It stops sharing and its stored pieces are
                deleted.</span
              >
              <button class="danger" data-testid="confirm-remove-yes" @click=${this.confirmRemove}>
                Delete
              </button>
              <button data-testid="confirm-remove-no" @click=${this.cancelRemove}>Keep</button>
            </div>`
          : nothing
      }`;
  }

  override updated(changed: Map<string, unknown>): void {
    // The confirmation takes the focus when it opens, so a keyboard user lands on its choices.
    if (changed.has('confirming') && this.confirming)
      this.renderRoot.querySelector<HTMLButtonElement>('[data-testid=confirm-remove-no]')?.focus();
  }

  private onKeydown(e: KeyboardEvent): void {
    if (e.key === 'Escape' && this.confirming) {
      e.stopPropagation();
      this.cancelRemove();
      return;
    }
    closeDetailsOnEscape(e);
  }

  private cancelRemove(): void {
    this.confirming = false;
    void this.updateComplete.then(() =>
      this.renderRoot.querySelector<HTMLButtonElement>('[data-testid=remove]')?.focus(),
    );
  }

  private confirmRemove(): void {
    this.confirming = false;
    this.send('remove-transfer');
  }

  private selectAll(e: Event): void {
    (e.target as HTMLInputElement).select();
  }

  private copy(which: 'link' | 'magnet', text: string): void {
    this.copied = which;
    setTimeout(() => (this.copied = ''), COPIED_MS);
    this.dispatchEvent(new CustomEvent('copy-link', { detail: text, bubbles: true, composed: true }));
  }

  private send(
    type: 'save-file' | 'save-torrent' | 'pause-transfer' | 'resume-transfer' | 'remove-transfer',
  ): void {
    this.dispatchEvent(
      new CustomEvent(type, { detail: this.transfer.infoHash, bubbles: true, composed: true }),
    );
  }
}
customElements.define('ts-transfer', TsTransfer);
