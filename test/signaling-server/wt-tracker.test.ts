import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_FRAME_BYTES } from '../../shared/signaling/messages.js';
import { MAX_WT_OFFERS, MAX_WT_SDP_CHARS, hexToBinary } from '../../shared/webtorrent/tracker-messages.js';
import { startServer, type RunningServer } from '../../signaling-server/server.js';
import { seededRandom } from '../../shared/random.js';
import {
  MAX_WT_IDS_PER_SOCKET,
  WT_ANNOUNCE_INTERVAL_S,
  WT_OFFER_TTL_MS,
  WtTracker,
} from '../../signaling-server/wt-tracker.js';
import { hexId, registered, tabId, TestClient, type Msg } from './ws-client.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startServer({ port: 0, host: '127.0.0.1', registerTimeoutMs: 500 });
});
afterAll(() => server.close());

/** A binary-string id whose bytes are `n` then `fill`, with char codes above 127 (binary, not text). */
function binId(n: number, fill = 0xe9): string {
  return String.fromCharCode(n, ...new Array<number>(19).fill(fill));
}

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };

function announce(info: string, peer: string, extra: object = {}): object {
  return {
    action: 'announce',
    info_hash: info,
    peer_id: peer,
    numwant: 5,
    uploaded: 0,
    downloaded: 0,
    left: 1,
    event: 'started',
    ...extra,
  };
}

function offers(n: number, first = 1): { offer: typeof OFFER; offer_id: string }[] {
  return Array.from({ length: n }, (_, i) => ({ offer: OFFER, offer_id: binId(first + i, 0x80) }));
}

/** The next message that is not for another purpose: every reply of the tracker has an action or a failure. */
async function next(client: TestClient): Promise<Msg & Record<string, unknown>> {
  return (await client.next()) as Msg & Record<string, unknown>;
}

describe('WebTorrent tracker protocol on /signal', () => {
  it('announces, relays an offer to a swarm member and its answer back, with binary ids', async () => {
    const info = binId(1, 0xc3);
    const a = await TestClient.open(server.wsUrl);
    const b = await TestClient.open(server.wsUrl);
    a.send(announce(info, binId(10), { left: 0 }));
    expect(await next(a)).toEqual({
      action: 'announce',
      interval: WT_ANNOUNCE_INTERVAL_S,
      info_hash: info,
      complete: 1,
      incomplete: 0,
    });
    b.send(announce(info, binId(11), { offers: offers(2) }));
    expect(await next(b)).toMatchObject({ action: 'announce', info_hash: info, complete: 1, incomplete: 1 });
    const relayed = await next(a);
    expect(relayed).toEqual({
      action: 'announce',
      offer: OFFER,
      offer_id: binId(1, 0x80),
      peer_id: binId(11),
      info_hash: info,
    });
    // a answers; the answer reaches b (and a gets no reply for an answer).
    a.send(
      announce(info, binId(10), {
        left: 0,
        event: undefined,
        answer: ANSWER,
        offer_id: binId(1, 0x80),
        to_peer_id: binId(11),
      }),
    );
    expect(await next(b)).toEqual({
      action: 'announce',
      answer: ANSWER,
      offer_id: binId(1, 0x80),
      peer_id: binId(10),
      info_hash: info,
    });
    // A second answer to the same offer (or to one never relayed) goes nowhere.
    a.send(announce(info, binId(10), { answer: ANSWER, offer_id: binId(1, 0x80), to_peer_id: binId(11) }));
    a.send(announce(info, binId(10), { answer: ANSWER, offer_id: binId(9, 0x80), to_peer_id: binId(11) }));
    await expect(b.next(300)).rejects.toThrow(/no message/);
    expect(server.stats()).toMatchObject({ webtorrentOffersRelayed: 1, webtorrentAnswersRelayed: 1 });
    // /metrics reads the same counters.
    const metrics = await (await fetch(`${server.url}metrics`)).text();
    expect(metrics).toMatch(/^tabswarm_webtorrent_offers_relayed_total 1$/m);
    expect(metrics).toMatch(/^tabswarm_webtorrent_answers_relayed_total 1$/m);
    expect(metrics).toMatch(/^tabswarm_webtorrent_peers 2$/m);

    // Scrape gives the counts by binary info-hash.
    b.send({ action: 'scrape', info_hash: [info] });
    expect(await next(b)).toEqual({
      action: 'scrape',
      files: { [info]: { complete: 1, incomplete: 1, downloaded: 0 } },
      flags: { min_request_interval: WT_ANNOUNCE_INTERVAL_S },
    });
    // A closed socket leaves its swarms.
    b.ws.close();
    await b.closed;
    await expect
      .poll(async () => {
        a.send({ action: 'scrape', info_hash: info });
        return ((await next(a)).files as Record<string, { incomplete: number }>)[info]?.incomplete;
      })
      .toBe(0);
    a.ws.close();
  });

  it('keeps the socket open past the register deadline once it announced', async () => {
    const a = await TestClient.open(server.wsUrl);
    a.send(announce(binId(2, 0xc3), binId(20)));
    await next(a);
    await new Promise((r) => setTimeout(r, 800));
    expect(a.isOpen).toBe(true);
    a.ws.close();
  });

  it('answers bad messages with a failure reason and serves on', async () => {
    const info = binId(3, 0xc3);
    const c = await TestClient.open(server.wsUrl);
    // Announced once, the socket is past the register deadline: only the replies are under test.
    c.send(announce(info, binId(30)));
    await next(c);
    const cases: [object | string, RegExp][] = [
      [{ action: 'announce', info_hash: 'short', peer_id: binId(30) }, /info_hash/],
      [announce(info, 'x'.repeat(21)), /peer_id/],
      [announce(info, 'ā'.repeat(20)), /peer_id/],
      [{ action: 'bogus' }, /invalid action/],
      [announce(info, binId(30), { offers: offers(MAX_WT_OFFERS + 1) }), /at most 5 offers/],
      [
        announce(info, binId(30), {
          offers: [{ offer: { type: 'offer', sdp: 'x'.repeat(MAX_WT_SDP_CHARS + 1) }, offer_id: binId(1) }],
        }),
        /sdp/,
      ],
      [announce(info, binId(30), { offers: [{ offer: OFFER, offer_id: 'short' }] }), /offer_id/],
      [announce(info, binId(30), { offers: 'many' }), /offers/],
      [announce(info, binId(30), { answer: ANSWER }), /to_peer_id/],
      [announce(info, binId(30), { event: 'exploded' }), /event/],
      ['{"action": "announce", ', /not valid JSON/],
      [{ action: 'scrape', info_hash: 5 }, /info_hash/],
    ];
    for (const [message, reason] of cases) {
      c.send(message);
      const reply = await next(c);
      expect(reply['failure reason'], JSON.stringify(message).slice(0, 80)).toMatch(reason);
    }
    // A failure about a known swarm names it, so a WebTorrent client matches it to the torrent.
    c.send(announce(info, binId(30), { offers: offers(6) }));
    expect(await next(c)).toMatchObject({ action: 'announce', info_hash: info });
    // Once a tracker client, always: a tabswarm message gets a failure reason too.
    c.send({ type: 'register', peerId: tabId(1) });
    expect((await next(c))['failure reason']).toMatch(/action/);
    // Still serving.
    c.send(announce(info, binId(30)));
    expect(await next(c)).toMatchObject({ action: 'announce', interval: WT_ANNOUNCE_INTERVAL_S });
    c.ws.close();
  });

  it('closes a frame over the cap, and the server serves on', async () => {
    const c = await TestClient.open(server.wsUrl);
    c.send(JSON.stringify(announce(binId(4, 0xc3), binId(40), { pad: 'x'.repeat(MAX_FRAME_BYTES) })));
    expect((await c.closed).code).toBe(1009);
    const d = await TestClient.open(server.wsUrl);
    d.send(announce(binId(4, 0xc3), binId(41)));
    expect(await next(d)).toMatchObject({ action: 'announce' });
    d.ws.close();
  });

  it('refuses a peer id held by another socket, and too many ids on one socket', async () => {
    const info = binId(5, 0xc3);
    const a = await TestClient.open(server.wsUrl);
    const b = await TestClient.open(server.wsUrl);
    a.send(announce(info, binId(50)));
    await next(a);
    b.send(announce(info, binId(50)));
    expect((await next(b))['failure reason']).toMatch(/in use/);
    for (let i = 0; i < MAX_WT_IDS_PER_SOCKET - 1; i++) {
      a.send(announce(info, binId(51 + i)));
      expect((await next(a))['failure reason']).toBeUndefined();
    }
    a.send(announce(info, binId(99)));
    expect((await next(a))['failure reason']).toMatch(/peer ids per connection/);
    a.ws.close();
    b.ws.close();
  });

  it('keeps a registered tab on the tabswarm protocol', async () => {
    const { client } = await registered(server.wsUrl, tabId(7));
    client.send(announce(binId(6, 0xc3), binId(60)));
    expect(await client.next()).toMatchObject({ type: 'error', code: 'SIGNAL_INVALID' });
    expect(await client.request({ type: 'announce', infoHash: hexId(6, 'c') })).toMatchObject({
      type: 'announced',
    });
    client.ws.close();
  });

  it("relays a tab's offers to WebTorrent peers only: tabs link through tabswarm's own signaling", async () => {
    const info = binId(8, 0xc3);
    const tabs = await Promise.all([1, 2, 3].map((n) => registered(server.wsUrl, tabId(80 + n))));
    const x = await TestClient.open(server.wsUrl);
    const y = await TestClient.open(server.wsUrl);
    const z = await TestClient.open(server.wsUrl);
    const webtorrent = await TestClient.open(server.wsUrl);
    const asTab = (n: number) => hexToBinary(tabId(80 + n));
    for (const [client, n] of [
      [y, 2],
      [z, 3],
    ] as const) {
      client.send(announce(info, asTab(n)));
      await next(client);
    }
    webtorrent.send(announce(info, binId(88)));
    // A WebTorrent peer is told of the whole swarm.
    expect(await next(webtorrent)).toMatchObject({ complete: 0, incomplete: 3 });
    x.send(announce(info, asTab(1), { offers: offers(MAX_WT_OFFERS) }));
    // A tab is told only of itself and the members its offers can reach.
    expect(await next(x)).toMatchObject({ complete: 0, incomplete: 2 });
    expect(await next(webtorrent)).toMatchObject({ offer: OFFER, peer_id: asTab(1) });
    await expect(y.next(300)).rejects.toThrow(/no message/);
    await expect(z.next(300)).rejects.toThrow(/no message/);
    // A WebTorrent peer's offers reach tabs.
    webtorrent.send(announce(info, binId(88), { offers: offers(3) }));
    await next(webtorrent);
    for (const tab of [x, y, z]) expect(await next(tab)).toMatchObject({ offer: OFFER, peer_id: binId(88) });
    for (const c of [x, y, z, webtorrent, ...tabs.map((t) => t.client)]) c.ws.close();
  });

  it('decodes ids by char code: hex inside is the bytes of the binary string', () => {
    expect(hexToBinary('ff00' + '41'.repeat(18))).toBe('\u00ff\u0000' + 'A'.repeat(18));
  });
});

describe('WtTracker offer expiry (time as input)', () => {
  /** A tracker over stand-in sockets that record what they are sent. */
  function rig() {
    const inbox = new Map<string, Record<string, unknown>[]>();
    const tracker = new WtTracker<string>({
      send: (socket, message) => inbox.set(socket, [...(inbox.get(socket) ?? []), message]),
      buffered: () => 0,
      address: () => '127.0.0.1',
      isTab: () => false,
      random: seededRandom(3),
      maxSwarmsPerPeer: 256,
      maxSwarmsPerAddress: 4096,
      maxSignalTargets: 64,
      signalTargetWindowMs: 10_000,
      maxBufferedBytes: 1 << 20,
    });
    const take = (socket: string) => {
      const got = inbox.get(socket) ?? [];
      inbox.delete(socket);
      return got;
    };
    return { tracker, take };
  }
  const info = binId(9, 0xc3);
  const answer = (offerId: string) =>
    announce(info, binId(91), { answer: ANSWER, offer_id: offerId, to_peer_id: binId(90) }) as Record<
      string,
      unknown
    >;

  it('relays an answer until the offer is WT_OFFER_TTL_MS old, not after', () => {
    const { tracker, take } = rig();
    tracker.handle('seed', announce(info, binId(91), { left: 0 }) as Record<string, unknown>, 0);
    tracker.handle('leech', announce(info, binId(90), { offers: offers(2) }) as Record<string, unknown>, 0);
    take('leech');
    expect(take('seed').filter((m) => m.offer !== undefined)).toHaveLength(1); // one other member
    const relayedId = binId(1, 0x80);
    tracker.handle('seed', answer(relayedId), WT_OFFER_TTL_MS);
    expect(take('leech')).toEqual([]);
    // Offered again, answered just in time.
    tracker.handle(
      'leech',
      announce(info, binId(90), { offers: offers(1) }) as Record<string, unknown>,
      1000,
    );
    take('leech');
    take('seed');
    tracker.handle('seed', answer(relayedId), 1000 + WT_OFFER_TTL_MS - 1);
    expect(take('leech')).toEqual([expect.objectContaining({ answer: ANSWER, offer_id: relayedId })]);
  });
});
