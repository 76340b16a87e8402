/** `npm run fuzz`: the property suite of test/fuzz, run long. Knobs: see test/fuzz/settings.ts. */
import { main } from '../test/fuzz/runner.js';

try {
  process.exitCode = main(process.env, (line) => console.log(line));
} catch (err) {
  console.error(`fuzz: ${(err as Error).message}`);
  process.exitCode = 2;
}
