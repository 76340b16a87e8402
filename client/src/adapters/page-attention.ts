/** Whether the page is in front of the person, and a way to tell them something when it is not. */
export interface PageAttention {
  /** True while the tab is in the background (another tab in front, window minimised). */
  readonly hidden: boolean;
  /** Calls `listener` when the tab comes to the front or goes to the back. */
  onVisibilityChange(listener: () => void): void;
  /** The person's answer about system notifications; `unsupported` where the browser has none. */
  readonly notificationPermission: NotificationPermission | 'unsupported';
  /** Asks the person to allow notifications (call from a click); resolves their answer. */
  requestNotifications(): Promise<NotificationPermission | 'unsupported'>;
  /** Shows a system notification, if the person allowed them. */
  notify(title: string, body: string): void;
}

/** {@link PageAttention} of a real document, with the Notification API where there is one. */
export function browserPageAttention(doc: Document = document): PageAttention {
  const api = typeof Notification === 'function' ? Notification : undefined;
  return {
    get hidden() {
      return doc.visibilityState === 'hidden';
    },
    onVisibilityChange: (listener) => doc.addEventListener('visibilitychange', listener),
    get notificationPermission() {
      return api?.permission ?? 'unsupported';
    },
    requestNotifications: async () => (api ? api.requestPermission() : 'unsupported'),
    notify: (title, body) => {
      if (api?.permission !== 'granted') return;
      try {
        new api(title, { body, tag: 'tabswarm-finished' });
      } catch {
        // Some browsers only show notifications from a service worker; the title still says it.
      }
    },
  };
}

/** In-memory twin of {@link PageAttention}: visibility set by the test, notifications recorded. */
export class MemoryPageAttention implements PageAttention {
  hidden = false;
  notificationPermission: NotificationPermission | 'unsupported' = 'default';
  /** What the person answers when asked. */
  answer: NotificationPermission = 'granted';
  readonly shown: { title: string; body: string }[] = [];
  private readonly listeners: (() => void)[] = [];

  onVisibilityChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  async requestNotifications(): Promise<NotificationPermission | 'unsupported'> {
    if (this.notificationPermission === 'default') this.notificationPermission = this.answer;
    return this.notificationPermission;
  }

  notify(title: string, body: string): void {
    if (this.notificationPermission === 'granted') this.shown.push({ title, body });
  }

  /** Brings the tab to the front (false) or sends it to the back (true). */
  setHidden(hidden: boolean): void {
    this.hidden = hidden;
    for (const l of this.listeners) l();
  }
}
