import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, type TabswarmError } from '../../../shared/errors.js';
import type {
  SignalingSocket,
  SignalingSocketFactory,
} from '../../../client/src/adapters/signaling-socket.js';

/**
 * A running echo server for the contract. It echoes every JSON message, except commands:
 * `{ cmd: 'close', code, reason }` closes with a close frame, `{ cmd: 'drop' }` drops the
 * connection without one, `{ cmd: 'garbage' }` sends a frame that is not JSON.
 */
export interface SignalingTestEnv {
  factory: SignalingSocketFactory;
  url: string;
  /** A URL where nothing listens. */
  unreachableUrl: string;
  stop(): Promise<void>;
}

/** Records every event of a socket in order. */
function record(socket: SignalingSocket): { log: string[]; messages: unknown[]; errors: TabswarmError[] } {
  const rec = { log: [] as string[], messages: [] as unknown[], errors: [] as TabswarmError[] };
  socket.on('open', () => rec.log.push('open'));
  socket.on('message', (m) => {
    rec.log.push('message');
    rec.messages.push(m);
  });
  socket.on('error', (err) => {
    rec.log.push(`error:${err.code}`);
    rec.errors.push(err);
  });
  socket.on('close', (code, reason) => rec.log.push(`close:${code}:${reason}`));
  return rec;
}

async function until(cond: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const closed = (log: string[]): boolean => log.some((e) => e.startsWith('close:'));

/** The behaviour every {@link SignalingSocket} implementation shares. */
export function signalingSocketContract(name: string, start: () => Promise<SignalingTestEnv>): void {
  describe(`SignalingSocket contract: ${name}`, () => {
    let env: SignalingTestEnv;
    const sockets: SignalingSocket[] = [];

    beforeEach(async () => {
      env = await start();
    });

    afterEach(async () => {
      for (const s of sockets.splice(0)) s.close();
      await env.stop();
    });

    function connect(url = env.url): { socket: SignalingSocket; rec: ReturnType<typeof record> } {
      const socket = env.factory.connect(url);
      sockets.push(socket);
      return { socket, rec: record(socket) };
    }

    it('opens, sends JSON and receives parsed echoes in order', async () => {
      const { socket, rec } = connect();
      expect(socket.state).toBe('connecting');
      expect(socket.url).toBe(env.url);
      expect(socket.send({ early: true })).toBe(false);
      await until(() => rec.log.includes('open'));
      expect(socket.state).toBe('open');
      const sent: unknown[] = [{ type: 'hello', id: 'ä€😀' }, [1, 2, { x: null }], 'text', 42, true, null];
      for (let i = 0; i < 50; i++) sent.push({ seq: i, pad: 'x'.repeat(i * 100) });
      for (const m of sent) expect(socket.send(m)).toBe(true);
      await until(() => rec.messages.length === sent.length);
      expect(rec.messages).toEqual(sent);
      expect(rec.errors).toEqual([]);
    });

    it('refuses to serialise what JSON cannot carry', async () => {
      const { socket, rec } = connect();
      await until(() => rec.log.includes('open'));
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      expect(() => socket.send(cyclic)).toThrow(expect.objectContaining({ code: ErrorCode.SignalInvalid }));
      expect(() => socket.send(undefined)).toThrow(
        expect.objectContaining({ code: ErrorCode.SignalInvalid }),
      );
      expect(socket.state).toBe('open');
    });

    it('reports a server close with its code and reason, without an error', async () => {
      const { socket, rec } = connect();
      await until(() => rec.log.includes('open'));
      socket.send({ cmd: 'close', code: 4001, reason: 'bye' });
      await until(() => closed(rec.log));
      expect(rec.log).toEqual(['open', 'close:4001:bye']);
      expect(socket.state).toBe('closed');
      expect(socket.send({ after: true })).toBe(false);
    });

    it('reports SERVER_GONE then close 1006 when the connection drops', async () => {
      const { rec, socket } = connect();
      await until(() => rec.log.includes('open'));
      socket.send({ cmd: 'drop' });
      await until(() => closed(rec.log));
      expect(rec.log).toEqual(['open', `error:${ErrorCode.ServerGone}`, 'close:1006:']);
    });

    it('reports SERVER_UNREACHABLE then close 1006 when nothing listens', async () => {
      const { socket, rec } = connect(env.unreachableUrl);
      await until(() => closed(rec.log));
      expect(rec.log).toEqual([`error:${ErrorCode.ServerUnreachable}`, 'close:1006:']);
      expect(socket.state).toBe('closed');
    });

    it('drops a frame that is not JSON with SIGNAL_INVALID and stays open', async () => {
      const { socket, rec } = connect();
      await until(() => rec.log.includes('open'));
      socket.send({ cmd: 'garbage' });
      socket.send({ after: 'garbage' });
      await until(() => rec.messages.length === 1);
      expect(rec.log).toEqual(['open', `error:${ErrorCode.SignalInvalid}`, 'message']);
      expect(rec.messages).toEqual([{ after: 'garbage' }]);
      expect(socket.state).toBe('open');
    });

    it('closes locally once, without an error', async () => {
      const { socket, rec } = connect();
      await until(() => rec.log.includes('open'));
      socket.close(1000, 'done');
      socket.close();
      expect(socket.state).toBe('closed');
      expect(socket.send({ x: 1 })).toBe(false);
      await until(() => closed(rec.log));
      await new Promise((r) => setTimeout(r, 30));
      expect(rec.log).toEqual(['open', 'close:1000:done']);
    });

    it('can be closed while still connecting, without open or error', async () => {
      const { socket, rec } = connect();
      socket.close();
      await until(() => closed(rec.log));
      await new Promise((r) => setTimeout(r, 30));
      expect(rec.log).toHaveLength(1);
      expect(rec.log[0]).toMatch(/^close:/);
    });
  });
}
