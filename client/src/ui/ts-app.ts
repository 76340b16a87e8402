import { LitElement, css, html } from 'lit';
import { insecureContextFeatures, type PageCapabilities } from '../app/page-features.js';
import type { TabNode } from '../app/tab-node.js';
import { NodeController } from './node-controller.js';
import { shortId } from './format.js';
import type { FilesChosen } from './ts-drop-zone.js';
import './ts-drop-zone.js';
import './ts-open-link.js';
import './ts-transfer.js';
import './ts-notices.js';
import './ts-dht-panel.js';
import './ts-search.js';
import type { SearchResult } from '../../../shared/search/search-results.js';
import './ts-insecure-context.js';

const SERVER_TEXT = {
  connecting: 'connecting to server…',
  online: 'server online',
  offline: 'server offline',
};

/**
 * The page. Renders the node's view; turns events from its children into calls on the node.
 */
export class TsApp extends LitElement {
  static override properties = { node: { attribute: false }, capabilities: { attribute: false } };
  declare node: TabNode;
  /** What the browser gives this page (see page-features.ts); every feature that needs one checks it. */
  declare capabilities: PageCapabilities;
  private controller: NodeController | undefined;

  static override styles = css`
    :host {
      display: block;
      max-width: 60rem;
      margin: 0 auto;
      padding: 1rem;
      font-family: system-ui, sans-serif;
    }
    header {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
    }
    h1 {
      font-size: 1.4rem;
    }
    .meta {
      font-size: 0.85rem;
      color: #556;
    }
    .offline {
      color: #b00020;
    }
  `;

  override connectedCallback(): void {
    this.controller ??= new NodeController(this, this.node);
    super.connectedCallback();
  }

  override render() {
    const v = this.controller!.view;
    return html`<header>
        <h1>tabswarm</h1>
        <span class="meta">
          peer <code data-testid="peer-id">${shortId(v.peerId)}</code> ·
          <span class=${v.server === 'offline' ? 'offline' : ''} data-testid="server-state"
            >${SERVER_TEXT[v.server]}</span
          >
          · ${v.connections}/${v.connectionBudget} connections
        </span>
      </header>
      <ts-insecure-context
        .features=${insecureContextFeatures(this.capabilities)}
        .origin=${location.origin}
      ></ts-insecure-context>
      <ts-notices
        .notices=${v.notices}
        @dismiss-notice=${(e: CustomEvent<number>) => this.node.dismissNotice(e.detail)}
      ></ts-notices>
      <ts-drop-zone @files-chosen=${(e: CustomEvent<FilesChosen>) => this.onFiles(e.detail)}></ts-drop-zone>
      <p><ts-open-link @open-link=${(e: CustomEvent<string>) => this.onLink(e.detail)}></ts-open-link></p>
      <ts-search
        .view=${v.search}
        @search=${(e: CustomEvent<string>) => void this.node.search.search(e.detail).catch(() => {})}
        @open-result=${(e: CustomEvent<SearchResult>) => this.onLink(this.node.search.magnetOf(e.detail))}
      ></ts-search>
      <section
        @save-file=${(e: CustomEvent<string>) => this.onSave(e.detail)}
        @save-torrent=${(e: CustomEvent<string>) => void this.node.saveTorrentFile(e.detail).catch(() => {})}
        @copy-link=${(e: CustomEvent<string>) => void navigator.clipboard?.writeText(e.detail).catch(() => {})}
      >
        ${v.transfers.map(
          (t) => html`<ts-transfer .transfer=${t} .canCopy=${this.capabilities.clipboard}></ts-transfer>`,
        )}
      </section>
      <details>
        <summary>Overlay (DHT)</summary>
        <ts-dht-panel .snapshot=${v.dht}></ts-dht-panel>
      </details>`;
  }

  private onSave(infoHash: string): void {
    // The save dialog streams straight to disk; an automated browser cannot answer a dialog, so
    // there the file is handed over as a download (Chromium keeps large Blobs on disk).
    const usePicker = this.capabilities.savePicker && !navigator.webdriver;
    this.node.save(infoHash, { usePicker }).catch(() => {});
  }

  private onFiles({ files, trackers, listing }: FilesChosen): void {
    for (const file of files) this.node.add(file, file.name || 'file', trackers, listing).catch(() => {});
  }

  private onLink(link: string): void {
    this.node.download(link).catch(() => {});
  }
}
customElements.define('ts-app', TsApp);
