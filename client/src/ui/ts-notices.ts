import { LitElement, css, html } from 'lit';
import { controls } from './theme.js';
import type { Notice } from '../app/status.js';

/** Messages for a person (errors in red). Emits `dismiss-notice` with `detail: id`. */
export class TsNotices extends LitElement {
  static override properties = { notices: { attribute: false } };
  declare notices: Notice[];

  constructor() {
    super();
    this.notices = [];
  }

  static override styles = [
    controls,
    css`
      p {
        margin: 0.3rem 0;
        padding: 0.5rem 0.8rem;
        border-radius: 6px;
        background: var(--notice-bg);
        display: flex;
        gap: 0.5rem;
        justify-content: space-between;
        align-items: center;
        overflow-wrap: anywhere;
      }
      p.error {
        background: var(--error-bg);
        color: var(--error-fg);
      }
      button {
        border: none;
        background: none;
        color: inherit;
        min-width: 2.25rem;
      }
    `,
  ];

  override render() {
    // One live region that is always there: what is added to it is read out (errors at once).
    return html`<div role="log" aria-live="polite" aria-relevant="additions" aria-label="Notices">
      ${this.notices.map(
        (n) =>
          html`<p class=${n.level} data-testid="notice" data-code=${n.code ?? ''}>
            <span role=${n.level === 'error' ? 'alert' : 'none'}>${n.text}</span>
            <button aria-label="Dismiss notice" @click=${() => this.dismiss(n.id)}>×</button>
          </p>`,
      )}
    </div>`;
  }

  private dismiss(id: number): void {
    this.dispatchEvent(new CustomEvent('dismiss-notice', { detail: id, bubbles: true, composed: true }));
  }
}
customElements.define('ts-notices', TsNotices);
