import { LitElement, css, html, nothing } from 'lit';
import type { FeatureOff } from '../app/page-features.js';

/**
 * Says which features a plain-http page has lost and how to get them back. Renders nothing
 * while `features` is undefined (a secure context).
 */
export class TsInsecureContext extends LitElement {
  static override properties = { features: { attribute: false }, origin: { attribute: false } };
  declare features: FeatureOff[] | undefined;
  declare origin: string;

  constructor() {
    super();
    this.features = undefined;
    this.origin = '';
  }

  static override styles = css`
    section {
      margin: 0.5rem 0;
      padding: 0.6rem 0.9rem;
      border-radius: 6px;
      background: var(--warn-bg);
      color: var(--warn-fg);
      font-size: 0.9rem;
    }
    p {
      margin: 0.2rem 0;
    }
    ul {
      margin: 0.3rem 0;
      padding-left: 1.2rem;
    }
  `;

  override render() {
    if (this.features === undefined) return nothing;
    return html`<section role="note" data-testid="insecure-context">
      <p>
        <strong>Not a secure connection.</strong> ${this.origin} is plain http from another machine, so the
        browser turns these off:
      </p>
      <ul>
        ${this.features.map(
          (f) => html`<li data-testid="feature-off" data-feature=${f.id}>${f.what} — needs ${f.needs}</li>`,
        )}
      </ul>
      <p>
        Sharing and downloading still work. To get everything, open tabswarm over <strong>https</strong>
        (the server's TLS_CERT and TLS_KEY settings, or a TLS proxy in front of it), or as http://localhost on
        the machine that runs it.
      </p>
    </section>`;
  }
}
customElements.define('ts-insecure-context', TsInsecureContext);
