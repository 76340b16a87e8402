import { networkInterfaces } from 'node:os';
import { optionsFromEnv, resolveConfig } from './config.js';
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
  let options;
  try {
    options = optionsFromEnv(process.env);
    resolveConfig(options); // checks combinations too, before anything listens
  } catch (err) {
    console.error(`tabswarm: ${(err as Error).message}`);
    process.exit(2);
  }
  const wildcard = options.host === undefined || options.host === '0.0.0.0' || options.host === '::';
  const server = await startServer({ ...options, log: (line) => console.log(line) }).catch((err: unknown) => {
    const e = err as NodeJS.ErrnoException;
    const why = e.code === 'EADDRINUSE' ? `port ${options.port} is already in use (set PORT)` : e.message;
    console.error(`tabswarm: cannot start the server: ${why}`);
    process.exit(1);
  });
  console.log('tabswarm is running. Open:');
  if (options.publicUrl !== undefined) console.log(`  ${options.publicUrl}`);
  console.log(`  ${server.url}`);
  if (wildcard) for (const address of lanAddresses()) console.log(`  http://${address}:${server.port}/`);
  console.log(`signaling endpoint: ${server.wsUrl}`);
  console.log(`stats: ${server.url}stats`);

  const stop = (): void => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

void main();
