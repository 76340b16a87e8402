import { describe, expect, it } from 'vitest';
import { toHex, utf8 } from '../../../shared/bytes.js';
import { decodeKrpc, encodeKrpc } from '../../../shared/dht/krpc.js';
import type { KrpcMessage } from '../../../shared/dht/krpc.js';
import type { DhtAction, DhtEvent } from '../../../shared/dht/types.js';
import { identityFromSecretKey, identitySigner, verify } from '../../../shared/identity/index.js';
import { seededRandom } from '../../../shared/random.js';
import { encodeKeywordRecord } from '../../../shared/search/keyword-record.js';
import { keywordKey, keywordsOf } from '../../../shared/search/keywords.js';
import { TestNode } from './helpers/test-node.js';
import { testSeed } from './helpers/seed.js';

const random = seededRandom(testSeed('keyword answers', 1304));
const publisher = identitySigner(identityFromSecretKey(random.bytes(32)));
const record = (title: string, keywords = keywordsOf(title)): Uint8Array =>
  encodeKeywordRecord({ infoHash: random.bytes(20), title, size: 1, files: 1, keywords }, publisher);

function node(): TestNode {
  return new TestNode({ id: random.bytes(20), random: seededRandom(random.int(1e9)), verifier: verify });
}
const events = (out: DhtAction[]): DhtEvent[] => out.flatMap((a) => (a.type === 'event' ? [a.event] : []));
const queries = (out: DhtAction[]) =>
  out.flatMap((a) => {
    if (a.type !== 'send') return [];
    const m = decodeKrpc(a.data);
    return m.y === 'q' ? [m] : [];
  });
/** A node linked to one peer, its join lookup answered: ready to search through that peer. */
function linked(): { a: TestNode; peer: Uint8Array } {
  const a = node();
  const peer = random.bytes(20);
  for (const q of queries(a.connected(peer, 0)))
    a.receive(peer, encodeKrpc({ y: 'r', t: q.t, r: { id: peer } }), 1);
  a.poll();
  return { a, peer };
}
/** Runs a search for `word` on `a` and answers its one kw_get with `kw`; the events that follow. */
function searchAnswered(word: string, kw: Uint8Array[]): DhtEvent[] {
  const { a, peer } = linked();
  const queryId = a.search(word, [], 10);
  const [q] = queries(a.poll());
  expect(q?.q).toBe('kw_get');
  const out = events(
    a.receive(peer, encodeKrpc({ y: 'r', t: (q as KrpcMessage).t, r: { id: peer, kw } }), 20),
  );
  expect(out.find((e) => e.type === 'lookup-done')).toMatchObject({ queryId, kind: 'search' });
  return out;
}

describe('keyword answers at the asker', () => {
  it('streams the records of a good answer and reports them when done', () => {
    const out = searchAnswered('ubuntu', [record('Ubuntu Desktop')]);
    expect(out.map((e) => e.type)).toEqual(['search-records', 'lookup-done']);
    const done = out[1] as Extract<DhtEvent, { type: 'lookup-done' }>;
    expect(done.records?.map((r) => r.title)).toEqual(['Ubuntu Desktop']);
  });

  it('ignores a junk answer for the query: records not under the keyword, bad signatures', () => {
    for (const junk of [
      [record('Debian Netinst')],
      [record('Ubuntu Server').map((b, i, all) => (i === all.length - 3 ? b ^ 1 : b))],
    ]) {
      const out = searchAnswered('ubuntu', junk);
      expect(out[0]).toMatchObject({
        type: 'message-dropped',
        reason: expect.stringMatching(/^search answer ignored/),
      });
      expect(out.find((e) => e.type === 'lookup-done')).toMatchObject({ records: [], timeouts: 1 });
    }
  });
});

describe('kw_put and kw_get at the store', () => {
  function ask(
    a: TestNode,
    peer: Uint8Array,
    q: 'kw_get' | 'kw_put',
    args: Record<string, unknown>,
  ): KrpcMessage {
    const msg = { y: 'q', t: utf8('t1'), q, a: { id: peer, ...args } } as unknown as KrpcMessage;
    const out = a.receive(peer, encodeKrpc(msg), 100);
    const send = out.find((x) => x.type === 'send') as Extract<DhtAction, { type: 'send' }>;
    return decodeKrpc(send.data);
  }
  const getArgs = (word: string, n = 10, f: string[] = []) => ({
    target: keywordKey(word),
    w: utf8(word),
    n,
    f: f.map((x) => utf8(x)),
  });

  it('stores a signed record with a token and answers it, filtered by the other words', () => {
    const { a, peer } = linked();
    const first = ask(a, peer, 'kw_get', getArgs('bunny'));
    const token = first.y === 'r' ? (first.r.token as Uint8Array) : new Uint8Array();
    const rec = record('Big Buck Bunny');
    expect(ask(a, peer, 'kw_put', { target: keywordKey('bunny'), token, rec: new Uint8Array(rec) }).y).toBe(
      'r',
    );
    const found = ask(a, peer, 'kw_get', getArgs('bunny', 10, ['buck']));
    expect(found.y === 'r' && found.r.kw?.map((b) => toHex(b))).toEqual([toHex(rec)]);
    const filtered = ask(a, peer, 'kw_get', getArgs('bunny', 10, ['sintel']));
    expect(filtered.y === 'r' && filtered.r.kw).toEqual([]);
    const wrong = ask(a, peer, 'kw_get', { ...getArgs('bunny'), w: utf8('other') });
    expect(wrong.y).toBe('e');
  });

  it('refuses a record without a token, under another keyword, or with a bad signature', () => {
    const { a, peer } = linked();
    const tokenFor = (word: string): Uint8Array => {
      const r = ask(a, peer, 'kw_get', getArgs(word));
      return r.y === 'r' ? (r.r.token as Uint8Array) : new Uint8Array();
    };
    const rec = record('Sintel Open Movie');
    const put = (word: string, token: Uint8Array, bytes = rec) =>
      ask(a, peer, 'kw_put', { target: keywordKey(word), token, rec: bytes });
    expect(put('sintel', utf8('nope'))).toMatchObject({ y: 'e', e: [203, 'bad token'] });
    expect(put('bunny', tokenFor('bunny'))).toMatchObject({
      y: 'e',
      e: [203, 'record not published under this keyword'],
    });
    const forged = rec.map((b, i) => (i === rec.length - 3 ? b ^ 1 : b));
    expect(put('sintel', tokenFor('sintel'), forged)).toMatchObject({
      y: 'e',
      e: [203, 'bad record signature'],
    });
    const none = ask(a, peer, 'kw_get', getArgs('sintel'));
    expect(none.y === 'r' && none.r.kw).toEqual([]);
  });
});
