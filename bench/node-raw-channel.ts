import wrtc from '@roamhq/wrtc';
import type { Page } from '@playwright/test';
import { PEER_HIGH_WATER_BYTES, PEER_LOW_WATER_BYTES } from '../client/src/adapters/peer-link.js';

/**
 * Raw RTCDataChannel throughput between this Node process (`@roamhq/wrtc`) and a tab, with no
 * tabswarm code on either end: the ceiling the Node peer's transfers are compared against. SDP is
 * exchanged whole (non-trickle) through the bench process; the sender paces with the adapters'
 * marks (polling in Node, which fires no `bufferedamountlow`).
 */
export async function nodeTabRawThroughput(
  tab: Page,
  direction: 'node-to-tab' | 'tab-to-node',
  bytes: number,
  messageBytes = 64 * 1024,
): Promise<{ seconds: number; mbPerSecond: number }> {
  const label = `raw-node-${Math.random().toString(36).slice(2)}`;
  const pc = new wrtc.RTCPeerConnection({ iceServers: [] });
  const channel = pc.createDataChannel(label, { ordered: true });
  channel.binaryType = 'arraybuffer';
  await pc.setLocalDescription(await pc.createOffer());
  await gathered(pc);
  const answer = await tab.evaluate(
    async ({ label, offer, bytes, receive }) => {
      const pc = new RTCPeerConnection();
      const state: Record<string, unknown> = { pc };
      (globalThis as Record<string, unknown>)[label] = state;
      state['channel'] = new Promise<RTCDataChannel>((resolve) => {
        pc.ondatachannel = (e) => {
          const ch = e.channel;
          ch.binaryType = 'arraybuffer';
          if (receive) {
            let got = 0;
            state['done'] = new Promise<number>((done) => {
              ch.onmessage = (m) => {
                got += (m.data as ArrayBuffer).byteLength;
                if (got >= bytes) done(Date.now());
              };
            });
          }
          resolve(ch);
        };
      });
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((r) => {
        if (pc.iceGatheringState === 'complete') r();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r();
      });
      return pc.localDescription!.toJSON();
    },
    { label, offer: pc.localDescription!.toJSON(), bytes, receive: direction === 'node-to-tab' },
  );
  await pc.setRemoteDescription(answer);
  if (channel.readyState !== 'open') await new Promise((r) => (channel.onopen = r));
  let start: number;
  let last: number;
  if (direction === 'node-to-tab') {
    await tab.waitForFunction(
      (label) => (globalThis as unknown as Record<string, { done?: unknown }>)[label]?.done !== undefined,
      label,
    );
    start = Date.now();
    const chunk = new Uint8Array(messageBytes).fill(7);
    for (let sent = 0; sent < bytes;) {
      while (channel.bufferedAmount > PEER_HIGH_WATER_BYTES) {
        while (channel.bufferedAmount > PEER_LOW_WATER_BYTES) await new Promise((r) => setTimeout(r, 1));
      }
      const n = Math.min(messageBytes, bytes - sent);
      channel.send(n === messageBytes ? chunk : chunk.subarray(0, n));
      sent += n;
    }
    last = await tab.evaluate(
      (label) => (globalThis as unknown as Record<string, { done: Promise<number> }>)[label]!.done,
      label,
    );
  } else {
    let got = 0;
    const done = new Promise<number>((resolve) => {
      channel.onmessage = (m: MessageEvent<ArrayBuffer>) => {
        got += m.data.byteLength;
        if (got >= bytes) resolve(Date.now());
      };
    });
    start = await tab.evaluate(
      async ({ label, bytes, messageBytes }) => {
        const state = (globalThis as unknown as Record<string, { channel: Promise<RTCDataChannel> }>)[label]!;
        const ch = await state.channel;
        if (ch.readyState !== 'open') await new Promise((r) => (ch.onopen = r));
        const chunk = new Uint8Array(messageBytes).fill(7);
        ch.bufferedAmountLowThreshold = 1024 * 1024;
        const start = Date.now();
        void (async () => {
          for (let sent = 0; sent < bytes;) {
            if (ch.bufferedAmount > 4 * 1024 * 1024) {
              await new Promise<void>((r) => (ch.onbufferedamountlow = () => r()));
              continue;
            }
            const n = Math.min(messageBytes, bytes - sent);
            ch.send(n === messageBytes ? chunk : chunk.subarray(0, n));
            sent += n;
          }
        })();
        return start;
      },
      { label, bytes, messageBytes },
    );
    last = await done;
  }
  await tab.evaluate(
    (label) => (globalThis as unknown as Record<string, { pc: RTCPeerConnection }>)[label]!.pc.close(),
    label,
  );
  pc.close();
  const seconds = (last - start) / 1000;
  return { seconds, mbPerSecond: bytes / 1e6 / seconds };
}

/** Resolves once ICE gathering is complete (the SDP then carries every candidate). */
function gathered(pc: RTCPeerConnection): Promise<void> {
  return new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') return resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
  });
}
