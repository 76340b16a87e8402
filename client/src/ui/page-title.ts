import type { TransferView } from '../app/status.js';

/** The app's name, last in every title. */
export const APP_TITLE = 'tabswarm';

/** The part of a transfer the title and the announcements read. */
export type TitleTransfer = Pick<TransferView, 'name' | 'state' | 'verifiedBytes' | 'length' | 'progress'>;

/**
 * The tab title: downloads finished while the tab was in the background first ("✓ name
 * downloaded"), else the progress of what is downloading ("42% name", or "42% of 3 downloads"
 * over all of them), else the app's name.
 */
export function pageTitle(transfers: readonly TitleTransfer[], unseen: readonly string[]): string {
  if (unseen.length === 1) return `✓ ${unseen[0]} downloaded — ${APP_TITLE}`;
  if (unseen.length > 1) return `✓ ${unseen.length} downloads finished — ${APP_TITLE}`;
  const active = transfers.filter((t) => t.state === 'downloading' || t.state === 'metadata');
  if (active.length === 0) return APP_TITLE;
  const total = active.reduce((n, t) => n + t.length, 0);
  const done = active.reduce((n, t) => n + t.verifiedBytes, 0);
  const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
  const what = active.length === 1 ? (active[0]?.name ?? '') : `of ${active.length} downloads`;
  return `${percent}% ${what} — ${APP_TITLE}`;
}

/** Progress is announced to screen readers in steps this big (a percentage), not at every piece. */
export const ANNOUNCE_STEP_PERCENT = 10;

/**
 * What a screen reader's live region says about the transfers: per transfer its state and, while
 * downloading, its progress rounded down to {@link ANNOUNCE_STEP_PERCENT}; so the text, and what
 * is read out, changes only at those steps and at changes of state.
 */
export function progressAnnouncement(transfers: readonly TitleTransfer[]): string {
  return transfers
    .map((t) => {
      const name = t.name || 'a file';
      switch (t.state) {
        case 'hashing':
          return `${name}: preparing to share`;
        case 'metadata':
          return `${name}: finding peers`;
        case 'downloading': {
          const step = Math.floor((t.progress * 100) / ANNOUNCE_STEP_PERCENT) * ANNOUNCE_STEP_PERCENT;
          return `${name}: ${step}% downloaded`;
        }
        case 'seeding':
          return `${name}: complete, shared`;
        case 'paused':
          return `${name}: paused`;
        case 'failed':
          return `${name}: failed`;
      }
    })
    .join('. ');
}
