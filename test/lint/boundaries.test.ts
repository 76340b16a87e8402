import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** One instance for the whole file: loading the config is the slow part. */
let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** Lints `code` as if it lived at `filePath` (relative to the repository root). */
async function lint(filePath: string, code: string): Promise<{ ruleId: string | null; message: string }[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${filePath}` });
  return (result?.messages ?? []).map(({ ruleId, message }) => ({ ruleId, message }));
}

/** A module that imports `specifier` and uses what it gets, so only the boundary rules can fire. */
const importing = (specifier: string): string => `import { x } from '${specifier}';\nexport const y = x;\n`;

const IMPORTS = 'no-restricted-imports';

describe('import boundaries hold at every depth', () => {
  const violations: [file: string, specifier: string, rule: string, says: RegExp][] = [
    ['shared/x.ts', '../client/src/app/tab-node.js', IMPORTS, /may not import client\//],
    ['shared/dht/handlers/x.ts', '../../../client/src/app/tab-node.js', IMPORTS, /may not import client\//],
    ['shared/dht/x.ts', '../../signaling-server/hub.js', IMPORTS, /signaling-server\//],
    ['shared/a/b/c/d.ts', '../../../../sim/clock.js', IMPORTS, /sim\//],
    ['shared/a/x.ts', '../../bench/main.js', IMPORTS, /bench\//],
    ['shared/a/x.ts', '../../e2e/fixtures.js', IMPORTS, /e2e\//],
    ['shared/a/b.ts', 'node:fs', IMPORTS, /Node built-ins/],
    ['shared/a/b/c.ts', 'fs/promises', IMPORTS, /Node built-ins/],
    ['shared/x.ts', 'crypto', IMPORTS, /Node built-ins/],
    ['shared/wire/x.ts', 'ws', IMPORTS, /I\/O dependencies/],
    ['shared/wire/x.ts', 'simple-peer/simplepeer.min.js', IMPORTS, /I\/O dependencies/],
    ['shared/a/b/x.ts', '@roamhq/wrtc', IMPORTS, /I\/O dependencies/],
    ['shared/x.ts', 'idb-keyval', IMPORTS, /I\/O dependencies/],
    ['shared/x.ts', 'lit/directives/unsafe-svg.js', IMPORTS, /I\/O dependencies/],
    ['client/src/ui/x.ts', '../adapters/peer-link.js', IMPORTS, /only renders/],
    ['client/src/ui/panels/deep/x.ts', '../../../adapters/idb-piece-store.js', IMPORTS, /only renders/],
    ['sim/x.ts', '../client/src/app/tab-node.js', IMPORTS, /sim\/ .*client\//],
    ['sim/baselines/x.ts', '../../client/src/adapters/emitter.js', IMPORTS, /sim\/ .*client\//],
  ];

  it.each(violations)('%s importing %s is flagged', async (file, specifier, rule, says) => {
    const messages = await lint(file, importing(specifier));
    expect(messages).toHaveLength(1);
    expect(messages[0]?.ruleId).toBe(rule);
    expect(messages[0]?.message).toMatch(says);
  });

  it('flags re-exports and dynamic imports in shared/', async () => {
    const reexport = await lint('shared/dht/x.ts', "export { x } from '../../client/src/app/status.js';\n");
    expect(reexport.map((m) => m.ruleId)).toEqual([IMPORTS]);
    const dynamic = await lint('shared/dht/x.ts', "export const m = () => import('../bytes.js');\n");
    expect(dynamic.map((m) => m.ruleId)).toEqual(['no-restricted-syntax']);
  });

  it('still bans the I/O globals in shared/ at depth', async () => {
    const messages = await lint('shared/a/b/c.ts', 'export const t = () => setTimeout(() => {}, 1);\n');
    expect(messages.map((m) => m.ruleId)).toEqual(['no-restricted-globals']);
  });

  it('leaves clean files alone', async () => {
    const clean: [string, string][] = [
      ['shared/dht/handlers/x.ts', '../../../bytes.js'],
      ['shared/x.ts', 'zod'],
      ['shared/a/x.ts', '@noble/hashes/legacy.js'],
      ['shared/dht/x.ts', './client-id.js'],
      ['client/src/ui/x.ts', '../app/status.js'],
      ['client/src/app/x.ts', '../adapters/peer-link.js'],
      ['sim/x.ts', '../shared/random.js'],
      ['signaling-server/x.ts', 'node:fs'],
    ];
    for (const [file, specifier] of clean) expect(await lint(file, importing(specifier)), file).toEqual([]);
  });
});
