import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Built against the library's sources, under the name an app installing the package imports.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: { alias: { tabswarm: fileURLToPath(new URL('../../client/src/lib/index.ts', import.meta.url)) } },
  build: { outDir: '../../.tmp/share-box', emptyOutDir: true, target: 'es2022' },
});
