import { fileURLToPath } from 'node:url';
import { build, type Rollup } from 'vite';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** Builds the library as `npm run build:lib` does, in memory. */
async function buildLibrary(): Promise<Rollup.OutputChunk[]> {
  const result = await build({
    root: ROOT,
    configFile: `${ROOT}vite.lib.config.ts`,
    logLevel: 'silent',
    build: { write: false, sourcemap: false },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as Rollup.RollupOutput[];
  return outputs.flatMap((o) => o.output).filter((o): o is Rollup.OutputChunk => o.type === 'chunk');
}

describe('the built library (vite.lib.config.ts)', () => {
  it('is ES modules, one per source module, with no lit and no UI code in it', async () => {
    const chunks = await buildLibrary();
    const modules = chunks.flatMap((c) => Object.keys(c.modules));
    expect(modules.length).toBeGreaterThan(50);
    expect(modules.filter((id) => /node_modules[/\\]lit|[/\\]lit-html|@lit[/\\]/.test(id))).toEqual([]);
    expect(modules.filter((id) => id.includes('/client/src/ui/'))).toEqual([]);
    const imports = chunks.flatMap((c) => [...c.imports, ...c.dynamicImports]);
    expect(imports.filter((spec) => /^(lit|@lit)/.test(spec))).toEqual([]);
    for (const chunk of chunks) expect(chunk.code).not.toMatch(/\brequire\(|module\.exports/);
    const index = chunks.find((c) => c.fileName === 'index.js');
    expect(index?.exports).toEqual(
      expect.arrayContaining(['createNode', 'createNodeWith', 'TabswarmNode', 'Transfer']),
    );
  }, 60_000);
});
