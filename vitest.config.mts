import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // tfjs backends are process-global: isolate test files in their own processes.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
