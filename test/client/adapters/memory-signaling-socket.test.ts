import {
  MemorySignalingHub,
  MemorySignalingSocketFactory,
} from '../../../client/src/adapters/memory-signaling-socket.js';
import { signalingSocketContract } from './signaling-socket.contract.js';

signalingSocketContract('memory twin', async () => {
  const hub = new MemorySignalingHub();
  const url = 'ws://memory.test/';
  const stop = hub.listen(url, (conn) => {
    conn.on('message', (raw) => {
      const message = raw as { cmd?: string; code?: number; reason?: string };
      if (message?.cmd === 'close') conn.close(message.code, message.reason);
      else if (message?.cmd === 'drop') conn.terminate();
      else if (message?.cmd === 'garbage') conn.sendText('not json {');
      else conn.send(raw);
    });
  });
  return {
    factory: new MemorySignalingSocketFactory(hub),
    url,
    unreachableUrl: 'ws://nowhere.test/',
    stop: async () => stop(),
  };
});
