import { LitElement, css, html, nothing } from 'lit';
import { unsafeSVG } from 'lit/directives/unsafe-svg.js';
import QRCode from 'qrcode';

/** Renders `text` as a QR code (SVG made by the `qrcode` package, from our own text only). */
export class TsQrCode extends LitElement {
  static override properties = { text: {}, label: {}, svg: { state: true } };
  declare text: string;
  /** What a screen reader says the code is. */
  declare label: string;
  declare svg: string;

  constructor() {
    super();
    this.text = '';
    this.label = 'QR code of the link';
    this.svg = '';
  }

  static override styles = css`
    :host {
      display: inline-block;
      width: 140px;
      height: 140px;
    }
    div {
      background: #fff;
      border-radius: 4px;
    }
  `;

  override willUpdate(changed: Map<string, unknown>): void {
    if (!changed.has('text')) return;
    const text = this.text;
    if (!text) return;
    QRCode.toString(text, { type: 'svg', margin: 1, errorCorrectionLevel: 'L' })
      .then((svg) => {
        if (this.text === text) this.svg = svg;
      })
      .catch(() => (this.svg = ''));
  }

  override render() {
    return this.svg
      ? html`<div role="img" aria-label=${this.label} title=${this.label}>${unsafeSVG(this.svg)}</div>`
      : nothing;
  }
}
customElements.define('ts-qr-code', TsQrCode);
