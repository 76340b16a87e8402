import { LitElement, css, html } from 'lit';

/** A box to paste a magnet link into. Emits `open-link` with `detail: string`. */
export class TsOpenLink extends LitElement {
  static override styles = css`
    form {
      display: flex;
      gap: 0.5rem;
    }
    input {
      flex: 1;
      font: inherit;
      padding: 0.4rem;
    }
  `;

  override render() {
    return html`<form @submit=${this.onSubmit}>
      <input name="link" data-testid="link-input" placeholder="Paste a magnet link to download" />
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
