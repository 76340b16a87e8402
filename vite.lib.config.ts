import { builtinModules } from 'node:module';
import { defineConfig } from 'vite';
import pkg from './package.json' with { type: 'json' };

/** Packages the library imports but does not bundle: the app's bundler (or Node) resolves them. */
const dependencies = Object.keys(pkg.dependencies);
const external = (id: string): boolean =>
  id.startsWith('node:') ||
  builtinModules.includes(id) ||
  dependencies.some((dep) => id === dep || id.startsWith(`${dep}/`)) ||
  id === '@roamhq/wrtc' ||
  id.startsWith('@roamhq/wrtc/');

/**
 * `npm run build:lib`: the library (client/src/lib/) and the Node peer (node/) as ES modules in
 * lib-dist/, one output file per source module so an app's bundler drops what it does not use.
 * Type declarations come from `tsc -p tsconfig.lib.json` into lib-dist/types/.
 */
export default defineConfig({
  build: {
    outDir: 'lib-dist',
    emptyOutDir: false,
    target: 'es2022',
    sourcemap: true,
    minify: false,
    lib: {
      entry: { index: 'client/src/lib/index.ts', node: 'node-peer/index.ts', cli: 'node-peer/cli/run.ts' },
      formats: ['es'],
    },
    rollupOptions: {
      external,
      output: { preserveModules: true, preserveModulesRoot: '.', entryFileNames: '[name].js' },
    },
  },
});
