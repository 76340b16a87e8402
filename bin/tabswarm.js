#!/usr/bin/env node
// The `tabswarm` command: the built CLI (lib-dist/, `npm run build:lib`) when there is one, else
/* global process, URL */
// the sources through tsx (a checkout of the repository).
import { existsSync } from 'node:fs';

const built = new URL('../lib-dist/cli.js', import.meta.url);
let cli;
if (existsSync(built)) {
  cli = await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import(new URL('../node-peer/cli/run.ts', import.meta.url).href);
}
process.exitCode = await cli.run(process.argv.slice(2));
