import { expect, infoHashOf, shareFile, test } from './fixtures.js';
import { WAV_SAMPLE_RATE, wavFile } from '../harness/wav-file.js';

const SECONDS = 40;
/** The seed uploads at twice the WAV's bit rate: the whole file takes ~20 s, half of it ~10 s. */
const UPLOAD_LIMIT = 4 * WAV_SAMPLE_RATE;
const PLAYED = 2;
const SEEK_TO = SECONDS / 2;

test('a WAV plays while less than half of it has arrived, and a seek to the middle plays from there', async ({
  person,
}) => {
  const wav = wavFile(SECONDS);
  const sharer = await (await person()).open(`?uploadLimit=${UPLOAD_LIMIT}`);
  const magnet = await shareFile(sharer, 'tone.wav', wav);
  const infoHash = infoHashOf(magnet);
  const receiver = await (await person()).open(`#${magnet}`);
  const player = receiver.getByTestId('transfer').getByTestId('media-element');
  await expect(player).toBeAttached({ timeout: 30_000 });
  await player.evaluate((el: HTMLMediaElement) => {
    el.muted = true; // muted playback needs no user gesture
    void el.play();
  });
  const early = await player.evaluate(
    async (el: HTMLMediaElement, { h, played }) => {
      while (el.currentTime <= played) await new Promise((r) => setTimeout(r, 20));
      const t = window.tabswarm.transfer(h);
      return { currentTime: el.currentTime, arrived: t ? t.verifiedBytes / t.length : 1 };
    },
    { h: infoHash, played: PLAYED },
  );
  console.log(`played ${early.currentTime.toFixed(2)} s with ${(early.arrived * 100).toFixed(0)}% arrived`);
  expect(early.arrived).toBeLessThan(0.5);

  const seeked = await player.evaluate(
    async (el: HTMLMediaElement, { h, to }) => {
      el.currentTime = to;
      const t0 = performance.now();
      while (el.currentTime <= to + 1 || el.paused) await new Promise((r) => setTimeout(r, 20));
      const t = window.tabswarm.transfer(h);
      return {
        currentTime: el.currentTime,
        ms: performance.now() - t0,
        arrived: t ? t.verifiedBytes / t.length : 1,
      };
    },
    { h: infoHash, to: SEEK_TO },
  );
  console.log(
    `after a seek to ${SEEK_TO} s: ${seeked.currentTime.toFixed(2)} s after ${seeked.ms.toFixed(0)} ms, ${(seeked.arrived * 100).toFixed(0)}% arrived`,
  );
  expect(seeked.currentTime).toBeGreaterThan(SEEK_TO + 1);
  expect(seeked.arrived).toBeLessThan(1);
});
