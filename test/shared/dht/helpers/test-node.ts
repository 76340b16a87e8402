import { DhtNode } from '../../../../shared/dht/dht-node.js';
import type { IdLike } from '../../../../shared/dht/node-id.js';
import type { DhtAction } from '../../../../shared/dht/types.js';

/**
 * A DhtNode whose inputs hand back what they queued (its `poll()`), for tests that look at the
 * outputs of one input. Operations and admit() answer as DhtNode does; take their outputs with
 * `poll()`.
 */
export class TestNode extends DhtNode {
  override connected(peer: IdLike, now: number): DhtAction[] {
    super.connected(peer, now);
    return this.poll();
  }
  override disconnected(peer: IdLike, now: number): DhtAction[] {
    super.disconnected(peer, now);
    return this.poll();
  }
  override connectTo(peer: IdLike, now: number): DhtAction[] {
    super.connectTo(peer, now);
    return this.poll();
  }
  override receive(from: IdLike, bytes: Uint8Array, now: number): DhtAction[] {
    super.receive(from, bytes, now);
    return this.poll();
  }
  override handleTimeout(now: number): DhtAction[] {
    super.handleTimeout(now);
    return this.poll();
  }
  override bootstrap(contacts: readonly IdLike[], now: number): DhtAction[] {
    super.bootstrap(contacts, now);
    return this.poll();
  }
  override sendSignal(to: IdLike, payload: Uint8Array, now: number): DhtAction[] {
    super.sendSignal(to, payload, now);
    return this.poll();
  }
}
