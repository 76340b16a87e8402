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
    // What a web app imports reaches no Node module: those are the `tabswarm/node` entry's.
    const byName = new Map(chunks.map((c) => [c.fileName, c]));
    const seen = new Set<string>();
    const external = new Set<string>();
    const visit = (name: string): void => {
      if (seen.has(name)) return;
      seen.add(name);
      const chunk = byName.get(name);
      if (chunk === undefined) return void external.add(name);
      for (const spec of chunk.imports) visit(spec);
    };
    visit('index.js');
    expect(seen.size - external.size).toBeGreaterThan(50);
    expect([...seen].filter((name) => name.startsWith('node-peer/'))).toEqual([]);
    expect([...external].filter((spec) => /^(node:|ws$|@roamhq\/wrtc)/.test(spec))).toEqual([]);
    expect(byName.get('node.js')?.exports).toEqual(expect.arrayContaining(['createNodePeer', 'createNode']));
  }, 60_000);
});
