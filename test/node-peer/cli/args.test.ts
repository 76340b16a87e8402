import { describe, expect, it } from 'vitest';
import { DEFAULT_SERVER, parseArgs, UsageError } from '../../../node-peer/cli/args.js';

const env = { HOME: '/home/x' };

describe('tabswarm command line arguments', () => {
  it('reads seed and get with their options, in either form', () => {
    expect(parseArgs(['seed', 'a.bin', '--server', 'wss://s.example/signal', '--super'], env)).toMatchObject({
      kind: 'seed',
      path: 'a.bin',
      server: 'wss://s.example/signal',
      superPeer: true,
    });
    expect(
      parseArgs(['get', 'magnet:?xt=x', '--out=/tmp/o', '--state', '/tmp/s', '--quiet'], env),
    ).toMatchObject({
      kind: 'get',
      source: 'magnet:?xt=x',
      out: '/tmp/o',
      state: '/tmp/s',
      quiet: true,
    });
  });

  it('takes the server and state folder from the environment, else the defaults', () => {
    expect(parseArgs(['seed', 'f'], env)).toMatchObject({
      server: DEFAULT_SERVER,
      state: '/home/x/.local/state/tabswarm',
    });
    expect(
      parseArgs(['seed', 'f'], {
        TABSWARM_SERVER: 'ws://h:1/signal',
        TABSWARM_STATE: '/s',
        XDG_STATE_HOME: '/x',
      }),
    ).toMatchObject({ server: 'ws://h:1/signal', state: '/s' });
    expect(parseArgs(['seed', 'f'], { XDG_STATE_HOME: '/x' })).toMatchObject({ state: '/x/tabswarm' });
  });

  it.each([
    [[], /no command/],
    [['fetch', 'x'], /unknown command "fetch"/],
    [['seed'], /seed needs a file/],
    [['get'], /get needs a magnet/],
    [['seed', 'a', 'b'], /unexpected "b"/],
    [['seed', 'a', '--bogus'], /unknown option --bogus/],
    [['seed', 'a', '--server'], /--server needs a value/],
    [['seed', 'a', '--server', 'http://x/signal'], /ws:\/\/ or wss:\/\//],
    [['seed', 'a', '--out', 'o'], /--out is for get/],
    [['get', 'm', '--super'], /--super is for seed/],
  ])('refuses %j with a message saying why', (argv, says) => {
    expect(() => parseArgs(argv, env)).toThrow(UsageError);
    expect(() => parseArgs(argv, env)).toThrow(says);
  });

  it('answers --help', () => {
    expect(parseArgs(['seed', '--help'], env)).toEqual({ kind: 'help' });
  });
});
