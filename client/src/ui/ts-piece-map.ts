import { LitElement, css, html } from 'lit';

const COLORS = ['#d9dee6', '#f0b400', '#2e9d4f'];

/**
 * The piece map: one cell per piece, grey missing, amber downloading, green have; the strip
 * below is availability (darker = more peers have it).
 */
export class TsPieceMap extends LitElement {
  static override properties = { states: { attribute: false }, availability: { attribute: false } };
  declare states: Uint8Array;
  declare availability: Uint16Array;

  constructor() {
    super();
    this.states = new Uint8Array();
    this.availability = new Uint16Array();
  }

  static override styles = css`
    canvas {
      width: 100%;
      height: 24px;
      image-rendering: pixelated;
      display: block;
    }
  `;

  override updated(): void {
    const canvas = this.renderRoot.querySelector('canvas');
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    const n = this.states.length;
    canvas.width = Math.max(1, Math.min(n, 2000));
    canvas.height = 6;
    const maxAvail = Math.max(1, ...this.availability);
    for (let x = 0; x < canvas.width; x++) {
      const i = Math.floor((x * n) / canvas.width);
      ctx.fillStyle = COLORS[this.states[i] ?? 0] ?? COLORS[0]!;
      ctx.fillRect(x, 0, 1, 4);
      const a = (this.availability[i] ?? 0) / maxAvail;
      ctx.fillStyle = `rgba(40, 60, 120, ${a.toFixed(2)})`;
      ctx.fillRect(x, 4, 1, 2);
    }
  }

  override render() {
    return html`<canvas
      data-testid="piece-map"
      role="img"
      aria-label=${`Piece map: ${this.states.filter((s) => s === 2).length} of ${this.states.length} pieces here`}
    ></canvas>`;
  }
}
customElements.define('ts-piece-map', TsPieceMap);
