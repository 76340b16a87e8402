import { LitElement, css, html, nothing } from 'lit';
import type { TransferView } from '../app/status.js';

/**
 * A player or preview of a file while it downloads: a video or audio element, or an image, whose
 * source is the file's stream URL (the service worker answers it from the tab as pieces arrive).
 * Render only.
 */
export class TsMediaPreview extends LitElement {
  static override properties = { media: { attribute: false } };
  declare media: TransferView['media'];

  static override styles = css`
    :host {
      display: block;
      margin: 0.5rem 0;
    }
    video,
    img {
      max-width: 100%;
      max-height: 60vh;
      display: block;
    }
    audio {
      width: 100%;
    }
  `;

  override render() {
    const m = this.media;
    if (!m) return nothing;
    switch (m.kind) {
      case 'video':
        return html`<video data-testid="media-element" controls preload="auto" src=${m.url}></video>`;
      case 'audio':
        return html`<audio data-testid="media-element" controls preload="auto" src=${m.url}></audio>`;
      case 'image':
        return html`<img data-testid="media-element" alt=${m.name} src=${m.url} />`;
    }
  }
}
customElements.define('ts-media-preview', TsMediaPreview);
