import { LitElement, css, html, nothing } from 'lit';
import type { FinishAlerts } from '../app/finish-alerts.js';
import { insecureContextFeatures, type PageCapabilities } from '../app/page-features.js';
import type { TabNode } from '../app/tab-node.js';
import { NodeController } from './node-controller.js';
import { shortId } from './format.js';
import { progressAnnouncement } from './page-title.js';
import { shareLink } from './share-link.js';
import { closeDetailsOnEscape, controls } from './theme.js';
import { OnlineController } from './online-controller.js';
import { TitleController } from './title-controller.js';
import type { FilesChosen } from './ts-drop-zone.js';
import type { FilesSelected } from './ts-file-list.js';
import './ts-drop-zone.js';
import './ts-open-link.js';
import './ts-transfer.js';
import './ts-notices.js';
import './ts-dht-panel.js';
import './ts-search.js';
import type { SearchResult } from '../../../shared/search/search-results.js';
import './ts-insecure-context.js';
import './ts-storage.js';

const SERVER_TEXT = {
  connecting: 'connecting to server…',
  online: 'server online',
  offline: 'server offline',
};

/**
 * The page. Renders the node's view; turns events from its children into calls on the node.
 */
export class TsApp extends LitElement {
  static override properties = {
    node: { attribute: false },
    capabilities: { attribute: false },
    alerts: { attribute: false },
  };
  declare node: TabNode;
  /** What the browser gives this page (see page-features.ts); every feature that needs one checks it. */
  declare capabilities: PageCapabilities;
  /** Downloads finished while the tab was in the background (title, notifications). */
  declare alerts: FinishAlerts;
  private controller: NodeController | undefined;
  private readonly network = new OnlineController(this);

  static override styles = [
    controls,
    css`
      :host {
        display: block;
        max-width: 60rem;
        margin: 0 auto;
        padding: 1rem;
      }
      header {
        display: flex;
        flex-wrap: wrap;
        gap: 0 1rem;
        justify-content: space-between;
        align-items: baseline;
      }
      h1 {
        font-size: 1.4rem;
        margin: 0.4rem 0;
      }
      .meta {
        font-size: 0.85rem;
        color: var(--muted);
      }
      .offline {
        color: var(--error);
      }
      .share {
        display: grid;
        gap: 0.6rem;
      }
      .offline-note {
        margin: 0.5rem 0;
        padding: 0.6rem 0.9rem;
        border-radius: 6px;
        background: var(--warn-bg);
        color: var(--warn-fg);
      }
      .notify {
        font-size: 0.9rem;
        color: var(--muted);
      }
    `,
  ];

  override connectedCallback(): void {
    if (!this.controller) {
      this.controller = new NodeController(this, this.node);
      new TitleController(this, this.controller, this.alerts);
    }
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
      <main @keydown=${closeDetailsOnEscape}>
        <ts-insecure-context
          .features=${insecureContextFeatures(this.capabilities)}
          .origin=${location.origin}
        ></ts-insecure-context>
        ${
          this.network.online
            ? nothing
            : html`<p class="offline-note" role="status" data-testid="offline">
                <strong>You are offline.</strong> The page opened from this browser's copy, and what it keeps
                stays here, but joining the network needs the signaling server (or peers that are still
                connected).
              </p>`
        }
        <ts-notices
          .notices=${v.notices}
          @dismiss-notice=${(e: CustomEvent<number>) => this.node.dismissNotice(e.detail)}
        ></ts-notices>
        <section class="share" aria-label="Share or download">
          <ts-drop-zone
            @files-chosen=${(e: CustomEvent<FilesChosen>) => this.onFiles(e.detail)}
          ></ts-drop-zone>
          <ts-open-link @open-link=${(e: CustomEvent<string>) => this.onLink(e.detail)}></ts-open-link>
        </section>
        <ts-search
          .view=${v.search}
          @search=${(e: CustomEvent<string>) => void this.node.search.search(e.detail).catch(() => {})}
          @open-result=${(e: CustomEvent<SearchResult>) => this.onLink(this.node.search.magnetOf(e.detail))}
        ></ts-search>
        <div class="visually-hidden" role="status" data-testid="progress-announcer">
          ${progressAnnouncement(v.transfers)}
        </div>
        <section
          aria-label="Transfers"
          @save-file=${(e: CustomEvent<string>) => this.onSave(e.detail)}
          @select-files=${(e: CustomEvent<FilesSelected>) =>
            void this.node.select(e.detail.infoHash, e.detail.indexes).catch(() => {})}
          @save-torrent=${(e: CustomEvent<string>) => void this.node.saveTorrentFile(e.detail).catch(() => {})}
          @copy-link=${(e: CustomEvent<string>) => void navigator.clipboard?.writeText(e.detail).catch(() => {})}
          @pause-transfer=${(e: CustomEvent<string>) => void this.node.pause(e.detail).catch(() => {})}
          @resume-transfer=${(e: CustomEvent<string>) => void this.node.resume(e.detail).catch(() => {})}
          @remove-transfer=${(e: CustomEvent<string>) => void this.node.remove(e.detail).catch(() => {})}
        >
          ${v.transfers.map(
            (t) =>
              html`<ts-transfer
                .transfer=${t}
                .shareLink=${t.magnet ? shareLink(location, t.magnet) : ''}
                .canCopy=${this.capabilities.clipboard}
              ></ts-transfer>`,
          )}
        </section>
        <ts-storage .storage=${v.storage} .transfers=${v.transfers}></ts-storage>
        ${this.renderNotify()}
        <details>
          <summary>Overlay (DHT)</summary>
          <ts-dht-panel .snapshot=${v.dht}></ts-dht-panel>
        </details>
      </main>`;
  }

  /** Finished downloads can be announced by the system when the tab is in the background. */
  private renderNotify() {
    switch (this.alerts.permission) {
      case 'default':
        return html`<p class="notify">
          <button data-testid="allow-notifications" @click=${() => void this.alerts.allowNotifications()}>
            Notify me when a download finishes
          </button>
        </p>`;
      case 'granted':
        return html`<p class="notify" data-testid="notifications-on">
          You get a notification when a download finishes while this tab is in the background.
        </p>`;
      default:
        return nothing;
    }
  }

  private onSave(infoHash: string): void {
    // The save dialog streams straight to disk; an automated browser cannot answer a dialog, so
    // there the file is handed over as a download (Chromium keeps large Blobs on disk).
    const usePicker = this.capabilities.savePicker && !navigator.webdriver;
    this.node.save(infoHash, { usePicker }).catch(() => {});
  }

  private onFiles({ chosen, trackers, listing }: FilesChosen): void {
    // Several files or a folder become one share (one link); .torrent files among them open.
    this.node.addFiles(chosen, trackers, listing).catch(() => {});
  }

  private onLink(link: string): void {
    this.node.download(link).catch(() => {});
  }
}
customElements.define('ts-app', TsApp);
