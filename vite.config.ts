import { defineConfig } from 'vite';

// The client lives in client/; the build lands in dist/, which the signaling server serves.
export default defineConfig({
  root: 'client',
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
