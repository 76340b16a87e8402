import { LitElement, css, html } from 'lit';
import type { Notice } from '../app/status.js';

/** Messages for a person (errors in red). Emits `dismiss-notice` with `detail: id`. */
export class TsNotices extends LitElement {
  static override properties = { notices: { attribute: false } };
  declare notices: Notice[];

  constructor() {
    super();
    this.notices = [];
  }

  static override styles = css`
    p {
      margin: 0.3rem 0;
      padding: 0.5rem 0.8rem;
      border-radius: 6px;
      background: #eef3fb;
      display: flex;
      justify-content: space-between;
    }
    p.error {
      background: #fdecee;
      color: #8a0016;
    }
    button {
      border: none;
      background: none;
      cursor: pointer;
    }
  `;

  override render() {
    return this.notices.map(
      (n) =>
        html`<p
          class=${n.level}
          role=${n.level === 'error' ? 'alert' : 'status'}
          data-testid="notice"
          data-code=${n.code ?? ''}
        >
          <span>${n.text}</span>
          <button aria-label="dismiss" @click=${() => this.dismiss(n.id)}>×</button>
        </p>`,
    );
  }

  private dismiss(id: number): void {
    this.dispatchEvent(new CustomEvent('dismiss-notice', { detail: id, bubbles: true, composed: true }));
  }
}
customElements.define('ts-notices', TsNotices);
