import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../signaling-server/config.js';
import { MASK, describeConfig } from '../../signaling-server/config-printout.js';
import { EXIT_BAD_CONFIG, EXIT_CANNOT_LISTEN } from '../../signaling-server/exit-codes.js';
import { readSettings } from '../../signaling-server/settings.js';
import { spawnServer } from './server-process.js';

const dir = mkdtempSync(join(tmpdir(), 'tabswarm-settings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a config file and returns its path. */
function configFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

/** Start-up as main does it: read every setting, then check them together. */
const startUp = (env: Record<string, string>) => resolveConfig(readSettings(env).options);

describe('a bad setting of each kind stops start-up with a message naming it', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['port', { PORT: '99999' }, /^PORT must be <= 65535/],
    [
      'ICE/TURN',
      { ICE_SERVERS: '[{"urls":"turn:t.example.org","username":5}]' },
      /^ICE_SERVERS\[0\.username\]/,
    ],
    [
      'STUN URL',
      { ICE_SERVERS: '[{"urls":["stun:s.example.org","http://s.example.org"]}]' },
      /^ICE_SERVERS\[0\.urls\]: "http:\/\/s.example.org" is not a stun:/,
    ],
    [
      'TURN without credential',
      { ICE_SERVERS: '[{"urls":"turns:t.example.org:443","username":"u"}]' },
      /^ICE_SERVERS\[0\]: the TURN server turns:t.example.org:443 needs a username and a credential/,
    ],
    [
      'static files',
      { STATIC_DIR: join(dir, 'no-such-dist') },
      /^STATIC_DIR: .*no-such-dist is not a directory/,
    ],
    ['limit', { MAX_CONNECTIONS: '0' }, /^MAX_CONNECTIONS must be >= 1/],
    [
      'timeouts together',
      { HTTP_HEADERS_TIMEOUT_MS: '9000', HTTP_REQUEST_TIMEOUT_MS: '1000' },
      /^HTTP_HEADERS_TIMEOUT_MS/,
    ],
    [
      'origin',
      { ALLOWED_ORIGINS: 'swarm.example.org' },
      /^ALLOWED_ORIGINS: "swarm.example.org" is not an origin/,
    ],
    ['public URL', { PUBLIC_URL: 'swarm.example.org' }, /^PUBLIC_URL:/],
    ['proxy', { TRUST_PROXY: '10.0.0.0/40' }, /^TRUST_PROXY: "10.0.0.0\/40"/],
    ['proxy as a yes', { TRUST_PROXY: '1' }, /^TRUST_PROXY: list the proxy addresses/],
    [
      'TLS',
      { TLS_CERT: join(dir, 'missing.pem'), TLS_KEY: join(dir, 'missing.pem') },
      /^TLS_CERT: cannot read/,
    ],
    ['redirect', { HTTP_REDIRECT_PORT: '80' }, /^HTTP_REDIRECT_PORT redirects to HTTPS/],
    ['drain', { DRAIN_TIMEOUT_MS: '10' }, /^DRAIN_TIMEOUT_MS must be >= 100/],
    ['log level', { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL must be one of debug, info, warn, error, silent/],
    ['log peers', { LOG_PEERS: 'sometimes' }, /^LOG_PEERS must be 1\/0/],
    [
      'config file',
      { CONFIG_FILE: join(dir, 'none.json') },
      /^CONFIG_FILE: cannot read .*none.json as JSON \(ENOENT\)/,
    ],
  ];
  for (const [kind, env, message] of cases)
    it(kind, () => {
      expect(() => startUp(env)).toThrow(message);
    });

  it('in the process: exits with its own status and the message, before listening', async () => {
    const runs = [
      spawnServer({ PORT: 'eighty' }),
      spawnServer({ PORT: '0', CONFIG_FILE: configFile('typo.json', { PROT: 8080 }) }),
      // A host this machine does not have is found only when listening.
      spawnServer({ PORT: '0', HOST: '203.0.113.254' }),
    ];
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes).toEqual([EXIT_BAD_CONFIG, EXIT_BAD_CONFIG, EXIT_CANNOT_LISTEN]);
    expect(runs[0]?.stderr()).toMatch(/^tabswarm: bad configuration: PORT must be a number/);
    expect(runs[1]?.stderr()).toMatch(/bad configuration: CONFIG_FILE: PROT is not a setting/);
    expect(runs.slice(0, 2).every((r) => r.lines.length === 0)).toBe(true);
    expect(runs[2]?.lines.at(-1)).toMatchObject({
      level: 'error',
      error: 'HOST 203.0.113.254 is not an address of this machine',
    });
  });
});

describe('a config file', () => {
  it('sets anything the environment can, with the environment winning', () => {
    mkdirSync(join(dir, 'public'), { recursive: true });
    const path = configFile('tabswarm.json', {
      PORT: 8443,
      HOST: '127.0.0.1',
      STATIC_DIR: 'public',
      TRUST_PROXY: ['loopback', '10.0.0.0/8'],
      ICE_SERVERS: [{ urls: 'stun:stun.example.org:3478' }],
      LOG_PEERS: true,
      LOG_LEVEL: 'warn',
    });
    const s = readSettings({ CONFIG_FILE: path, HOST: '0.0.0.0', LOG_LEVEL: 'debug' });
    expect(s.configFile).toBe(path);
    expect(s.options).toMatchObject({
      port: 8443,
      host: '0.0.0.0',
      staticDir: join(dir, 'public'), // relative to the file
      trustProxy: ['loopback', '10.0.0.0/8'],
      iceServers: [{ urls: 'stun:stun.example.org:3478' }],
    });
    expect([s.logLevel, s.logPeers]).toEqual(['debug', true]);
  });

  it('must be a JSON object of known settings with plain values', () => {
    expect(() => readSettings({ CONFIG_FILE: configFile('list.json', [1]) })).toThrow(
      /^CONFIG_FILE: .* must hold a JSON object/,
    );
    expect(() => readSettings({ CONFIG_FILE: configFile('broken.json', '{"PORT": ') })).toThrow(
      /^CONFIG_FILE: cannot read .* as JSON/,
    );
    expect(() => readSettings({ CONFIG_FILE: configFile('nested.json', { PORT: { n: 1 } }) })).toThrow(
      /^PORT: in .* must be a string, number, boolean or list/,
    );
    expect(() => readSettings({ CONFIG_FILE: configFile('bad-port.json', { PORT: -1 }) })).toThrow(
      /^PORT must be >= 0/,
    );
  });
});

describe('the printout at start', () => {
  it('shows every setting in force with TURN credentials masked', () => {
    const settings = readSettings({
      ICE_SERVERS: JSON.stringify([{ urls: 'turn:t.example.org', username: 'u', credential: 'hunter2' }]),
      TRUST_PROXY: 'loopback',
    });
    const printed = describeConfig(resolveConfig(settings.options), settings);
    expect(JSON.stringify(printed)).not.toContain('hunter2');
    expect(printed).toMatchObject({
      PORT: 8080,
      HOST: '0.0.0.0',
      ICE_SERVERS: [{ urls: 'turn:t.example.org', username: 'u', credential: MASK }],
      TRUST_PROXY: ['loopback'],
      TLS_CERT: null,
      LOG_LEVEL: 'info',
      LOG_PEERS: false,
    });
  });
});
