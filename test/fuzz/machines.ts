import { DhtNode } from '../../shared/dht/dht-node.js';
import type { IdLike } from '../../shared/dht/node-id.js';
import type { DhtOptions, DhtOutput, DhtSnapshot } from '../../shared/dht/types.js';
import { Swarm } from '../../shared/swarm/swarm.js';
import type { PeerKey, SwarmOutput, SwarmOptions, SwarmStatus } from '../../shared/swarm/swarm.js';

/**
 * The one place the fuzz suite calls the state machines' input methods. Every input hands back
 * the outputs it produced, whatever the machine's API: the DHT node queues them for `poll()`,
 * the swarm too. When an API changes, only this file does.
 */

/** The swarm under test. */
export class SwarmUnderTest {
  private readonly swarm: Swarm;

  constructor(options: SwarmOptions) {
    this.swarm = new Swarm(options);
  }

  addPeer(peer: PeerKey, now: number): SwarmOutput[] {
    this.swarm.addPeer(peer, now);
    return this.swarm.poll();
  }
  removePeer(peer: PeerKey, now: number): SwarmOutput[] {
    this.swarm.removePeer(peer, now);
    return this.swarm.poll();
  }
  receive(peer: PeerKey, bytes: Uint8Array, now: number): SwarmOutput[] {
    this.swarm.receive(peer, bytes, now);
    return this.swarm.poll();
  }
  pieceVerified(index: number, ok: boolean, now: number): SwarmOutput[] {
    this.swarm.pieceVerified(index, ok, now);
    return this.swarm.poll();
  }
  pieceData(index: number, data: Uint8Array | undefined, now: number): SwarmOutput[] {
    this.swarm.pieceData(index, data, now);
    return this.swarm.poll();
  }
  drained(peer: PeerKey, now: number): SwarmOutput[] {
    this.swarm.drained(peer, now);
    return this.swarm.poll();
  }
  handleTimeout(now: number): SwarmOutput[] {
    this.swarm.handleTimeout(now);
    return this.swarm.poll();
  }
  nextTimeout(): number | undefined {
    return this.swarm.nextTimeout();
  }
  status(now: number): SwarmStatus {
    return this.swarm.status(now);
  }
}

/** The DHT node under test. */
export class DhtUnderTest {
  private readonly node: DhtNode;

  constructor(options: DhtOptions) {
    this.node = new DhtNode(options);
  }

  get id(): string {
    return this.node.id;
  }

  connected(peer: IdLike, now: number): DhtOutput[] {
    this.node.connected(peer, now);
    return this.node.poll();
  }
  disconnected(peer: IdLike, now: number): DhtOutput[] {
    this.node.disconnected(peer, now);
    return this.node.poll();
  }
  /** An offer from `peer`: the node's answer, and what it queued. */
  admit(peer: IdLike, now: number): { admitted: boolean; outputs: DhtOutput[] } {
    const admitted = this.node.admit(peer, now);
    return { admitted, outputs: this.node.poll() };
  }
  connectTo(peer: IdLike, now: number): DhtOutput[] {
    this.node.connectTo(peer, now);
    return this.node.poll();
  }
  setPinned(peer: IdLike, pinned: boolean): DhtOutput[] {
    this.node.setPinned(peer, pinned);
    return this.node.poll();
  }
  receive(from: IdLike, bytes: Uint8Array, now: number): DhtOutput[] {
    this.node.receive(from, bytes, now);
    return this.node.poll();
  }
  bootstrap(contacts: readonly IdLike[], now: number): DhtOutput[] {
    this.node.bootstrap(contacts, now);
    return this.node.poll();
  }
  findNode(target: IdLike, now: number): DhtOutput[] {
    this.node.findNode(target, now);
    return this.node.poll();
  }
  getPeers(infoHash: IdLike, now: number): DhtOutput[] {
    this.node.getPeers(infoHash, now);
    return this.node.poll();
  }
  announce(infoHash: IdLike, now: number): DhtOutput[] {
    this.node.announce(infoHash, now);
    return this.node.poll();
  }
  unannounce(infoHash: IdLike): DhtOutput[] {
    this.node.unannounce(infoHash);
    return this.node.poll();
  }
  put(value: Uint8Array, now: number): DhtOutput[] {
    this.node.put(value, now);
    return this.node.poll();
  }
  unput(key: IdLike): DhtOutput[] {
    this.node.unput(key);
    return this.node.poll();
  }
  get(key: IdLike, now: number): DhtOutput[] {
    this.node.get(key, now);
    return this.node.poll();
  }
  sendSignal(to: IdLike, payload: Uint8Array, now: number): DhtOutput[] {
    this.node.sendSignal(to, payload, now);
    return this.node.poll();
  }
  handleTimeout(now: number): DhtOutput[] {
    this.node.handleTimeout(now);
    return this.node.poll();
  }
  nextTimeout(): number | undefined {
    return this.node.nextTimeout();
  }
  snapshot(now: number): DhtSnapshot {
    return this.node.snapshot(now);
  }
}
