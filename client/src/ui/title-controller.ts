import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { FinishAlerts } from '../app/finish-alerts.js';
import type { NodeController } from './node-controller.js';
import { pageTitle } from './page-title.js';

/**
 * Keeps the tab title in step with the page: download progress, or a download that finished
 * while the tab was in the background (until the person comes back to it).
 */
export class TitleController implements ReactiveController {
  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly node: NodeController,
    private readonly alerts: FinishAlerts,
    private readonly doc: { title: string } = document,
  ) {
    host.addController(this);
  }

  hostConnected(): void {
    this.alerts.on('change', this.update);
  }

  hostDisconnected(): void {
    this.alerts.off('change', this.update);
  }

  hostUpdated(): void {
    const title = pageTitle(this.node.view.transfers, this.alerts.unseen);
    if (this.doc.title !== title) this.doc.title = title;
  }

  private readonly update = (): void => this.host.requestUpdate();
}
