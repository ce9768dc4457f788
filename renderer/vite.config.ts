// Vite build of the renderer: Svelte 5 pages → renderer/dist (relative asset URLs, so the same build loads from
// `serve` over HTTP and from file:// inside Electron).
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  logLevel: 'warn',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
    // The Svelte compiler dominates build time by design; rolldown's "slow plugin" notice is noise here.
    rolldownOptions: { checks: { pluginTimings: false } },
  },
});
