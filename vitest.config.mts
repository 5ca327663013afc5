import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers, real SQLite files and a real Chromium: two cores, so keep the fan-out small.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
