import { defineConfig } from 'vitest/config';

// Two projects: Node-side suites (engine, CLI, host, transports, end-to-end in
// Chromium) and the renderer's component tests (jsdom, Svelte browser build).
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', '**/node_modules/**'],
          // tfjs backends are process-global: isolate test files in their own processes.
          pool: 'forks',
          testTimeout: 120_000,
          // Polls wait for a state, however busy the machine (the default of 1 s fails end-to-end tests under load).
          expect: { poll: { timeout: 30_000 } },
          hookTimeout: 900_000,
        },
      },
      './vitest.renderer.config.mts',
    ],
  },
});
