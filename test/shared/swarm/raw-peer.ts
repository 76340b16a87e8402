import { utf8 } from '../../../shared/bytes.js';
import type { Swarm, SwarmOutput } from '../../../shared/swarm/swarm.js';
import { WireDecoder, encodeHandshake } from '../../../shared/wire/wire-codec.js';
import type { DecodedFrame } from '../../../shared/wire/wire-codec.js';

/** What a scripted peer has seen of one Swarm. */
export interface RawPeerState {
  /** Messages the swarm sent this peer, decoded. */
  frames: DecodedFrame[];
  /** Every output the swarm queued (for all peers). */
  actions: SwarmOutput[];
  /** Bytes the swarm handed the host for this peer. */
  sentBytes: number;
  closed: Extract<SwarmOutput, { type: 'close' }> | undefined;
}

/** A scripted peer driving one Swarm directly with raw bytes. */
export interface RawPeer {
  key: string;
  state: RawPeerState;
  /**
   * Feeds the swarm an input (if given), then records what it queued (also for the other peers
   * of the same group).
   */
  apply(input?: () => void): void;
  /** Records one action for this peer only. */
  record(action: SwarmOutput): void;
  send(bytes: Uint8Array, now?: number): void;
  /** Sends a handshake; `fast` sets the BEP 6 bit. */
  handshake(infoHash: Uint8Array, id?: string, now?: number, fast?: boolean): void;
}

/**
 * Connects a scripted peer to `swarm` at `now`. Peers created with the same `group` share what
 * the swarm returns: a call made through one of them records sends to the others too.
 */
export function rawPeer(swarm: Swarm, key: string, now = 0, group?: Map<string, RawPeer>): RawPeer {
  const decoder = new WireDecoder();
  const state: RawPeerState = { frames: [], actions: [], sentBytes: 0, closed: undefined };
  const record = (a: SwarmOutput): void => {
    state.actions.push(a);
    if (a.type === 'send' && a.peer === key) {
      state.sentBytes += a.data.length;
      state.frames.push(...decoder.push(a.data));
    }
    if (a.type === 'close' && a.peer === key) state.closed = a;
  };
  const members = (): RawPeer[] => (group ? [...group.values()] : [peer]);
  const peer: RawPeer = {
    key,
    state,
    record,
    apply: (input) => {
      input?.();
      for (const a of swarm.poll()) for (const m of members()) m.record(a);
    },
    send: (bytes, at = now) => peer.apply(() => swarm.receive(key, bytes, at)),
    handshake: (infoHash, id = 'raw', at = now, fast = false) =>
      peer.apply(() =>
        swarm.receive(key, encodeHandshake(infoHash, utf8(`-XX0001-${id.padEnd(12, '.')}`), true, fast), at),
      ),
  };
  group?.set(key, peer);
  peer.apply(() => swarm.addPeer(key, now));
  return peer;
}
