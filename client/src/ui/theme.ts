import { css } from 'lit';

/**
 * Controls as every component draws them: colours from the page's custom properties (light and
 * dark, set in index.html after `prefers-color-scheme`), a focus ring that keyboard users see,
 * and targets big enough for a finger. Shadow roots do not inherit styles, so each component
 * adopts this sheet.
 */
export const controls = css`
  button,
  input,
  select {
    font: inherit;
    color: var(--fg);
    background: var(--surface);
    border: 1px solid var(--border);
    border-radius: 6px;
  }
  button {
    min-height: 2.25rem;
    padding: 0.3rem 0.8rem;
    cursor: pointer;
  }
  button.primary {
    background: var(--accent);
    border-color: var(--accent);
    color: var(--on-accent);
    font-weight: 600;
  }
  button.danger {
    color: var(--error);
    border-color: var(--error);
  }
  input {
    padding: 0.35rem 0.5rem;
    min-width: 0;
  }
  :focus-visible,
  summary:focus-visible {
    outline: 3px solid var(--focus);
    outline-offset: 2px;
  }
  summary {
    cursor: pointer;
    padding: 0.2rem 0;
  }
  .visually-hidden {
    position: absolute;
    width: 1px;
    height: 1px;
    margin: -1px;
    padding: 0;
    overflow: hidden;
    clip: rect(0 0 0 0);
    white-space: nowrap;
    border: 0;
  }
`;

/** Closes the `<details>` an Escape key was pressed in and puts the focus back on its summary. */
export function closeDetailsOnEscape(e: KeyboardEvent): void {
  if (e.key !== 'Escape') return;
  const details = (e.composedPath() as Element[]).find((el) => el instanceof HTMLDetailsElement);
  if (!details?.open) return;
  details.open = false;
  details.querySelector('summary')?.focus();
  e.stopPropagation();
}
