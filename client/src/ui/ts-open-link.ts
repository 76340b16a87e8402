import { LitElement, css, html } from 'lit';
import { controls } from './theme.js';

/** A box to paste a magnet link into. Emits `open-link` with `detail: string`. */
export class TsOpenLink extends LitElement {
  static override styles = [
    controls,
    css`
      form {
        display: flex;
        flex-wrap: wrap;
        gap: 0.5rem;
      }
      input {
        flex: 1 1 12rem;
      }
    `,
  ];

  override render() {
    return html`<form @submit=${this.onSubmit}>
      <input
        name="link"
        data-testid="link-input"
        aria-label="Link to download"
        placeholder="Paste a tabswarm or magnet link"
      />
      <button type="submit" data-testid="open-link">Download</button>
    </form>`;
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('link') as HTMLInputElement;
    const link = input.value.trim();
    if (!link) return;
    this.dispatchEvent(new CustomEvent('open-link', { detail: link, bubbles: true, composed: true }));
    input.value = '';
  }
}
customElements.define('ts-open-link', TsOpenLink);
