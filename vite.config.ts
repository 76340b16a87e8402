import { resolve } from 'node:path';
import { defineConfig } from 'vite';

// The client lives in client/; the build lands in dist/, which the signaling server serves.
// The service worker is an entry of its own, at dist/sw.js (the site root: its scope is the page).
export default defineConfig({
  root: 'client',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        index: resolve(import.meta.dirname, 'client/index.html'),
        sw: resolve(import.meta.dirname, 'client/src/sw/sw.ts'),
      },
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
});
