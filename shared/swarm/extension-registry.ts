import { encodeExtensionHandshake } from '../wire/extension-handshake.js';
import type { ExtensionHandshake } from '../wire/extension-handshake.js';
import { EXTENDED_HANDSHAKE_ID } from '../wire/peer-wire.js';
import type { SwarmCore, SwarmPeer } from './swarm-core.js';

/**
 * One BEP 10 extension of the swarm (the idea of bittorrent-protocol's `Extension`, sans-I/O).
 * It is registered under its `name` with the message id we want it on; the registry routes the
 * peer's messages for that id to it and sends its messages with the id the peer chose.
 */
export interface SwarmExtension {
  /** The name in the handshake's `m` dictionary (`ut_metadata`, `lt_donthave`). */
  readonly name: string;
  /** Fields it adds to our extension handshake besides its `m` entry (`metadata_size`). */
  handshakeFields?(): Omit<Partial<ExtensionHandshake>, 'm'>;
  /** The peer's extension handshake arrived (also a repeated one). */
  onHandshake?(peer: SwarmPeer, theirs: ExtensionHandshake, now: number): void;
  /** A message for this extension from `peer`. Throw TabswarmError to close the connection. */
  onMessage(peer: SwarmPeer, payload: Uint8Array, now: number): void;
  /** `peer` is gone: drop what is kept for it. */
  onPeerRemoved?(peer: SwarmPeer): void;
  /** Storage lost piece `index`, which we had announced. */
  onPieceLost?(index: number, now: number): void;
}

/** How an extension sends: the registry encodes the extended header for the peer. */
export interface ExtensionSender {
  /** The peer advertised this extension. */
  supports(peer: SwarmPeer): boolean;
  /** Sends `payload` to `peer` on the id it chose for this extension; false if it did not advertise it. */
  send(peer: SwarmPeer, payload: Uint8Array, now: number): boolean;
}

/**
 * The swarm's BEP 10 extensions: builds our handshake's `m` dictionary (and the fields the
 * extensions contribute), dispatches incoming extended messages by our local id, and forwards
 * the per-peer hooks. Adding an extension is its own file and one `register` call.
 */
export class ExtensionRegistry {
  private readonly byId = new Map<number, SwarmExtension>();

  constructor(private readonly core: SwarmCore) {}

  /** Registers the extension `make` builds, to be received on message id `localId` (1..255). */
  register<E extends SwarmExtension>(localId: number, make: (sender: ExtensionSender) => E): E {
    if (
      !Number.isInteger(localId) ||
      localId <= EXTENDED_HANDSHAKE_ID ||
      localId > 255 ||
      this.byId.has(localId)
    )
      throw new RangeError(`extension id ${localId} is not free`);
    let name = '';
    const sender: ExtensionSender = {
      supports: (peer) => peer.wire.extensions?.m[name] !== undefined,
      send: (peer, payload, now) => {
        const id = peer.wire.extensions?.m[name];
        if (id === undefined || !peer.wire.open) return false;
        this.core.send(peer, { type: 'extended', id, payload }, now);
        return true;
      },
    };
    const extension = make(sender);
    name = extension.name;
    this.byId.set(localId, extension);
    return extension;
  }

  /** Our extension handshake to `peer`: every registered `m` entry and contributed field. */
  sendHandshake(peer: SwarmPeer, base: Omit<ExtensionHandshake, 'm'>, now: number): void {
    const handshake: ExtensionHandshake = { ...base, m: {} };
    for (const [id, extension] of this.byId) {
      handshake.m[extension.name] = id;
      Object.assign(handshake, extension.handshakeFields?.());
    }
    const payload = encodeExtensionHandshake(handshake);
    this.core.send(peer, { type: 'extended', id: EXTENDED_HANDSHAKE_ID, payload }, now);
  }

  onHandshake(peer: SwarmPeer, theirs: ExtensionHandshake, now: number): void {
    for (const extension of this.byId.values()) {
      if (!this.core.peers.has(peer.key)) return;
      extension.onHandshake?.(peer, theirs, now);
    }
  }

  /** An extended message on our id `id`; ids we did not register are ignored. */
  onMessage(peer: SwarmPeer, id: number, payload: Uint8Array, now: number): void {
    this.byId.get(id)?.onMessage(peer, payload, now);
  }

  onPeerRemoved(peer: SwarmPeer): void {
    for (const extension of this.byId.values()) extension.onPeerRemoved?.(peer);
  }

  onPieceLost(index: number, now: number): void {
    for (const extension of this.byId.values()) extension.onPieceLost?.(index, now);
  }
}
