import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The client lives in client/; the build lands in dist/, which the signaling server serves.
// Two entries: the page, and the service worker, which must sit at the site root as /sw.js (its
// scope is the folder it is served from) under a name that does not change between builds.
export default defineConfig({
  root: 'client',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        main: resolve(import.meta.dirname, 'client/index.html'),
        sw: resolve(import.meta.dirname, 'client/src/sw/sw.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
