import type { PeerChannel, PeerLink } from '../adapters/peer-link.js';
import { PEER_HIGH_WATER_BYTES, PREFERRED_PEER_MESSAGE_BYTES } from '../adapters/peer-link.js';
import type { UploadPacer } from './upload-limiter.js';

/**
 * Writes onto one data channel with backpressure; nothing is sent while the channel holds more
 * than the high-water mark (Chromium kills a channel at ~16 MiB). The `wire` channel carries a
 * byte stream: small writes are coalesced and large ones split into messages of at most 64 KiB
 * (the fastest size measured). The `dht` channel carries datagrams: one write, one message, as
 * its reader decodes one frame per message.
 */
export class LinkSender {
  private readonly queue: Uint8Array[] = [];
  private queuedBytes = 0;
  private pumping = false;
  private readonly datagrams: boolean;

  constructor(
    private readonly link: PeerLink,
    private readonly channel: PeerChannel,
    /** Called when everything written so far has left the channel's buffer (down to low water). */
    private readonly onDrained?: () => void,
    private readonly limiter?: UploadPacer,
  ) {
    this.datagrams = channel === 'dht';
  }

  /** Bytes waiting in this sender (not yet handed to the channel). */
  get pending(): number {
    return this.queuedBytes;
  }

  write(data: Uint8Array): void {
    if (this.link.state === 'closed' || data.length === 0) return;
    this.queue.push(data);
    this.queuedBytes += data.length;
    if (this.pumping) return;
    // Start on the next microtask, so writes made in the same task leave as one message.
    this.pumping = true;
    queueMicrotask(() => void this.pump());
  }

  private async pump(): Promise<void> {
    this.pumping = true;
    try {
      while (this.link.state !== 'closed') {
        if (this.queue.length === 0) {
          if (!this.onDrained) break;
          // Tell the owner once the channel has (nearly) emptied, unless more was written meanwhile.
          await this.link.waitForDrain(this.channel);
          if (this.queue.length > 0) continue;
          this.onDrained();
          break;
        }
        if (this.link.bufferedAmount(this.channel) > PEER_HIGH_WATER_BYTES) {
          await this.link.waitForDrain(this.channel);
          continue;
        }
        const message = this.take(PREFERRED_PEER_MESSAGE_BYTES);
        if (this.limiter) await this.limiter.take(message.length);
        this.link.send(this.channel, message);
      }
    } catch {
      // The link closed while we waited; whoever owns it hears its 'close' event.
    } finally {
      this.pumping = false;
      if (this.link.state === 'closed') {
        this.queue.length = 0;
        this.queuedBytes = 0;
      } else if (this.queue.length > 0) {
        this.pumping = true;
        queueMicrotask(() => void this.pump());
      }
    }
  }

  /** Takes up to `max` bytes off the queue as one message. */
  private take(max: number): Uint8Array {
    const first = this.queue[0] as Uint8Array;
    if (this.datagrams) {
      this.queue.shift();
      this.queuedBytes -= first.length;
      return first;
    }
    if (first.length >= max || this.queue.length === 1) {
      const out = first.length > max ? first.subarray(0, max) : first;
      if (first.length > max) this.queue[0] = first.subarray(max);
      else this.queue.shift();
      this.queuedBytes -= out.length;
      return out;
    }
    let size = 0;
    let count = 0;
    for (const part of this.queue) {
      if (size + part.length > max) break;
      size += part.length;
      count++;
    }
    const out = new Uint8Array(size);
    let offset = 0;
    for (const part of this.queue.splice(0, count)) {
      out.set(part, offset);
      offset += part.length;
    }
    this.queuedBytes -= size;
    return out;
  }
}
