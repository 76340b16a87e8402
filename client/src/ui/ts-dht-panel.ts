import { LitElement, css, html, nothing } from 'lit';
import type { DhtSnapshot } from '../../../shared/dht/index.js';
import { shortId } from './format.js';

/**
 * The overlay as this tab sees it: own id, the k-buckets with their contacts (connected ones
 * marked), live connections out of the budget, and lookups in flight.
 */
export class TsDhtPanel extends LitElement {
  static override properties = { snapshot: { attribute: false } };
  declare snapshot: DhtSnapshot | undefined;

  static override styles = css`
    :host {
      display: block;
      font-size: 0.8rem;
      overflow-wrap: anywhere;
    }
    .bucket {
      margin: 0.2rem 0;
    }
    .contact {
      display: inline-block;
      font-family: monospace;
      padding: 0 0.3rem;
      margin: 0.1rem;
      border-radius: 4px;
      background: var(--chip);
    }
    .contact.connected {
      background: var(--chip-on);
      font-weight: bold;
    }
  `;

  override render() {
    const s = this.snapshot;
    if (!s) return nothing;
    const c = s.connections;
    return html`<div data-testid="dht-panel">
      <p>
        node id <code data-testid="dht-id">${s.id}</code><br />
        <span data-testid="dht-connections">${c.live.length}/${c.max} live links</span>
        (${c.pinned.length} held by swarms, ${c.pending.length} opening; ${c.openedLastHour} opened in the
        last hour of ${c.hourlyCap} allowed, ${c.openedTotal} in all) · ${s.joined ? 'joined' : 'joining'} ·
        ${s.buckets.reduce((n, b) => n + b.contacts.length, 0)} contacts in ${s.buckets.length} buckets ·
        ${s.lookups.length} lookups in flight · stores ${s.store.values} values, ${s.store.peers} peers of
        ${s.store.infoHashes} swarms
      </p>
      ${s.lookups.map(
        (l) =>
          html`<div>lookup ${l.kind} ${shortId(l.target)}: ${l.inflight} in flight, round ${l.rounds}</div>`,
      )}
      ${s.buckets
        .filter((b) => b.contacts.length > 0)
        .map(
          (b) =>
            html`<div class="bucket">
              bucket ${b.index}:
              ${b.contacts.map(
                (ct) =>
                  html`<span class="contact ${ct.connected ? 'connected' : ''}" title=${ct.id}
                    >${shortId(ct.id)}</span
                  >`,
              )}
            </div>`,
        )}
    </div>`;
  }
}
customElements.define('ts-dht-panel', TsDhtPanel);
