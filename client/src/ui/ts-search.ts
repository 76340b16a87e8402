import { LitElement, css, html } from 'lit';
import type { SearchView } from '../app/search.js';
import type { SearchResult } from '../../../shared/search/search-results.js';
import { formatBytes } from './format.js';

const STATE_TEXT: Record<SearchView['state'], string> = {
  idle: '',
  searching: 'searching…',
  ranking: 'counting peers…',
  done: 'done',
};

/**
 * The search box and its results (render only): emits `search` with `detail: string` (the query)
 * and `open-result` with `detail: SearchResult` when a result is clicked.
 */
export class TsSearch extends LitElement {
  static override properties = { view: { attribute: false } };
  declare view: SearchView;

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
    ol {
      padding-left: 1.4rem;
    }
    li button {
      font: inherit;
      background: none;
      border: none;
      color: #2244aa;
      cursor: pointer;
      text-decoration: underline;
      padding: 0;
      text-align: left;
    }
    .meta,
    .state {
      font-size: 0.85rem;
      color: #556;
    }
  `;

  override render() {
    const v = this.view;
    const found = v.results.length;
    return html`<form role="search" @submit=${this.onSubmit}>
        <input
          name="query"
          type="search"
          aria-label="Search files listed by other tabs"
          data-testid="search-input"
          placeholder="Search files other tabs listed"
        />
        <button type="submit" data-testid="search-button">Search</button>
      </form>
      ${
        v.state === 'idle'
          ? ''
          : html`<p class="state" data-testid="search-state" aria-live="polite">
                ${found} result${found === 1 ? '' : 's'} for “${v.query}” · ${STATE_TEXT[v.state]}
                ${v.firstResultMs === undefined ? '' : html` · first after ${Math.round(v.firstResultMs)} ms`}
              </p>
              <ol data-testid="search-results">
                ${v.results.map((r) => this.result(r))}
              </ol>`
      }`;
  }

  private result(r: SearchResult) {
    const peers = r.peers === undefined ? '' : ` · ${r.peers} peer${r.peers === 1 ? '' : 's'}`;
    return html`<li data-testid="search-result" data-info-hash=${r.infoHash}>
      <button @click=${() => this.open(r)}>${r.title}</button>
      <span class="meta">${formatBytes(r.size)}${peers}</span>
    </li>`;
  }

  private onSubmit(e: Event): void {
    e.preventDefault();
    const input = (e.target as HTMLFormElement).elements.namedItem('query') as HTMLInputElement;
    const query = input.value.trim();
    if (!query) return;
    this.dispatchEvent(new CustomEvent('search', { detail: query, bubbles: true, composed: true }));
  }

  private open(r: SearchResult): void {
    this.dispatchEvent(new CustomEvent('open-result', { detail: r, bubbles: true, composed: true }));
  }
}
customElements.define('ts-search', TsSearch);
