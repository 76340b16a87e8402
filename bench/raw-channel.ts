import type { Page } from '@playwright/test';

/**
 * Raw RTCDataChannel throughput between two tabs, with no tabswarm code involved: the ceiling
 * tabswarm's own numbers are compared against. SDP is exchanged through the test process
 * (non-trickle), then `bytes` are pushed in `messageBytes` messages with backpressure.
 */
export async function rawChannelThroughput(
  sender: Page,
  receiver: Page,
  bytes: number,
  messageBytes: number,
): Promise<{ seconds: number; mbPerSecond: number }> {
  const label = `raw-${Math.random().toString(36).slice(2)}`;
  const offer = await sender.evaluate(async (label) => {
    const pc = new RTCPeerConnection();
    const channel = pc.createDataChannel(label, { ordered: true });
    channel.binaryType = 'arraybuffer';
    (globalThis as Record<string, unknown>)[label] = { pc, channel };
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((r) => {
      if (pc.iceGatheringState === 'complete') r();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r();
    });
    return pc.localDescription!.toJSON();
  }, label);
  const answer = await receiver.evaluate(
    async ({ label, offer, bytes }) => {
      const pc = new RTCPeerConnection();
      const done = new Promise<{ first: number; last: number }>((resolve) => {
        pc.ondatachannel = (e) => {
          const ch = e.channel;
          ch.binaryType = 'arraybuffer';
          let got = 0;
          let first = 0;
          ch.onmessage = (m) => {
            if (got === 0) first = Date.now();
            got += (m.data as ArrayBuffer).byteLength;
            if (got >= bytes) resolve({ first, last: Date.now() });
          };
        };
      });
      (globalThis as Record<string, unknown>)[label] = { pc, done };
      await pc.setRemoteDescription(offer);
      await pc.setLocalDescription(await pc.createAnswer());
      await new Promise<void>((r) => {
        if (pc.iceGatheringState === 'complete') r();
        pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && r();
      });
      return pc.localDescription!.toJSON();
    },
    { label, offer, bytes },
  );
  const started = await sender.evaluate(
    async ({ label, answer, bytes, messageBytes }) => {
      const { pc, channel } = (globalThis as Record<string, unknown>)[label] as {
        pc: RTCPeerConnection;
        channel: RTCDataChannel;
      };
      await pc.setRemoteDescription(answer);
      if (channel.readyState !== 'open') await new Promise((r) => (channel.onopen = r));
      const chunk = new Uint8Array(messageBytes);
      crypto.getRandomValues(chunk.subarray(0, Math.min(65536, messageBytes)));
      const high = 4 * 1024 * 1024;
      channel.bufferedAmountLowThreshold = 1024 * 1024;
      const start = Date.now();
      let sent = 0;
      void (async () => {
        while (sent < bytes) {
          if (channel.bufferedAmount > high) {
            await new Promise<void>((r) => {
              channel.onbufferedamountlow = () => r();
            });
            continue;
          }
          const n = Math.min(messageBytes, bytes - sent);
          channel.send(n === messageBytes ? chunk : chunk.subarray(0, n));
          sent += n;
        }
      })();
      return start;
    },
    { label, answer, bytes, messageBytes },
  );
  const { last } = await receiver.evaluate(
    (label) =>
      ((globalThis as Record<string, unknown>)[label] as { done: Promise<{ first: number; last: number }> })
        .done,
    label,
  );
  await Promise.all(
    [sender, receiver].map((p) =>
      p.evaluate(
        (label) => ((globalThis as Record<string, unknown>)[label] as { pc: RTCPeerConnection }).pc.close(),
        label,
      ),
    ),
  );
  const seconds = (last - started) / 1000;
  return { seconds, mbPerSecond: bytes / 1e6 / seconds };
}
