import { toHex } from '../bytes.js';
import { encodeKrpc } from './krpc.js';
import type { KrpcMessage, KrpcQuery, KrpcResponseValues, QueryName } from './krpc.js';
import { compareDistance, idBytes, toNodeId } from './node-id.js';
import type { NodeId } from './node-id.js';
import { heardOfSuperPeer } from './node-core.js';
import type { NodeCore } from './node-core.js';
import { sameRoute } from './route-book.js';
import type { Transport } from './transport.js';

/**
 * The outcome of a query. A failure with `routeBroke` never reached the contact because a link or
 * relay on the way failed: it says nothing about the contact, which may be asked again.
 */
export type RpcResult =
  | { ok: true; r: KrpcResponseValues; route: NodeId[] }
  | { ok: false; reason: string; route: NodeId[]; routeBroke: boolean };
export type RpcCallback = (result: RpcResult, now: number) => void;

interface PendingRpc {
  readonly to: NodeId;
  route: NodeId[];
  readonly q: QueryName;
  readonly done: RpcCallback;
  /** Every route it was sent along: its answer must come back along one of them. */
  readonly tried: NodeId[][];
  /** The encoded query, kept to resend it along another route when the one it took broke. */
  readonly message: Uint8Array;
  /** Times it was resent along another route. */
  resent: number;
  /** The route is a guess: a detour through a node next to the contact (see otherRoute). */
  detour: boolean;
  /** Last relays that reported they had no link to the contact (not tried again). */
  readonly lostBy: NodeId[];
  /** The last relay of a route we had learned (not a guess) had no link to the contact. */
  lastHopGone: boolean;
  /** Answered nodes next to what the query is about (a lookup's), for detours. */
  readonly near?: () => readonly NodeId[];
}

/** Consecutive failed queries after which a contact leaves the routing table. */
export const MAX_FAILURES = 2;
/** Bytes of a transaction id. */
const TID_BYTES = 4;
/** Times one query is resent along another route after its route broke, at most. */
export const MAX_RESENDS = 2;

/**
 * Queries we sent and wait for: transaction ids, deadlines (the `rpc` timer), and what happens
 * when a route breaks on the way (resend along another route or a detour, at most MAX_RESENDS
 * times) or the contact does not answer (counted against it).
 */
export class RpcTable {
  private readonly rpcs = new Map<string, PendingRpc>();

  constructor(
    private readonly core: NodeCore,
    private readonly transport: Transport,
  ) {}

  /**
   * A random transaction id not in use. Random, not a counter: a peer that saw one of our ids must
   * not be able to guess the next and answer a query it never saw.
   */
  private newTid(): Uint8Array {
    for (;;) {
      const t = this.core.random.bytes(TID_BYTES);
      if (!this.rpcs.has(toHex(t))) return t;
    }
  }

  /** Sends a query; false if there is no route (nothing was sent, the callback will not run). */
  query(
    to: NodeId,
    q: QueryName,
    args: Record<string, Uint8Array | number | Uint8Array[]>,
    now: number,
    done: RpcCallback,
    near?: () => readonly NodeId[],
  ): boolean {
    const route = this.transport.routeTo(to);
    if (!route) return false;
    const t = this.newTid();
    // A super-peer says so in every query (as BEP 43's read-only nodes do): peers keep a link to it.
    const sp = this.core.superPeer ? { sp: 1 } : {};
    const message = encodeKrpc({ y: 'q', t, q, a: { id: this.core.own, ...args, ...sp } } as KrpcQuery);
    this.transport.sendAlong(route, message);
    const key = toHex(t);
    this.rpcs.set(key, {
      to,
      route: [...route],
      tried: [[...route]],
      q,
      done,
      message,
      resent: 0,
      detour: false,
      lostBy: [],
      lastHopGone: false,
      near,
    });
    this.core.timers.set('rpc', this.deadline(route, now), key);
    this.core.counters.queriesOut++;
    return true;
  }

  /**
   * A response or error arrived from `origin` along `route` (reversed): completes its query (after
   * `answered`, which notes the contact as verified), or says why it matches none. The answer
   * must come from the node we asked, along a route we sent the query on: a responder answers
   * along the way the query came, so anything else was made up by a node that was not on it.
   * An answer over a link comes from that link's peer (links open only on proven signals); one
   * through relays names a responder any relay on the way could have made up, so with a verifier
   * it must carry the responder's proof (OriginAuth.answerProblem). Unproven, it is no answer:
   * the query fails as if its route broke (it says nothing about the contact, everything about a
   * relay), and a lookup moves on. An error carries no proof: through relays it completes the
   * query as a failure but makes no contact.
   */
  onReply(
    msg: Exclude<KrpcMessage, { y: 'q' }>,
    origin: NodeId,
    route: readonly NodeId[],
    now: number,
    answered: () => void,
  ):
    | 'ok'
    | 'unsolicited response'
    | 'response from the wrong node'
    | 'response along the wrong route'
    | `answer ${string}` {
    const key = toHex(msg.t);
    const rpc = this.rpcs.get(key);
    if (!rpc) return 'unsolicited response';
    if (rpc.to !== origin || (msg.y === 'r' && toNodeId(msg.r.id) !== origin))
      return 'response from the wrong node';
    if (!rpc.tried.some((r) => sameRoute(r, route))) return 'response along the wrong route';
    this.take(key);
    const relayed = route.length > 1;
    if (msg.y === 'e') {
      if (!relayed || !this.core.origins.checks) answered();
      const reason = `error ${msg.e[0]}: ${msg.e[1]}`;
      rpc.done({ ok: false, reason, route: rpc.route, routeBroke: false }, now);
      return 'ok';
    }
    const check = relayed && this.core.origins.checks;
    if (check) this.core.counters.answersChecked++;
    const problem = check ? this.core.origins.answerProblem(msg.t, msg.r) : undefined;
    if (problem !== undefined) {
      this.core.counters.answersRefused++;
      rpc.done({ ok: false, reason: problem, route: rpc.route, routeBroke: true }, now);
      return problem as `answer ${string}`;
    }
    answered();
    // Super-peers it names are worth a link; it vouches for itself only over its own link.
    for (const id of msg.r.sn ?? []) {
      const named = toNodeId(id);
      heardOfSuperPeer(this.core, named, !relayed && named === origin, now);
    }
    rpc.done({ ok: true, r: msg.r, route: rpc.route }, now);
    return 'ok';
  }

  /** The `rpc` timer of transaction `key` fired. */
  expire(key: string, now: number): void {
    this.fail(key, 'timeout', now);
  }

  /** The link `link` closed: queries sent through it go again along another route, or fail. */
  failThrough(link: NodeId, reason: string, now: number): void {
    for (const [key, rpc] of this.rpcs) {
      if (rpc.route[0] !== link) continue;
      if (!this.resend(key, rpc, now)) this.fail(key, reason, now, false);
    }
  }

  /**
   * A relay had no link to `unreachable` on the way to `destination`; the notice came back along
   * `path` (the relay first, us last). It is believed only for a query of ours whose route has
   * `unreachable` right after that relay and whose head is `path` reversed: the notice came over
   * the link our query left on, through the relays it went through. Any of those relays could
   * still forge it (notices carry no signature), so it is given no more weight than they have:
   * they could drop the query anyway, and the routes dropped are only those that start with the
   * way the notice came and the lost hop (every one of them goes through all of those relays).
   * Only a notice from our own link (an authenticated peer speaking of its own links) drops every
   * route that uses its lost hop. In a calm network the usual cause is a relay that rebalanced
   * its links, not a contact that left. The query goes again along another route (twice at most);
   * only when that fails too is it counted as failed. Returns false if the notice matched no query.
   */
  onNotice(destination: NodeId, path: readonly NodeId[], unreachable: NodeId, now: number): boolean {
    const reporter = path[0] as NodeId;
    let matched = false;
    for (const [key, rpc] of this.rpcs) {
      if (rpc.to !== destination || !noticeFits(rpc.route, path, unreachable)) continue;
      if (!matched) forgetNoticed(this.core, path, unreachable);
      matched = true;
      if (unreachable === destination) {
        rpc.lostBy.push(reporter);
        // A learned route whose last relay lost the contact hints that it left; a failed guess does not.
        if (!rpc.detour) rpc.lastHopGone = true;
      }
      if (this.resend(key, rpc, now)) continue;
      this.fail(key, `unreachable via ${reporter}`, now, rpc.lastHopGone);
    }
    return matched;
  }

  private take(key: string): void {
    this.rpcs.delete(key);
    this.core.timers.clear('rpc', key);
  }

  private deadline(route: readonly NodeId[], now: number): number {
    const s = this.core.settings;
    return now + s.rpcTimeoutMs + s.relayHopTimeoutMs * (route.length - 1);
  }

  /**
   * A query failed without an answer: tell the caller, and count it against the contact when the
   * contact itself looks gone (a timeout, or the last relay had no link to it), not when a link
   * or relay on the way failed.
   */
  private fail(key: string, reason: string, now: number, contactsFault = reason === 'timeout'): void {
    const rpc = this.rpcs.get(key);
    if (!rpc) return;
    this.take(key);
    const core = this.core;
    if (reason === 'timeout') core.counters.timeouts++;
    if (contactsFault && core.table.markFailed(rpc.to) >= MAX_FAILURES && !core.links.isLive(rpc.to)) {
      core.table.remove(rpc.to);
      core.routes.forget(rpc.to);
    }
    rpc.done({ ok: false, reason, route: rpc.route, routeBroke: reason !== 'timeout' }, now);
  }

  /** Resends `rpc` along another route; false if there is none (or it was resent enough). */
  private resend(key: string, rpc: PendingRpc, now: number): boolean {
    if (rpc.resent >= MAX_RESENDS) return false;
    const next = this.otherRoute(rpc);
    if (!next) return false;
    rpc.resent++;
    rpc.detour = next.detour;
    rpc.route = next.route;
    rpc.tried.push([...next.route]);
    this.core.timers.set('rpc', this.deadline(next.route, now), key);
    this.transport.sendAlong(next.route, rpc.message);
    return true;
  }

  /**
   * Another way to `rpc.to` than the route that just broke: a known route, else a detour through
   * the node closest to it (among a lookup's answered nodes and our contacts) that we can reach in
   * fewer than maxRouteLength hops: nodes next to each other keep links to each other (the near
   * set). Never through a relay that already said it has no link to the contact.
   */
  private otherRoute(rpc: PendingRpc): { route: NodeId[]; detour: boolean } | undefined {
    const to = rpc.to;
    const lost = (r: readonly NodeId[]): boolean => rpc.lostBy.includes(r[r.length - 2] as NodeId);
    const known = this.transport.routeTo(to);
    if (known && !sameRoute(known, rpc.route) && !lost(known)) return { route: [...known], detour: false };
    const target = idBytes(to);
    const near = new Set<NodeId>(rpc.near?.() ?? []);
    for (const c of this.core.table.closest(target, 8)) near.add(c.id);
    const candidates = [...near]
      .filter((x) => x !== to && !rpc.lostBy.includes(x))
      .sort((a, b) => compareDistance(target, idBytes(a), idBytes(b)));
    for (const via of candidates) {
      const r = this.transport.routeTo(via);
      if (r && r.length < this.core.settings.maxRouteLength && !r.includes(to))
        return { route: [...r, to], detour: true };
    }
    return undefined;
  }
}

/**
 * Drops the routes a notice that came back along `path` (reporter first, us last) says are broken
 * at `unreachable`: every route with the hop reporter -> unreachable if the reporter is our own
 * link, else only those that start with the notice's way (reversed) and that hop.
 */
function forgetNoticed(core: NodeCore, path: readonly NodeId[], unreachable: NodeId): void {
  const reporter = path[0] as NodeId;
  if (path.length === 2) return core.routes.forgetHop(reporter, unreachable);
  core.routes.forgetPrefix([...path.slice(0, -1).reverse(), unreachable]);
}

/**
 * Whether a notice that came back along `path` (reporter first, us last) can be about a query
 * sent along `route`: the reporter is on the route with `unreachable` right after it, and the
 * relays before it are `path` reversed.
 */
function noticeFits(route: readonly NodeId[], path: readonly NodeId[], unreachable: NodeId): boolean {
  const at = path.length - 2; // the reporter's index in the route
  if (at < 0 || route[at + 1] !== unreachable) return false;
  for (let i = 0; i <= at; i++) if (route[i] !== path[at - i]) return false;
  return true;
}
