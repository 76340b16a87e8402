import { WebSocket, WebSocketServer } from 'ws';
import {
  WebSocketSignalingSocketFactory,
  type WebSocketConstructor,
} from '../../../client/src/adapters/websocket-signaling-socket.js';
import { signalingSocketContract, type SignalingTestEnv } from './signaling-socket.contract.js';

/** The contract's echo server over `ws`, on a free port. */
async function startEchoServer(): Promise<SignalingTestEnv> {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? '' : data.toString();
      const message = JSON.parse(text) as { cmd?: string; code?: number; reason?: string };
      if (message?.cmd === 'close') socket.close(message.code, message.reason);
      else if (message?.cmd === 'drop') socket.terminate();
      else if (message?.cmd === 'garbage') socket.send('not json {');
      else socket.send(text);
    });
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('no server address');
  return {
    factory: new WebSocketSignalingSocketFactory({ WebSocket: WebSocket as unknown as WebSocketConstructor }),
    url: `ws://127.0.0.1:${address.port}/`,
    unreachableUrl: 'ws://127.0.0.1:1/',
    stop: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

signalingSocketContract('WebSocket (ws in Node)', startEchoServer);
