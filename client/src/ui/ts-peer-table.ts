import { LitElement, css, html } from 'lit';
import type { PeerView } from '../app/status.js';
import { formatBytes, formatRate, shortId } from './format.js';
import { controls } from './theme.js';

/**
 * The peers of one transfer: how each link got through and its RTT, rates both ways and the
 * choke/interest state in each direction.
 */
export class TsPeerTable extends LitElement {
  static override properties = { peers: { attribute: false }, banned: { attribute: false } };
  declare peers: PeerView[];
  declare banned: string[];

  constructor() {
    super();
    this.peers = [];
    this.banned = [];
  }

  static override styles = [
    controls,
    css`
      .scroll {
        overflow-x: auto;
      }
      table {
        border-collapse: collapse;
        font-size: 0.8rem;
        width: 100%;
      }
      th,
      td {
        text-align: left;
        padding: 0.1rem 0.4rem;
      }
      .banned {
        color: var(--error);
      }
    `,
  ];

  override render() {
    const flag = (on: boolean, text: string) => (on ? text : '');
    // The table scrolls inside its box on a narrow screen; the page itself never scrolls sideways.
    return html`<div class="scroll" tabindex="0" role="region" aria-label="Peers">
      <table data-testid="peer-table">
        <tr>
          <th>peer</th>
          <th title="direct (host), through a NAT (srflx) or relayed (TURN); round-trip time">path</th>
          <th>have</th>
          <th>down</th>
          <th>up</th>
          <th>received</th>
          <th>sent</th>
          <th title="we choke them / they choke us">choked</th>
          <th title="we are interested / they are interested">interested</th>
          <th><span class="visually-hidden">notes</span></th>
        </tr>
        ${this.peers.map(
          (p) =>
            html`<tr>
              <td>${shortId(p.id)}</td>
              <td data-testid="peer-path">${p.path ?? ''}${p.rttMs === undefined ? '' : ` ${p.rttMs} ms`}</td>
              <td>${Math.round(p.progress * 100)}%</td>
              <td>${formatRate(p.downloadRate)}</td>
              <td>${formatRate(p.uploadRate)}</td>
              <td>${formatBytes(p.downloaded)}</td>
              <td>${formatBytes(p.uploaded)}</td>
              <td>${flag(p.amChoking, 'us→')} ${flag(p.peerChoking, '←them')}</td>
              <td>${flag(p.amInterested, 'us→')} ${flag(p.peerInterested, '←them')}</td>
              <td>${flag(p.optimistic, 'optimistic')} ${flag(p.snubbed, 'snubbed')}</td>
            </tr>`,
        )}
        ${this.banned.map(
          (id) =>
            html`<tr class="banned">
              <td>${shortId(id)}</td>
              <td colspan="9">banned: sent data that failed verification</td>
            </tr>`,
        )}
      </table>
    </div>`;
  }
}
customElements.define('ts-peer-table', TsPeerTable);
