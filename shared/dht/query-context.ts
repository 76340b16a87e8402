import type { HandlerContext } from './handlers/index.js';
import { idBytes } from './node-id.js';
import type { NodeId } from './node-id.js';
import { emit } from './node-core.js';
import type { NodeCore } from './node-core.js';
import type { RateWindow } from './rate-window.js';
import type { TokenManager } from './token-manager.js';
import type { Transport } from './transport.js';

/** The parts of a node that answer queries (what a {@link HandlerContext} is built from). */
export interface QueryServices {
  readonly core: NodeCore;
  readonly tokens: TokenManager;
  readonly transport: Transport;
  /** Answers signed per second (settings.maxSignedAnswersPerSecond). */
  readonly signedAnswers: RateWindow<'answer'>;
}

/**
 * The context of one query from `asker`, which came along `replyRoute` (reversed): over its own
 * link (one id) or through relays. Kept out of the node so the node stays one file of plumbing.
 */
export function queryContext(
  s: QueryServices,
  asker: NodeId,
  replyRoute: readonly NodeId[],
  now: number,
): HandlerContext {
  const core = s.core;
  const direct = replyRoute.length === 1;
  return {
    ownId: core.own,
    now,
    asker,
    tokens: s.tokens,
    store: core.store,
    keywords: core.keywords,
    recordVerifies: (record) => core.origins.recordVerifies(record),
    random: core.random,
    closestNodes: (target) => s.transport.closestLinks(target, asker),
    emitSignal: (from, payload) => {
      // A proven origin: the way its signal came is a way back for ours (an unproven relayed
      // query gives a route only to an id we had none to; see ContactUpkeep.heard).
      if (!direct) core.routes.offer(asker, replyRoute, core.isLive);
      core.counters.signalsIn++;
      core.out.push({ type: 'signal', from, payload: payload.slice() });
    },
    signalProblem: (payload, { k, sig }) => core.origins.signalProblem(idBytes(asker), payload, k, sig),
    storeProblem: (method, key, token, { k, sig }) =>
      core.origins.storeProblem(method, idBytes(asker), key, token, k, sig),
    refused: (kind, reason) => {
      core.counters.dropped++;
      if (kind === 'signal') core.counters.signalsRefused++;
      else core.counters.storesRefused++;
      emit(core, { type: 'message-dropped', from: asker, reason });
    },
    noteAskerLinks: (count) => {
      if (direct) core.links.noteRemoteLinks(asker, count);
    },
  };
}
