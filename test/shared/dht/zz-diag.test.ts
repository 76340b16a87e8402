import { it } from 'vitest';
import { utf8 } from '../../../shared/bytes.js';
import { Shuttle } from '../../../test/shared/dht/helpers/shuttle.js';
it('diag', () => {
  const net = new Shuttle(Number(process.env.TEST_SEED ?? 1), { k: 8, maxConnections: 10, targetConnections: 7, nearConnections: 3, bucketConnections: 1, rpcTimeoutMs: 500, relayHopTimeoutMs: 250 });
  const ids: string[] = [];
  const pick = () => ids[net.random.int(ids.length)]!;
  for (let i = 0; i < 50; i++) { const n = net.add(); const known = ids.length ? Array.from({ length: 3 }, pick) : []; ids.push(n.id); net.run(n.id, n.bootstrap(known, net.now)); net.advance(3000, 500); }
  net.advance(10 * 60000, 5000);
  const STEADY = Number(process.env.STEADY ?? 0);
  for (let m = 0; m < STEADY; m += 5) { for (const id of ids) net.run(id, net.node(id).findNode(net.random.bytes(20), net.now).actions); net.advance(5 * 60000, 5000); }
  let ok = 0, fail = 0; const reasons = new Map<string, number>(); const lens = new Map<number, string>();
  for (const from of ids) for (const to of ids) {
    if (from === to || net.linked(from, to) || !net.node(from).hasRouteTo(to)) continue;
    const before = net.signals.length; const fb = net.events.length;
    net.run(from, net.node(from).sendSignal(to, utf8('x'), net.now));
    if (net.signals.length > before) ok++; else { fail++; for (const e of net.events.slice(fb)) if (e.event.type === 'signal-failed') { const r = e.event.reason.replace(/[0-9a-f]{40}/, 'X'); reasons.set(r, (reasons.get(r) ?? 0) + 1); } }
  }
  const rl = new Map<number, number>(); for (const n of net.nodes.values()) for (const b of n.snapshot().buckets) for (const c of b.contacts) rl.set(c.routeLength ?? 0, (rl.get(c.routeLength ?? 0) ?? 0) + 1);
  console.log('ok', ok, 'fail', fail, [...reasons], 'routes', [...rl], 'disconnects', net.stats.disconnects, 'links', net.linkCount());
});
