import { WebSocket, type ClientOptions } from 'ws';
import { toHex } from '../../shared/bytes.js';
import { identityFromSecretKey, proveRegister, type Identity } from '../../shared/identity/index.js';

/** A decoded server message as the tests see it (loosely typed on purpose: tests check shapes). */
export type Msg = { type: string; [key: string]: unknown };

/**
 * A `ws` client with a message queue, for driving the server over real sockets. The server's
 * `challenge` (its first message) is kept aside in {@link TestClient.challenge} rather than
 * queued, so tests read replies to what they send.
 */
export class TestClient {
  private readonly queue: Msg[] = [];
  private readonly waiters: ((m: Msg) => void)[] = [];
  /** Resolves with this socket's challenge nonce (hex). */
  readonly challenge: Promise<string>;
  /** Resolves with the close code and reason once the socket is closed. */
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly ws: WebSocket) {
    let gotChallenge!: (nonce: string) => void;
    this.challenge = new Promise((resolve) => (gotChallenge = resolve));
    ws.on('message', (data) => {
      const m = JSON.parse(String(data)) as Msg;
      if (m.type === 'challenge') return gotChallenge(m.nonce as string);
      const waiter = this.waiters.shift();
      if (waiter) waiter(m);
      else this.queue.push(m);
    });
    ws.on('error', () => {});
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
    );
  }

  static async open(url: string, options: ClientOptions = {}): Promise<TestClient> {
    const ws = new WebSocket(url, options);
    const client = new TestClient(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    return client;
  }

  /** This socket's challenge nonce, failing after `timeoutMs` (a server that sends none). */
  nonce(timeoutMs = 2000): Promise<string> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no challenge within ${timeoutMs} ms`)), timeoutMs);
    });
    return Promise.race([this.challenge, late]).finally(() => clearTimeout(timer));
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends an object as JSON, or a string as is. */
  send(message: object | string): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message, failing after `timeoutMs`. */
  next(timeoutMs = 2000): Promise<Msg> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(new Error(`no message within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter = (m: Msg): void => {
        clearTimeout(timer);
        resolve(m);
      };
      this.waiters.push(waiter);
    });
  }

  /** Sends `message` and returns the next message received. */
  async request(message: object | string, timeoutMs = 2000): Promise<Msg> {
    this.send(message);
    return this.next(timeoutMs);
  }

  /** Resolves true if no message arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    if (this.queue.length > 0) return false;
    try {
      await this.next(ms).then((m) => this.queue.unshift(m));
      return false;
    } catch {
      return true;
    }
  }

  /** Messages received but not yet taken. */
  drain(): Msg[] {
    return this.queue.splice(0);
  }

  async close(): Promise<void> {
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close();
    await this.closed;
  }
}

/** A deterministic 40-hex peer id or info-hash: `n` spelled out in the last digits. */
export function hexId(n: number, prefix = 'a'): string {
  return (prefix + n.toString(16)).padStart(40, '0');
}

const identities = new Map<string, Identity>();

/** Test tab `n`'s key pair: deterministic, from a secret key spelling out `n`. */
export function tabIdentity(n: number): Identity {
  const secret = new Uint8Array(32);
  new DataView(secret.buffer).setUint32(28, n);
  secret[0] = 0x7a; // keeps tab 0 from having the all-zero key
  const identity = identityFromSecretKey(secret);
  identities.set(toHex(identity.peerId), identity);
  return identity;
}

/** Test tab `n`'s peer id (40 hex): SHA-1 of its public key, so only `n`'s key can register it. */
export function tabId(n: number): string {
  return toHex(tabIdentity(n).peerId);
}

/**
 * A `register` for `peerId` (one made by {@link tabId}) proven against `client`'s challenge,
 * with `extra` fields (rid, numWant) added.
 */
export async function registerMessage(
  client: TestClient,
  peerId: string,
  extra: object = {},
): Promise<object> {
  const identity = identities.get(peerId.toLowerCase());
  if (identity === undefined) throw new Error(`no key for ${peerId}: make peer ids with tabId(n)`);
  const proof = proveRegister(identity, await client.nonce());
  return { type: 'register', peerId, ...proof, ...extra };
}

/**
 * Opens a socket and registers `peerId` (made by {@link tabId}) with a valid proof; returns the
 * client and the `registered` reply.
 */
export async function registered(
  wsUrl: string,
  peerId: string,
  options: ClientOptions = {},
): Promise<{ client: TestClient; reply: Msg }> {
  const client = await TestClient.open(wsUrl, options);
  const reply = await client.request(await registerMessage(client, peerId));
  if (reply.type !== 'registered') throw new Error(`register failed: ${JSON.stringify(reply)}`);
  return { client, reply };
}

/** Checks that `client` still gets served: an announce gets its `announced` reply. */
export async function stillServed(client: TestClient, infoHash = hexId(999, 'f')): Promise<void> {
  const reply = await client.request({ type: 'announce', infoHash, rid: 'alive?' });
  if (reply.type !== 'announced' || reply.rid !== 'alive?')
    throw new Error(`not served: ${JSON.stringify(reply)}`);
}
