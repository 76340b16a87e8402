import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { TabNode } from '../app/tab-node.js';
import type { NodeView } from '../app/status.js';

const REFRESH_MS = 250;

/**
 * Brings the tab's state into a component: subscribes to the node's changes and asks the host
 * to render, at most four times a second (a swarm changes far faster than anyone can read).
 */
export class NodeController implements ReactiveController {
  view: NodeView;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ReactiveControllerHost,
    readonly node: TabNode,
  ) {
    this.view = node.view();
    host.addController(this);
  }

  hostConnected(): void {
    this.node.on('change', this.schedule);
    this.refresh();
  }

  hostDisconnected(): void {
    this.node.off('change', this.schedule);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private readonly schedule = (): void => {
    if (this.timer !== undefined) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.refresh();
    }, REFRESH_MS);
  };

  private refresh(): void {
    this.view = this.node.view();
    this.host.requestUpdate();
  }
}
