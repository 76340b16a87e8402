import type { ReactiveController, ReactiveControllerHost } from 'lit';

/** Whether the browser has a network (`navigator.onLine`), kept current for a component. */
export class OnlineController implements ReactiveController {
  online: boolean;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly win: Pick<Window, 'addEventListener' | 'removeEventListener'> & {
      navigator: { onLine: boolean };
    } = window,
  ) {
    this.online = win.navigator.onLine;
    host.addController(this);
  }

  hostConnected(): void {
    this.win.addEventListener('online', this.update);
    this.win.addEventListener('offline', this.update);
    this.update();
  }

  hostDisconnected(): void {
    this.win.removeEventListener('online', this.update);
    this.win.removeEventListener('offline', this.update);
  }

  private readonly update = (): void => {
    this.online = this.win.navigator.onLine;
    this.host.requestUpdate();
  };
}
