import { describe, expect, it } from 'vitest';
import { PEER_FIELDS } from '../../signaling-server/logger.js';
import { startServer } from '../../signaling-server/server.js';
import { memoryLog } from './memory-log.js';
import { registered, tabId } from './ws-client.js';

const PEER = tabId(1);
const ADDRESS = '198.51.100.7';

describe('the server log', () => {
  it('writes one JSON object per line with level, ISO time and message', () => {
    const { log, lines } = memoryLog({ level: 'info' });
    log.info('started', { port: 8080 });
    log.debug('hidden at info');
    log.error('broke', { error: 'x' });
    expect(lines).toEqual([
      {
        level: 'info',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as string,
        msg: 'started',
        port: 8080,
      },
      { level: 'error', time: expect.any(String) as string, msg: 'broke', error: 'x' },
    ]);
  });

  it('keeps peer ids and addresses only at debug, unless asked', () => {
    const quiet = memoryLog({ level: 'debug' });
    quiet.log.debug('closing socket', { peer: PEER, address: ADDRESS });
    quiet.log.warn('closing socket', { peer: PEER, address: ADDRESS, reason: 'r' });
    expect(quiet.lines[0]).toMatchObject({ peer: PEER, address: ADDRESS });
    expect(quiet.lines[1]).toMatchObject({ reason: 'r' });
    for (const field of PEER_FIELDS) expect(quiet.lines[1]).not.toHaveProperty(field);

    const asked = memoryLog({ level: 'info', logPeers: true });
    asked.log.error('internal error', { peer: PEER });
    expect(asked.lines[0]).toMatchObject({ peer: PEER });
  });

  it('from a real server at info names no peer', async () => {
    const { log, lines } = memoryLog({ level: 'info' });
    const server = await startServer({ port: 0, host: '127.0.0.1', log });
    const tab = (await registered(server.wsUrl, PEER)).client;
    await tab.close();
    await server.drain();
    expect(lines.map((l) => l.msg)).toEqual(['draining', 'drained']);
    expect(JSON.stringify(lines)).not.toContain(PEER);
  });
});
