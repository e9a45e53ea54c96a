// Renderer tests (Svelte components and the form model): Svelte compiled for
// the browser, DOM from jsdom. Run alone with
//   npx vitest run --config vitest.renderer.config.mts
// or as the "renderer" project of the root vitest.config.ts.
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [svelte({ configFile: false }), svelteTesting({ resolveBrowser: false })],
  // Svelte's package exports resolve to its server build under the default (node)
  // conditions; components must mount, so resolve the browser build.
  resolve: { conditions: ['browser', 'module', 'import', 'default'] },
  test: {
    name: 'renderer',
    root: '.',
    include: ['test/renderer/**/*.test.ts'],
    environment: 'jsdom',
    pool: 'forks',
    testTimeout: 30_000,
  },
});
