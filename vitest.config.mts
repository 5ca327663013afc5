import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/bench/**', 'node_modules/**'],
    environment: 'node',
    // serve runs from its bundle, as `npm run serve` runs it (test/support/cli-bundle.ts)
    globalSetup: ['test/support/cli-bundle-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Real servers, real SQLite files and a real Chromium: two cores, so keep the fan-out small.
    maxWorkers: 2,
    // A poll waits for what the user would see next. On a busy two-core machine a live refresh can take seconds, so
    // polls wait up to 10 s by default (vitest's 1 s made CI fail on a slow moment); a failing poll only ends later.
    expect: { poll: { timeout: 10_000, interval: 50 } },
    reporters: ['default'],
  },
});
