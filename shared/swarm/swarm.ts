import { ErrorCode, toTabswarmError } from '../errors.js';
import { parseInfoDictionary } from '../info-dictionary.js';
import type { InfoDictionary } from '../info-dictionary.js';
import type { Machine } from '../machine/machine.js';
import { PeerWire } from '../wire/peer-wire.js';
import type { PeerWireEvent, WireTimer } from '../wire/peer-wire.js';
import { ChokeGlue, UPLOAD_SLOTS } from './choke-glue.js';
import { DownloadPipeline, newPeerDownload } from './download-pipeline.js';
import { ExtensionRegistry } from './extension-registry.js';
import { FastExtension } from './fast-extension.js';
import { FileSelection } from './file-selection.js';
import { LT_DONTHAVE_ID, LtDonthave } from './lt-donthave.js';
import { MetadataExchange, UT_METADATA_ID } from './metadata-exchange.js';
import { PieceAssembly } from './piece-assembly.js';
import { PeerAdmission } from './peer-admission.js';
import { PiecePicker } from './piece-picker.js';
import { Playback } from './playback.js';
import { RECEIVE_BUFFER_BUDGET } from './receive-budget.js';
import type { PeerKey } from './piece-picker.js';
import { RateMeter } from './rate-meter.js';
import { SeedingReveal, newPeerReveal } from './seeding-reveal.js';
import { PEER_TIMER_ORDER, SwarmCore, requirePicker } from './swarm-core.js';
import type { PeerTimer, SwarmPeer, SwarmTimer } from './swarm-core.js';
import { swarmStatus } from './swarm-status.js';
import type { SwarmOptions, SwarmOutput, SwarmStatus } from './swarm-types.js';
import { MAX_QUEUED_REQUESTS, UploadScheduler, newPeerUpload } from './upload-scheduler.js';

export type * from './swarm-types.js';
export * from './swarm-constants.js';

/** What a peer's timer handler reports to the pass. */
type TimerOutcome = 'lend' | 'early' | void;

/**
 * One torrent's swarm: every connection's wire protocol, piece picking, choking, uploads,
 * metadata exchange and smart ban, as a sans-I/O {@link Machine}. The host feeds it transport
 * events and answers, each with the current time, and executes what `poll()` returns:
 *
 * - `addPeer` when a data channel opens, `receive` with every chunk it delivers, `removePeer`
 *   when it closes; `drained` when the channel's buffered amount falls low;
 * - `verify` outputs: hash the piece and answer `pieceVerified` (store it first if good);
 * - `read` outputs: load the piece and answer `pieceData`;
 * - `handleTimeout(now)` at `nextTimeout()` (MachineDriver does this).
 *
 * This class wires the parts together and dispatches wire events and timers to them: the
 * {@link DownloadPipeline} (our requests), the {@link UploadScheduler} (theirs), the
 * {@link ChokeGlue}, initial seeding ({@link SeedingReveal}) and the BEP 10 extensions
 * ({@link ExtensionRegistry}: ut_metadata, lt_donthave). Nothing a peer sends makes it throw:
 * protocol breaches become `close` outputs.
 */
export class Swarm implements Machine<SwarmOutput> {
  readonly infoHash: Uint8Array;
  private readonly core: SwarmCore;
  private readonly download: DownloadPipeline;
  private readonly upload: UploadScheduler;
  private readonly reveal: SeedingReveal;
  private readonly choke: ChokeGlue;
  private readonly extensions: ExtensionRegistry;
  private readonly fast: FastExtension;
  private readonly metadata: MetadataExchange;
  private readonly playback: Playback;
  private readonly receiveBudget: number;
  private readonly assembly = new PieceAssembly();
  private readonly peerId: Uint8Array;
  private readonly initialHave: readonly boolean[] | undefined;
  private readonly initialSeedingOption: boolean;
  private readonly client: string;
  private readonly admission: PeerAdmission;
  /** Per wire: its peer is still here (a gone peer's wire sets no timers). */
  private readonly wireLive = new WeakMap<PeerWire, { live: boolean }>();
  private readonly selection: FileSelection;

  constructor(opts: SwarmOptions) {
    this.infoHash = opts.infoHash;
    this.peerId = opts.peerId;
    this.initialHave = opts.have;
    this.initialSeedingOption = opts.initialSeeding ?? true;
    this.client = opts.client ?? 'tabswarm 0.1';
    const core = (this.core = new SwarmCore(opts.infoHash, opts.random));
    this.admission = new PeerAdmission(core, opts.maxPeers ?? 30);
    core.infoBytes = opts.infoBytes;
    core.forget = (p) => this.forget(p);
    this.download = new DownloadPipeline(core, opts.requestPipeline);
    this.playback = new Playback(core, this.download);
    this.download.urgent = (now) => this.playback.plan(now);
    this.selection = new FileSelection(core, this.download, opts.selectedFiles);
    this.receiveBudget = opts.receiveBudget ?? RECEIVE_BUFFER_BUDGET;
    this.upload = new UploadScheduler(
      core,
      {
        blockSent: (p, index, length, now) => this.reveal.blockSent(p, index, length, now),
        afterBlock: (p, now) => this.choke.afterBlock(p, now),
        declined: (p, r, now) => this.fast.decline(p, r, now),
      },
      opts.cacheBytes,
    );
    this.reveal = new SeedingReveal(core, this.upload);
    this.choke = new ChokeGlue(core, this.upload, this.reveal, opts.random, opts.uploadSlots ?? UPLOAD_SLOTS);
    this.fast = new FastExtension(core, this.download);
    this.extensions = new ExtensionRegistry(core);
    // BEP 10 extensions: one line each.
    this.metadata = this.extensions.register(
      UT_METADATA_ID,
      (sender) =>
        new MetadataExchange(core, sender, {
          complete: (info, bytes, now) => this.metadataComplete(info, bytes, now),
          ban: (peer, reason) => this.admission.ban(peer, reason),
        }),
    );
    this.extensions.register(LT_DONTHAVE_ID, (sender) => new LtDonthave(core, sender, this.download));
    const info =
      opts.info ?? (opts.infoBytes ? parseInfoDictionary(opts.infoBytes, opts.infoHash) : undefined);
    if (info) this.setInfo(info);
  }

  // ---- Inputs ---------------------------------------------------------------------------

  /** A data channel to `peer` opened: we send our handshake. */
  addPeer(peer: PeerKey, now: number): void {
    const core = this.core;
    if (!this.admission.admit(peer)) return;
    const liveness = { live: true };
    const wire = new PeerWire({
      infoHash: this.infoHash,
      peerId: this.peerId,
      now,
      timers: this.core.wireTimers(peer, liveness),
      ...(core.info ? { pieceCount: core.info.pieceCount } : {}),
    });
    this.wireLive.set(wire, liveness);
    const p: SwarmPeer = {
      key: peer,
      wire,
      connectedAt: now,
      down: new RateMeter(),
      up: new RateMeter(),
      download: newPeerDownload(now),
      upload: newPeerUpload(now),
      reveal: newPeerReveal(),
    };
    core.peers.set(peer, p);
    core.queue(peer, wire.handshake(now));
  }

  /** The connection to `peer` closed. */
  removePeer(peer: PeerKey, now: number): void {
    const p = this.core.peers.get(peer);
    if (!p) return;
    this.forget(p);
    this.choke.fill(now);
    this.download.refillAll(now);
    this.metadata.request(now);
  }

  /** Bytes from `peer`'s data channel, in order, in chunks of any size. */
  receive(peer: PeerKey, bytes: Uint8Array, now: number): void {
    const peers = this.core.peers;
    const p = peers.get(peer);
    if (!p) return;
    try {
      for (const event of p.wire.receive(bytes, now)) {
        if (!peers.has(peer)) break;
        const handler = this.handlers[event.type] as (p: SwarmPeer, e: PeerWireEvent, now: number) => void;
        handler(p, event, now);
      }
      if (peers.has(peer)) {
        this.download.refill(p, now);
        this.upload.pump(now);
      }
    } catch (err) {
      const e = toTabswarmError(err, ErrorCode.ProtocolViolation);
      this.core.close(p, e.code, e.message);
    }
  }

  /** The host's verdict on a `verify` output. */
  pieceVerified(index: number, ok: boolean, now: number): void {
    const core = this.core;
    const picker = core.picker;
    if (!picker) return;
    const assembly = this.assembly.verified(index);
    if (!assembly) return;
    picker.pieceVerified(index, ok);
    if (ok) {
      this.upload.cache.set(index, assembly.data);
      core.event({ type: 'piece-verified', index });
      for (const p of core.peers.values()) {
        if (!p.wire.open) continue;
        core.send(p, { type: 'have', index }, now);
        if (p.wire.peerPieces.has(index) && picker.isWanted(index)) this.download.wantChanged(p, -1, now);
      }
      this.admission.pieceVerified(index, assembly.data, picker.blockSize);
      this.selection.announceIfFinished();
    } else {
      core.wasted += assembly.data.length;
      const peers = [...new Set(assembly.suppliers.filter((k): k is PeerKey => k !== undefined))];
      core.event({ type: 'piece-failed', index, peers });
      this.admission.pieceFailed(index, assembly.data, picker.blockSize, assembly.suppliers);
    }
    this.download.refillAll(now);
  }

  /**
   * The host's answer to a `read` output: the piece's bytes, or undefined if storage lacks it.
   * A lost piece is downloaded again, and peers that take lt_donthave are told.
   */
  pieceData(index: number, data: Uint8Array | undefined, now: number): void {
    const core = this.core;
    this.upload.readDone(index);
    const picker = core.picker;
    if (!picker || index < 0 || index >= picker.pieceCount) return;
    if (data && data.length === picker.pieceSize(index) && picker.has(index)) {
      this.upload.cache.set(index, data);
    } else if (picker.has(index)) {
      picker.lost(index);
      // No longer a seed: peers that hide their pieces too must learn what we still have.
      this.reveal.end(now);
      this.upload.cache.delete(index);
      core.event({ type: 'piece-lost', index });
      this.selection.pieceLost(index);
      for (const p of core.peers.values()) {
        this.upload.dropIncoming(p, (r) => r.index === index, now);
        if (p.wire.peerPieces.has(index) && picker.isWanted(index)) this.download.wantChanged(p, 1, now);
      }
      this.extensions.onPieceLost(index, now);
      this.download.refillAll(now);
    }
    this.upload.pump(now);
  }

  /**
   * Only `pieces` are wanted from now on (undefined: every piece): the swarm requests no other
   * piece, is interested only in peers that have a wanted one, and reports `complete` once every
   * wanted piece is stored. Ignored before the info dictionary is known (see selectFiles).
   */
  setWanted(pieces: Iterable<number> | undefined, now: number): void {
    this.selection.setWanted(pieces, now);
  }

  /**
   * Only the files at `indexes` (positions in the info dictionary's `files`) are downloaded: the
   * pieces holding their bytes, boundary pieces shared with other files included. Undefined: all
   * files. Before the info dictionary is known the choice is kept and applied when it arrives,
   * before any request goes out.
   */
  selectFiles(indexes: readonly number[] | undefined, now: number): void {
    this.selection.select(indexes, now);
  }

  /** Every wanted piece is stored (every piece, when no files were chosen). */
  get finished(): boolean {
    return this.selection.finished;
  }

  /**
   * A player reads the file from piece `head` on (its last piece is `last`): those pieces are
   * fetched first, in order, and one past its deadline from two peers. A `head` outside the
   * current window is a seek: requests outside the new window are withdrawn.
   */
  playFrom(head: number, last: number, now: number): void {
    this.playback.playFrom(head, last, now);
  }

  /** No player reads any more. */
  stopPlaying(): void {
    this.playback.stop();
  }

  /**
   * Everything handed to `peer` so far has left the channel's send buffer (its buffered amount
   * fell below the low threshold): more uploads may be sent.
   */
  drained(peer: PeerKey, now: number): void {
    const p = this.core.peers.get(peer);
    if (p) this.upload.drained(p, now);
  }

  // ---- Machine --------------------------------------------------------------------------

  poll(): SwarmOutput[] {
    return this.core.poll();
  }

  nextTimeout(): number | undefined {
    return this.core.timers.next();
  }

  /**
   * Runs the timers due at `now`, peer by peer (in connection order, each peer's in
   * PEER_TIMER_ORDER), then what every timer pass ends with: metadata requests, lending idle
   * slots, the choker's round, and request refills.
   */
  handleTimeout(now: number): void {
    const byPeer = new Map<PeerKey, Set<SwarmTimer>>();
    let due = false;
    for (const { name, subject } of this.core.timers.due(now)) {
      if (typeof subject !== 'string') {
        due = true; // the choker's round: run below
        continue;
      }
      let names = byPeer.get(subject);
      if (!names) byPeer.set(subject, (names = new Set()));
      names.add(name);
    }
    let idleSlots = false;
    // Wire timers are set lazily and may fire early (see PeerWire); a pass where nothing else
    // was due is no pass at all.
    for (const p of [...this.core.peers.values()]) {
      const names = byPeer.get(p.key);
      if (!names) continue;
      for (const name of PEER_TIMER_ORDER) {
        if (!names.has(name) || !this.core.peers.has(p.key)) continue;
        const outcome = this.timerHandlers[name](p, now);
        if (outcome === 'early') continue;
        due = true;
        if (outcome === 'lend') idleSlots = true;
      }
    }
    if (!due) return;
    this.metadata.request(now);
    if (idleSlots) this.choke.fill(now);
    this.choke.onRoundTimer(now);
    this.download.refillAll(now);
    this.playback.sync(now);
  }

  /** A snapshot for the page. */
  status(now: number): SwarmStatus {
    const buffered = { metadata: this.metadata.bufferedBytes, pieces: this.core.picker?.heldBytes ?? 0 };
    return swarmStatus(this.core, this.choke.optimistic, this.admission.banned, buffered, now);
  }

  // ---- Dispatch -------------------------------------------------------------------------

  /** One handler per timer of a peer: `lend` (the peer went idle), `early` (a wire timer fired early). */
  private readonly timerHandlers: { [N in PeerTimer]: (p: SwarmPeer, now: number) => TimerOutcome } = {
    'handshake-timeout': (p, now) => this.wireTimer(p, 'handshake-timeout', now),
    'idle-timeout': (p, now) => this.wireTimer(p, 'idle-timeout', now),
    keepalive: (p, now) => this.wireTimer(p, 'keepalive', now),
    snub: (p, now) => this.download.onSnubTimer(p, now),
    'show-all': (p, now) => this.reveal.onShowAllTimer(p, now),
    'window-reopen': (p, now) => this.upload.onWindowTimer(p, now),
    'idle-slot': (p, now) => (this.upload.onIdleTimer(p, now) ? 'lend' : undefined),
    'metadata-request': (p, now) => this.metadata.onRequestTimer(p, now),
    // Nothing of its own: the pass ends by asking peers for metadata, this one included now.
    'metadata-backoff': () => {},
  };

  /** One handler per wire event. */
  private readonly handlers: {
    [T in PeerWireEvent['type']]: (p: SwarmPeer, e: Extract<PeerWireEvent, { type: T }>, now: number) => void;
  } = {
    handshake: (p, e, now) => this.onHandshake(p, e.handshake.peerId, e.handshake.extensions, now),
    'extension-handshake': (p, e, now) => this.extensions.onHandshake(p, e.handshake, now),
    // BEP 3: a choke discards every pending request (not with BEP 6: see FastExtension).
    choke: (p) => this.download.choked(p),
    unchoke: (p, _e, now) => {
      this.download.unchoked(p, now);
      // It reciprocates now: it may deserve a slot held by one that does not.
      if (!this.core.seeding && p.wire.peerInterested) this.choke.fill(now);
    },
    interested: (p, _e, now) => {
      this.reveal.interestChanged(p, now);
      this.choke.fill(now);
    },
    'not-interested': (p, _e, now) => {
      this.reveal.interestChanged(p, now);
      this.choke.fill(now);
    },
    have: (p, e, now) => {
      if (!this.core.picker) return;
      this.download.peerHas(p, e.index, now);
      this.reveal.peerHasPieces(p, [e.index], now);
    },
    bitfield: (p, _e, now) => this.peerPiecesKnown(p, now),
    'have-all': (p, _e, now) => this.peerPiecesKnown(p, now),
    'have-none': (p, e, now) => this.fast.onMessage(p, e, now),
    suggest: (p, e, now) => this.fast.onMessage(p, e, now),
    reject: (p, e, now) => this.fast.onMessage(p, e, now),
    'allowed-fast': (p, e, now) => this.fast.onMessage(p, e, now),
    request: (p, e, now) => this.upload.onRequest(p, e, now),
    piece: (p, e, now) => {
      const picker = requirePicker(this.core.picker, 'piece');
      const outcome = this.download.received(p, e.index, e.begin, e.block.length, now);
      if (!outcome.kept) return;
      this.assembly.add(picker, p.key, e.index, e.begin, e.block);
      if (outcome.pieceComplete)
        this.core.output({ type: 'verify', index: e.index, data: this.assembly.complete(e.index) });
    },
    cancel: (p, e) =>
      this.upload.dropIncoming(p, (r) => r.index === e.index && r.begin === e.begin && r.length === e.length),
    port: () => {},
    extended: (p, e, now) => this.extensions.onMessage(p, e.id, e.payload, now),
  };

  private onHandshake(p: SwarmPeer, peerId: Uint8Array, extensions: boolean, now: number): void {
    this.admission.checkHandshake(p, peerId);
    // BEP 6: with Fast, what we have comes first (have-all / have-none / bitfield).
    const hiding = this.reveal.peerOpened(p);
    this.fast.announcePieces(p, hiding, now);
    if (extensions) this.sendExtensionHandshake(p, now);
    if (hiding) this.choke.fill(now);
    this.core.event({ type: 'peer-connected', peer: p.key, peerId });
  }

  /** The peer's bitfield or have-all: its pieces count toward availability and interest. */
  private peerPiecesKnown(p: SwarmPeer, now: number): void {
    if (!this.core.picker) return;
    this.download.countPeerPieces(p, now);
    this.reveal.peerHasPieces(p, p.wire.peerPieces.indices(), now);
  }

  private wireTimer(p: SwarmPeer, name: WireTimer, now: number): TimerOutcome {
    const { send, close } = p.wire.handleTimer(name, now);
    if (close) this.core.close(p, close.code, close.message);
    else if (send) this.core.queue(p.key, send);
    else return 'early';
  }

  // ---- Torrent --------------------------------------------------------------------------

  /** Learns the info dictionary: creates the picker and counts what connected peers have. */
  private setInfo(info: InfoDictionary, now?: number): void {
    const core = this.core;
    core.info = info;
    const picker = (core.picker = new PiecePicker({
      pieceCount: info.pieceCount,
      pieceLength: info.pieceLength,
      length: info.length,
      random: core.random,
      budgetBytes: this.receiveBudget,
      ...(this.initialHave ? { have: this.initialHave } : {}),
    }));
    this.selection.applyTo(picker, info);
    this.upload.setPieces(info.pieceCount, info.pieceLength);
    // Only a seed from the start hides pieces: a finished leecher's pieces are out there already.
    if (now === undefined && picker.complete && this.initialSeedingOption && info.pieceCount > 1)
      this.reveal.start(info.pieceCount, core.random);
    this.metadata.infoKnown();
    if (now === undefined) return;
    for (const p of [...core.peers.values()]) {
      try {
        p.wire.setPieceCount(info.pieceCount);
      } catch (err) {
        const e = toTabswarmError(err, ErrorCode.ProtocolViolation);
        core.close(p, e.code, e.message);
        continue;
      }
      this.download.countPeerPieces(p, now);
      this.download.refill(p, now);
    }
  }

  /** The info dictionary arrived over ut_metadata. */
  private metadataComplete(info: InfoDictionary, infoBytes: Uint8Array, now: number): void {
    this.core.infoBytes = infoBytes;
    this.core.output({ type: 'metadata', info, infoBytes });
    this.setInfo(info, now);
    // Peers that met us before we had the metadata did not learn its size: tell them now
    // (BEP 10 allows a repeated handshake), or a magnet peer that only knows us waits forever.
    for (const other of this.core.peers.values()) {
      if (other.wire.open && other.wire.remote?.extensions) this.sendExtensionHandshake(other, now);
    }
  }

  /** Our BEP 10 handshake: the registered extensions, reqq, and what they add (metadata size). */
  private sendExtensionHandshake(p: SwarmPeer, now: number): void {
    this.extensions.sendHandshake(p, { client: this.client, reqq: MAX_QUEUED_REQUESTS }, now);
  }

  // ---- Connections ----------------------------------------------------------------------

  /** Removes every trace of `p`: its reservations, requests, availability, slot and timers. */
  private forget(p: SwarmPeer): void {
    const core = this.core;
    core.peers.delete(p.key);
    this.reveal.releaseAll(p);
    this.download.releaseOutstanding(p);
    const picker = core.picker;
    if (picker && p.wire.peerPieces.size !== undefined) {
      for (const i of p.wire.peerPieces.indices()) picker.removeAvailability(i);
    }
    this.choke.removePeer(p.key);
    this.extensions.onPeerRemoved(p);
    const liveness = this.wireLive.get(p.wire);
    if (liveness) liveness.live = false;
    core.timers.clearSubject(p.key);
  }
}
