import { LitElement, css, html, nothing } from 'lit';
import type { TransferView } from '../app/status.js';
import type { StorageView } from '../app/storage-status.js';
import { formatBytes, formatStorage } from './format.js';

/** What the page says about persistence, by what the browser answered. */
function persistenceText(s: StorageView): string {
  if (s.persisted === true) return 'Kept: the browser will not clear these files to free space.';
  if (!s.canPersist)
    return 'This browser does not offer persistent storage here: it may clear these files when space runs low.';
  if (s.asked)
    return 'The browser did not grant persistent storage: it may clear these files when space runs low.';
  return 'The browser may clear these files when space runs low; tabswarm asks it to keep them when you first share a file.';
}

/**
 * Everything this browser keeps for tabswarm: each transfer with the bytes it stores, the storage
 * used and available, and whether the browser keeps it under pressure.
 */
export class TsStorage extends LitElement {
  static override properties = { storage: { attribute: false }, transfers: { attribute: false } };
  declare storage: StorageView;
  declare transfers: TransferView[];

  constructor() {
    super();
    this.storage = { asked: false, canPersist: false };
    this.transfers = [];
  }

  static override styles = css`
    :host {
      display: block;
      margin: 1rem 0;
    }
    h2 {
      font-size: 1.05rem;
      margin: 0 0 0.3rem;
    }
    p {
      margin: 0.2rem 0;
      font-size: 0.9rem;
    }
    ul {
      margin: 0.3rem 0;
      padding-left: 1.2rem;
      font-size: 0.9rem;
    }
    li {
      overflow-wrap: anywhere;
    }
    .muted {
      color: var(--muted);
    }
  `;

  override render() {
    const kept = this.transfers.filter((t) => t.state !== 'hashing');
    const total = kept.reduce((n, t) => n + t.storedBytes, 0);
    return html`<section aria-labelledby="storage-heading" data-testid="storage">
      <h2 id="storage-heading">Kept in this browser</h2>
      <p data-testid="storage-figures">${formatStorage(this.storage.usage, this.storage.quota)}</p>
      <p data-testid="storage-persistence" data-persisted=${String(this.storage.persisted ?? 'unknown')}>
        ${persistenceText(this.storage)}
      </p>
      ${
        kept.length === 0
          ? html`<p class="muted" data-testid="kept-empty">Nothing yet.</p>`
          : html`<ul data-testid="kept-list">
                ${kept.map(
                  (t) =>
                    html`<li data-testid="kept" data-infohash=${t.infoHash}>
                      ${t.name || t.infoHash} — ${formatBytes(t.storedBytes)}
                      ${t.length > 0 && t.storedBytes < t.length ? html`of ${formatBytes(t.length)}` : nothing}
                      <span class="muted"
                        >(${t.state === 'paused' ? 'paused' : t.state === 'seeding' ? 'shared' : 'downloading'})</span
                      >
                    </li>`,
                )}
              </ul>
              <p class="muted">
                ${formatBytes(total)} in ${kept.length} file${kept.length === 1 ? '' : 's'}; remove one with
                its Remove button.
              </p>`
      }
    </section>`;
  }
}
customElements.define('ts-storage', TsStorage);
