import { networkInterfaces } from 'node:os';
import { resolveConfig } from './config.js';
import { describeConfig } from './config-printout.js';
import { EXIT_BAD_CONFIG, EXIT_CANNOT_LISTEN } from './exit-codes.js';
import { createLogger } from './logger.js';
import { readSettings, readTlsFiles } from './settings.js';
import { startServer } from './server.js';

/** IPv4 addresses other machines on the LAN can reach this one at. */
function lanAddresses(): string[] {
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) out.push(a.address);
  }
  return out;
}

async function main(): Promise<void> {
  let settings;
  let config;
  try {
    settings = readSettings(process.env);
    config = resolveConfig(settings.options); // checks combinations too, before anything listens
  } catch (err) {
    console.error(`tabswarm: bad configuration: ${(err as Error).message}`);
    process.exit(EXIT_BAD_CONFIG);
  }
  const log = createLogger({ level: settings.logLevel, logPeers: settings.logPeers });
  log.info('configuration', { config: describeConfig(config, settings) });
  const { options } = settings;
  const server = await startServer({ ...options, log }).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    const why =
      e.code === 'EADDRINUSE'
        ? `a port is already in use (PORT ${options.port}${options.httpRedirectPort === undefined ? '' : `, HTTP_REDIRECT_PORT ${options.httpRedirectPort}`})`
        : e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND'
          ? `HOST ${options.host ?? ''} is not an address of this machine`
          : e.code === 'EACCES'
            ? `not allowed to listen on PORT ${options.port} (ports below 1024 need privileges)`
            : e.message;
    log.error('cannot start the server', { error: why });
    process.exit(EXIT_CANNOT_LISTEN);
  });
  const wildcard = options.host === undefined || options.host === '0.0.0.0' || options.host === '::';
  const scheme = options.tls === undefined ? 'http' : 'https';
  const urls = [
    ...(options.publicUrl === undefined ? [] : [options.publicUrl]),
    server.url,
    ...(wildcard ? lanAddresses().map((a) => `${scheme}://${a}:${server.port}/`) : []),
  ];
  log.info(`tabswarm is running; open ${urls[0] ?? server.url}`, {
    urls,
    signaling: server.wsUrl,
    redirectPort: server.redirectPort ?? null,
    metrics: `${server.url}metrics`,
  });
  if (scheme === 'http' && wildcard)
    log.info(
      'plain http: pages opened from another machine lack copy, persistent storage and streaming; see README "HTTPS"',
    );

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info('stopping', { signal });
    // The drain bounds itself; this is the backstop should anything hang.
    setTimeout(() => process.exit(1), config.drainTimeoutMs + 2_000).unref();
    void server.drain().then(() => process.exit(0));
  };
  // A renewed certificate is picked up without a restart (no drain, no tab disturbed).
  const tlsFiles = settings.tlsFiles;
  if (tlsFiles !== undefined)
    process.on('SIGHUP', () => {
      try {
        server.reloadTls(readTlsFiles(tlsFiles));
      } catch (err) {
        log.error('certificate not reloaded; serving the previous one', { error: (err as Error).message });
      }
    });
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

void main();
