import type { PageAttention } from '../adapters/page-attention.js';
import { Emitter } from '../util/emitter.js';

/** What the alerts need of the tab: completions, and each transfer's name. */
export interface CompletionSource {
  on(event: 'complete', listener: (infoHash: string) => void): void;
  transfer(infoHash: string): { name: string } | undefined;
}

/**
 * Tells a person whose tab is in the background that a download finished: it is kept on the
 * list of unseen finishes (the tab title shows it) until the tab comes to the front, and a
 * system notification is shown if they allowed them.
 */
export class FinishAlerts extends Emitter<{ change: () => void }> {
  private unseenNames: string[] = [];

  constructor(
    source: CompletionSource,
    private readonly page: PageAttention,
  ) {
    super();
    source.on('complete', (infoHash) => this.finished(source.transfer(infoHash)?.name ?? infoHash));
    page.onVisibilityChange(() => {
      if (this.page.hidden || this.unseenNames.length === 0) return;
      this.unseenNames = [];
      this.emit('change');
    });
  }

  /** Names of downloads that finished while the tab was in the background, oldest first. */
  get unseen(): readonly string[] {
    return this.unseenNames;
  }

  /** The person's answer about notifications ('unsupported' where there are none). */
  get permission(): NotificationPermission | 'unsupported' {
    return this.page.notificationPermission;
  }

  /** Asks to show notifications (from a click). */
  async allowNotifications(): Promise<void> {
    await this.page.requestNotifications();
    this.emit('change');
  }

  private finished(name: string): void {
    if (!this.page.hidden) return;
    this.unseenNames = [...this.unseenNames, name];
    this.page.notify('Download finished', `“${name}” is complete and verified — tabswarm`);
    this.emit('change');
  }
}
