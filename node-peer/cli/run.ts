import { main } from './main.js';

/**
 * The process around {@link main}: real stdout/stderr/environment, SIGINT and SIGTERM as the
 * stop signal (a second Ctrl-C exits at once), and an exit once the peer has stopped.
 */
export async function run(argv: readonly string[]): Promise<number> {
  const interrupted = new Promise<string>((resolve) => {
    const stop = (signal: string): void => {
      process.once(signal, () => process.exit(130)); // a second one: do not wait any more
      resolve(signal);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  const code = await main(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    interrupted,
  });
  // wrtc and sockets may keep handles open after the peer stopped: the work is done.
  setTimeout(() => process.exit(code), 100).unref();
  return code;
}
