import { connect } from 'node:net';

/** What came back on a raw connection: the status of the first response line, if any. */
export interface RawReply {
  status: number | undefined;
  /** The server closed the connection (rather than the wait running out). */
  closed: boolean;
  text: string;
}

/**
 * Writes `request` byte for byte on a fresh TCP connection (no client library normalises it)
 * and collects the reply until the server closes or `timeoutMs` passes.
 */
export function rawRequest(port: number, request: string, timeoutMs = 2000): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ status: statusOf(text), closed, text });
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('close', () => done(true));
    socket.on('error', () => done(true));
    socket.on('connect', () => socket.write(request));
  });
}

function statusOf(text: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3})/.exec(text);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** A GET of `target`, plain or as a WebSocket upgrade. */
export function getRequest(target: string, upgrade = false): string {
  const ws = upgrade
    ? 'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'
    : 'Connection: close\r\n';
  return `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\n${ws}\r\n`;
}
