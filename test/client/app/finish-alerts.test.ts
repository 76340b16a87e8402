import { describe, expect, it } from 'vitest';
import { MemoryPageAttention } from '../../../client/src/adapters/page-attention.js';
import { FinishAlerts, type CompletionSource } from '../../../client/src/app/finish-alerts.js';
import { Emitter } from '../../../client/src/util/emitter.js';

/** A tab whose downloads finish when the test says. */
class FakeTab extends Emitter<{ complete: (infoHash: string) => void }> implements CompletionSource {
  transfer(infoHash: string): { name: string } | undefined {
    return { name: `${infoHash}.bin` };
  }
}

describe('FinishAlerts', () => {
  it('a download finished in a background tab is unseen until the tab comes to the front', () => {
    const tab = new FakeTab();
    const page = new MemoryPageAttention();
    const alerts = new FinishAlerts(tab, page);
    tab.emit('complete', 'front');
    expect(alerts.unseen).toEqual([]);
    page.setHidden(true);
    tab.emit('complete', 'a');
    tab.emit('complete', 'b');
    expect(alerts.unseen).toEqual(['a.bin', 'b.bin']);
    page.setHidden(false);
    expect(alerts.unseen).toEqual([]);
  });

  it('shows a notification only when the person allowed them', async () => {
    const tab = new FakeTab();
    const page = new MemoryPageAttention();
    const alerts = new FinishAlerts(tab, page);
    page.setHidden(true);
    tab.emit('complete', 'quiet');
    expect(page.shown).toEqual([]);
    await alerts.allowNotifications();
    expect(alerts.permission).toBe('granted');
    tab.emit('complete', 'loud');
    expect(page.shown).toEqual([
      { title: 'Download finished', body: '“loud.bin” is complete and verified — tabswarm' },
    ]);
  });

  it('a person who said no gets no notification', async () => {
    const tab = new FakeTab();
    const page = new MemoryPageAttention();
    page.answer = 'denied';
    const alerts = new FinishAlerts(tab, page);
    await alerts.allowNotifications();
    page.setHidden(true);
    tab.emit('complete', 'x');
    expect(page.shown).toEqual([]);
    expect(alerts.unseen).toEqual(['x.bin']);
  });
});
